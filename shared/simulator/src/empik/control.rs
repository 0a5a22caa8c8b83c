//! Control API for the EmpikPlace side (`/__simulator/empik/...`): tests and the demo create
//! shops, customers, orders and threads, write as the customer, the operator or the shop's
//! panel, and read back what the seller posted through M12.
//!
//! Every body is JSON with unknown fields refused; a body that does not describe a valid request
//! answers 422 `{"error"}`, an id naming nothing answers 404 `{"error"}`. Successful creations
//! answer 201. Times default to the simulator's clock (`/__simulator/clock`).
//!
//! | call | body | answer |
//! |---|---|---|
//! | `POST /shops` | `{name, api_key?}` | `{shop_id, api_key}`; an existing `api_key` gains the new shop (one user, several shops; its first shop stays the default) |
//! | `POST /customers` | `{firstname, lastname}` | `{customer_id}` |
//! | `POST /orders` | `{shop_id, customer_id, lines: [{title, sku, quantity, price}], state?, channel_code?, date?}` | `{order_id, commercial_id}`; `price` is the unit price, `state` defaults to SHIPPING |
//! | `POST /threads` | `{shop_id, customer_id, order_id?, topic: {type, value}, body, date?, attachment?}` | `{thread_id, message_id, attachment_id?}`: a thread opened by the customer's first message to the shop |
//! | `POST /threads/{id}/messages` | `{from: CUSTOMER\|OPERATOR\|SHOP, body, to?, attachment?, date?}` | `{message_id, attachment_id?}`; SHOP = written in the Empik panel; `to` defaults to SHOP (CUSTOMER for SHOP) |
//! | `GET /threads/{id}/posted` | — | `{thread_id, posted: [...], attachments_total_bytes}` |
//! | `GET /posted` | — | `{posted: [...]}`: every M12 call, oldest first |
//! | `POST /reasons` | `{code, labels: {<language>: label}, reason_type?}` | `{reason_type, code}`: adds a reason (RE02) or replaces the labels of an existing one; `reason_type` defaults to ORDER_MESSAGING |
//!
//! `attachment` is `{name, data_base64, content_type?}`; a posted entry is
//! `{thread_id, message_id, shop_id, date, body, to: [{type, id?}], topic?, files: [{attachment_id, name, size, content_type}]}`.

use super::model::{
    ApiKey, AttachmentInfo, Customer, Entity, Message, Order, OrderLine, Participant,
    ParticipantType, Sender, Shop, StoredAttachment, Thread, Topic, OPERATOR_NAME,
};
use super::params::{parse_date, to_millis};
use super::reasons::{Reason, ORDER_MESSAGING, REASON_TYPES};
use super::reply::BODY_MAX;
use super::EmpikWorld;
use crate::control::support::{answer, invalid, not_found, parse, ControlError, Outcome};
use crate::state::SimulatorState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The Mirakl control routes.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/shops", post(create_shop))
        .route("/customers", post(create_customer))
        .route("/orders", post(create_order))
        .route("/threads", post(create_thread))
        .route("/threads/{id}/messages", post(add_message))
        .route("/threads/{id}/posted", get(thread_posted))
        .route("/posted", get(all_posted))
        .route("/reasons", post(put_reason))
}

fn non_empty(value: &str, field: &str) -> Result<(), ControlError> {
    if value.trim().is_empty() {
        Err(invalid(format!("{field} must not be empty")))
    } else {
        Ok(())
    }
}

fn date_or_now(date: Option<&str>, now: DateTime<Utc>) -> Result<DateTime<Utc>, ControlError> {
    match date {
        None => Ok(now),
        Some(raw) => parse_date(raw).map(to_millis).ok_or_else(|| {
            invalid(format!(
                "date '{raw}' is not an ISO 8601 date-time with seconds and a zone (Z or ±hh:mm)"
            ))
        }),
    }
}

