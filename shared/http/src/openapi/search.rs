//! The search route of the OpenAPI document and its schemas. Generated from the handler in
//! `routes/search.rs` and the types of `core::services::search`.

use super::generated::generated;
use crate::routes::search;
use marketdesk_core::services::search::{SearchHit, SearchResults};
use serde_json::Value;

/// The search operation and the schemas it uses.
#[derive(utoipa::OpenApi)]
#[openapi(paths(search::run), components(schemas(SearchResults, SearchHit)))]
struct SearchApi;

/// The paths.
pub(super) fn paths() -> Value {
    generated::<SearchApi>(&[]).0
}

/// The schemas.
pub(super) fn schemas() -> Value {
    generated::<SearchApi>(&[]).1
}
