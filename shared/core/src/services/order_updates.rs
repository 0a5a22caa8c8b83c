//! Telling the marketplace about an order (issue 17 item 4): a fulfillment status set in
//! marketdesk and an invoice attached to the order reach Allegro through its API, after which
//! Allegro notifies the buyer. marketdesk never e-mails a buyer about payment or shipping:
//! since 2 March 2026 Allegro blocks such messages and moves e-mailed invoices into the
//! buyer's account (../shared/reference/allegro-2026-rules.md §1).
//!
//! An outbox: the request stores an [`OrderUpdate`] (and the invoice's file) and queues an
//! [`OrderUpdateJob`] on the outbound queue; the sender runs it. A failed attempt (429, 5xx,
//! network) is recorded and the next one queued after a back-off; a job delivered again does
//! nothing twice (attempt numbers, version-conditioned writes, and an invoice declaration
//! looked up on the marketplace before it is repeated).

use super::caller::Caller;
use super::request::RequestError;
use super::{audit, validation, ServiceError};
use crate::domain::order::{Order, OrderStatus};
use crate::domain::order_update::{
    FulfillmentStatus, InvoiceUpload, OrderUpdate, OrderUpdateKind, OrderUpdateState,
};
use crate::domain::{Integration, Marketplace, Subject, SubjectKind};
use crate::ids::TenantId;
use crate::ports::order_updates::OrderUpdates;
use crate::ports::queue::MAX_SEND_DELAY;
use crate::ports::{MarketplaceError, Ports};
use crate::repo::{integrations, is_conflict, order_updates as repo, orders, Versioned};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The `kind` of an order update job on the outbound queue (beside reply jobs).
pub const JOB_KIND: &str = "order_update";
/// Largest invoice file: Allegro refuses more than 3 MB (413).
pub const MAX_INVOICE_BYTES: usize = 3 * 1024 * 1024;
/// Longest invoice number, in characters.
pub const MAX_INVOICE_NUMBER_CHARS: usize = 100;
/// Longest invoice file name, in characters.
pub const MAX_FILENAME_CHARS: usize = 200;
/// The only file type Allegro takes as an invoice.
pub const PDF: &str = "application/pdf";
/// Waits before the 2nd, 3rd, … attempt after a temporary failure; after the last the update
/// fails (visible on the order, set again to retry).
pub const RETRY_DELAYS: [Duration; 5] = [
    Duration::from_secs(60),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(8 * 3600),
];
/// How often a lost optimistic-update race is retried.
const ATTEMPTS: usize = 5;

/// The body of `PUT /v1/orders/{id}/fulfillment`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FulfillmentRequest {
    /// The status to set: Allegro's status name (`PROCESSING`, `SENT`, …; not `RETURNED`).
    #[cfg_attr(feature = "openapi", schema(value_type = FulfillmentStatus, inline))]
    pub status: String,
}

/// An invoice to attach, as the API or the web form received it.
#[derive(Clone)]
pub struct InvoiceFile {
    /// File name (shown to the buyer by Allegro).
    pub filename: String,
    /// Media type as declared by the uploader.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
    /// The invoice number, if given.
    pub invoice_number: Option<String>,
}

impl std::fmt::Debug for InvoiceFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvoiceFile")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &self.data.len())
            .field("invoice_number", &self.invoice_number)
            .finish()
    }
}

/// The schema of [`NewInvoice::content_type`]: the one media type accepted.
#[cfg(feature = "openapi")]
fn pdf_media_type_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, SchemaType};
    ObjectBuilder::new()
        .schema_type(SchemaType::String)
        .enum_values(Some(["application/pdf"]))
        .build()
}

