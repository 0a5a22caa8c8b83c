//! The API key routes of the OpenAPI document: create (the key is shown once), list, revoke.
//! Generated from the handlers in `routes/api_keys.rs` and the types of `core::domain::api_key`
//! and `core::services::api_keys`.

use super::generated::generated;
use crate::routes::api_keys::{self, Created, KeyList};
use marketdesk_core::domain::{ApiKey, Role};
use marketdesk_core::services::api_keys::NewApiKey;
use serde_json::Value;

/// The API key operations and the schemas they use.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_keys::create, api_keys::list, api_keys::revoke),
    components(schemas(Role, ApiKey, Created, KeyList, NewApiKey))
)]
struct ApiKeysApi;

/// The document's names of the Rust types.
const RENAMES: &[(&str, &str)] = &[("Created", "CreatedApiKey"), ("KeyList", "ApiKeyList")];

/// The paths.
pub(super) fn paths() -> Value {
    generated::<ApiKeysApi>(RENAMES).0
}

/// The schemas.
pub(super) fn schemas() -> Value {
    generated::<ApiKeysApi>(RENAMES).1
}
