//! Webhooks: a tenant's endpoints (admins manage them), their signing secrets, and the
//! delivery of events through the webhooks queue with retries, back-off and a delivery log.
//!
//! Signature scheme (what a receiver checks): every POST carries
//! `X-Marketdesk-Timestamp: <Unix seconds>` and
//! `X-Marketdesk-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>`.
//! For 24 hours after a rotation the header carries a second `sha256=` value made with the
//! previous secret (comma-separated), so receivers can switch secrets without losing events.
//! `X-Marketdesk-Delivery` is the same on every attempt of one delivery (dedupe on it) and
//! `X-Marketdesk-Event` names the event.
//!
//! Targets: http(s) only, no credentials in the URL; the host is resolved when the endpoint
//! is saved and again at every attempt, and private, loopback, link-local, unique-local and
//! other non-public addresses are refused unless the operator allows them
//! ([`AddressPolicy`]); the transport connects to the checked addresses only and follows no
//! redirects.

use super::audit::{self, actions};
use super::paging::{self, Position};
use super::people::secrets as random;
use super::request::{cursor_error, RequestError};
use super::{validation, ServiceError};
use crate::domain::{
    Actor, DeliveryAttempt, DeliveryState, EventType, Subject, SubjectKind, Webhook,
    WebhookDelivery,
};
use crate::ids::TenantId;
use crate::ports::queue::MAX_SEND_DELAY;
use crate::ports::{
    AddressPolicy, HostResolver, Ports, SecretName, TransportError, WebhookRequest,
    WebhookTransport,
};
use crate::repo::is_conflict;
use crate::repo::webhooks::{self as repo, MAX_WEBHOOKS};
use chrono::{DateTime, Duration as Span, Utc};
use hmac::{KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};
use std::net::SocketAddr;
use std::time::Duration;

/// Prefix of signing secrets.
pub const SECRET_PREFIX: &str = "whsec_";
/// How long deliveries are also signed with the secret before a rotation.
pub const ROTATION_GRACE_HOURS: i64 = 24;
/// Longest endpoint URL.
pub const MAX_URL_CHARS: usize = 2000;
/// Longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// The `kind` of a webhook job on the queue (tells it from a reply job on the sender).
pub const JOB_KIND: &str = "webhook_delivery";

type HmacSha256 = hmac::Hmac<sha2_hmac::Sha256>;

pub use crate::domain::webhook::WebhookSettings;

// ---------------------------------------------------------------- secrets

/// The signing secrets of an endpoint, kept through the secrets port as one JSON value.
#[derive(Serialize, Deserialize)]
struct SigningSecrets {
    current: String,
    #[serde(default)]
    previous: Option<String>,
    #[serde(default)]
    previous_until: Option<DateTime<Utc>>,
}

fn secret_name(tenant: &TenantId, id: &str) -> Result<SecretName, RequestError> {
    crate::repo::keys::webhook_signing_secret(tenant, id)
        .map_err(|e| RequestError::Internal(e.to_string()))
}

async fn save_secrets(
    ports: &Ports,
    tenant: &TenantId,
    id: &str,
    secrets: &SigningSecrets,
) -> Result<(), RequestError> {
    let json = serde_json::to_string(secrets).map_err(|e| RequestError::Internal(e.to_string()))?;
    ports
        .secrets
        .put(&secret_name(tenant, id)?, &SecretString::from(json))
        .await?;
    Ok(())
}

async fn load_secrets(
    ports: &Ports,
    tenant: &TenantId,
    id: &str,
) -> Result<Option<SigningSecrets>, ServiceError> {
    let name = secret_name(tenant, id).map_err(|e| ServiceError::Unavailable(e.to_string()))?;
    let Some(value) = ports
        .secrets
        .get(&name)
        .await
        .map_err(|e| ServiceError::Unavailable(e.to_string()))?
    else {
        return Ok(None);
    };
    serde_json::from_str(value.expose_secret())
        .map(Some)
        .map_err(|_| ServiceError::Unavailable("a webhook's signing secret does not decode".into()))
}

