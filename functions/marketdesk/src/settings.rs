//! Resolves the serve settings: flag, else `MARKETDESK_*` variable, else default.

use crate::cli::ServeArgs;
use marketdesk_core::config::{ConfigError, Env};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default API address: loopback only, so a fresh install is not exposed.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";
/// Default data directory.
pub const DEFAULT_DATA_DIR: &str = ".data";
/// Default polling period.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(60);

/// Default messages handled at once per queue: enough that a few hanging accounts leave
/// room for the others, few enough for a small machine and one SQLite connection.
pub const DEFAULT_WORKERS: usize = 8;
/// Most workers per queue.
pub const MAX_WORKERS: usize = 256;
/// Default longest time of one poll job (each marketplace call has its own 30 s timeout).
pub const DEFAULT_POLL_TIMEOUT: Duration = Duration::from_secs(90);
/// Longest allowed poll job timeout: under the queue's 180 s visibility timeout, so an
/// abandoned job never runs twice at once.
pub const MAX_POLL_TIMEOUT: Duration = Duration::from_secs(170);

/// How to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// `tracing` filter directive.
    pub filter: String,
    /// JSON lines instead of text.
    pub json: bool,
}

impl LogSettings {
    /// Reads `MARKETDESK_LOG` (or `RUST_LOG`) and `MARKETDESK_LOG_FORMAT`.
    pub fn resolve(env: &Env) -> Result<Self, ConfigError> {
        let filter = env
            .optional("MARKETDESK_LOG")
            .or_else(|| env.optional("RUST_LOG"))
            .unwrap_or("info")
            .to_owned();
        if tracing_subscriber::EnvFilter::try_new(&filter).is_err() {
            return Err(ConfigError::Invalid {
                var: "MARKETDESK_LOG".into(),
                value: filter,
                reason: "not a log filter; try info, debug or marketdesk_core=debug".into(),
            });
        }
        let json = match env.optional("MARKETDESK_LOG_FORMAT") {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "MARKETDESK_LOG_FORMAT".into(),
                    value: other.into(),
                    reason: "expected text or json".into(),
                })
            }
        };
        Ok(Self { filter, json })
    }
}

/// The data directory: the flag, else `MARKETDESK_DATA_DIR`, else `./.data`.
pub fn resolve_data_dir(flag: Option<&Path>, env: &Env) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| env.optional("MARKETDESK_DATA_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR))
}

/// Everything `marketdesk serve` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeSettings {
    /// API address.
    pub listen: SocketAddr,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Polling period.
    pub poll_interval: Duration,
    /// Messages handled at once per queue.
    pub workers: usize,
    /// Longest time of one poll job.
    pub poll_timeout: Duration,
    /// Logging.
    pub log: LogSettings,
}

impl ServeSettings {
    /// Merges flags over the environment over the defaults.
    pub fn resolve(args: &ServeArgs, env: &Env) -> Result<Self, ConfigError> {
        let listen = match args.listen {
            Some(addr) => addr,
            None => env
                .parse::<SocketAddr>("MARKETDESK_LISTEN")?
                .unwrap_or_else(|| {
                    DEFAULT_LISTEN
                        .parse()
                        .expect("the default address is valid")
                }),
        };
        let data_dir = resolve_data_dir(args.data.as_deref(), env);
        let poll_interval = match args.poll_interval {
            Some(interval) => interval,
            None => env
                .duration("MARKETDESK_POLL_INTERVAL")?
                .unwrap_or(DEFAULT_POLL_INTERVAL),
        };
        let workers = match env.parse::<usize>("MARKETDESK_WORKERS")? {
            Some(workers) if !(1..=MAX_WORKERS).contains(&workers) => {
                return Err(ConfigError::Invalid {
                    var: "MARKETDESK_WORKERS".into(),
                    value: workers.to_string(),
                    reason: format!("expected 1 to {MAX_WORKERS}"),
                })
            }
            Some(workers) => workers,
            None => DEFAULT_WORKERS,
        };
        let poll_timeout = match env.duration("MARKETDESK_POLL_TIMEOUT")? {
            Some(timeout) if timeout > MAX_POLL_TIMEOUT => {
                return Err(ConfigError::Invalid {
                    var: "MARKETDESK_POLL_TIMEOUT".into(),
                    value: format!("{}s", timeout.as_secs_f64()),
                    reason: format!(
                        "at most {}s (below the queue's visibility timeout)",
                        MAX_POLL_TIMEOUT.as_secs()
                    ),
                })
            }
            Some(timeout) => timeout,
            None => DEFAULT_POLL_TIMEOUT,
        };
        let log = LogSettings::resolve(env)?;
        Ok(Self {
            listen,
            data_dir,
            poll_interval,
            workers,
            poll_timeout,
            log,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_flags() -> ServeArgs {
        ServeArgs {
            listen: None,
            data: None,
            poll_interval: None,
        }
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let s = ServeSettings::resolve(&no_flags(), &Env::default()).expect("defaults are valid");
        assert_eq!(s.listen, "127.0.0.1:3000".parse().expect("addr"));
        assert_eq!(s.data_dir, PathBuf::from(".data"));
        assert_eq!(s.poll_interval, Duration::from_secs(60));
        assert_eq!(s.workers, DEFAULT_WORKERS);
        assert_eq!(s.poll_timeout, DEFAULT_POLL_TIMEOUT);
        assert!(!s.log.json);
    }

    #[test]
    fn flags_win_over_the_environment() {
        let env = Env::from_pairs([
            ("MARKETDESK_LISTEN", "0.0.0.0:9999"),
            ("MARKETDESK_POLL_INTERVAL", "5s"),
        ]);
        let args = ServeArgs {
            listen: Some("127.0.0.1:4000".parse().expect("addr")),
            data: None,
            poll_interval: None,
        };
        let s = ServeSettings::resolve(&args, &env).expect("valid");
        assert_eq!(s.listen.port(), 4000);
        assert_eq!(s.poll_interval, Duration::from_secs(5));
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value) in [
            ("MARKETDESK_LISTEN", "localhost"),
            ("MARKETDESK_POLL_INTERVAL", "fast"),
            ("MARKETDESK_LOG_FORMAT", "xml"),
            ("MARKETDESK_LOG", "=:=bad[["),
            ("MARKETDESK_WORKERS", "0"),
            ("MARKETDESK_WORKERS", "many"),
            ("MARKETDESK_POLL_TIMEOUT", "10m"),
        ] {
            let err = ServeSettings::resolve(&no_flags(), &Env::from_pairs([(var, value)]))
                .expect_err("invalid value");
            assert!(err.to_string().starts_with(var), "{var}: {err}");
        }
    }
}
