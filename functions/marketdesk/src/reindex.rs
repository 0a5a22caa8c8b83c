//! `marketdesk reindex`: the backfill of `services::reindex` for one tenant, on the embedded
//! data directory or the AWS deployment's table.

use crate::backend::BackendError;
use crate::cli::ReindexArgs;
use marketdesk_core::config::Env;
use marketdesk_core::ids::TenantId;
use marketdesk_core::services::{api_keys, reindex};

/// Runs the backfill and says what it wrote on stderr.
pub async fn run(args: &ReindexArgs, env: &Env) -> Result<(), BackendError> {
    api_keys::validate_tenant_id("tenant", &args.tenant)?;
    let tenant = TenantId::from(args.tenant.as_str());
    let opened = crate::backend::open(args.backend, args.data.as_deref(), false, env).await?;
    let report = reindex::tenant(&opened.ports, &tenant)
        .await
        .map_err(|error| BackendError::Store(error.to_string()))?;
    eprintln!(
        "marketdesk: reindexed tenant {tenant} in {}: {} tickets, {} customers",
        opened.place, report.tickets, report.customers
    );
    Ok(())
}