fn new_secret() -> Result<String, RequestError> {
    random::generate(SECRET_PREFIX).map_err(|e| RequestError::Unavailable(e.to_string()))
}

/// Hex HMAC-SHA256 of `<timestamp>.<body>` with `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `X-Marketdesk-Signature` value: the current secret's, and during the grace period
/// after a rotation the previous secret's too.
fn signature_header(secrets: &SigningSecrets, now: DateTime<Utc>, body: &str) -> String {
    let timestamp = now.timestamp();
    let mut header = format!("sha256={}", signature(&secrets.current, timestamp, body));
    if let (Some(previous), Some(until)) = (&secrets.previous, secrets.previous_until) {
        if now < until {
            header.push_str(&format!(",sha256={}", signature(previous, timestamp, body)));
        }
    }
    header
}

// ---------------------------------------------------------------- requests

fn active_by_default() -> bool {
    true
}

/// The body of `POST /v1/webhooks`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where to post: http or https; no user name or password; must resolve to public
    /// addresses.
    #[cfg_attr(feature = "openapi", schema(format = "uri", max_length = 2000))]
    pub url: String,
    /// The events to receive (at least one).
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Vec<SubscribableEvent>, min_items = 1)
    )]
    pub events: Vec<EventType>,
    /// A note for admins.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub description: Option<String>,
    /// On (default) or off.
    #[serde(default = "active_by_default")]
    #[cfg_attr(feature = "openapi", schema(default = true))]
    pub active: bool,
}

fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// The body of `PATCH /v1/webhooks/{id}`: only what is given changes.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    /// A new URL, checked like at creation.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = "uri", max_length = 2000))]
    pub url: Option<String>,
    /// A new list of events.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<Vec<SubscribableEvent>>, min_items = 1)
    )]
    pub events: Option<Vec<EventType>>,
    /// A new note (`null` removes it).
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            value_type = Option<String>,
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub description: Option<Option<String>>,
    /// On or off.
    #[serde(default)]
    pub active: Option<bool>,
}

/// An endpoint with its signing secret (shown only at creation and rotation).
pub struct WithSecret {
    /// The endpoint.
    pub webhook: Webhook,
    /// The signing secret.
    pub secret: SecretString,
}

