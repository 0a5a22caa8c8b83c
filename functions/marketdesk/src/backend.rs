//! Which store the administrative commands (`api-key create`, `user create`) write to: the
//! embedded data directory of `marketdesk serve`, or the AWS deployment's table.

use crate::api_key::ApiKeyError;
use crate::settings::resolve_data_dir;
use clap::ValueEnum;
use marketdesk_core::config::Env;
use marketdesk_core::ports::{Ports, SystemClock};
use std::path::Path;
use std::sync::Arc;

/// The backend a command works on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    /// The SQLite data directory of `marketdesk serve` (`--data`).
    #[default]
    Embedded,
    /// The AWS deployment: DynamoDB, SQS, Secrets Manager and SES, found through the same
    /// `MARKETDESK_*` variables the Lambda functions get (and the usual AWS credentials).
    Aws,
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
) -> Result<Opened, ApiKeyError> {
    match choice {
        BackendChoice::Embedded => {
            let data_dir = resolve_data_dir(data, env);
            let ports = crate::api_key::open_data(&data_dir, init)?;
            Ok(Opened {
                ports,
                place: format!("data directory {}", data_dir.display()),
            })
        }
        BackendChoice::Aws => {
            for (given, option) in [(data.is_some(), "data"), (init, "init")] {
                if given {
                    return Err(ApiKeyError::Invalid {
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
            .map_err(|error| ApiKeyError::Aws(error.to_string()))?;
            let table = settings.table_name.clone();
            let ports = marketdesk_aws::AwsBackend::from_settings(settings, Arc::new(SystemClock))
                .await
                .map_err(|error| ApiKeyError::Aws(error.to_string()))?;
            Ok(Opened {
                ports,
                place: format!("DynamoDB table {table}"),
            })
        }
    }
}
