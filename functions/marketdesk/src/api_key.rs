//! `marketdesk api-key create`: a key for a tenant, printed on stdout and stored hashed.

use crate::cli::ApiKeyCreateArgs;
use crate::settings::resolve_data_dir;
use marketdesk_core::config::Env;
use marketdesk_core::ports::SystemClock;
use marketdesk_core::services::api_keys;
use marketdesk_core::services::request::RequestError;
use secrecy::ExposeSecret;
use std::sync::Arc;

/// Why no key was created.
#[derive(Debug, thiserror::Error)]
pub enum ApiKeyError {
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
    /// The store failed.
    #[error("cannot store the key: {0}")]
    Store(String),
}

impl From<RequestError> for ApiKeyError {
    fn from(error: RequestError) -> Self {
        match error {
            RequestError::Invalid { field, message } => ApiKeyError::Invalid {
                option: field,
                message,
            },
            other => ApiKeyError::Store(other.to_string()),
        }
    }
}

/// Creates the key; prints it on stdout and a note on stderr.
pub async fn create(args: &ApiKeyCreateArgs, env: &Env) -> Result<(), ApiKeyError> {
    let data_dir = resolve_data_dir(args.data.as_deref(), env);
    let clock = Arc::new(SystemClock);
    let opened = if args.init {
        marketdesk_local::LocalBackend::open(&data_dir, clock)
    } else {
        marketdesk_local::LocalBackend::open_existing(&data_dir, clock)
    };
    let ports = opened.map_err(|error| match error {
        marketdesk_local::LocalError::NoDatabase { .. } => ApiKeyError::NoData(error),
        other => ApiKeyError::Backend(other),
    })?;
    let created =
        api_keys::create_for_tenant(&ports, &args.tenant, args.role, args.name.clone()).await?;
    println!("{}", created.secret.expose_secret());
    eprintln!(
        "marketdesk: created {} key {} for tenant {} in {}; it is shown only now",
        created.key.role.as_str(),
        created.key.id,
        created.key.tenant_id,
        data_dir.display()
    );
    Ok(())
}
