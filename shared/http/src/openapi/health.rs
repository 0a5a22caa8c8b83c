//! The health routes' details part of the OpenAPI document and its schemas (the public
//! `/v1/health` is in `mod.rs`). Generated from the handler in `routes/health.rs` and the types
//! of `core::services::health`.

use super::generated::generated;
use crate::routes::health::{self, HealthDetails};
use marketdesk_core::services::health::{
    ChannelHealth, ChannelsHealth, Check, QueueHealth, SystemHealth, Verdict,
};
use serde_json::Value;

/// The health details operation and the schemas it uses.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(health::details),
    components(schemas(
        Verdict,
        Check,
        HealthDetails,
        SystemHealth,
        QueueHealth,
        ChannelsHealth,
        ChannelHealth
    ))
)]
struct HealthApi;

/// The paths.
pub(super) fn paths() -> Value {
    generated::<HealthApi>(&[]).0
}

/// The schemas.
pub(super) fn schemas() -> Value {
    generated::<HealthApi>(&[]).1
}
