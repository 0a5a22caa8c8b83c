//! API keys: created for a tenant and a role, shown once, stored only as a SHA-256 hash.
//!
//! A key is `mdk_` followed by 43 base64url characters: 32 bytes from the operating system's
//! CSPRNG (`getrandom`, as session tokens), 256 random bits (keys made before from two v4
//! UUIDs, 244 random bits, have the same shape and still verify: only their hash is kept). High-entropy keys need no salt or slow hash: SHA-256 of the key
//! is the store key of its lookup item, so authenticating a request is one `get`.

use super::audit;
use super::request::RequestError;
use super::validation;
use crate::domain::{Actor, ApiKey, Role, Subject, SubjectKind, Tenant};
use crate::ids::{ApiKeyId, TenantId};
use crate::ports::Ports;
use crate::repo::api_keys::{self, StoredApiKey};
use crate::repo::{is_conflict, tenants, RepoError};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Every key starts with this, so a leaked key is recognisable (secret scanners, logs).
pub const KEY_PREFIX: &str = "mdk_";
/// Length of a key: the prefix and 43 base64url characters (32 bytes).
pub const KEY_LEN: usize = KEY_PREFIX.len() + 43;
/// Longest key name.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest tenant id.
pub const MAX_TENANT_ID_CHARS: usize = 64;
/// How often a revocation that lost a race with another is retried before answering 409.
const REVOKE_ATTEMPTS: usize = 5;

pub use super::caller::Caller;

/// A key just created: the listed fields and the secret, which is never shown again.
pub struct CreatedKey {
    /// The key as listed.
    pub key: ApiKey,
    /// The full key text, for the creator only.
    pub secret: SecretString,
}

impl std::fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedKey")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// The body of `POST /v1/api-keys`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    /// What the key may do.
    pub role: Role,
    /// An optional label: one line, not blank.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub name: Option<String>,
}

/// A fresh random key text (the same generator and shape as session tokens).
fn generate_secret() -> Result<String, RequestError> {
    super::people::secrets::generate(KEY_PREFIX)
        .map_err(|e| RequestError::Unavailable(e.to_string()))
}

