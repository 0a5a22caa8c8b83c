//! The public health route of the OpenAPI document (`GET /v1/health`; the admins' details are
//! in `health.rs`). Generated from the handler in `routes/health.rs` and its answer type.

use super::generated::generated;
use crate::routes::health::{self, Health};
use serde_json::Value;

/// The public health operation and its answer.
#[derive(utoipa::OpenApi)]
#[openapi(paths(health::health), components(schemas(Health)))]
struct PublicHealthApi;

/// The paths.
pub(super) fn paths() -> Value {
    generated::<PublicHealthApi>(&[]).0
}

/// The schemas.
pub(super) fn schemas() -> Value {
    generated::<PublicHealthApi>(&[]).1
}
