//! `marketdesk serve`: the API and every loop in one process until Ctrl-C or SIGTERM.

use crate::loops;
use crate::settings::ServeSettings;
use marketdesk_channels::settings::ChannelSettings;
use marketdesk_channels::wiring::{Channels, WiringError};
use marketdesk_core::config::Env;
use marketdesk_core::ports::{Ports, SystemClock};
use marketdesk_core::services::people::PeopleSettings;
use marketdesk_core::services::polling::PollingSettings;
use marketdesk_core::services::webhooks::WebhookSettings;
use marketdesk_http::{router, AppState};
use std::sync::Arc;
use tokio::sync::watch;

/// Why serving stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The settings are unusable.
    #[error(transparent)]
    Config(#[from] marketdesk_core::config::ConfigError),
    /// The embedded backend could not be opened.
    #[error("cannot open the data directory: {0}")]
    Backend(#[from] marketdesk_local::LocalError),
    /// The API address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The marketplace channels could not be built.
    #[error(transparent)]
    Channels(#[from] WiringError),
    /// The HTTP server failed.
    #[error("HTTP server failed: {0}")]
    Http(std::io::Error),
    /// The metrics endpoint (MARKETDESK_METRICS_LISTEN) could not start.
    #[error(transparent)]
    Metrics(#[from] crate::metrics_endpoint::MetricsEndpointError),
}

/// Runs until a shutdown signal, then lets in-flight work finish.
pub async fn run(settings: ServeSettings, env: &Env) -> Result<(), ServeError> {
    // Held until the process ends: a second serve or a restore on this directory is refused.
    let _lock = marketdesk_local::ServeLock::acquire(&settings.data_dir)?;
    let backend = marketdesk_local::LocalBackend::build(&settings.data_dir, Arc::new(SystemClock))?;
    let mut ports: Ports = backend.ports();
    let smtp = marketdesk_local::SmtpSettings::from_env(env)?;
    match &smtp {
        Some(smtp) => {
            tracing::info!(server = %smtp.server(), "e-mail is sent through the SMTP server");
            ports.notifier = Arc::new(marketdesk_local::SmtpNotifier::new(smtp.clone()));
        }
        None => tracing::info!(
            "no SMTP server configured (MARKETDESK_SMTP_URL): e-mail is recorded, not sent; `marketdesk notifications` lists it"
        ),
    }
    let mut channel_settings = ChannelSettings::from_env(env, None)?;
    if channel_settings.public_url.is_none() {
        // Locally the API itself receives the OAuth callback.
        channel_settings.public_url = Some(format!("http://{}", settings.listen));
    }
    let mut channels = Channels::build(&ports, &channel_settings)?;
    channels.webhook_settings = WebhookSettings::from_env(env)?;
    channels.polling =
        PollingSettings::from_env(env, settings.poll_interval, channel_settings.allegro_budget)?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|source| ServeError::Listen {
            addr: settings.listen,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(ServeError::Http)?;
    tracing::info!(
        api = %format!("http://{local_addr}/v1/health"),
        data = %settings.data_dir.display(),
        poll_interval_s = settings.poll_interval.as_secs_f64(),
        workers = settings.workers,
        allegro = channels.allegro.is_some(),
        empikplace = %channel_settings.empik_api_url,
        "marketdesk is serving"
    );
    if channels.allegro.is_none() {
        tracing::info!("no Allegro application configured (MARKETDESK_ALLEGRO_CLIENT_ID): Allegro accounts cannot connect");
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    // Before the loops start, so they record into it and a bad address stops nothing running.
    let metrics_endpoint = crate::metrics_endpoint::spawn(env, stop_rx.clone()).await?;
    let mut workers = loops::spawn_all(
        ports.clone(),
        channels.clone(),
        loops::LoopSettings {
            poll_interval: settings.poll_interval,
            workers: settings.workers,
            poll_timeout: settings.poll_timeout,
        },
        stop_rx.clone(),
    );
    workers.extend(metrics_endpoint.map(|(task, _)| task));
    workers.push(loops::purge_expired(
        backend.store.clone(),
        ports.clock.clone(),
        stop_rx.clone(),
    ));

    let people = PeopleSettings::from_env(env)?
        .with_default_public_url(format!("http://{}", settings.listen));
    let app = app(ports, &channels, people);
    let mut http_stop = stop_rx.clone();
    // The peer address reaches the API, which throttles failed authentication per client.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        loops::stopped(&mut http_stop).await;
    });
    let server = tokio::spawn(async move { server.await });

    shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight work");
    let _ = stop_tx.send(true);
    for worker in workers {
        let _ = worker.await;
    }
    match server.await {
        Ok(result) => result.map_err(ServeError::Http),
        Err(join_error) => Err(ServeError::Http(std::io::Error::other(join_error))),
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// The agent API wired to the channels (OAuth connector, EmpikPlace key check, reply and
/// attachment adapters) and the sign-in settings, as `serve` and `demo` run it.
pub fn app(ports: Ports, channels: &Channels, people: PeopleSettings) -> axum::Router {
    router(
        AppState::new(ports)
            .with_people(people)
            .with_connector(channels.connector.clone())
            .with_credential_check(channels.key_check.clone())
            .with_deliveries(channels.deliveries.clone())
            .with_webhooks(channels.webhooks.clone(), channels.webhook_settings.clone()),
    )
}
