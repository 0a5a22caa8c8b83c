//! The marketplace simulator: a stateful fake of Allegro and EmpikPlace (Mirakl) that behaves
//! like the real services as documented in `../shared/reference/` — paths, media types, error
//! bodies, paging, limits, token rotation — plus a control API (`/__simulator/...`) through which
//! tests and the demo play buyers, marketplace staff and faults.
//!
//! One HTTP server serves everything: the Allegro REST API (`/me`, `/sale/...`, `/messaging/...`,
//! `/order/...`), Allegro's OAuth endpoints (`/auth/oauth/...`), the Mirakl seller API (`/api/...`)
//! and the control API. Point the Allegro API URL, the Allegro auth URL and the EmpikPlace URL
//! all at [`RunningSimulator::base_url`].

pub mod allegro;
pub mod clock;
pub mod config;
pub mod control;
pub mod empik;
pub mod faults;
pub mod requests;
pub mod state;

pub use config::SimulatorConfig;
pub use state::SimulatorState;

use axum::Router;
use std::net::SocketAddr;

/// The whole simulator as one router.
pub fn router(state: SimulatorState) -> Router {
    Router::new()
        .merge(allegro::api::routes())
        .merge(empik::api::routes())
        .nest("/__simulator", control::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            faults::injection::inject,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            requests::logging::record,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(state)
}

/// A simulator serving on a local port.
pub struct RunningSimulator {
    /// `http://<addr>`: the base URL of every API the simulator serves.
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// The simulator's state, for tests that inspect or seed it directly.
    pub state: SimulatorState,
    task: tokio::task::JoinHandle<()>,
}

impl RunningSimulator {
    /// Starts a simulator on `addr` (use port 0 for a free port).
    pub async fn start(addr: SocketAddr, config: SimulatorConfig) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = SimulatorState::new(config);
        let app = router(state.clone());
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "simulator server stopped");
            }
        });
        Ok(Self {
            base_url: format!("http://{addr}"),
            addr,
            state,
            task,
        })
    }

    /// Starts a simulator on a free loopback port with the default configuration.
    pub async fn start_local() -> std::io::Result<Self> {
        Self::start(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            SimulatorConfig::default(),
        )
        .await
    }

    /// Waits until the server stops (it runs until the process ends or it is dropped).
    pub async fn wait(self) {
        let _ = (&mut { self }.task).await;
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}