fn message_body(body: &str) -> Result<(), ControlError> {
    non_empty(body, "body")?;
    if body.chars().count() > BODY_MAX {
        return Err(invalid(format!(
            "body must have at most {BODY_MAX} characters"
        )));
    }
    Ok(())
}

/// Body of `POST /shops`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewShop {
    name: String,
    api_key: Option<String>,
}

async fn create_shop(State(state): State<SimulatorState>, body: Bytes) -> Outcome {
    let request: NewShop = parse(&body)?;
    non_empty(&request.name, "name")?;
    let mut world = state.lock();
    let now = to_millis(world.clock.now());
    let empik = &mut world.empik;
    let shop_id = empik.shops.keys().next_back().map_or(2000, |last| last + 1);
    let api_key = match request.api_key {
        Some(key) if key.trim().is_empty() || key.trim() != key => {
            return Err(invalid(
                "api_key must not be empty or have surrounding spaces",
            ))
        }
        Some(key) => key,
        None => uuid::Uuid::new_v4().to_string(),
    };
    empik.shops.insert(
        shop_id,
        Shop {
            id: shop_id,
            name: request.name,
            created: now,
        },
    );
    empik
        .api_keys
        .entry(api_key.clone())
        .or_insert_with(|| ApiKey { shops: Vec::new() })
        .shops
        .push(shop_id);
    Ok(answer(
        StatusCode::CREATED,
        json!({ "shop_id": shop_id, "api_key": api_key }),
    ))
}

/// Body of `POST /customers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCustomer {
    firstname: String,
    lastname: String,
}

async fn create_customer(State(state): State<SimulatorState>, body: Bytes) -> Outcome {
    let request: NewCustomer = parse(&body)?;
    non_empty(&request.firstname, "firstname")?;
    non_empty(&request.lastname, "lastname")?;
    let mut world = state.lock();
    let empik = &mut world.empik;
    let id = format!("c-{}", 10_000 + empik.next_seq());
    empik.customers.insert(
        id.clone(),
        Customer {
            id: id.clone(),
            firstname: request.firstname,
            lastname: request.lastname,
        },
    );
    Ok(answer(StatusCode::CREATED, json!({ "customer_id": id })))
}

/// One line of `POST /orders`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewLine {
    title: String,
    sku: String,
    quantity: u32,
    price: f64,
}

/// Body of `POST /orders`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrder {
    shop_id: i64,
    customer_id: String,
    lines: Vec<NewLine>,
    state: Option<String>,
    channel_code: Option<String>,
    date: Option<String>,
}

async fn create_order(State(state): State<SimulatorState>, body: Bytes) -> Outcome {
    let request: NewOrder = parse(&body)?;
    if request.lines.is_empty() {
        return Err(invalid("lines must hold at least one line"));
    }
    for line in &request.lines {
        non_empty(&line.title, "lines[].title")?;
        non_empty(&line.sku, "lines[].sku")?;
        if line.quantity == 0 {
            return Err(invalid("lines[].quantity must be at least 1"));
        }
        if !line.price.is_finite() || line.price < 0.0 {
            return Err(invalid("lines[].price must be a non-negative number"));
        }
    }
    let order_state = request.state.unwrap_or_else(|| "SHIPPING".into());
    if !super::orders::ORDER_STATES.contains(&order_state.as_str()) {
        return Err(invalid(format!(
            "state must be one of {}",
            super::orders::ORDER_STATES.join(", ")
        )));
    }
    if let Some(code) = &request.channel_code {
        non_empty(code, "channel_code")?;
    }
    let mut world = state.lock();
    let created = date_or_now(request.date.as_deref(), to_millis(world.clock.now()))?;
    let empik = &mut world.empik;
    if !empik.shops.contains_key(&request.shop_id) {
        return Err(not_found(format!("no shop {}", request.shop_id)));
    }
    if !empik.customers.contains_key(&request.customer_id) {
        return Err(not_found(format!("no customer {}", request.customer_id)));
    }
    let seq = empik.next_seq();
    let commercial_id = (33_100_000_000u64 + seq).to_string();
    let order_id = format!("{commercial_id}-A");
    let lines = request
        .lines
        .into_iter()
        .map(|line| {
            let n = empik.next_seq();
            OrderLine {
                offer_id: 2000 + n as i64,
                title: line.title,
                sku: line.sku,
                product_sku: (1_400_000_000u64 + n).to_string(),
                quantity: line.quantity,
                unit_price: line.price,
            }
        })
        .collect();
    empik.orders.push(Order {
        id: order_id.clone(),
        commercial_id: commercial_id.clone(),
        shop_id: request.shop_id,
        customer_id: request.customer_id,
        state: order_state,
        channel_code: request.channel_code,
        created,
        notification_email: format!(
            "notification+{}@notification.mirakl.net",
            uuid::Uuid::new_v4().simple()
        ),
        lines,
        seq,
    });
    Ok(answer(
        StatusCode::CREATED,
        json!({ "order_id": order_id, "commercial_id": commercial_id }),
    ))
}

