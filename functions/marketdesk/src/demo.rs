//! `marketdesk demo`: the marketplace simulator and `marketdesk serve` in one process, set up
//! the way a seller would set up marketdesk, with simulated buyers writing in, and a plain
//! line for everything that happens.
//!
//! The order matters: the API comes first (the Allegro OAuth redirect lands on it), then
//! [`setup`] connects the accounts, and only then do the background loops start, so a second
//! run never polls the fresh simulator with the previous run's dead tokens.

mod client;
mod narrator;
mod script;
mod setup;
mod watch;

use crate::cli::DemoArgs;
use crate::loops;
use crate::serve;
use client::CallError;
use marketdesk_channels::settings::{default_user_agent, AllegroSettings, ChannelSettings};
use marketdesk_channels::wiring::{Channels, WiringError};
use marketdesk_core::config::Env;
use marketdesk_core::ports::{Ports, SystemClock};
use marketdesk_simulator::{RunningSimulator, SimulatorConfig};
use narrator::Narrator;
use secrecy::ExposeSecret;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch as signal;

/// Why the demo stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// An option's value is unusable.
    #[error("--{option}: {message}")]
    Invalid {
        /// The option, without dashes.
        option: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The data directory could not be made or opened.
    #[error("cannot use the data directory {path}: {message}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// An address cannot be bound.
    #[error(
        "cannot listen on {addr} ({what}): {source}; pick another with --{option} 127.0.0.1:PORT"
    )]
    Listen {
        /// API or simulator.
        what: &'static str,
        /// The option naming the address.
        option: &'static str,
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The marketplace channels could not be built.
    #[error(transparent)]
    Channels(#[from] WiringError),
    /// A setup step failed.
    #[error("setting up the demo failed: {0}")]
    Setup(String),
    /// A call to the API or the simulator failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The HTTP server failed.
    #[error("HTTP server failed: {0}")]
    Http(std::io::Error),
}

/// Logs go to stderr at `warn` unless `MARKETDESK_LOG` or `RUST_LOG` says otherwise, so the
/// demo's own lines on stdout stay readable.
pub fn init_tracing(env: &Env) {
    let filter = env
        .optional("MARKETDESK_LOG")
        .or_else(|| env.optional("RUST_LOG"))
        .unwrap_or("warn");
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

/// Where the demo keeps its data: a directory it was given, or a temporary one it removes.
enum DataDir {
    Kept(PathBuf),
    Temporary(tempfile::TempDir),
}

impl DataDir {
    fn new(flag: Option<PathBuf>) -> Result<Self, DemoError> {
        match flag {
            Some(path) => Ok(Self::Kept(path)),
            None => tempfile::Builder::new()
                .prefix("marketdesk-demo-")
                .tempdir()
                .map(Self::Temporary)
                .map_err(|error| DemoError::DataDir {
                    path: std::env::temp_dir(),
                    message: error.to_string(),
                }),
        }
    }

    fn path(&self) -> PathBuf {
        match self {
            Self::Kept(path) => path.clone(),
            Self::Temporary(dir) => dir.path().to_path_buf(),
        }
    }

    fn note(&self) -> &'static str {
        match self {
            Self::Kept(_) => "kept; run again with the same --data to continue",
            Self::Temporary(_) => "removed on exit; --data DIR keeps it",
        }
    }
}

/// Runs the demo until Ctrl-C or SIGTERM, then lets in-flight work finish.
pub async fn run(args: DemoArgs) -> Result<(), DemoError> {
    if !(args.pace.is_finite() && args.pace > 0.0) {
        return Err(DemoError::Invalid {
            option: "pace",
            message: "must be a positive number".into(),
        });
    }
    let data = DataDir::new(args.data.clone())?;
    let ports: Ports = marketdesk_local::LocalBackend::open(&data.path(), Arc::new(SystemClock))
        .map_err(|error| DemoError::DataDir {
            path: data.path(),
            message: error.to_string(),
        })?;

    let simulator = RunningSimulator::start(args.simulator_listen, SimulatorConfig::default())
        .await
        .map_err(|source| DemoError::Listen {
            what: "marketplace simulator",
            option: "simulator-listen",
            addr: args.simulator_listen,
            source,
        })?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|source| DemoError::Listen {
            what: "API",
            option: "listen",
            addr: args.listen,
            source,
        })?;
    let api_addr = listener.local_addr().map_err(DemoError::Http)?;
    let api_url = format!("http://{api_addr}");

    let channel_settings = demo_channel_settings(&api_url, &simulator.base_url);
    let mut channels = Channels::build(&ports, &channel_settings)?;
    // Every inbox read at the demo's own interval, as `serve` reads the variables; offers too
    // (not every 10 minutes), so switching them on shows them at once.
    channels.polling = marketdesk_core::services::polling::PollingSettings {
        allegro_budget: channel_settings.allegro_budget,
        offers_every: args.poll_interval,
        ..marketdesk_core::services::polling::PollingSettings::new(args.poll_interval)
    };
    let (stop_tx, stop_rx) = signal::channel(false);
    // The same application as `marketdesk serve` builds.
    let people = marketdesk_core::services::people::PeopleSettings::default()
        .with_default_public_url(api_url.clone());
    let app = serve::app(ports.clone(), &channels, people);
    let mut http_stop = stop_rx.clone();
    let server = tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { loops::stopped(&mut http_stop).await })
            .await
    });

    println!(
        "marketdesk demo: marketplace simulator (fake Allegro and EmpikPlace) on {}",
        simulator.base_url
    );
    println!(
        "marketdesk demo: API on {api_url} (data in {}: {})",
        data.path().display(),
        data.note()
    );

    let mut shutdown = std::pin::pin!(crate::serve::shutdown_signal());
    let prepared = tokio::select! {
        prepared = setup::prepare(&ports, &api_url, &simulator.base_url) => Some(prepared),
        () = &mut shutdown => None,
    };
    let mut workers = Vec::new();
    let outcome = match prepared {
        None => Ok(()),
        Some(Err(error)) => Err(error),
        Some(Ok(prepared)) => {
            workers = loops::spawn_all(
                ports.clone(),
                channels.clone(),
                loops::LoopSettings {
                    poll_interval: args.poll_interval,
                    workers: crate::settings::DEFAULT_WORKERS,
                    poll_timeout: crate::settings::DEFAULT_POLL_TIMEOUT,
                },
                stop_rx.clone(),
            );
            print_welcome(&api_url, &prepared);
            let narrator = Narrator::start();
            let show = async {
                tokio::join!(
                    script::play(&prepared, narrator, args.pace),
                    watch::run(&prepared, narrator)
                )
            };
            tokio::select! {
                _ = show => {},
                () = &mut shutdown => {},
            }
            Ok(())
        }
    };

    if outcome.is_ok() {
        println!("marketdesk demo: stopping; in-flight work finishes first");
    }
    let _ = stop_tx.send(true);
    for worker in workers {
        let _ = worker.await;
    }
    let served = match server.await {
        Ok(result) => result.map_err(DemoError::Http),
        Err(join_error) => Err(DemoError::Http(std::io::Error::other(join_error))),
    };
    drop(simulator);
    outcome?;
    served?;
    match &data {
        DataDir::Kept(path) => println!(
            "marketdesk demo: stopped; `marketdesk demo --data {}` continues where this run ended",
            path.display()
        ),
        DataDir::Temporary(_) => println!("marketdesk demo: stopped; its data is removed"),
    }
    Ok(())
}