/// Lower-case hex SHA-256 of a key text.
pub fn hash_key(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks a tenant id: 1–64 ASCII letters, digits, `.`, `_` or `-` (it becomes part of store
/// keys and secret names).
pub fn validate_tenant_id(field: &str, id: &str) -> Result<(), RequestError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if id.is_empty() || id.len() > MAX_TENANT_ID_CHARS || !id.chars().all(allowed) {
        return Err(RequestError::invalid(
            field,
            format!(
                "a tenant id is 1 to {MAX_TENANT_ID_CHARS} ASCII letters, digits, '.', '_' or '-'"
            ),
        ));
    }
    if id.chars().all(|c| c == '.') {
        return Err(RequestError::invalid(field, "a tenant id is not only dots"));
    }
    Ok(())
}

/// Creates a key for an existing tenant; `actor` (`None`: the command line) is recorded in
/// the audit log.
pub async fn create(
    ports: &Ports,
    tenant: &TenantId,
    actor: Option<&Actor>,
    request: NewApiKey,
) -> Result<CreatedKey, RequestError> {
    let name = match request.name {
        Some(name) => {
            validation::label("name", &name, MAX_NAME_CHARS)?;
            Some(name.trim().to_owned())
        }
        None => None,
    };
    let secret = generate_secret()?;
    let key = ApiKey {
        id: ApiKeyId::generate(),
        tenant_id: tenant.clone(),
        role: request.role,
        name,
        hint: format!("{}…", &secret[..KEY_PREFIX.len() + 4]),
        created_at: ports.clock.now(),
    };
    let stored = StoredApiKey {
        key: key.clone(),
        hash: hash_key(&secret),
    };
    api_keys::create(&*ports.store, &stored).await?;
    tracing::info!(tenant = %tenant, key = %key.id, role = key.role.as_str(), "API key created");
    audit::record(
        ports,
        tenant,
        actor,
        audit::actions::API_KEY_CREATED,
        Subject::new(SubjectKind::ApiKey, &key.id),
        None,
        audit::state(&key),
    )
    .await;
    Ok(CreatedKey {
        key,
        secret: SecretString::from(secret),
    })
}

/// Creates a key for `tenant`, creating the tenant first when it does not exist
/// (`marketdesk api-key create`).
pub async fn create_for_tenant(
    ports: &Ports,
    tenant: &str,
    role: Role,
    name: Option<String>,
) -> Result<CreatedKey, RequestError> {
    validate_tenant_id("tenant", tenant)?;
    let tenant_id = TenantId::from(tenant);
    if tenants::get(&*ports.store, &tenant_id).await?.is_none() {
        let fresh = Tenant {
            id: tenant_id.clone(),
            name: tenant.to_owned(),
            created_at: ports.clock.now(),
        };
        match tenants::create(&*ports.store, &fresh).await {
            Ok(()) => tracing::info!(tenant = %tenant_id, "tenant created"),
            Err(RepoError::AlreadyExists) => {}
            Err(other) => return Err(other.into()),
        }
    }
    create(ports, &tenant_id, None, NewApiKey { role, name }).await
}

/// The caller presenting `key`, or `None` when no such key exists.
pub async fn authenticate(
    ports: &Ports,
    key: &SecretString,
) -> Result<Option<Caller>, RequestError> {
    let key = key.expose_secret();
    if key.len() != KEY_LEN || !key.starts_with(KEY_PREFIX) {
        return Ok(None);
    }
    let Some(stored) = api_keys::find_by_hash(&*ports.store, &hash_key(key)).await? else {
        return Ok(None);
    };
    Ok(Some(Caller {
        tenant_id: stored.key.tenant_id,
        role: stored.key.role,
        actor: Actor::ApiKey {
            id: stored.key.id,
            name: stored.key.name,
        },
        session: None,
    }))
}

/// The tenant's keys (never their secrets).
pub async fn list(ports: &Ports, tenant: &TenantId) -> Result<Vec<ApiKey>, RequestError> {
    Ok(api_keys::list(&*ports.store, tenant).await?)
}

/// Revokes a key of the tenant; other tenants' keys are "not found". The tenant's last admin
/// key stays (409 `last_admin_key`): without it nobody could manage the tenant through the
/// API. The deletion commits only while another admin key exists, so two admins revoking
/// each other at once leave one of them. `actor` is recorded in the audit log.
pub async fn revoke(
    ports: &Ports,
    tenant: &TenantId,
    actor: Option<&Actor>,
    id: &ApiKeyId,
) -> Result<(), RequestError> {
    let store = &*ports.store;
    for _ in 0..REVOKE_ATTEMPTS {
        let Some(stored) = api_keys::get(store, tenant, id).await? else {
            return Err(RequestError::NotFound("API key"));
        };
        let keep = if stored.key.role.is_admin() {
            let other_admin = api_keys::list(store, tenant)
                .await?
                .into_iter()
                .find(|key| key.role.is_admin() && key.id != *id);
            match other_admin {
                Some(other) => Some(other.id),
                None => {
                    return Err(RequestError::WrongState {
                        code: "last_admin_key",
                        message: "this is the tenant's last admin key; create another admin key before revoking it".into(),
                    })
                }
            }
        } else {
            None
        };
        match api_keys::delete(store, tenant, id, keep.as_ref()).await {
            Ok(()) => {
                tracing::info!(tenant = %tenant, key = %id, "API key revoked");
                audit::record(
                    ports,
                    tenant,
                    actor,
                    audit::actions::API_KEY_REVOKED,
                    Subject::new(SubjectKind::ApiKey, id),
                    audit::state(&stored.key),
                    None,
                )
                .await;
                return Ok(());
            }
            Err(RepoError::NotFound) => return Err(RequestError::NotFound("API key")),
            // The admin key kept was revoked meanwhile: look again.
            Err(error) if is_conflict(&error) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(RequestError::Conflict(
        "the tenant's keys kept changing; try again".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_random_and_prefixed() {
        let a = generate_secret().expect("random");
        let b = generate_secret().expect("random");
        assert_ne!(a, b);
        assert_eq!(a.len(), KEY_LEN);
        assert!(a.starts_with(KEY_PREFIX));
        assert!(a[KEY_PREFIX.len()..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(hash_key(&a).len(), 64);
        assert_ne!(hash_key(&a), hash_key(&b));
        assert_eq!(
            hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn tenant_ids_are_safe_for_keys_and_secret_names() {
        for ok in ["t1", "acme-shop", "a.b_c"] {
            assert!(validate_tenant_id("tenant", ok).is_ok(), "{ok}");
        }
        for bad in ["", "a/b", "a b", "..", "ż", &"x".repeat(65), "a#b"] {
            assert!(validate_tenant_id("tenant", bad).is_err(), "{bad:?}");
        }
    }
}