/// The body of `POST /v1/orders/{id}/invoices`.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewInvoice {
    /// File name without a path (Allegro shows it), e.g. `FV-1-2026.pdf`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub filename: String,
    /// Must be `application/pdf`.
    #[cfg_attr(feature = "openapi", schema(schema_with = pdf_media_type_schema))]
    pub content_type: String,
    /// The PDF (starting with `%PDF-`), base64 (standard alphabet, padded), at most 3 MB
    /// decoded.
    pub data_base64: String,
    /// The invoice number, if any.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub invoice_number: Option<String>,
}

impl std::fmt::Debug for NewInvoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewInvoice")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("base64_chars", &self.data_base64.len())
            .finish()
    }
}

impl NewInvoice {
    /// The decoded file; a clear error when the base64 is broken or too long.
    pub fn decode(self) -> Result<InvoiceFile, RequestError> {
        use base64::engine::general_purpose::STANDARD;
        use base64::Engine;
        // Longest base64 text that can decode to an allowed file, checked before decoding.
        if self.data_base64.len() > MAX_INVOICE_BYTES.div_ceil(3) * 4 {
            return Err(too_large("data_base64"));
        }
        let data = STANDARD.decode(self.data_base64.trim()).map_err(|_| {
            RequestError::invalid(
                "data_base64",
                "is not base64 (standard alphabet with padding)",
            )
        })?;
        Ok(InvoiceFile {
            filename: self.filename,
            content_type: self.content_type,
            data,
            invoice_number: self.invoice_number,
        })
    }
}

fn too_large(field: &str) -> RequestError {
    RequestError::invalid(
        field,
        format!("the file is larger than the {MAX_INVOICE_BYTES} bytes (3 MB) Allegro accepts"),
    )
}

/// A queued attempt of one update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderUpdateJob {
    /// Always [`JOB_KIND`].
    pub kind: String,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The order.
    pub order_id: String,
    /// The update.
    pub update_id: String,
    /// Which attempt this job makes (1 for the first).
    pub attempt: u32,
}

/// Whether a queue message body is an order update job (the sender also takes reply jobs).
pub fn is_job(body: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .is_some_and(|value| value["kind"] == JOB_KIND)
}

// ------------------------------------------------------------------ requests

/// Sets an order's fulfillment status on the marketplace (queued): the update as stored.
pub async fn set_fulfillment(
    ports: &Ports,
    caller: &Caller,
    order_id: &str,
    request: FulfillmentRequest,
) -> Result<OrderUpdate, RequestError> {
    let status = FulfillmentStatus::parse(request.status.trim()).ok_or_else(|| {
        let names: Vec<&str> = FulfillmentStatus::ALL.iter().map(|s| s.as_str()).collect();
        RequestError::invalid(
            "status",
            format!(
                "{:?} is not a status a seller can set; use one of {} (RETURNED is set by Allegro only)",
                request.status,
                names.join(", ")
            ),
        )
    })?;
    let order = writable_order(ports, caller, order_id).await?;
    if order.status == OrderStatus::Cancelled && status != FulfillmentStatus::Cancelled {
        return Err(RequestError::WrongState {
            code: "order_cancelled",
            message: "the order was cancelled on the marketplace; only CANCELLED can be set".into(),
        });
    }
    let update = new_update(
        ports,
        caller,
        &order,
        OrderUpdateKind::Fulfillment { status },
        uuid::Uuid::now_v7().simple().to_string(),
    );
    store_and_queue(ports, caller, update, audit::actions::ORDER_FULFILLMENT_SET).await
}

