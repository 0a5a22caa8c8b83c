//! Tenants in the store.

use super::{create_result, decode, encode, keys, RepoError};
use crate::domain::Tenant;
use crate::ids::TenantId;
use crate::ports::{Condition, Item, Store};

/// Creates a tenant; refuses an existing id.
pub async fn create(store: &dyn Store, tenant: &Tenant) -> Result<(), RepoError> {
    let item = Item::new(keys::tenant(&tenant.id), encode(tenant));
    create_result(store.put(item, Condition::NotExists).await)
}

/// The tenant, if it exists.
pub async fn get(store: &dyn Store, id: &TenantId) -> Result<Option<Tenant>, RepoError> {
    store
        .get(&keys::tenant(id))
        .await?
        .map(|item| decode(&item))
        .transpose()
}
