//! The order routes of the OpenAPI document and their schemas (issue 17). Generated from the
//! handlers in `routes/orders.rs` and the types of `core::domain::order` and
//! `core::services::order_desk`.

use super::generated::{describe_refs, generated};
use crate::routes::orders;
use marketdesk_core::domain::checkout_form::{
    CheckoutFormData, Money, OrderBuyer, OrderDelivery, OrderInvoice, OrderLine, OrderPayment,
    PostalAddress,
};
use marketdesk_core::domain::order::{Order, OrderStatus};
use marketdesk_core::services::order_desk::{
    NewOrder, OrderDetail, OrderPage, PaidForm, PaidFormPage,
};
use serde_json::Value;

/// The order operations and the schemas they use.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(orders::list, orders::create, orders::paid_forms, orders::get),
    components(schemas(
        OrderStatus,
        Money,
        Order,
        OrderPage,
        PostalAddress,
        OrderBuyer,
        OrderDelivery,
        OrderInvoice,
        OrderLine,
        OrderPayment,
        CheckoutFormData,
        OrderDetail,
        PaidForm,
        PaidFormPage,
        NewOrder
    ))
)]
struct OrdersApi;

/// The document's names of the Rust types.
const RENAMES: &[(&str, &str)] = &[("CheckoutFormData", "CheckoutForm")];

/// The paths.
pub(super) fn paths() -> Value {
    generated::<OrdersApi>(RENAMES).0
}

/// The descriptions of the properties that are references (utoipa drops their doc comments).
const REF_DESCRIPTIONS: &[(&str, &str, &str)] = &[
    (
        "Order",
        "created_by",
        "The agent or API key that created it; `null`: created automatically.",
    ),
    (
        "Order",
        "buyer_card",
        "The buyer as a CRM customer card as of this order (matched by login, or created). The ERP gets it in `customer` as configured instead; `null` there, and for orders stored before cards existed.",
    ),
];

/// The schemas.
pub(super) fn schemas() -> Value {
    let mut schemas = generated::<OrdersApi>(RENAMES).1;
    describe_refs(&mut schemas, REF_DESCRIPTIONS);
    schemas
}
