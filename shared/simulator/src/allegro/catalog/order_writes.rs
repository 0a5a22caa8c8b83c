//! The seller writing to an order (scope `allegro:api:orders:write`, public media type):
//!
//! * `PUT /order/checkout-forms/{id}/fulfillment` (`setOrderFulfillmentUsingPUT`): body
//!   `CheckoutFormFulfillment` (`{"status"}`), optional `checkoutForm.revision` (409 when stale),
//!   422 for an unknown status or `RETURNED` (set by Allegro only); 204. A change is journalled
//!   as `FULFILLMENT_STATUS_CHANGED`.
//! * `GET /order/checkout-forms/{id}/invoices` (`getOrderInvoicesDetails`).
//! * `POST /order/checkout-forms/{id}/invoices` (`addOrderInvoicesMetadata`): body
//!   `CheckFormsNewOrderInvoice` (`{"file": {"name"}, "invoiceNumber"}`); 201 `{"id"}`; 409 when
//!   the order has a seller invoice; 422 for a missing file name or an unpaid order.
//! * `PUT /order/checkout-forms/{id}/invoices/{invoiceId}/file` (`uploadOrderInvoiceFile`): the
//!   PDF as `application/pdf`; 200; 404 unknown invoice; 409 file already uploaded; 413 above
//!   3 MB; 422 empty file.
//!
//! What arrived is read through the control API (`GET /__simulator/allegro/orders/{id}/seller`).

use super::orders::allegro_time;
use super::{Catalog, FulfillmentChange, Order, SellerInvoice, FULFILLMENT_STATUSES};
use crate::allegro::errors::errors_holder;
use crate::allegro::guard::{authorized, json_response, require_content_type, Caller, Media};
use crate::state::SimulatorState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

/// Largest invoice file Allegro takes (413 above).
pub const MAX_INVOICE_FILE_BYTES: usize = 3 * 1024 * 1024;
const WRITE_SCOPE: &str = "allegro:api:orders:write";
const READ_SCOPE: &str = "allegro:api:orders:read";

/// The order write routes.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route(
            "/order/checkout-forms/{id}/fulfillment",
            put(set_fulfillment),
        )
        .route(
            "/order/checkout-forms/{id}/invoices",
            get(list_invoices).post(declare_invoice),
        )
        .route(
            "/order/checkout-forms/{id}/invoices/{invoice_id}/file",
            put(upload_invoice_file),
        )
}

fn not_found(id: &str) -> Response {
    errors_holder(
        StatusCode::NOT_FOUND,
        "CheckoutFormNotFoundException",
        &format!("Checkout form {id} not found"),
        None,
    )
}

fn invalid(message: &str, path: Option<&str>) -> Response {
    errors_holder(
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_ERROR",
        message,
        path,
    )
}

/// The caller's order `id`, or 404.
// A ready-to-send answer is the natural error of a check.
#[allow(clippy::result_large_err)]
fn own_order<'a>(catalog: &'a Catalog, caller: &Caller, id: &str) -> Result<&'a Order, Response> {
    catalog
        .order(id)
        .filter(|o| o.seller_id == caller.seller_id)
        .ok_or_else(|| not_found(id))
}

/// Query of the fulfillment call.
#[derive(Debug, Default, Deserialize)]
struct RevisionQuery {
    #[serde(rename = "checkoutForm.revision")]
    revision: Option<String>,
}

