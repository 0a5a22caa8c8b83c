//! `marketdesk api-key create`: a key for a tenant, printed on stdout and stored hashed.

use crate::cli::ApiKeyCreateArgs;
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

/// Opens the data directory of `marketdesk serve`; one without a database is refused unless
/// `init` (a mistyped `--data` must not create data the running server never sees).
pub fn open_data(
    data_dir: &std::path::Path,
    init: bool,
) -> Result<marketdesk_core::ports::Ports, ApiKeyError> {
    let clock = Arc::new(SystemClock);
    let opened = if init {
        marketdesk_local::LocalBackend::open(data_dir, clock)
    } else {
        marketdesk_local::LocalBackend::open_existing(data_dir, clock)
    };
    opened.map_err(|error| match error {
        marketdesk_local::LocalError::NoDatabase { .. } => ApiKeyError::NoData(error),
        other => ApiKeyError::Backend(other),
    })
}

/// Creates the key; prints it on stdout and a note on stderr.
pub async fn create(args: &ApiKeyCreateArgs, env: &Env) -> Result<(), ApiKeyError> {
    let (backend, env) = crate::stack::resolve(args.backend, args.stack.as_deref(), env)?;
    let opened = crate::backend::open(backend, args.data.as_deref(), args.init, &env).await?;
    let created =
        api_keys::create_for_tenant(&opened.ports, &args.tenant, args.role, args.name.clone())
            .await?;
    println!("{}", created.secret.expose_secret());
    eprintln!(
        "marketdesk: created {} key {} for tenant {} in {}; it is shown only now",
        created.key.role.as_str(),
        created.key.id,
        created.key.tenant_id,
        opened.place
    );
    Ok(())
}
