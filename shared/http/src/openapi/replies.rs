//! The reply, retry and attachment routes of the OpenAPI document, and their schemas.
//! Generated from the handlers in `routes/replies.rs` and the types of `core::services::replies`
//! and `core::domain::reply`.

use super::generated::generated;
use crate::routes::replies;
use marketdesk_core::domain::{Delivery, FileRef, Reply, ReplyState};
use marketdesk_core::services::replies::{NewAttachment, NewReply};
use serde_json::Value;

/// The reply operations and the schemas they use.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(replies::submit, replies::retry, replies::attachment),
    components(schemas(NewReply, NewAttachment, FileRef, ReplyState, Reply, Delivery))
)]
struct RepliesApi;

/// The paths.
pub(super) fn paths() -> Value {
    generated::<RepliesApi>(&[]).0
}

/// The schemas.
pub(super) fn schemas() -> Value {
    generated::<RepliesApi>(&[]).1
}
