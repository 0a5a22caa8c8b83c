//! Which store the administrative commands (`api-key create`, `user create`) write to: the
//! embedded data directory of `marketdesk serve`, or the AWS deployment's table.

use crate::cli::BackendChoice;
use crate::settings::resolve_data_dir;
use marketdesk_core::config::Env;
use marketdesk_core::ports::{Ports, SystemClock};
use marketdesk_core::services::request::RequestError;
use std::path::Path;
use std::sync::Arc;

/// Why an administrative command (`api-key create`, `user create`, `reindex`,
/// `migrate-secrets`) failed: its backend could not be opened, an option was refused, or the
/// store failed.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The data directory holds no marketdesk data and `--init` was not given.
    #[error("{0}; start `marketdesk serve --data DIR` there first, check the path, or pass --init to create it")]
    NoData(marketdesk_local::LocalError),
    /// The data directory could not be opened.
    #[error("cannot open the data directory: {0}")]
    Backend(marketdesk_local::LocalError),
    /// An option's value is refused.
    #[error("--{option}: {message}")]
    Invalid {
        /// The option at fault, without dashes.
        option: String,
        /// What is wrong.
        message: String,
    },
    /// The AWS backend is not configured (a `MARKETDESK_*` variable or the region is missing).
    #[error("cannot open the AWS backend: {0}")]
    Aws(String),
    /// The store failed.
    #[error("cannot store the key: {0}")]
    Store(String),
    /// `--stack`: the stack's outputs could not be read.
    #[error(transparent)]
    Stack(#[from] crate::stack::StackError),
}

impl From<RequestError> for BackendError {
    fn from(error: RequestError) -> Self {
        match error {
            RequestError::Invalid { field, message } => BackendError::Invalid {
                option: field,
                message,
            },
            other => BackendError::Store(other.to_string()),
        }
    }
}

/// Opens the data directory of `marketdesk serve`; one without a database is refused unless
/// `init` (a mistyped `--data` must not create data the running server never sees).
pub fn open_data(
    data_dir: &std::path::Path,
    init: bool,
) -> Result<marketdesk_core::ports::Ports, BackendError> {
    let clock = Arc::new(SystemClock);
    let opened = if init {
        marketdesk_local::LocalBackend::open(data_dir, clock)
    } else {
        marketdesk_local::LocalBackend::open_existing(data_dir, clock)
    };
    opened.map_err(|error| match error {
        marketdesk_local::LocalError::NoDatabase { .. } => BackendError::NoData(error),
        other => BackendError::Backend(other),
    })
}

/// The opened backend and a description of where it is, for the closing note.
pub struct Opened {
    /// Every port of the backend.
    pub ports: Ports,
    /// "data directory ./.data" or "DynamoDB table marketdesk-prod".
    pub place: String,
}

/// Opens the chosen backend. The embedded one refuses a directory without marketdesk data
/// unless `init`; the AWS one takes neither `--data` nor `--init` (the stack made the table).
pub async fn open(
    choice: BackendChoice,
    data: Option<&Path>,
    init: bool,
    env: &Env,
) -> Result<Opened, BackendError> {
    match choice {
        BackendChoice::Embedded => {
            let data_dir = resolve_data_dir(data, env);
            let ports = open_data(&data_dir, init)?;
            Ok(Opened {
                ports,
                place: format!("data directory {}", data_dir.display()),
            })
        }
        BackendChoice::Aws => {
            for (given, option) in [(data.is_some(), "data"), (init, "init")] {
                if given {
                    return Err(BackendError::Invalid {
                        option: option.into(),
                        message: "only for the embedded backend; with --backend aws the \
                                  MARKETDESK_* variables name the deployment's resources"
                            .into(),
                    });
                }
            }
            // From `env`: the process's variables, or a stack's outputs (`--stack`).
            let settings = marketdesk_aws::AwsSettings::from_lookup(|name| {
                env.optional(name).map(str::to_owned)
            })
            .map_err(|error| BackendError::Aws(error.to_string()))?;
            let table = settings.table_name.clone();
            let ports = marketdesk_aws::AwsBackend::from_settings(settings, Arc::new(SystemClock))
                .await
                .map_err(|error| BackendError::Aws(error.to_string()))?;
            Ok(Opened {
                ports,
                place: format!("DynamoDB table {table}"),
            })
        }
    }
}
