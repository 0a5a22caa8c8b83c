//! The CRM and saved-reply routes of the OpenAPI document, and their schemas. Generated from
//! the handlers in `routes/customers.rs` and `routes/saved_replies.rs` and the types of
//! `core::services::{crm, customer_views, saved_replies}`.

use super::generated::{describe_refs, generated};
use crate::routes::{customers, saved_replies};
use marketdesk_core::domain::customer::FieldValue;
use marketdesk_core::domain::{Customer, SavedReply};
use marketdesk_core::services::crm::{CustomerPatch, MergeRequest};
use marketdesk_core::services::customer_views::{CustomerDetail, CustomerPage};
use marketdesk_core::services::saved_replies::{
    NewSavedReply, Preview, SavedReplyList, SavedReplyPatch,
};
use serde_json::Value;

/// The CRM and saved-reply operations and the schemas they use.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        customers::search,
        customers::detail,
        customers::update,
        customers::merge,
        saved_replies::list,
        saved_replies::create,
        saved_replies::get,
        saved_replies::update,
        saved_replies::delete,
        saved_replies::preview
    ),
    components(schemas(
        FieldValue,
        Customer,
        CustomerPage,
        CustomerDetail,
        CustomerPatch,
        MergeRequest,
        SavedReply,
        SavedReplyList,
        NewSavedReply,
        SavedReplyPatch,
        Preview
    ))
)]
struct CrmApi;

/// The document's names of the Rust types.
const RENAMES: &[(&str, &str)] = &[("Preview", "SavedReplyPreview")];

/// The paths.
pub(super) fn paths() -> Value {
    generated::<CrmApi>(RENAMES).0
}

/// Descriptions of fields that are a `$ref`, which utoipa 4 drops (see `describe_refs`).
const REF_DESCRIPTIONS: &[(&str, &str, &str)] = &[
    (
        "Customer",
        "trade",
        "Company, NIP, addresses and customer type from the buyer's orders (the ERP card): addresses and type from the latest order, company and NIP from the latest order that had them.",
    ),
    (
        "Customer",
        "updated_by",
        "Who last changed or merged the customer.",
    ),
];

/// The schemas.
pub(super) fn schemas() -> Value {
    let mut schemas = generated::<CrmApi>(RENAMES).1;
    describe_refs(&mut schemas, REF_DESCRIPTIONS);
    schemas
}