/// Attaches an invoice (PDF) to an order and queues its upload to the marketplace.
pub async fn attach_invoice(
    ports: &Ports,
    caller: &Caller,
    order_id: &str,
    file: InvoiceFile,
) -> Result<OrderUpdate, RequestError> {
    let file = check_invoice(file)?;
    let order = writable_order(ports, caller, order_id).await?;
    if order.status == OrderStatus::Cancelled {
        return Err(RequestError::WrongState {
            code: "order_cancelled",
            message: "the order was cancelled on the marketplace; it takes no invoice".into(),
        });
    }
    let existing = repo::list(&*ports.store, &caller.tenant_id, &order.id).await?;
    let taken = existing.iter().any(|u| {
        matches!(u.kind, OrderUpdateKind::Invoice(_))
            && matches!(u.state, OrderUpdateState::Pending | OrderUpdateState::Sent)
    });
    if taken {
        return Err(RequestError::WrongState {
            code: "invoice_exists",
            message: "the order has an invoice sent or being sent; Allegro takes one seller invoice per order".into(),
        });
    }
    let id = uuid::Uuid::now_v7().simple().to_string();
    let stored = repo::put_file(
        &*ports.store,
        &caller.tenant_id,
        &order.id,
        &id,
        &file.filename,
        PDF,
        &file.data,
    )
    .await?;
    let kind = OrderUpdateKind::Invoice(InvoiceUpload {
        file: stored,
        invoice_number: file.invoice_number.clone(),
        marketplace_invoice_id: None,
        declaration_started: false,
    });
    let update = new_update(ports, caller, &order, kind, id);
    store_and_queue(
        ports,
        caller,
        update,
        audit::actions::ORDER_INVOICE_ATTACHED,
    )
    .await
}

/// The order's updates, newest first.
pub async fn list(
    ports: &Ports,
    tenant: &TenantId,
    order_id: &str,
) -> Result<Vec<OrderUpdate>, RequestError> {
    let mut updates = repo::list(&*ports.store, tenant, order_id).await?;
    updates.reverse();
    Ok(updates)
}

/// Name, type, size and content of an invoice: a PDF of at most 3 MB.
fn check_invoice(mut file: InvoiceFile) -> Result<InvoiceFile, RequestError> {
    validation::label("filename", &file.filename, MAX_FILENAME_CHARS)?;
    if file.filename.contains(['/', '\\']) {
        return Err(RequestError::invalid(
            "filename",
            "must be a file name without a path",
        ));
    }
    let content_type = file.content_type.trim().to_ascii_lowercase();
    if content_type != PDF {
        return Err(RequestError::invalid(
            "content_type",
            format!(
                "{:?} is not accepted: Allegro takes invoices as {PDF} only",
                file.content_type
            ),
        ));
    }
    if file.data.is_empty() {
        return Err(RequestError::invalid("file", "the file is empty"));
    }
    if file.data.len() > MAX_INVOICE_BYTES {
        return Err(too_large("file"));
    }
    if !file.data.starts_with(b"%PDF-") {
        return Err(RequestError::invalid(
            "file",
            "the file is not a PDF (it does not start with %PDF-)",
        ));
    }
    if let Some(number) = &file.invoice_number {
        if number.trim().is_empty() {
            file.invoice_number = None;
        } else {
            validation::label("invoice_number", number, MAX_INVOICE_NUMBER_CHARS)?;
            file.invoice_number = Some(number.trim().to_owned());
        }
    }
    file.content_type = content_type;
    Ok(file)
}

/// The caller's order, if its account is an Allegro integration that still exists.
async fn writable_order(
    ports: &Ports,
    caller: &Caller,
    order_id: &str,
) -> Result<Order, RequestError> {
    let order = orders::get_order(&*ports.store, &caller.tenant_id, order_id)
        .await?
        .ok_or(RequestError::NotFound("order"))?
        .value;
    let integration = integrations::get(&*ports.store, &caller.tenant_id, &order.integration_id)
        .await?
        .ok_or_else(|| RequestError::WrongState {
            code: "account_deleted",
            message: "the order's marketplace account was deleted".into(),
        })?
        .value;
    if integration.kind != Marketplace::Allegro {
        return Err(RequestError::WrongState {
            code: "not_supported",
            message: "only Allegro orders take fulfillment statuses and invoices".into(),
        });
    }
    Ok(order)
}