/// A file sent by a customer, the operator or the panel.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAttachment {
    name: String,
    data_base64: String,
    content_type: Option<String>,
}

impl NewAttachment {
    /// Checks the name and decodes the data of an optional attachment: it and its bytes.
    fn decode(attachment: Option<Self>) -> Result<Option<(Self, Vec<u8>)>, ControlError> {
        let Some(attachment) = attachment else {
            return Ok(None);
        };
        non_empty(&attachment.name, "attachment.name")?;
        let data = STANDARD
            .decode(attachment.data_base64.trim())
            .map_err(|e| invalid(format!("attachment.data_base64 is not base64: {e}")))?;
        Ok(Some((attachment, data)))
    }
}

/// A message written through the control API in thread `(id, shop)`, with its file (if any)
/// stored.
fn control_message(
    empik: &mut EmpikWorld,
    thread: (&str, i64),
    (body, date): (String, DateTime<Utc>),
    (from, to): (Sender, Vec<Participant>),
    file: Option<(NewAttachment, Vec<u8>)>,
) -> Message {
    let attachments = file
        .map(|(attachment, data)| vec![store_attachment(empik, thread, attachment, data)])
        .unwrap_or_default();
    Message {
        id: uuid::Uuid::new_v4().to_string(),
        body,
        date_created: date,
        from,
        to,
        attachments,
    }
}

/// 201 with `created` plus the new message's `message_id` and, if it has a file, its
/// `attachment_id`.
fn message_created(mut created: Value, message: &Message) -> Outcome {
    created["message_id"] = json!(message.id);
    if let Some(attachment) = message.attachments.first() {
        created["attachment_id"] = json!(attachment.id);
    }
    Ok(answer(StatusCode::CREATED, created))
}

/// Stores `attachment` (already decoded to `data`) and returns what the message lists.
fn store_attachment(
    empik: &mut EmpikWorld,
    thread: (&str, i64),
    attachment: NewAttachment,
    data: Vec<u8>,
) -> AttachmentInfo {
    let id = uuid::Uuid::new_v4().to_string();
    let info = AttachmentInfo {
        id: id.clone(),
        name: attachment.name.clone(),
        size: data.len() as u64,
    };
    empik.attachments.insert(
        id.clone(),
        StoredAttachment {
            id,
            shop_id: thread.1,
            thread_id: thread.0.to_owned(),
            name: attachment.name,
            content_type: attachment
                .content_type
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| "application/octet-stream".into()),
            data,
        },
    );
    info
}

/// Body of `POST /threads`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewThread {
    shop_id: i64,
    customer_id: String,
    order_id: Option<String>,
    topic: Topic,
    body: String,
    date: Option<String>,
    attachment: Option<NewAttachment>,
}

