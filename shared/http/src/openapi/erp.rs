//! The ERP routes of the OpenAPI document and their schemas (issue 17 item 3). Generated from
//! the handlers in `routes/erp.rs` and the types of `core::domain::erp` and
//! `core::services::{erp, customer_export}`, but for `ErpFeedItem` (below).

use super::generated::generated;
use super::reference;
use crate::routes::erp;
use marketdesk_core::domain::erp::{
    BuyerCard, CustomerType, ErpCustomer, ErpCustomers, TradeDetails,
};
use marketdesk_core::services::erp::{ErpOrder, FeedPage};
use serde_json::{json, Value};

/// The ERP operations and the schemas they use.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(erp::feed, erp::export),
    components(schemas(
        ErpCustomers,
        CustomerType,
        TradeDetails,
        BuyerCard,
        ErpCustomer,
        ErpOrder,
        FeedPage
    ))
)]
struct ErpApi;

/// The document's names of the Rust types.
const RENAMES: &[(&str, &str)] = &[("FeedPage", "ErpFeedPage"), ("FeedItem", "ErpFeedItem")];

/// The paths.
pub(super) fn paths() -> Value {
    let mut paths = generated::<ErpApi>(RENAMES).0;
    // utoipa 4 gives an operation one tag.
    paths["/v1/customers/export"]["get"]["tags"] = json!(["customers", "erp"]);
    paths
}

/// The schemas.
pub(super) fn schemas() -> Value {
    let mut schemas = generated::<ErpApi>(RENAMES).1;
    // Written by hand: utoipa 4 makes the flattened `ErpOrder` an `allOf`, where the feed item
    // has always been one object.
    schemas["ErpFeedItem"] = json!({
        "type": "object",
        "required": ["seq", "order", "customer"],
        "properties": {
            "seq": { "type": "integer", "minimum": 1, "description": "Place in the tenant's feed: 1, 2, 3, … without gaps." },
            "order": reference("Order"),
            "customer": reference("ErpCustomer")
        }
    });
    schemas
}