/// Checks a target URL and its addresses; the URL as stored.
pub async fn check_url(
    resolver: &dyn HostResolver,
    policy: AddressPolicy,
    field: &str,
    text: &str,
) -> Result<String, RequestError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_URL_CHARS {
        return Err(RequestError::invalid(
            field,
            format!("must be an http or https URL of at most {MAX_URL_CHARS} characters"),
        ));
    }
    let url = url::Url::parse(text)
        .map_err(|e| RequestError::invalid(field, format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(RequestError::invalid(field, "only http and https URLs"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(RequestError::invalid(
            field,
            "no user name or password in the URL; authenticate the signature instead",
        ));
    }
    let addresses = target_addresses(resolver, &url)
        .await
        .map_err(|e| RequestError::invalid(field, e.to_string()))?;
    if let Some(refused) = addresses.iter().find(|a| !policy.allows(a.ip())) {
        return Err(RequestError::invalid(
            field,
            format!(
                "the host resolves to {}, a private, loopback, link-local or otherwise non-public address",
                refused.ip()
            ),
        ));
    }
    Ok(url.to_string())
}

/// The addresses a URL's host resolves to, with the URL's port.
async fn target_addresses(
    resolver: &dyn HostResolver,
    url: &url::Url,
) -> Result<Vec<SocketAddr>, TransportError> {
    let host = url
        .host_str()
        .ok_or_else(|| TransportError::Unresolvable("the URL has no host".into()))?;
    let port = url
        .port_or_known_default()
        .ok_or_else(|| TransportError::Unresolvable("the URL has no port".into()))?;
    resolver.resolve(host, port).await
}

fn check_events(field: &str, events: &[EventType]) -> Result<Vec<EventType>, RequestError> {
    let mut unique = Vec::new();
    for event in events {
        if *event == EventType::Ping {
            return Err(RequestError::invalid(
                field,
                "ping is sent by the test route only; subscribe to the other events",
            ));
        }
        if !unique.contains(event) {
            unique.push(*event);
        }
    }
    if unique.is_empty() {
        return Err(RequestError::invalid(field, "name at least one event"));
    }
    Ok(unique)
}

fn check_description(description: Option<String>) -> Result<Option<String>, RequestError> {
    match description {
        Some(text) => {
            validation::label("description", &text, MAX_DESCRIPTION_CHARS)?;
            Ok(Some(text.trim().to_owned()))
        }
        None => Ok(None),
    }
}

// ---------------------------------------------------------------- management

/// Creates an endpoint with a fresh signing secret (returned once).
pub async fn create(
    ports: &Ports,
    resolver: &dyn HostResolver,
    settings: &WebhookSettings,
    tenant: &TenantId,
    actor: Option<&Actor>,
    request: NewWebhook,
) -> Result<WithSecret, RequestError> {
    let url = check_url(resolver, settings.policy, "url", &request.url).await?;
    let events = check_events("events", &request.events)?;
    let description = check_description(request.description)?;
    if repo::list(&*ports.store, tenant).await?.len() >= MAX_WEBHOOKS {
        return Err(RequestError::WrongState {
            code: "too_many_webhooks",
            message: format!("a tenant has at most {MAX_WEBHOOKS} webhooks; delete one first"),
        });
    }
    let now = ports.clock.now();
    let webhook = Webhook {
        id: uuid::Uuid::now_v7().simple().to_string(),
        tenant_id: tenant.clone(),
        url,
        events,
        active: request.active,
        description,
        created_at: now,
        updated_at: now,
        secret_rotated_at: None,
        previous_secret_until: None,
    };
    let secret = new_secret()?;
    let secrets = SigningSecrets {
        current: secret.clone(),
        previous: None,
        previous_until: None,
    };
    save_secrets(ports, tenant, &webhook.id, &secrets).await?;
    repo::create(&*ports.store, &webhook).await?;
    tracing::info!(tenant = %tenant, webhook = %webhook.id, "webhook created");
    audit::record(
        ports,
        tenant,
        actor,
        actions::WEBHOOK_CREATED,
        Subject::new(SubjectKind::Webhook, &webhook.id),
        None,
        audit::state(&webhook),
    )
    .await;
    Ok(WithSecret {
        webhook,
        secret: SecretString::from(secret),
    })
}

/// The tenant's endpoints.
pub async fn list(ports: &Ports, tenant: &TenantId) -> Result<Vec<Webhook>, RequestError> {
    Ok(repo::list(&*ports.store, tenant).await?)
}

/// One endpoint of the tenant.
pub async fn get(ports: &Ports, tenant: &TenantId, id: &str) -> Result<Webhook, RequestError> {
    repo::get(&*ports.store, tenant, id)
        .await?
        .map(|read| read.value)
        .ok_or(RequestError::NotFound("webhook"))
}

/// Changes an endpoint.
pub async fn update(
    ports: &Ports,
    resolver: &dyn HostResolver,
    settings: &WebhookSettings,
    tenant: &TenantId,
    actor: Option<&Actor>,
    id: &str,
    patch: WebhookPatch,
) -> Result<Webhook, RequestError> {
    let url = match &patch.url {
        Some(url) => Some(check_url(resolver, settings.policy, "url", url).await?),
        None => None,
    };
    let events = patch
        .events
        .as_deref()
        .map(|events| check_events("events", events))
        .transpose()?;
    let description = match patch.description {
        Some(description) => Some(check_description(description)?),
        None => None,
    };
    let read = repo::get(&*ports.store, tenant, id)
        .await?
        .ok_or(RequestError::NotFound("webhook"))?;
    let mut next = read.value.clone();
    if let Some(url) = url {
        next.url = url;
    }
    if let Some(events) = events {
        next.events = events;
    }
    if let Some(description) = description {
        next.description = description;
    }
    if let Some(active) = patch.active {
        next.active = active;
    }
    if next == read.value {
        return Ok(next);
    }
    next.updated_at = ports.clock.now();
    match repo::update(&*ports.store, &next, read.version).await {
        Ok(()) => {}
        Err(error) if is_conflict(&error) => {
            return Err(RequestError::Conflict(
                "the webhook changed meanwhile; try again".into(),
            ))
        }
        Err(error) => return Err(error.into()),
    }
    audit::record(
        ports,
        tenant,
        actor,
        actions::WEBHOOK_UPDATED,
        Subject::new(SubjectKind::Webhook, id),
        audit::state(&read.value),
        audit::state(&next),
    )
    .await;
    Ok(next)
}

/// Deletes an endpoint and its secret; queued deliveries are dropped, the log expires.
pub async fn delete(
    ports: &Ports,
    tenant: &TenantId,
    actor: Option<&Actor>,
    id: &str,
) -> Result<(), RequestError> {
    let read = repo::get(&*ports.store, tenant, id)
        .await?
        .ok_or(RequestError::NotFound("webhook"))?;
    repo::delete(&*ports.store, tenant, id, read.version)
        .await
        .map_err(|error| match error {
            error if is_conflict(&error) => {
                RequestError::Conflict("the webhook changed meanwhile; try again".into())
            }
            other => other.into(),
        })?;
    ports.secrets.delete(&secret_name(tenant, id)?).await?;
    tracing::info!(tenant = %tenant, webhook = %id, "webhook deleted");
    audit::record(
        ports,
        tenant,
        actor,
        actions::WEBHOOK_DELETED,
        Subject::new(SubjectKind::Webhook, id),
        audit::state(&read.value),
        None,
    )
    .await;
    Ok(())
}

/// Replaces the signing secret (returned once). For [`ROTATION_GRACE_HOURS`] deliveries are
/// signed with both, so receivers can switch without losing events.
pub async fn rotate_secret(
    ports: &Ports,
    tenant: &TenantId,
    actor: Option<&Actor>,
    id: &str,
) -> Result<WithSecret, RequestError> {
    let read = repo::get(&*ports.store, tenant, id)
        .await?
        .ok_or(RequestError::NotFound("webhook"))?;
    let old = load_secrets(ports, tenant, id)
        .await
        .map_err(|e| RequestError::Unavailable(e.to_string()))?;
    let now = ports.clock.now();
    let until = now + Span::hours(ROTATION_GRACE_HOURS);
    let secret = new_secret()?;
    save_secrets(
        ports,
        tenant,
        id,
        &SigningSecrets {
            current: secret.clone(),
            previous: old.map(|old| old.current),
            previous_until: Some(until),
        },
    )
    .await?;
    let mut next = read.value.clone();
    next.secret_rotated_at = Some(now);
    next.previous_secret_until = Some(until);
    next.updated_at = now;
    repo::update(&*ports.store, &next, read.version).await?;
    tracing::info!(tenant = %tenant, webhook = %id, "webhook secret rotated");
    audit::record(
        ports,
        tenant,
        actor,
        actions::WEBHOOK_SECRET_ROTATED,
        Subject::new(SubjectKind::Webhook, id),
        audit::state(&read.value),
        audit::state(&next),
    )
    .await;
    Ok(WithSecret {
        webhook: next,
        secret: SecretString::from(secret),
    })
}

/// The JSON body every receiver gets: `{id, type, created_at, tenant_id, data}` (an event of
/// `services::events` or the `ping` of [`test`]).
pub fn envelope(
    event_id: &str,
    kind: EventType,
    tenant: &TenantId,
    at: DateTime<Utc>,
    data: serde_json::Value,
) -> String {
    serde_json::json!({
        "id": event_id,
        "type": kind.as_str(),
        "created_at": at,
        "tenant_id": tenant,
        "data": data,
    })
    .to_string()
}

/// Queues a `ping` to the endpoint (whether or not it is on) and returns its delivery.
pub async fn test(
    ports: &Ports,
    tenant: &TenantId,
    id: &str,
) -> Result<WebhookDelivery, RequestError> {
    let webhook = get(ports, tenant, id).await?;
    let event_id = uuid::Uuid::now_v7().simple().to_string();
    let payload = envelope(
        &event_id,
        EventType::Ping,
        tenant,
        ports.clock.now(),
        serde_json::json!({ "webhook_id": webhook.id }),
    );
    queue_delivery(ports, &webhook, &event_id, EventType::Ping, payload)
        .await
        .map_err(|e| RequestError::Unavailable(e.to_string()))
}

/// One page of an endpoint's deliveries.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryPage {
    /// The deliveries, newest first.
    pub deliveries: Vec<WebhookDelivery>,
    /// Pass as `cursor` for the next page; `null` at the end.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// The query of `GET /v1/webhooks/{id}/deliveries`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// Where to continue: the `next_cursor` of the previous page.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")
    )]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 25).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100, default = 25))]
    pub limit: Option<u32>,
}

