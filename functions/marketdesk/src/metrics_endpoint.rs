//! `/metrics` for Prometheus: `marketdesk serve` records the metrics of
//! `marketdesk_core::metrics` with `metrics-exporter-prometheus` and, when
//! `MARKETDESK_METRICS_LISTEN` names an address, serves them there in the text format. Its own
//! address keeps it off the public API and its authentication; `MARKETDESK_METRICS_TOKEN`
//! optionally asks scrapers for `Authorization: Bearer <token>` as well.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use marketdesk_core::config::{ConfigError, Env};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Address of the metrics endpoint (unset: metrics are recorded but not served).
pub const LISTEN_VAR: &str = "MARKETDESK_METRICS_LISTEN";
/// Bearer token scrapers must send (unset: none needed; the address is the protection).
pub const TOKEN_VAR: &str = "MARKETDESK_METRICS_TOKEN";

/// The process's Prometheus recorder, installed once.
static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the Prometheus recorder as the process's metrics recorder (once; later calls
/// return the same handle) and describes marketdesk's metrics.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!(
                    "another metrics recorder was installed first; /metrics stays empty"
                );
            }
            marketdesk_core::metrics::describe();
            handle
        })
        .clone()
}

/// Why the metrics endpoint could not start.
#[derive(Debug, thiserror::Error)]
pub enum MetricsEndpointError {
    /// The address variable is not an address.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The address cannot be bound.
    #[error("cannot listen on {addr} ({LISTEN_VAR}): {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
}

#[derive(Clone)]
struct Scrape {
    handle: PrometheusHandle,
    /// SHA-256 of the expected token: compared without leaking its length or prefix timing.
    token_hash: Option<[u8; 32]>,
}

/// Installs the recorder and, when `MARKETDESK_METRICS_LISTEN` is set, serves `GET /metrics`
/// there until `stop` turns true. Returns the server's task and its bound address.
pub async fn spawn(
    env: &Env,
    mut stop: watch::Receiver<bool>,
) -> Result<Option<(JoinHandle<()>, SocketAddr)>, MetricsEndpointError> {
    let handle = install();
    let Some(text) = env.optional(LISTEN_VAR) else {
        return Ok(None);
    };
    let addr: SocketAddr = text.trim().parse().map_err(|_| ConfigError::Invalid {
        var: LISTEN_VAR.into(),
        value: text.into(),
        reason: "expected an address such as 127.0.0.1:9464".into(),
    })?;
    let token_hash = env
        .optional(TOKEN_VAR)
        .map(|token| Sha256::digest(token.trim().as_bytes()).into());
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| MetricsEndpointError::Listen { addr, source })?;
    let bound = listener.local_addr().unwrap_or(addr);
    let app = axum::Router::new()
        .route("/metrics", get(scrape))
        .with_state(Arc::new(Scrape { handle, token_hash }));
    tracing::info!(metrics = %format!("http://{bound}/metrics"), "serving Prometheus metrics");
    let task = tokio::spawn(async move {
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            crate::loops::stopped(&mut stop).await;
        });
        if let Err(error) = server.await {
            tracing::error!(%error, "the metrics endpoint failed");
        }
    });
    Ok(Some((task, bound)))
}

async fn scrape(State(scrape): State<Arc<Scrape>>, headers: HeaderMap) -> Response {
    if let Some(expected) = scrape.token_hash {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(|token| <[u8; 32]>::from(Sha256::digest(token.trim().as_bytes())));
        if given != Some(expected) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "metrics need Authorization: Bearer <MARKETDESK_METRICS_TOKEN>\n",
            )
                .into_response();
        }
    }
    scrape.handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        scrape.handle.render(),
    )
        .into_response()
}
