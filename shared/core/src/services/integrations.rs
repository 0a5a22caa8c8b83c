//! Integrations as admins manage them through the API: create, list, get, update, delete.
//!
//! Every rule about what an integration may hold lives here, so the HTTP handlers only decode
//! and encode. Request bodies refuse unknown fields. Marketplace credentials are write-only:
//! an EmpikPlace API key goes to the secrets port (see [`api_key_secret_name`]) after the
//! [`CredentialCheck`] port had its say, and is never returned or logged.

use super::request::RequestError;
use super::{audit, autoresponder, tokens, validation};
use crate::domain::integration::all_kinds;
use crate::domain::{Actor, BusinessHours, ConversationKind, Subject, SubjectKind};
use crate::domain::{
    ConnectionState, Environment, Integration, IntegrationKind, IntegrationSettings, TicketStatus,
};
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{CredentialCheck, CredentialVerdict, Ports, SecretName};
use crate::repo::{cursors, integrations, is_conflict};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

/// Longest display name.
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;
/// Longest CRM field, queue or category name.
pub const MAX_LABEL_CHARS: usize = 100;
/// Latest the autoresponder may answer after the buyer's first message (the promise is 60).
pub const MAX_AUTORESPONDER_DELAY_MINUTES: u32 = 55;
/// Longest autoresponse: Allegro Message Center's limit, the strictest channel.
pub const MAX_AUTORESPONSE_CHARS: usize = 2000;
/// Longest closure message (sent with an Allegro dispute's END_REQUEST).
pub const MAX_CLOSURE_MESSAGE_CHARS: usize = 20000;
/// Longest signature under agents' replies (Allegro Message Center takes 2000 characters in
/// all; the reply's limit counts the signature).
pub const MAX_SIGNATURE_CHARS: usize = 2000;
/// Most notification or alert addresses.
pub const MAX_ADDRESSES: usize = 10;
/// Longest marketplace API key accepted.
pub const MAX_API_KEY_CHARS: usize = 256;
/// How often a lost optimistic-update race is retried before answering 409.
const ATTEMPTS: usize = 5;

fn active_by_default() -> bool {
    true
}