/// One page of an endpoint's delivery log (kept 30 days), newest first.
pub async fn deliveries(
    ports: &Ports,
    tenant: &TenantId,
    id: &str,
    query: &DeliveryQuery,
) -> Result<DeliveryPage, RequestError> {
    let limit = paging::limit(query.limit)?;
    let position = Position::decode(query.cursor.as_deref())?;
    get(ports, tenant, id).await?;
    let (deliveries, next) =
        repo::list_deliveries(&*ports.store, tenant, id, position.store, limit as u32)
            .await
            .map_err(cursor_error)?;
    Ok(DeliveryPage {
        deliveries,
        next_cursor: next.map(|store| {
            Position {
                store: Some(store),
                skip: 0,
            }
            .encode()
        }),
    })
}

// ---------------------------------------------------------------- delivery

/// A queued attempt of one delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookJob {
    /// Always [`JOB_KIND`].
    pub kind: String,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The endpoint.
    pub webhook_id: String,
    /// The delivery.
    pub delivery_id: String,
    /// Which attempt this job makes (1 for the first).
    pub attempt: usize,
}

/// Whether a queue message body is a webhook job (the sender also takes reply jobs).
pub fn is_job(body: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .is_some_and(|value| value["kind"] == JOB_KIND)
}

async fn send_job(ports: &Ports, job: &WebhookJob, delay: Duration) -> Result<(), ServiceError> {
    let body = serde_json::to_string(job).map_err(|e| ServiceError::Malformed(e.to_string()))?;
    ports
        .queues
        .webhooks
        .send(&body, delay.min(MAX_SEND_DELAY))
        .await?;
    Ok(())
}

