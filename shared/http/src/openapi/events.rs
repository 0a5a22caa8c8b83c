//! The audit log and webhook routes of the OpenAPI document and their schemas. Generated from
//! the handlers in `routes/audit.rs` and `routes/webhooks.rs` and the types of
//! `core::domain::{audit, webhook}` and `core::services::{audit, webhooks}`.

use super::generated::generated;
use crate::routes::audit;
use crate::routes::webhooks::{self, Revealed, WebhookList};
use marketdesk_core::domain::{
    AuditEntry, DeliveryAttempt, SubjectKind, SubscribableEvent, Webhook, WebhookDelivery,
};
use marketdesk_core::services::audit::AuditPage;
use marketdesk_core::services::webhooks::{DeliveryPage, NewWebhook, WebhookPatch};
use serde_json::Value;

/// The audit and webhook operations and the schemas they use.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        audit::list,
        webhooks::list,
        webhooks::create,
        webhooks::get,
        webhooks::update,
        webhooks::delete,
        webhooks::rotate,
        webhooks::test,
        webhooks::deliveries
    ),
    components(schemas(
        SubjectKind,
        AuditEntry,
        AuditPage,
        SubscribableEvent,
        Webhook,
        WebhookList,
        NewWebhook,
        WebhookPatch,
        Revealed,
        DeliveryAttempt,
        WebhookDelivery,
        DeliveryPage
    ))
)]
struct EventsApi;

/// The document's names of the Rust types.
const RENAMES: &[(&str, &str)] = &[
    ("SubjectKind", "AuditSubjectKind"),
    ("SubscribableEvent", "WebhookEvent"),
    ("Revealed", "WebhookWithSecret"),
    ("DeliveryAttempt", "WebhookDeliveryAttempt"),
    ("DeliveryPage", "WebhookDeliveryPage"),
];

/// The paths.
pub(super) fn paths() -> Value {
    generated::<EventsApi>(RENAMES).0
}

/// The schemas.
pub(super) fn schemas() -> Value {
    generated::<EventsApi>(RENAMES).1
}