fn new_update(
    ports: &Ports,
    caller: &Caller,
    order: &Order,
    kind: OrderUpdateKind,
    id: String,
) -> OrderUpdate {
    OrderUpdate {
        id,
        tenant_id: caller.tenant_id.clone(),
        order_id: order.id.clone(),
        integration_id: order.integration_id.clone(),
        checkout_form_id: order.checkout_form_id.clone(),
        kind,
        state: OrderUpdateState::Pending,
        attempts: 0,
        next_attempt_at: None,
        last_error: None,
        requested_by: Some(caller.actor.clone()),
        requested_at: ports.clock.now(),
        sent_at: None,
    }
}

/// Stores the update and queues its first attempt. When the queue refuses, the update is
/// marked failed (visible on the order, set again to retry) and the request answered 503.
async fn store_and_queue(
    ports: &Ports,
    caller: &Caller,
    update: OrderUpdate,
    action: &str,
) -> Result<OrderUpdate, RequestError> {
    repo::create(&*ports.store, &update).await?;
    let job = OrderUpdateJob {
        kind: JOB_KIND.into(),
        tenant_id: update.tenant_id.clone(),
        order_id: update.order_id.clone(),
        update_id: update.id.clone(),
        attempt: 1,
    };
    if let Err(error) = send_job(ports, &job, Duration::ZERO).await {
        tracing::error!(order = %update.order_id, update = %update.id, %error, "order update not queued");
        let mut failed = update.clone();
        failed.state = OrderUpdateState::Failed;
        failed.last_error = Some("could not be queued for sending; set it again".into());
        if let Err(problem) = repo::update(&*ports.store, &failed, 1).await {
            tracing::warn!(update = %failed.id, %problem, "an order update that could not be queued was not marked failed");
        }
        return Err(RequestError::Unavailable(error.to_string()));
    }
    tracing::info!(tenant = %caller.tenant_id, order = %update.order_id, update = %update.id, "order update queued");
    audit::record(
        ports,
        &caller.tenant_id,
        Some(&caller.actor),
        action,
        Subject::new(SubjectKind::Order, &update.order_id),
        None,
        audit::state(&update),
    )
    .await;
    Ok(update)
}

async fn send_job(
    ports: &Ports,
    job: &OrderUpdateJob,
    delay: Duration,
) -> Result<(), ServiceError> {
    let body = serde_json::to_string(job).map_err(|e| ServiceError::Malformed(e.to_string()))?;
    ports
        .queues
        .outbound
        .send(&body, delay.min(MAX_SEND_DELAY))
        .await?;
    Ok(())
}

// ------------------------------------------------------------------ the job

/// What one job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// The marketplace has it now.
    Sent(OrderUpdate),
    /// A temporary failure: recorded, the next attempt queued.
    Retrying(OrderUpdate),
    /// Given up.
    Failed(OrderUpdate),
    /// A newer fulfillment status went out instead.
    Superseded(OrderUpdate),
    /// Nothing to do now: settled before, this attempt made before, not yet due, or another
    /// worker is on it.
    Nothing,
}

/// Decodes a queue message body and runs it.
pub async fn handle_body(
    ports: &Ports,
    writer: Option<&dyn OrderUpdates>,
    body: &str,
) -> Result<UpdateOutcome, ServiceError> {
    let job: OrderUpdateJob = super::decode_job(body)?;
    run(ports, writer, &job).await
}