async fn create_thread(State(state): State<SimulatorState>, body: Bytes) -> Outcome {
    let request: NewThread = parse(&body)?;
    if let Some(problem) = request.topic.problem() {
        return Err(invalid(problem));
    }
    message_body(&request.body)?;
    let file = NewAttachment::decode(request.attachment)?;
    let mut world = state.lock();
    let date = date_or_now(request.date.as_deref(), to_millis(world.clock.now()))?;
    let empik = &mut world.empik;
    let shop = empik
        .shops
        .get(&request.shop_id)
        .cloned()
        .ok_or_else(|| not_found(format!("no shop {}", request.shop_id)))?;
    let customer = empik
        .customers
        .get(&request.customer_id)
        .cloned()
        .ok_or_else(|| not_found(format!("no customer {}", request.customer_id)))?;
    let (entities, channel_code) = match &request.order_id {
        None => (Vec::new(), None),
        Some(order_id) => {
            let order = empik
                .order(order_id)
                .ok_or_else(|| not_found(format!("no order {order_id}")))?;
            if order.shop_id != shop.id || order.customer_id != customer.id {
                return Err(invalid(format!(
                    "order {order_id} is not an order of customer {} at shop {}",
                    customer.id, shop.id
                )));
            }
            (
                vec![Entity {
                    id: order.id.clone(),
                    label: order.commercial_id.clone(),
                    kind: "MMP_ORDER".into(),
                }],
                order.channel_code.clone(),
            )
        }
    };
    let customer_participant = Participant {
        kind: ParticipantType::Customer,
        id: Some(customer.id.clone()),
        display_name: customer.display_name(),
    };
    let shop_participant = Participant {
        kind: ParticipantType::Shop,
        id: Some(shop.id.to_string()),
        display_name: shop.name.clone(),
    };
    let thread_id = uuid::Uuid::new_v4().to_string();
    let seq = empik.next_seq();
    let mut thread = Thread {
        id: thread_id.clone(),
        shop_id: shop.id,
        customer_id: customer.id.clone(),
        channel_code,
        topic: request.topic,
        entities,
        authorized_participants: vec![
            customer_participant.clone(),
            shop_participant.clone(),
            operator(),
        ],
        current_participants: Vec::new(),
        date_created: date,
        date_updated: date,
        shop_reply_needed_since: None,
        messages: Vec::new(),
        seq,
    };
    let from = sender(&thread, ParticipantType::Customer);
    let message = control_message(
        empik,
        (&thread_id, shop.id),
        (request.body, date),
        (from, vec![shop_participant]),
        file,
    );
    let created = message_created(json!({ "thread_id": thread_id }), &message);
    thread.push_message(message);
    empik.threads.push(thread);
    created
}

fn operator() -> Participant {
    Participant {
        kind: ParticipantType::Operator,
        id: None,
        display_name: OPERATOR_NAME.into(),
    }
}

/// The author of a message written by `kind` in `thread`.
fn sender(thread: &Thread, kind: ParticipantType) -> Sender {
    let participant = thread.participant(kind).cloned().unwrap_or_else(operator);
    Sender {
        kind: kind.sender_type(),
        display_name: participant.display_name.clone(),
        organization_details: (kind != ParticipantType::Customer).then_some(participant),
    }
}

/// Body of `POST /threads/{id}/messages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMessage {
    from: String,
    body: String,
    to: Option<Vec<String>>,
    attachment: Option<NewAttachment>,
    date: Option<String>,
}