/// Tells "absent" (`None`) from "null" (`Some(None)`) for fields that can be cleared.
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The body of `POST /v1/integrations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewIntegration {
    /// `allegro` or `empikplace`.
    pub kind: IntegrationKind,
    /// Name shown to agents.
    pub display_name: String,
    /// `production` (default) or `sandbox`.
    #[serde(default)]
    pub environment: Environment,
    /// The on/off switch (default on).
    #[serde(default = "active_by_default")]
    pub active: bool,
    /// Settings; anything left out keeps its default.
    #[serde(default)]
    pub settings: SettingsPatch,
    /// EmpikPlace only, and required there: the shop's Mirakl API key (write-only).
    #[serde(default)]
    pub api_key: Option<SecretString>,
}

/// The body of `PATCH /v1/integrations/{id}`: only what is given changes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrationPatch {
    /// New display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The on/off switch; switching on restarts the import window (`enabled_at`).
    #[serde(default)]
    pub active: Option<bool>,
    /// Settings to change.
    #[serde(default)]
    pub settings: Option<SettingsPatch>,
    /// EmpikPlace only: a replacement API key (re-authentication).
    #[serde(default)]
    pub api_key: Option<SecretString>,
}

/// Settings to set; absent fields keep their value, `null` clears the optional ones.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    /// CRM text field matched against the buyer's login; empty turns CRM linking off.
    #[serde(default)]
    pub crm_field: Option<String>,
    /// Queue of new tickets (`null`: none).
    #[serde(default, deserialize_with = "nullable")]
    pub ticket_queue: Option<Option<String>>,
    /// Category of new tickets (`null`: none).
    #[serde(default, deserialize_with = "nullable")]
    pub ticket_category: Option<Option<String>>,
    /// Marketplace state → ticket status; absent states keep their mapping.
    #[serde(default)]
    pub status_mapping: Option<StatusMappingPatch>,
    /// Default text of a request to confirm the problem is solved (`null`: none).
    #[serde(default, deserialize_with = "nullable")]
    pub closure_message: Option<Option<String>>,
    /// Autoresponder settings to change.
    #[serde(default)]
    pub autoresponder: Option<AutoresponderPatch>,
    /// Addresses told when the account needs attention.
    #[serde(default)]
    pub alert_emails: Option<Vec<String>>,
    /// EmpikPlace: the shop to act on when the API key reaches several (`null`: the key's own).
    #[serde(default, deserialize_with = "nullable")]
    pub shop_id: Option<Option<i64>>,
    /// Plain-text signature appended to agents' replies (`null`: none).
    #[serde(default, deserialize_with = "nullable")]
    pub signature: Option<Option<String>>,
    /// Response targets and their calendar (the SLA clock).
    #[serde(default)]
    pub sla: Option<super::sla::SlaPatch>,
    /// Orders (Allegro accounts only).
    #[serde(default)]
    pub orders: Option<OrdersPatch>,
    /// What goes to the ERP with an order (Allegro accounts only).
    #[serde(default)]
    pub erp: Option<ErpPatch>,
}

/// ERP settings to change (Allegro accounts only).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErpPatch {
    /// Which customer cards go with an order: `none` (an unspecified customer), `all`,
    /// `with_nip`.
    #[serde(default, deserialize_with = "not_null")]
    pub customers: Option<crate::domain::erp::ErpCustomers>,
}

/// A value that may be absent (`None`) but not `null`: `null` is refused like any other
/// value of the wrong type, instead of silently keeping the stored one.
fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Order settings to change (Allegro accounts only).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrdersPatch {
    /// Whether the order journal is read.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Whether paid checkout forms become orders at once.
    #[serde(default)]
    pub create_automatically: Option<bool>,
    /// Where a new journal starts (`null`: at the newest event); see
    /// [`super::orders::check_from`] for when it is accepted.
    #[serde(default, deserialize_with = "nullable")]
    pub from: Option<Option<DateTime<Utc>>>,
}

/// Status mapping entries to change.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusMappingPatch {
    /// Status of a new or ongoing conversation.
    #[serde(default)]
    pub open: Option<TicketStatus>,
    /// Status when the marketplace marks the problem resolved.
    #[serde(default)]
    pub resolved: Option<TicketStatus>,
    /// Status when the marketplace marks the problem unresolved.
    #[serde(default)]
    pub unresolved: Option<TicketStatus>,
    /// Status when a claim is accepted.
    #[serde(default)]
    pub claim_accepted: Option<TicketStatus>,
    /// Status when a claim is rejected.
    #[serde(default)]
    pub claim_rejected: Option<TicketStatus>,
}

/// Autoresponder settings to change.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoresponderPatch {
    /// Whether autoresponses are sent.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Plain text of the autoresponse.
    #[serde(default)]
    pub text: Option<String>,
    /// Minutes to wait after the buyer's first message (0–55).
    #[serde(default)]
    pub delay_minutes: Option<u32>,
    /// Addresses told about each autoresponse.
    #[serde(default)]
    pub notify: Option<Vec<String>>,
    /// Business hours in Europe/Warsaw (`null`: always the main text).
    #[serde(default, deserialize_with = "nullable")]
    pub business_hours: Option<Option<BusinessHours>>,
    /// Text sent outside business hours (`null`: the main text).
    #[serde(default, deserialize_with = "nullable")]
    pub out_of_hours_text: Option<Option<String>>,
    /// Conversation kinds answered.
    #[serde(default)]
    pub kinds: Option<Vec<ConversationKind>>,
}

/// The secret holding an integration's marketplace API key (EmpikPlace).
pub fn api_key_secret_name(
    tenant: &TenantId,
    id: &IntegrationId,
) -> Result<SecretName, RequestError> {
    crate::repo::keys::api_key_secret(tenant, id).map_err(|e| RequestError::Internal(e.to_string()))
}

/// The CRM field a new integration matches buyers by, unless the admin names another.
pub fn default_crm_field(kind: IntegrationKind) -> &'static str {
    match kind {
        IntegrationKind::Allegro => "Allegro login",
        IntegrationKind::Empikplace => "Empik ID",
    }
}

fn trimmed_label(field: &str, text: &str) -> Result<String, RequestError> {
    validation::label(field, text, MAX_LABEL_CHARS)?;
    Ok(text.trim().to_owned())
}

fn addresses(field: &str, list: &[String]) -> Result<Vec<String>, RequestError> {
    if list.len() > MAX_ADDRESSES {
        return Err(RequestError::invalid(
            field,
            format!("at most {MAX_ADDRESSES} addresses"),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, address)| {
            let address = address.trim();
            validation::email(&format!("{field}[{i}]"), address)?;
            Ok(address.to_owned())
        })
        .collect()
}

/// Applies a settings patch, then checks the whole result.
pub fn apply_settings(
    settings: &mut IntegrationSettings,
    patch: SettingsPatch,
) -> Result<(), RequestError> {
    if let Some(field) = patch.crm_field {
        settings.crm_field = if field.trim().is_empty() {
            String::new()
        } else {
            trimmed_label("settings.crm_field", &field)?
        };
    }
    if let Some(queue) = patch.ticket_queue {
        settings.ticket_queue = queue
            .map(|q| trimmed_label("settings.ticket_queue", &q))
            .transpose()?;
    }
    if let Some(category) = patch.ticket_category {
        settings.ticket_category = category
            .map(|c| trimmed_label("settings.ticket_category", &c))
            .transpose()?;
    }
    if let Some(mapping) = patch.status_mapping {
        let target = &mut settings.status_mapping;
        let entries = [
            (mapping.open, &mut target.open),
            (mapping.resolved, &mut target.resolved),
            (mapping.unresolved, &mut target.unresolved),
            (mapping.claim_accepted, &mut target.claim_accepted),
            (mapping.claim_rejected, &mut target.claim_rejected),
        ];
        for (new, slot) in entries {
            if let Some(status) = new {
                *slot = status;
            }
        }
    }
    if let Some(message) = patch.closure_message {
        settings.closure_message = message;
    }
    if let Some(auto) = patch.autoresponder {
        let target = &mut settings.autoresponder;
        if let Some(enabled) = auto.enabled {
            target.enabled = enabled;
        }
        if let Some(text) = auto.text {
            target.text = text;
        }
        if let Some(delay) = auto.delay_minutes {
            target.delay_minutes = delay;
        }
        if let Some(notify) = auto.notify {
            target.notify = notify;
        }
        if let Some(hours) = auto.business_hours {
            target.business_hours = hours;
        }
        if let Some(text) = auto.out_of_hours_text {
            target.out_of_hours_text = text;
        }
        if let Some(kinds) = auto.kinds {
            target.kinds = kinds;
        }
    }
    if let Some(alerts) = patch.alert_emails {
        settings.alert_emails = alerts;
    }
    if let Some(shop) = patch.shop_id {
        settings.shop_id = shop;
    }
    if let Some(signature) = patch.signature {
        settings.signature = signature;
    }
    if let Some(sla) = patch.sla {
        super::sla::apply_patch(&mut settings.sla, sla);
    }
    if let Some(orders) = patch.orders {
        let target = &mut settings.orders;
        if let Some(enabled) = orders.enabled {
            target.enabled = enabled;
        }
        if let Some(automatically) = orders.create_automatically {
            target.create_automatically = automatically;
        }
        if let Some(from) = orders.from {
            target.from = from;
        }
    }
    if let Some(customers) = patch.erp.and_then(|erp| erp.customers) {
        settings.erp.customers = customers;
    }
    validate_settings(settings)
}

/// Checks settings as a whole (also normalises address lists).
pub fn validate_settings(settings: &mut IntegrationSettings) -> Result<(), RequestError> {
    if !settings.crm_field.is_empty() {
        validation::label("settings.crm_field", &settings.crm_field, MAX_LABEL_CHARS)?;
    }
    if let Some(message) = &settings.closure_message {
        validation::plain_text(
            "settings.closure_message",
            message,
            MAX_CLOSURE_MESSAGE_CHARS,
        )?;
    }
    if let Some(signature) = &settings.signature {
        validation::plain_text("settings.signature", signature, MAX_SIGNATURE_CHARS)?;
    }
    let auto = &mut settings.autoresponder;
    if auto.delay_minutes > MAX_AUTORESPONDER_DELAY_MINUTES {
        return Err(RequestError::invalid(
            "settings.autoresponder.delay_minutes",
            format!(
                "must be between 0 and {MAX_AUTORESPONDER_DELAY_MINUTES}: buyers are promised an answer within 60 minutes"
            ),
        ));
    }
    if auto.enabled || !auto.text.is_empty() {
        validation::plain_text(
            "settings.autoresponder.text",
            &auto.text,
            MAX_AUTORESPONSE_CHARS,
        )
        .map_err(|e| match e {
            RequestError::Invalid { field, message }
                if auto.enabled && auto.text.trim().is_empty() =>
            {
                RequestError::Invalid {
                    field,
                    message: format!("{message} when the autoresponder is enabled"),
                }
            }
            other => other,
        })?;
    }
    check_autoresponse_text("settings.autoresponder.text", &auto.text)?;
    if let Some(text) = &auto.out_of_hours_text {
        validation::plain_text(
            "settings.autoresponder.out_of_hours_text",
            text,
            MAX_AUTORESPONSE_CHARS,
        )?;
        check_autoresponse_text("settings.autoresponder.out_of_hours_text", text)?;
    }
    if let Some(hours) = &auto.business_hours {
        check_business_hours(hours)?;
    }
    auto.kinds
        .sort_by_key(|k| all_kinds().iter().position(|a| a == k));
    auto.kinds.dedup();
    auto.notify = addresses("settings.autoresponder.notify", &auto.notify)?;
    settings.alert_emails = addresses("settings.alert_emails", &settings.alert_emails)?;
    super::sla::validate(&settings.sla)?;
    if settings.shop_id.is_some_and(|id| id <= 0) {
        return Err(RequestError::invalid(
            "settings.shop_id",
            "must be a positive Mirakl shop id",
        ));
    }
    Ok(())
}

/// Checks the settings that only one kind of account has.
fn validate_for_kind(
    kind: IntegrationKind,
    settings: &IntegrationSettings,
) -> Result<(), RequestError> {
    if kind != IntegrationKind::Empikplace && settings.shop_id.is_some() {
        return Err(RequestError::invalid(
            "settings.shop_id",
            "only EmpikPlace accounts have a shop id",
        ));
    }
    let orders = &settings.orders;
    let any_orders = orders.enabled || orders.create_automatically || orders.from.is_some();
    if kind != IntegrationKind::Allegro && any_orders {
        return Err(RequestError::invalid(
            "settings.orders",
            "only Allegro accounts read orders",
        ));
    }
    if kind != IntegrationKind::Allegro
        && settings.erp.customers != crate::domain::erp::ErpCustomers::None
    {
        return Err(RequestError::invalid(
            "settings.erp.customers",
            "only Allegro accounts have orders for an ERP; leave it `none`",
        ));
    }
    Ok(())
}

fn validate_api_key(kind: IntegrationKind, key: &SecretString) -> Result<(), RequestError> {
    if kind != IntegrationKind::Empikplace {
        return Err(RequestError::invalid(
            "api_key",
            "only EmpikPlace accounts use an API key; Allegro accounts connect with OAuth",
        ));
    }
    let text = key.expose_secret();
    if text.is_empty() || text.chars().count() > MAX_API_KEY_CHARS {
        return Err(RequestError::invalid(
            "api_key",
            format!("must be 1 to {MAX_API_KEY_CHARS} characters long"),
        ));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(RequestError::invalid(
            "api_key",
            "must not contain spaces or control characters",
        ));
    }
    Ok(())
}

/// Asks the marketplace about a key; the connection state it leads to and the account's name
/// as the marketplace knows it.
async fn check_key(
    check: &dyn CredentialCheck,
    kind: IntegrationKind,
    environment: Environment,
    key: &SecretString,
) -> Result<(ConnectionState, Option<String>), RequestError> {
    match check.check_api_key(kind, environment, key).await {
        Ok(CredentialVerdict::Valid { account_name }) => Ok((
            ConnectionState::Connected,
            account_name.filter(|n| !n.trim().is_empty()),
        )),
        Ok(CredentialVerdict::Unchecked) => Ok((ConnectionState::Pending, None)),
        Ok(CredentialVerdict::Invalid { reason }) => Err(RequestError::invalid(
            "api_key",
            format!("the marketplace refused the key: {reason}"),
        )),
        Err(error) => Err(RequestError::Unavailable(error.to_string())),
    }
}

/// Creates an integration of the caller's tenant; `actor` is recorded in the audit log.
pub async fn create(
    ports: &Ports,
    check: &dyn CredentialCheck,
    tenant: &TenantId,
    actor: Option<&Actor>,
    request: NewIntegration,
) -> Result<Integration, RequestError> {
    validation::label(
        "display_name",
        &request.display_name,
        MAX_DISPLAY_NAME_CHARS,
    )?;
    let mut integration = Integration::new(
        IntegrationId::generate(),
        tenant.clone(),
        request.kind,
        request.display_name.trim(),
        request.environment,
        ports.clock.now(),
    );
    integration.active = request.active;
    integration.settings.crm_field = default_crm_field(request.kind).to_owned();
    apply_settings(&mut integration.settings, request.settings)?;
    validate_for_kind(request.kind, &integration.settings)?;
    if let Some(from) = integration.settings.orders.from {
        super::orders::check_from(from, integration.created_at, integration.created_at)?;
    }
    match (&request.api_key, request.kind) {
        (None, IntegrationKind::Empikplace) => {
            return Err(RequestError::invalid(
                "api_key",
                "an EmpikPlace account needs its API key (Mirakl: My account → API key)",
            ))
        }
        (Some(key), kind) => validate_api_key(kind, key)?,
        (None, IntegrationKind::Allegro) => {}
    }
    if let Some(key) = &request.api_key {
        let (connection, account_name) =
            check_key(check, request.kind, request.environment, key).await?;
        integration.connection = connection;
        // The marketplace's name of the account (the shop name) names it, as the Allegro
        // login does after OAuth; admins can rename it afterwards.
        if let Some(name) = account_name {
            integration.display_name = name;
        }
        let name = api_key_secret_name(tenant, &integration.id)?;
        ports.secrets.put(&name, key).await?;
        if let Err(error) = integrations::create(&*ports.store, &integration).await {
            if let Err(cleanup) = ports.secrets.delete(&name).await {
                tracing::warn!(%cleanup, "could not remove the key of an integration not created");
            }
            return Err(error.into());
        }
    } else {
        integrations::create(&*ports.store, &integration).await?;
    }
    tracing::info!(tenant = %tenant, integration = %integration.id, kind = ?integration.kind, "integration created");
    let mut after = audit::state(&integration);
    if request.api_key.is_some() {
        mark_key_set(&mut after);
    }
    audit::record(
        ports,
        tenant,
        actor,
        audit::actions::INTEGRATION_CREATED,
        Subject::new(SubjectKind::Integration, &integration.id),
        None,
        after,
    )
    .await;
    Ok(integration)
}

/// Every integration of the tenant.
pub async fn list(ports: &Ports, tenant: &TenantId) -> Result<Vec<Integration>, RequestError> {
    Ok(integrations::list_for_tenant(&*ports.store, tenant).await?)
}

/// One integration of the tenant.
pub async fn get(
    ports: &Ports,
    tenant: &TenantId,
    id: &IntegrationId,
) -> Result<Integration, RequestError> {
    integrations::get(&*ports.store, tenant, id)
        .await?
        .map(|v| v.value)
        .ok_or(RequestError::NotFound("integration"))
}

/// Applies the non-credential parts of a patch to a copy of the stored integration.
fn patched(
    stored: &Integration,
    patch: &IntegrationPatch,
    settings: Option<&IntegrationSettings>,
    now: DateTime<Utc>,
) -> Integration {
    let mut next = stored.clone();
    if let Some(name) = &patch.display_name {
        next.display_name = name.trim().to_owned();
    }
    if let Some(active) = patch.active {
        if active && !stored.active {
            next.enabled_at = now;
        }
        next.active = active;
    }
    if let Some(settings) = settings {
        next.settings = settings.clone();
    }
    next
}

/// Changes an integration of the tenant: name, switch, settings, API key. A change is
/// recorded in the audit log as `actor`'s (a new key as `api_key: "[redacted]"`).
pub async fn update(
    ports: &Ports,
    check: &dyn CredentialCheck,
    tenant: &TenantId,
    actor: Option<&Actor>,
    id: &IntegrationId,
    mut patch: IntegrationPatch,
) -> Result<Integration, RequestError> {
    let store = &*ports.store;
    if let Some(name) = &patch.display_name {
        validation::label("display_name", name, MAX_DISPLAY_NAME_CHARS)?;
    }
    let first = integrations::get(store, tenant, id)
        .await?
        .ok_or(RequestError::NotFound("integration"))?;
    let settings_patch = patch.settings.take();
    let mut connection = None;
    if let Some(key) = &patch.api_key {
        validate_api_key(first.value.kind, key)?;
        connection = Some(check_key(check, first.value.kind, first.value.environment, key).await?);
    }
    // Settings patches merge into what is stored; re-apply on every attempt so a concurrent
    // change of other settings is kept.
    let mut stored = first;
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            stored = integrations::get(store, tenant, id)
                .await?
                .ok_or(RequestError::NotFound("integration"))?;
        }
        let settings = match &settings_patch {
            Some(settings_patch) => {
                let mut settings = stored.value.settings.clone();
                apply_settings(&mut settings, settings_patch.clone())?;
                validate_for_kind(stored.value.kind, &settings)?;
                // Checked only when it changes: a date accepted once stays, days later.
                if let Some(from) = settings.orders.from {
                    if stored.value.settings.orders.from != Some(from) {
                        let (added, now) = (stored.value.created_at, ports.clock.now());
                        super::orders::check_from(from, added, now)?;
                    }
                }
                Some(settings)
            }
            None => None,
        };
        let mut next = patched(&stored.value, &patch, settings.as_ref(), ports.clock.now());
        if let Some((state, account_name)) = &connection {
            next.connection = state.clone();
            // A new key names the account after its shop, unless this patch renames it.
            if let (Some(name), None) = (account_name, &patch.display_name) {
                next.display_name = name.clone();
            }
        }
        if attempt == 0 {
            if let Some(key) = &patch.api_key {
                ports
                    .secrets
                    .put(&api_key_secret_name(tenant, id)?, key)
                    .await?;
            }
        }
        if next == stored.value {
            if patch.api_key.is_some() {
                record_update(ports, tenant, actor, &stored.value, &next, true).await;
            }
            return Ok(next);
        }
        match integrations::update(store, &next, stored.version).await {
            Ok(()) => {
                tracing::info!(tenant = %tenant, integration = %id, "integration updated");
                let key_set = patch.api_key.is_some();
                record_update(ports, tenant, actor, &stored.value, &next, key_set).await;
                return Ok(next);
            }
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(RequestError::Conflict(
        "the integration kept changing; try again".into(),
    ))
}

/// Records an integration change in the audit log.
async fn record_update(
    ports: &Ports,
    tenant: &TenantId,
    actor: Option<&Actor>,
    before: &Integration,
    after: &Integration,
    key_set: bool,
) {
    let mut after_state = audit::state(after);
    if key_set {
        mark_key_set(&mut after_state);
    }
    audit::record(
        ports,
        tenant,
        actor,
        audit::actions::INTEGRATION_UPDATED,
        Subject::new(SubjectKind::Integration, &after.id),
        audit::state(before),
        after_state,
    )
    .await;
}

/// Shows in a recorded state that a marketplace key was set (its value is redacted).
fn mark_key_set(state: &mut Option<serde_json::Value>) {
    if let Some(serde_json::Value::Object(fields)) = state {
        fields.insert(
            "api_key".into(),
            serde_json::Value::String(audit::REDACTED.into()),
        );
    }
}

/// Deletes an integration of the tenant with its credentials and poll cursors; its tickets
/// stay. Refused (`integration_has_linked_offers`) while any of its offers is linked to a
/// catalogue product. `actor` is recorded in the audit log.
pub async fn delete(
    ports: &Ports,
    tenant: &TenantId,
    actor: Option<&Actor>,
    id: &IntegrationId,
) -> Result<(), RequestError> {
    let store = &*ports.store;
    for _ in 0..ATTEMPTS {
        let stored = integrations::get(store, tenant, id)
            .await?
            .ok_or(RequestError::NotFound("integration"))?;
        if crate::repo::offer_links::any_for_integration(store, tenant, id).await? {
            return Err(RequestError::WrongState {
                code: "integration_has_linked_offers",
                message: "offers of this account are linked to catalogue products; unlink them \
                          first (deleting the account would leave the catalogue pointing at \
                          offers nobody reads)"
                    .into(),
            });
        }
        // Credentials first: a failure here leaves the integration visible, so the DELETE
        // can simply be retried.
        ports
            .secrets
            .delete(&api_key_secret_name(tenant, id)?)
            .await?;
        tokens::delete(ports, tenant, id).await?;
        // Every channel the account may have been polled on (orders even if switched off since).
        let mut channels = stored.value.kind.channels().to_vec();
        if stored.value.kind == IntegrationKind::Allegro {
            channels.push(crate::domain::Channel::AllegroOrders);
        }
        for channel in channels {
            cursors::delete(store, tenant, id, channel).await?;
        }
        match integrations::delete(store, tenant, id, stored.version).await {
            Ok(()) => {
                tracing::info!(tenant = %tenant, integration = %id, "integration deleted");
                audit::record(
                    ports,
                    tenant,
                    actor,
                    audit::actions::INTEGRATION_DELETED,
                    Subject::new(SubjectKind::Integration, id),
                    audit::state(&stored.value),
                    None,
                )
                .await;
                return Ok(());
            }
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(RequestError::Conflict(
        "the integration kept changing; try again".into(),
    ))
}

/// Placeholders in an autoresponse text must be known ones.
fn check_autoresponse_text(field: &str, text: &str) -> Result<(), RequestError> {
    let unknown = autoresponder::text::unknown_placeholders(text);
    if unknown.is_empty() {
        return Ok(());
    }
    Err(RequestError::invalid(
        field,
        format!(
            "unknown placeholder {}; use {}",
            unknown.join(", "),
            autoresponder::text::PLACEHOLDERS
                .iter()
                .map(|p| format!("{{{p}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

/// A time as the API documents it: `H:MM` or `HH:MM`, white space around ignored (chrono's
/// `%H:%M` alone would also take `8:5` or `08: 00`).
pub(crate) fn clock_time(text: &str) -> Option<chrono::NaiveTime> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    let shaped = (1..=2).contains(&hours.len()) && minutes.len() == 2;
    (shaped && digits(hours) && digits(minutes))
        .then(|| autoresponder::text::parse_time(text))
        .flatten()
}

/// Business hours: known days, `HH:MM` times, opening before closing.
fn check_business_hours(hours: &BusinessHours) -> Result<(), RequestError> {
    let field = "settings.autoresponder.business_hours";
    if hours.days.is_empty() || hours.days.iter().any(|d| !(1..=7).contains(d)) {
        return Err(RequestError::invalid(
            format!("{field}.days"),
            "must list working days as numbers 1 (Monday) to 7 (Sunday)",
        ));
    }
    let start = clock_time(&hours.start).ok_or_else(|| {
        RequestError::invalid(format!("{field}.start"), "must be a time such as 08:00")
    })?;
    let end = clock_time(&hours.end).ok_or_else(|| {
        RequestError::invalid(format!("{field}.end"), "must be a time such as 16:00")
    })?;
    if end <= start {
        return Err(RequestError::invalid(
            format!("{field}.end"),
            "must be after the start (Europe/Warsaw time)",
        ));
    }
    Ok(())
}