/// Runs one attempt of an update.
pub async fn run(
    ports: &Ports,
    writer: Option<&dyn OrderUpdates>,
    job: &OrderUpdateJob,
) -> Result<UpdateOutcome, ServiceError> {
    let store = &*ports.store;
    let tenant = &job.tenant_id;
    let read = repo::get(store, tenant, &job.order_id, &job.update_id)
        .await?
        .ok_or_else(|| {
            ServiceError::Gone(format!("order update {} no longer exists", job.update_id))
        })?;
    if !read.value.is_pending() {
        return Ok(UpdateOutcome::Nothing);
    }
    let now = ports.clock.now();
    if read.value.attempts >= job.attempt {
        // This attempt was made (a job delivered again). If its follow-up could not be queued
        // then, queue it now; a duplicate of it is made harmless by this same check.
        if read.value.attempts == job.attempt {
            let next = OrderUpdateJob {
                attempt: job.attempt + 1,
                ..job.clone()
            };
            send_job(ports, &next, remaining(read.value.next_attempt_at, now)).await?;
        }
        return Ok(UpdateOutcome::Nothing);
    }
    if read.value.next_attempt_at.is_some_and(|due| due > now) {
        // Back-off longer than the queue's longest delay: hop again.
        send_job(ports, job, remaining(read.value.next_attempt_at, now)).await?;
        return Ok(UpdateOutcome::Nothing);
    }
    let Some(integration) = integrations::get(store, tenant, &read.value.integration_id)
        .await?
        .map(|v| v.value)
    else {
        return settle(
            ports,
            read,
            Err("the marketplace account was deleted".into()),
        )
        .await;
    };
    let Some(writer) = writer else {
        return settle(
            ports,
            read,
            Err("this installation has no Allegro application configured".into()),
        )
        .await;
    };
    let result = match read.value.kind.clone() {
        OrderUpdateKind::Fulfillment { status } => {
            if superseded(ports, &read.value).await? {
                let mut next = read.value.clone();
                next.state = OrderUpdateState::Superseded;
                return match repo::update(store, &next, read.version).await {
                    Ok(()) => Ok(UpdateOutcome::Superseded(next)),
                    Err(error) if is_conflict(&error) => Ok(UpdateOutcome::Nothing),
                    Err(error) => Err(error.into()),
                };
            }
            let revision =
                orders::get_form(store, tenant, &integration.id, &read.value.checkout_form_id)
                    .await?
                    .and_then(|form| form.value.form.revision);
            writer
                .set_fulfillment(
                    &integration,
                    &read.value.checkout_form_id,
                    status,
                    revision.as_deref(),
                )
                .await
        }
        OrderUpdateKind::Invoice(upload) => {
            match send_invoice(ports, writer, &integration, read, upload).await? {
                Ok((read, result)) => {
                    return finish(ports, read, result, job).await;
                }
                Err(outcome) => return Ok(outcome),
            }
        }
    };
    finish(ports, read, result, job).await
}

/// Declares the invoice (once: an earlier declaration whose answer was lost is looked up
/// first) and uploads its file. `Err(outcome)` when another worker holds it.
async fn send_invoice(
    ports: &Ports,
    writer: &dyn OrderUpdates,
    integration: &Integration,
    mut read: Versioned<OrderUpdate>,
    mut upload: InvoiceUpload,
) -> Result<
    Result<(Versioned<OrderUpdate>, Result<(), MarketplaceError>), UpdateOutcome>,
    ServiceError,