/// Stores a pending delivery of `payload` to `webhook` and queues its first attempt.
pub(crate) async fn queue_delivery(
    ports: &Ports,
    webhook: &Webhook,
    event_id: &str,
    event: EventType,
    payload: String,
) -> Result<WebhookDelivery, ServiceError> {
    let now = ports.clock.now();
    let delivery = WebhookDelivery {
        id: uuid::Uuid::now_v7().simple().to_string(),
        webhook_id: webhook.id.clone(),
        event_id: event_id.to_owned(),
        event,
        state: DeliveryState::Pending,
        attempts: Vec::new(),
        next_attempt_at: Some(now),
        created_at: now,
        payload,
    };
    repo::create_delivery(&*ports.store, &webhook.tenant_id, &delivery).await?;
    let job = WebhookJob {
        kind: JOB_KIND.into(),
        tenant_id: webhook.tenant_id.clone(),
        webhook_id: webhook.id.clone(),
        delivery_id: delivery.id.clone(),
        attempt: 1,
    };
    send_job(ports, &job, Duration::ZERO).await?;
    Ok(delivery)
}

/// Handles one webhook job from the queue.
pub async fn handle_body(
    ports: &Ports,
    transport: &dyn WebhookTransport,
    settings: &WebhookSettings,
    body: &str,
) -> Result<(), ServiceError> {
    let job: WebhookJob = super::decode_job(body)?;
    if job.kind != JOB_KIND {
        return Err(ServiceError::Malformed(format!(
            "not a webhook job: {}",
            job.kind
        )));
    }
    deliver(ports, transport, settings, &job).await
}