async fn add_message(
    State(state): State<SimulatorState>,
    Path(thread_id): Path<String>,
    body: Bytes,
) -> Outcome {
    let request: NewMessage = parse(&body)?;
    let from = ParticipantType::parse(&request.from).ok_or_else(|| {
        invalid(format!(
            "from must be CUSTOMER, OPERATOR or SHOP, not '{}'",
            request.from
        ))
    })?;
    message_body(&request.body)?;
    let to_kinds = match &request.to {
        None if from == ParticipantType::Shop => vec![ParticipantType::Customer],
        None => vec![ParticipantType::Shop],
        Some(list) if list.is_empty() => {
            return Err(invalid("to must list at least one recipient"))
        }
        Some(list) => list
            .iter()
            .map(|raw| {
                ParticipantType::parse(raw)
                    .filter(|kind| *kind != from)
                    .ok_or_else(|| {
                        invalid(format!(
                            "to: '{raw}' is not a participant type other than the sender (CUSTOMER, OPERATOR, SHOP)"
                        ))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let file = NewAttachment::decode(request.attachment)?;
    let mut world = state.lock();
    let date = date_or_now(request.date.as_deref(), to_millis(world.clock.now()))?;
    let empik = &mut world.empik;
    let thread = empik
        .threads
        .iter()
        .find(|t| t.id == thread_id)
        .ok_or_else(|| not_found(format!("no thread {thread_id}")))?;
    let shop_id = thread.shop_id;
    if let Some(last) = thread.messages.last() {
        if date < last.date_created {
            return Err(invalid("date must not be before the thread's last message"));
        }
    }
    let mut to = Vec::new();
    for kind in to_kinds {
        let participant = thread.participant(kind).cloned().ok_or_else(|| {
            invalid(format!(
                "{} is not a participant of the thread",
                kind.as_str()
            ))
        })?;
        if !to.contains(&participant) {
            to.push(participant);
        }
    }
    let from = sender(thread, from);
    let message = control_message(
        empik,
        (&thread_id, shop_id),
        (request.body, date),
        (from, to),
        file,
    );
    let created = message_created(json!({}), &message);
    let thread = empik
        .threads
        .iter_mut()
        .find(|t| t.id == thread_id)
        .ok_or_else(|| not_found(format!("no thread {thread_id}")))?;
    thread.push_message(message);
    created
}

async fn thread_posted(
    State(state): State<SimulatorState>,
    Path(thread_id): Path<String>,
) -> Outcome {
    let world = state.lock();
    let empik = &world.empik;
    let Some(thread) = empik.threads.iter().find(|t| t.id == thread_id) else {
        return Err(not_found(format!("no thread {thread_id}")));
    };
    let posted: Vec<_> = empik
        .posted
        .iter()
        .filter(|p| p.thread_id == thread_id)
        .collect();
    let total: u64 = thread
        .messages
        .iter()
        .flat_map(|m| m.attachments.iter())
        .map(|a| a.size)
        .sum();
    Ok(answer(
        StatusCode::OK,
        json!({
            "thread_id": thread_id,
            "posted": posted,
            "attachments_total_bytes": total
        }),
    ))
}

async fn all_posted(State(state): State<SimulatorState>) -> Response {
    answer(
        StatusCode::OK,
        json!({ "posted": state.lock().empik.posted }),
    )
}

/// Body of `POST /reasons`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewReason {
    reason_type: Option<String>,
    code: String,
    labels: BTreeMap<String, String>,
}

async fn put_reason(State(state): State<SimulatorState>, body: Bytes) -> Outcome {
    let request: NewReason = parse(&body)?;
    let reason_type = request
        .reason_type
        .unwrap_or_else(|| ORDER_MESSAGING.to_owned());
    if !REASON_TYPES.contains(&reason_type.as_str()) {
        return Err(invalid(format!(
            "reason_type must be one of {}",
            REASON_TYPES.join(", ")
        )));
    }
    non_empty(&request.code, "code")?;
    if request.labels.is_empty() {
        return Err(invalid("labels must hold at least one label"));
    }
    for (language, label) in &request.labels {
        non_empty(language, "labels (language)")?;
        non_empty(label, &format!("labels.{language}"))?;
    }
    let labels = request
        .labels
        .into_iter()
        .map(|(language, label)| (language.to_ascii_lowercase(), label))
        .collect();
    let mut world = state.lock();
    let reasons = &mut world.empik.reasons;
    match reasons
        .iter_mut()
        .find(|r| r.reason_type == reason_type && r.code == request.code)
    {
        Some(known) => known.labels = labels,
        None => reasons.push(Reason {
            reason_type: reason_type.clone(),
            code: request.code.clone(),
            labels,
        }),
    }
    Ok(answer(
        StatusCode::CREATED,
        json!({ "reason_type": reason_type, "code": request.code }),
    ))
}