/// The channels pointed at the in-process simulator, built in code rather than from
/// `MARKETDESK_*` variables so a demo never touches a real marketplace.
fn demo_channel_settings(api_url: &str, simulator_url: &str) -> ChannelSettings {
    let simulator = SimulatorConfig::default();
    ChannelSettings {
        user_agent: default_user_agent(),
        public_url: Some(api_url.to_owned()),
        allegro: Some(AllegroSettings {
            client_id: simulator.allegro_client_id,
            client_secret: simulator.allegro_client_secret.into(),
            api_url: Some(simulator_url.to_owned()),
            auth_url: Some(simulator_url.to_owned()),
        }),
        empik_api_url: simulator_url.to_owned(),
        max_answer_bytes: marketdesk_channels::settings::DEFAULT_MAX_ANSWER_BYTES,
        allegro_budget: marketdesk_core::services::budget::BudgetPolicy::allegro(),
    }
}

fn print_welcome(api_url: &str, prepared: &setup::Prepared) {
    let key = prepared.key.expose_secret();
    println!(
        "Admin API key (tenant \"{}\"{}): {key}",
        setup::TENANT,
        if prepared.key_reused {
            ", from the previous run"
        } else {
            ""
        }
    );
    println!(
        "Allegro account \"{}\" connected through the OAuth redirect (integration {})",
        prepared.allegro_login, prepared.allegro_integration
    );
    println!(
        "EmpikPlace shop \"{}\" connected with its Mirakl key (integration {})",
        prepared.empik_shop_name, prepared.empik_integration
    );
    if prepared.earlier_tickets > 0 {
        println!(
            "Continuing: {} tickets from earlier runs are kept",
            prepared.earlier_tickets
        );
    }
    println!(
        "Web workspace: open {api_url}/ and sign in as {} with the password {}",
        setup::ADMIN_EMAIL,
        prepared.admin_password.expose_secret()
    );
    println!();
    println!("Try it from another terminal:");
    println!("  curl -H \"Authorization: Bearer {key}\" {api_url}/v1/tickets");
    println!(
        "  (once the first ticket appears, commands to show, answer and comment on it follow)"
    );
    println!();
    println!("Simulated buyers write in over the next minute; Ctrl-C stops the demo.");
}