/// What one attempt came to.
enum Outcome {
    Delivered,
    /// Worth another attempt.
    Retry,
    /// Never worth another attempt (a refused address, the endpoint gone or off).
    GiveUp,
}

/// Makes the attempt `job` stands for: posts the signed payload, records the attempt, and
/// queues the next attempt after a failure (until the attempts run out).
pub async fn deliver(
    ports: &Ports,
    transport: &dyn WebhookTransport,
    settings: &WebhookSettings,
    job: &WebhookJob,
) -> Result<(), ServiceError> {
    let store = &*ports.store;
    let tenant = &job.tenant_id;
    let Some(read) = repo::get_delivery(store, tenant, &job.webhook_id, &job.delivery_id).await?
    else {
        return Err(ServiceError::Gone(
            "the webhook delivery no longer exists".into(),
        ));
    };
    let delivery = read.value;
    if delivery.state != DeliveryState::Pending {
        return Ok(());
    }
    let now = ports.clock.now();
    if delivery.attempts.len() >= job.attempt {
        // This attempt was made (a redelivered job). If the follow-up could not be queued
        // then, queue it now; a duplicate of it is made harmless by this same check.
        if delivery.attempts.len() == job.attempt {
            let wait = remaining(delivery.next_attempt_at, now);
            let next = WebhookJob {
                attempt: job.attempt + 1,
                ..job.clone()
            };
            send_job(ports, &next, wait).await?;
        }
        return Ok(());
    }
    if let Some(due) = delivery.next_attempt_at {
        if due > now {
            // Back-off longer than the queue's longest delay: hop again.
            send_job(ports, job, remaining(Some(due), now)).await?;
            return Ok(());
        }
    }

    let started = std::time::Instant::now();
    let (outcome, status, error, excerpt) =
        attempt(ports, transport, settings, tenant, &delivery).await?;
    let mut next = delivery.clone();
    next.attempts.push(DeliveryAttempt {
        at: now,
        status,
        error,
        duration_ms: started.elapsed().as_millis() as u64,
        response_excerpt: excerpt,
    });
    let made = next.attempts.len();
    let mut follow_up = None;
    match outcome {
        Outcome::Delivered => {
            next.state = DeliveryState::Delivered;
            next.next_attempt_at = None;
        }
        Outcome::Retry if made < settings.max_attempts() => {
            let wait = settings.retry_delays[made - 1];
            next.next_attempt_at = Some(now + Span::from_std(wait).unwrap_or(Span::zero()));
            follow_up = Some(wait);
        }
        Outcome::Retry | Outcome::GiveUp => {
            next.state = DeliveryState::Failed;
            next.next_attempt_at = None;
        }
    }
    match repo::update_delivery(store, tenant, &next, read.version).await {
        Ok(()) => {}
        // Another worker recorded this attempt first.
        Err(error) if is_conflict(&error) => return Ok(()),
        Err(error) => return Err(error.into()),
    }
    tracing::info!(tenant = %tenant, webhook = %job.webhook_id, delivery = %job.delivery_id, attempt = made, state = ?next.state, "webhook attempt");
    if let Some(wait) = follow_up {
        let next_job = WebhookJob {
            attempt: job.attempt + 1,
            ..job.clone()
        };
        send_job(ports, &next_job, wait).await?;
    }
    Ok(())
}

