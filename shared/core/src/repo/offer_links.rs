//! Links of an account's offers to catalogue products (`OFFERLINK#<integration>#<offer id>` in
//! the tenant's partition, `keys::offer_link`), written by `repo::offers` with the offer. What
//! [`any_for_integration`] answers decides
//! whether the account may be deleted (`services::integrations::delete`).

use super::{keys, RepoError};
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{Query, SortKeyCondition, Store};

/// Whether any offer of the account is linked to a catalogue product (one query, one item).
pub async fn any_for_integration(
    store: &dyn Store,
    tenant: &TenantId,
    integration: &IntegrationId,
) -> Result<bool, RepoError> {
    let query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(keys::offer_links_prefix(
            integration,
        )))
        .limit(1);
    Ok(!store.query(&query).await?.items.is_empty())
}