async fn set_fulfillment(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    Query(query): Query<RevisionQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Response> {
    let (mut world, caller) = authorized(&state, &headers, WRITE_SCOPE, Media::Public)?;
    require_content_type(&headers, Media::Public)?;
    let now = world.clock.now();
    let catalog = &mut world.allegro.catalog;
    let order = own_order(catalog, &caller, &id)?;
    let body: Value = serde_json::from_slice(&body)
        .map_err(|_| invalid("The request body is not a JSON object", None))?;
    let Some(status) = body.get("status").and_then(Value::as_str) else {
        return Err(invalid("status is required", Some("status")));
    };
    if !FULFILLMENT_STATUSES.contains(&status) {
        return Err(invalid(
            &format!("Unrecognized status value {status}"),
            Some("status"),
        ));
    }
    if status == "RETURNED" {
        return Err(invalid(
            "The RETURNED status cannot be set by the seller",
            Some("status"),
        ));
    }
    if let Some(revision) = &query.revision {
        if *revision != super::orders::revision(order) {
            return Err(errors_holder(
                StatusCode::CONFLICT,
                "CheckoutFormRevisionConflictException",
                "Provided revision is outdated",
                None,
            ));
        }
    }
    let changed = order.fulfillment_status != status;
    catalog.record_fulfillment_change(FulfillmentChange {
        order_id: id.clone(),
        status: status.to_owned(),
        revision: query.revision.clone(),
        at: now,
    });
    if changed {
        if let Some(order) = catalog.order_mut(&id) {
            order.fulfillment_status = status.to_owned();
            order.updated_at = now;
        }
        catalog.record_order_event(&id, "FULFILLMENT_STATUS_CHANGED", now);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// An invoice as Allegro's `CheckoutFormsOrderInvoice`.
fn invoice_json(invoice: &SellerInvoice) -> Value {
    let mut file = json!({ "name": invoice.file_name });
    if let Some(at) = invoice.uploaded_at {
        file["uploadedAt"] = json!(allegro_time(at));
    }
    let mut value = json!({
        "id": invoice.id,
        "createdAt": allegro_time(invoice.created_at),
        "file": file,
    });
    if let Some(number) = &invoice.invoice_number {
        value["invoiceNumber"] = json!(number);
    }
    value
}

async fn list_invoices(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let (world, caller) = authorized(&state, &headers, READ_SCOPE, Media::Public)?;
    let catalog = &world.allegro.catalog;
    own_order(catalog, &caller, &id)?;
    let invoices: Vec<Value> = catalog
        .seller_invoices(&id)
        .iter()
        .map(invoice_json)
        .collect();
    Ok(json_response(
        StatusCode::OK,
        Media::Public,
        &json!({ "orderMode": "REGULAR", "invoices": invoices, "hasExternalInvoices": false }),
    ))
}

async fn declare_invoice(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Response> {
    let (mut world, caller) = authorized(&state, &headers, WRITE_SCOPE, Media::Public)?;
    require_content_type(&headers, Media::Public)?;
    let now = world.clock.now();
    let catalog = &mut world.allegro.catalog;
    let order = own_order(catalog, &caller, &id)?;
    let paid = order.status == "READY_FOR_PROCESSING";
    let body: Value = serde_json::from_slice(&body)
        .map_err(|_| invalid("The request body is not a JSON object", None))?;
    let Some(name) = body
        .pointer("/file/name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
    else {
        return Err(invalid("file.name is required", Some("file.name")));
    };
    let number = match body.get("invoiceNumber") {
        None | Some(Value::Null) => None,
        Some(Value::String(number)) => Some(number.clone()),
        Some(_) => {
            return Err(invalid(
                "invoiceNumber must be a string",
                Some("invoiceNumber"),
            ))
        }
    };
    if !paid {
        return Err(invalid(
            "The order does not allow an invoice (it is not paid)",
            None,
        ));
    }
    if !catalog.seller_invoices(&id).is_empty() {
        return Err(errors_holder(
            StatusCode::CONFLICT,
            "InvoiceAlreadyExistsException",
            "Order with given id already has seller invoice",
            None,
        ));
    }
    let invoice = SellerInvoice {
        id: uuid::Uuid::new_v4().to_string(),
        file_name: name.to_owned(),
        invoice_number: number,
        created_at: now,
        file: None,
        uploaded_at: None,
    };
    let answer = json!({ "id": invoice.id });
    catalog.seller_invoices_mut(&id).push(invoice);
    Ok(json_response(StatusCode::CREATED, Media::Public, &answer))
}

async fn upload_invoice_file(
    State(state): State<SimulatorState>,
    Path((id, invoice_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Response> {
    let (mut world, caller) = authorized(&state, &headers, WRITE_SCOPE, Media::Public)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/pdf") {
        return Err(errors_holder(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaTypeException",
            &format!("Content type '{content_type}' not supported; use application/pdf"),
            None,
        ));
    }
    let now = world.clock.now();
    let catalog = &mut world.allegro.catalog;
    own_order(catalog, &caller, &id)?;
    let Some(invoice) = catalog
        .seller_invoices_mut(&id)
        .iter_mut()
        .find(|i| i.id == invoice_id)
    else {
        return Err(errors_holder(
            StatusCode::NOT_FOUND,
            "InvoiceNotFoundException",
            &format!("Invoice {invoice_id} not found"),
            None,
        ));
    };
    if invoice.file.is_some() {
        return Err(errors_holder(
            StatusCode::CONFLICT,
            "InvoiceFileAlreadyUploadedException",
            "Invoice with given id already has invoice file uploaded",
            None,
        ));
    }
    if body.len() > MAX_INVOICE_FILE_BYTES {
        return Err(errors_holder(
            StatusCode::PAYLOAD_TOO_LARGE,
            "FileTooLargeException",
            "The file is too large. Max file size is 3MB",
            None,
        ));
    }
    if body.is_empty() {
        return Err(invalid("Uploaded file is empty", None));
    }
    invoice.file = Some(body.to_vec());
    invoice.uploaded_at = Some(now);
    Ok(StatusCode::OK.into_response())
}

/// What the seller sent about an order, for the control API: fulfillment changes and
/// invoices (with their files as base64 and SHA-256).
pub fn seller_writes_json(catalog: &Catalog, order_id: &str) -> Value {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let changes: Vec<Value> = catalog
        .fulfillment_changes()
        .iter()
        .filter(|c| c.order_id == order_id)
        .map(|c| json!({ "status": c.status, "revision": c.revision, "at": allegro_time(c.at) }))
        .collect();
    let invoices: Vec<Value> = catalog
        .seller_invoices(order_id)
        .iter()
        .map(|i| {
            json!({
                "id": i.id,
                "file_name": i.file_name,
                "invoice_number": i.invoice_number,
                "created_at": allegro_time(i.created_at),
                "uploaded_at": i.uploaded_at.map(allegro_time),
                "size": i.file.as_ref().map(Vec::len),
                "sha256": i.file.as_ref().map(|f| {
                    Sha256::digest(f).iter().map(|b| format!("{b:02x}")).collect::<String>()
                }),
                "data_base64": i.file.as_ref().map(|f| base64::engine::general_purpose::STANDARD.encode(f)),
            })
        })
        .collect();
    json!({
        "fulfillment_status": catalog.order(order_id).map(|o| o.fulfillment_status.clone()),
        "fulfillment_changes": changes,
        "invoices": invoices,
    })
}
