//! `marketdesk user create`: a user of a tenant (e.g. its first admin), with a password from
//! stdin or an invitation link printed on stdout.

use crate::backend::BackendError;
use crate::cli::UserCreateArgs;
use marketdesk_core::config::Env;
use marketdesk_core::services::people::users::{self, NewUser};
use marketdesk_core::services::people::PeopleSettings;
use secrecy::{ExposeSecret, SecretString};
use std::io::BufRead;

/// Where the local API listens unless told otherwise (the invitation link's default host).
const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:3000";

/// Why no user was created.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The data directory, an option or the store failed (same cases as for API keys).
    #[error(transparent)]
    Create(#[from] BackendError),
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] marketdesk_core::config::ConfigError),
    /// Stdin could not be read.
    #[error("cannot read the password from stdin: {0}")]
    Stdin(std::io::Error),
}

impl From<marketdesk_core::services::request::RequestError> for UserError {
    fn from(error: marketdesk_core::services::request::RequestError) -> Self {
        UserError::Create(error.into())
    }
}

/// Creates the user; prints the invitation link (if any) on stdout and a note on stderr.
pub async fn create(args: &UserCreateArgs, env: &Env) -> Result<(), UserError> {
    let (backend, env) = crate::stack::resolve(args.backend, args.stack.as_deref(), env)
        .map_err(BackendError::from)?;
    let env = &env;
    let opened = crate::backend::open(backend, args.data.as_deref(), args.init, env).await?;
    let ports = opened.ports;
    let request = NewUser {
        email: args.email.clone(),
        role: args.role,
        name: Some(args.name.clone()),
        language: args.language,
    };
    if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(UserError::Stdin)?;
        let password = SecretString::from(line.trim_end_matches(['\r', '\n']).to_owned());
        let user = users::create_with_password(&ports, &args.tenant, request, &password).await?;
        eprintln!(
            "marketdesk: created {} {} ({}) for tenant {} in {}; sign in with POST /v1/sessions",
            user.role.as_str(),
            user.id,
            user.email,
            user.tenant_id,
            opened.place
        );
        return Ok(());
    }
    let settings = PeopleSettings::from_env(env)?.with_default_public_url(DEFAULT_PUBLIC_URL);
    let public_url = settings.public_url.as_deref().unwrap_or(DEFAULT_PUBLIC_URL);
    let invited = users::create_invited(&ports, public_url, &args.tenant, request).await?;
    println!("{}", invited.link.expose_secret());
    eprintln!(
        "marketdesk: invited {} {} ({}) to tenant {} in {}; the link works once, until {}",
        invited.user.role.as_str(),
        invited.user.id,
        invited.user.email,
        invited.user.tenant_id,
        opened.place,
        invited.expires_at.format("%Y-%m-%d %H:%M UTC")
    );
    Ok(())
}
