//! `marketdesk status`: what `GET /v1/health/details` says, for every tenant of a data
//! directory, read from the data directory itself (serve need not run).

use crate::cli::StatusArgs;
use crate::settings::resolve_data_dir;
use marketdesk_core::config::Env;
use marketdesk_core::ports::SystemClock;
use marketdesk_core::services::health::{self, Verdict};
use std::sync::Arc;

/// Why the status is not `ok`, or could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// The data directory could not be opened (or holds no marketdesk data).
    #[error("cannot open the data directory: {0}")]
    Backend(#[from] marketdesk_local::LocalError),
    /// The store failed while reading the integrations.
    #[error("cannot read the integrations: {0}")]
    Store(#[from] marketdesk_core::repo::RepoError),
    /// Everything was read; something needs attention (the exit status says so to scripts).
    #[error("status is {0}")]
    NotOk(&'static str),
}

/// Prints the report (text, or JSON with `--json`); fails unless everything is `ok`.
pub async fn run(args: &StatusArgs, env: &Env) -> Result<(), StatusError> {
    let data_dir = resolve_data_dir(args.data.as_deref(), env);
    if !data_dir.join(marketdesk_local::DATABASE_FILE).is_file() {
        return Err(marketdesk_local::LocalError::NoDatabase { path: data_dir }.into());
    }
    let ports = marketdesk_local::LocalBackend::open(&data_dir, Arc::new(SystemClock))?;
    let system = health::system(&ports).await;
    let marketplaces = health::all_tenants(&ports).await?;
    let status = health::worse(system.status, marketplaces.status);
    if args.json {
        let report = serde_json::json!({
            "status": status,
            "version": env!("CARGO_PKG_VERSION"),
            "system": system,
            "marketplaces": marketplaces,
        });
        println!("{report:#}");
    } else {
        print_text(status, &system, &marketplaces);
    }
    match status {
        Verdict::Ok => Ok(()),
        Verdict::Degraded => Err(StatusError::NotOk("degraded")),
        Verdict::Unavailable => Err(StatusError::NotOk("unavailable")),
    }
}

fn word(value: impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn print_text(
    status: Verdict,
    system: &health::SystemHealth,
    marketplaces: &health::ChannelsHealth,
) {
    println!("marketdesk {}: {}", env!("CARGO_PKG_VERSION"), word(status));
    println!("store: {}", word(system.store));
    for queue in &system.queues {
        match queue.messages {
            Some(m) => println!(
                "queue {}: {} ({} waiting, {} in flight, oldest {}, {} dead letters)",
                queue.name,
                word(queue.state),
                m.waiting,
                m.in_flight,
                m.oldest_age_seconds
                    .map_or("-".to_owned(), |s| format!("{s} s")),
                m.dead_letters
            ),
            None => println!("queue {}: {}", queue.name, word(queue.state)),
        }
    }
    let c = marketplaces.integrations;
    println!(
        "integrations: {} ({} connected, {} disconnected, {} pending, {} inactive)",
        c.total, c.connected, c.disconnected, c.pending, c.inactive
    );
    for channel in &marketplaces.channels {
        let last = match (channel.last_polled_at, channel.seconds_since_poll) {
            (Some(at), Some(seconds)) => format!(
                "last poll {} ({seconds} s ago)",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            _ => "never polled".to_owned(),
        };
        println!(
            "channel {}/{} {:?} {}: {}, {last}",
            channel.tenant_id,
            channel.integration_id,
            channel.integration_name,
            channel.channel.as_str(),
            word(channel.state)
        );
    }
}
