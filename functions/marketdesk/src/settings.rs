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
        let log = LogSettings::resolve(env)?;
        Ok(Self {
            listen,
            data_dir,
            poll_interval,
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
        ] {
            let err = ServeSettings::resolve(&no_flags(), &Env::from_pairs([(var, value)]))
                .expect_err("invalid value");
            assert!(err.to_string().starts_with(var), "{var}: {err}");
        }
    }
}