> {
    let store = &*ports.store;
    let form = read.value.checkout_form_id.clone();
    if upload.marketplace_invoice_id.is_none() && upload.declaration_started {
        match writer.invoices(integration, &form).await {
            Ok(found) => {
                upload.marketplace_invoice_id = found
                    .into_iter()
                    .find(|i| {
                        i.file_name.as_deref() == Some(upload.file.filename.as_str())
                            && i.invoice_number == upload.invoice_number
                    })
                    .map(|i| i.id);
            }
            Err(error) => return Ok(Ok((read, Err(error)))),
        }
    }
    if upload.marketplace_invoice_id.is_none() {
        // Recorded before the call: a lost answer is looked up next time, never declared twice.
        upload.declaration_started = true;
        let mut next = read.value.clone();
        next.kind = OrderUpdateKind::Invoice(upload.clone());
        match repo::update(store, &next, read.version).await {
            Ok(()) => {}
            Err(error) if is_conflict(&error) => return Ok(Err(UpdateOutcome::Nothing)),
            Err(error) => return Err(error.into()),
        }
        read = Versioned {
            version: read.version + 1,
            value: next,
        };
        match writer
            .declare_invoice(
                integration,
                &form,
                &upload.file.filename,
                upload.invoice_number.as_deref(),
            )
            .await
        {
            Ok(id) => {
                upload.marketplace_invoice_id = Some(id);
                let mut next = read.value.clone();
                next.kind = OrderUpdateKind::Invoice(upload.clone());
                repo::update(store, &next, read.version).await?;
                read = Versioned {
                    version: read.version + 1,
                    value: next,
                };
            }
            Err(error) => return Ok(Ok((read, Err(error)))),
        }
    }
    let Some(invoice_id) = upload.marketplace_invoice_id.clone() else {
        return Ok(Ok((
            read,
            Err(MarketplaceError::Unavailable(
                "the invoice was not declared".into(),
            )),
        )));
    };
    let pdf = repo::get_file(
        store,
        &read.value.tenant_id,
        &read.value.order_id,
        &read.value.id,
        &upload.file,
    )
    .await?;
    let result = writer
        .upload_invoice_file(integration, &form, &invoice_id, &pdf)
        .await;
    Ok(Ok((read, result)))
}

/// Records the attempt's result; queues the next attempt after a temporary failure.
async fn finish(
    ports: &Ports,
    read: Versioned<OrderUpdate>,
    result: Result<(), MarketplaceError>,
    job: &OrderUpdateJob,
) -> Result<UpdateOutcome, ServiceError> {
    let error = match result {
        Ok(()) => return settle(ports, read, Ok(())).await,
        Err(error) => error,
    };
    let attempts = read.value.attempts + 1;
    let temporary = matches!(
        error,
        MarketplaceError::RateLimited { .. } | MarketplaceError::Unavailable(_)
    );
    let Some(delay) = RETRY_DELAYS
        .get(usize::try_from(attempts).unwrap_or(usize::MAX) - 1)
        .filter(|_| temporary)
    else {
        return settle(ports, read, Err(error.to_string())).await;
    };
    let wait = match &error {
        MarketplaceError::RateLimited { retry_after } => (*retry_after).max(*delay),
        _ => *delay,
    };
    let now = ports.clock.now();
    let mut next = read.value.clone();
    next.attempts = attempts;
    next.last_error = Some(error.to_string());
    next.next_attempt_at = Some(now + chrono::Duration::from_std(wait).unwrap_or_default());
    match repo::update(&*ports.store, &next, read.version).await {
        Ok(()) => {}
        Err(e) if is_conflict(&e) => return Ok(UpdateOutcome::Nothing),
        Err(e) => return Err(e.into()),
    }
    tracing::warn!(order = %next.order_id, update = %next.id, attempt = attempts, %error, "order update will be retried");
    let follow_up = OrderUpdateJob {
        attempt: job.attempt.max(attempts) + 1,
        ..job.clone()
    };
    send_job(ports, &follow_up, wait).await?;
    Ok(UpdateOutcome::Retrying(next))
}

/// Settles the update: sent (and the order's fulfillment status with it) or failed.
async fn settle(
    ports: &Ports,
    read: Versioned<OrderUpdate>,
    result: Result<(), String>,
) -> Result<UpdateOutcome, ServiceError> {
    let now = ports.clock.now();
    let mut next = read.value.clone();
    next.attempts += 1;
    next.next_attempt_at = None;
    match &result {
        Ok(()) => {
            next.state = OrderUpdateState::Sent;
            next.sent_at = Some(now);
            next.last_error = None;
        }
        Err(reason) => {
            next.state = OrderUpdateState::Failed;
            next.last_error = Some(reason.clone());
        }
    }
    match repo::update(&*ports.store, &next, read.version).await {
        Ok(()) => {}
        Err(e) if is_conflict(&e) => return Ok(UpdateOutcome::Nothing),
        Err(e) => return Err(e.into()),
    }
    if result.is_err() {
        tracing::warn!(order = %next.order_id, update = %next.id, error = ?next.last_error, "order update failed");
        return Ok(UpdateOutcome::Failed(next));
    }
    tracing::info!(order = %next.order_id, update = %next.id, "order update sent");
    if let Some(status) = next.fulfillment_status() {
        record_fulfillment(ports, &next, status, now).await?;
    }
    Ok(UpdateOutcome::Sent(next))
}

