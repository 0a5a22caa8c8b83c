//! `marketdesk notifications`: the e-mail `marketdesk serve` recorded instead of sending (no
//! `MARKETDESK_SMTP_URL`), oldest first.

use crate::cli::NotificationsArgs;
use crate::settings::resolve_data_dir;
use marketdesk_core::config::Env;
use marketdesk_core::ports::SystemClock;
use std::io::Write;
use std::sync::Arc;

/// Why the notifications could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum NotificationsError {
    /// The data directory could not be opened (or holds no marketdesk data).
    #[error("cannot open the data directory: {0}")]
    Backend(#[from] marketdesk_local::LocalError),
    /// The recorded notifications could not be read.
    #[error("cannot read the recorded notifications: {0}")]
    Read(#[from] marketdesk_core::ports::NotifyError),
    /// Standard output is gone.
    #[error("cannot write: {0}")]
    Write(#[from] std::io::Error),
}

/// Prints the recorded notifications (the newest `--last` of them when given).
pub async fn list(args: &NotificationsArgs, env: &Env) -> Result<(), NotificationsError> {
    let data_dir = resolve_data_dir(args.data.as_deref(), env);
    if !data_dir.join(marketdesk_local::DATABASE_FILE).is_file() {
        return Err(marketdesk_local::LocalError::NoDatabase { path: data_dir }.into());
    }
    let backend = marketdesk_local::LocalBackend::build(&data_dir, Arc::new(SystemClock))?;
    let recorded = backend.notifier.recorded().await?;
    let skip = args
        .last
        .map_or(0, |last| recorded.len().saturating_sub(last));
    let mut out = std::io::stdout().lock();
    for entry in recorded.iter().skip(skip) {
        let n = &entry.notification;
        writeln!(
            out,
            "{}  to {}\nSubject: {}\n\n{}\n",
            entry
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            n.to.join(", "),
            n.subject,
            n.body.trim_end()
        )?;
    }
    if recorded.is_empty() {
        eprintln!(
            "marketdesk: no recorded notifications in {} (with MARKETDESK_SMTP_URL set, e-mail is sent instead)",
            data_dir.display()
        );
    }
    Ok(())
}