fn remaining(due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Duration {
    due.and_then(|due| (due - now).to_std().ok())
        .unwrap_or(Duration::ZERO)
}

/// Posts a delivery once: the outcome, the status, why it failed, and the answer's start.
async fn attempt(
    ports: &Ports,
    transport: &dyn WebhookTransport,
    settings: &WebhookSettings,
    tenant: &TenantId,
    delivery: &WebhookDelivery,
) -> Result<(Outcome, Option<u16>, Option<String>, Option<String>), ServiceError> {
    let give_up = |why: &str| Ok((Outcome::GiveUp, None, Some(why.to_owned()), None));
    let Some(webhook) = repo::get(&*ports.store, tenant, &delivery.webhook_id).await? else {
        return give_up("the webhook was deleted");
    };
    let webhook = webhook.value;
    if !webhook.active && delivery.event != EventType::Ping {
        return give_up("the webhook is switched off");
    }
    let Some(secrets) = load_secrets(ports, tenant, &webhook.id).await? else {
        return give_up("the webhook has no signing secret");
    };
    let Ok(url) = url::Url::parse(&webhook.url) else {
        return give_up("the webhook's URL does not parse");
    };
    let addresses = match target_addresses(transport, &url).await {
        Ok(addresses) => addresses,
        Err(error) => return Ok((Outcome::Retry, None, Some(error.to_string()), None)),
    };
    if let Some(refused) = addresses.iter().find(|a| !settings.policy.allows(a.ip())) {
        return give_up(&format!(
            "refused: the host resolves to {}, a non-public address",
            refused.ip()
        ));
    }
    let now = ports.clock.now();
    let request = WebhookRequest {
        url: webhook.url.clone(),
        addresses,
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            (
                "User-Agent".into(),
                concat!("marketdesk-webhooks/", env!("CARGO_PKG_VERSION")).into(),
            ),
            ("X-Marketdesk-Event".into(), delivery.event.as_str().into()),
            ("X-Marketdesk-Delivery".into(), delivery.id.clone()),
            ("X-Marketdesk-Timestamp".into(), now.timestamp().to_string()),
            (
                "X-Marketdesk-Signature".into(),
                signature_header(&secrets, now, &delivery.payload),
            ),
        ],
        body: delivery.payload.clone(),
        timeout: settings.timeout,
    };
    match transport.post(&request).await {
        Ok(response) if (200..300).contains(&response.status) => Ok((
            Outcome::Delivered,
            Some(response.status),
            None,
            Some(response.body_excerpt),
        )),
        Ok(response) => Ok((
            Outcome::Retry,
            Some(response.status),
            Some(format!("the receiver answered {}", response.status)),
            Some(response.body_excerpt),
        )),
        Err(error) => Ok((Outcome::Retry, None, Some(error.to_string()), None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_timestamp_dot_body() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = HmacSha256::new_from_slice(b"Jefe").expect("key");
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(signature("Jefe", 1, "23"), {
            let mut mac = HmacSha256::new_from_slice(b"Jefe").expect("key");
            mac.update(b"1.23");
            mac.finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        });
    }

    #[test]
    fn both_secrets_sign_during_the_grace_period_only() {
        let now = Utc::now();
        let secrets = SigningSecrets {
            current: "new".into(),
            previous: Some("old".into()),
            previous_until: Some(now + Span::hours(1)),
        };
        let header = signature_header(&secrets, now, "{}");
        assert_eq!(
            header,
            format!(
                "sha256={},sha256={}",
                signature("new", now.timestamp(), "{}"),
                signature("old", now.timestamp(), "{}")
            )
        );
        let later = now + Span::hours(2);
        assert_eq!(
            signature_header(&secrets, later, "{}"),
            format!("sha256={}", signature("new", later.timestamp(), "{}"))
        );
    }
}
