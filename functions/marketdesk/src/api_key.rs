//! `marketdesk api-key create`: a key for a tenant, printed on stdout and stored hashed.

use crate::backend::BackendError;
use crate::cli::ApiKeyCreateArgs;
use marketdesk_core::config::Env;
use marketdesk_core::services::api_keys;
use secrecy::ExposeSecret;

/// Creates the key; prints it on stdout and a note on stderr.
pub async fn create(args: &ApiKeyCreateArgs, env: &Env) -> Result<(), BackendError> {
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