/// The order shows the status sent (the journal confirms it with the next form read).
async fn record_fulfillment(
    ports: &Ports,
    update: &OrderUpdate,
    status: FulfillmentStatus,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    for _ in 0..ATTEMPTS {
        let Some(read) =
            orders::get_order(&*ports.store, &update.tenant_id, &update.order_id).await?
        else {
            return Ok(());
        };
        if read.value.fulfillment_status.as_deref() == Some(status.as_str()) {
            return Ok(());
        }
        let mut order = read.value.clone();
        order.fulfillment_status = Some(status.as_str().to_owned());
        order.updated_at = now;
        match orders::update_order(&*ports.store, &order, read.version).await {
            Ok(()) => return Ok(()),
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    tracing::warn!(order = %update.order_id, "order kept changing; its fulfillment status shows on the next journal read");
    Ok(())
}

/// Whether a later fulfillment status of the same order is pending or sent: then this older
/// one must not overwrite it.
async fn superseded(ports: &Ports, update: &OrderUpdate) -> Result<bool, ServiceError> {
    let all = repo::list(&*ports.store, &update.tenant_id, &update.order_id).await?;
    Ok(all.iter().any(|other| {
        other.id > update.id
            && other.fulfillment_status().is_some()
            && matches!(
                other.state,
                OrderUpdateState::Pending | OrderUpdateState::Sent
            )
    }))
}

fn remaining(due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Duration {
    due.and_then(|due| (due - now).to_std().ok())
        .unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf(bytes: usize) -> InvoiceFile {
        let mut data = b"%PDF-1.4\n".to_vec();
        data.resize(bytes.max(data.len()), b' ');
        InvoiceFile {
            filename: "FV-1.pdf".into(),
            content_type: "application/pdf".into(),
            data,
            invoice_number: Some(" FV 1/2026 ".into()),
        }
    }

    #[test]
    fn invoices_must_be_named_pdfs_of_at_most_3_mb() {
        let ok = check_invoice(pdf(100)).expect("a small PDF");
        assert_eq!(ok.invoice_number.as_deref(), Some("FV 1/2026"));
        let field = |file: InvoiceFile| match check_invoice(file) {
            Err(RequestError::Invalid { field, .. }) => field,
            other => panic!("refused expected: {other:?}"),
        };
        assert_eq!(field(pdf(MAX_INVOICE_BYTES + 1)), "file");
        assert!(check_invoice(pdf(MAX_INVOICE_BYTES)).is_ok());
        let mut png = pdf(100);
        png.content_type = "image/png".into();
        assert_eq!(field(png), "content_type");
        let mut fake = pdf(100);
        fake.data = b"GIF89a".to_vec();
        assert_eq!(field(fake), "file");
        let mut empty = pdf(0);
        empty.data.clear();
        assert_eq!(field(empty), "file");
        let mut path = pdf(100);
        path.filename = "../etc/FV.pdf".into();
        assert_eq!(field(path), "filename");
    }

    #[test]
    fn jobs_are_told_apart_from_reply_jobs() {
        let job = OrderUpdateJob {
            kind: JOB_KIND.into(),
            tenant_id: "t".into(),
            order_id: "o".into(),
            update_id: "u".into(),
            attempt: 1,
        };
        assert!(is_job(&serde_json::to_string(&job).expect("json")));
        assert!(!is_job(
            r#"{"tenant_id":"t","ticket_id":"x","reply_id":"r"}"#
        ));
    }
}
