//! Integrations as admins manage them through the API: create, list, get, update, delete.
//!
//! Every rule about what an integration may hold lives here, so the HTTP handlers only decode
//! and encode. Request bodies refuse unknown fields. Marketplace credentials are write-only:
//! an EmpikPlace API key goes to the secrets port (see [`api_key_secret_name`]) after the
//! [`CredentialCheck`] port had its say, and is never returned or logged.

//!
//! By concern: the request bodies ([`requests`]), the rules of settings ([`settings`]), the
//! EmpikPlace API key ([`api_key`]); this module is the lifecycle (create, read, update, delete).

mod api_key;
mod requests;
mod settings;

pub use api_key::{api_key_secret_name, MAX_API_KEY_CHARS};
use api_key::{check_key, validate_api_key};
pub use requests::{
    AutoresponderPatch, ErpPatch, IntegrationPatch, NewIntegration, OrdersPatch, SettingsPatch,
    StatusMappingPatch,
};
use settings::validate_for_kind;
pub use settings::{
    apply_settings, default_crm_field, validate_settings, MAX_ADDRESSES,
    MAX_AUTORESPONDER_DELAY_MINUTES, MAX_AUTORESPONSE_CHARS, MAX_CLOSURE_MESSAGE_CHARS,
    MAX_LABEL_CHARS, MAX_SIGNATURE_CHARS,
};

use super::request::RequestError;
use super::{audit, tokens, validation};
use crate::domain::offer::{stamp_switches, OfferSettings};
use crate::domain::{Actor, Subject, SubjectKind};
use crate::domain::{Integration, IntegrationKind, IntegrationSettings};
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{CredentialCheck, Ports};
use crate::repo::{cursors, integrations, is_conflict};
use chrono::{DateTime, Utc};

/// Longest display name.
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;
/// How often a lost optimistic-update race is retried before answering 409.
const ATTEMPTS: usize = 5;

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
    let before = OfferSettings::default();
    stamp_switches(
        &before,
        &mut integration.settings.offers,
        integration.created_at,
    );
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
                let before = &stored.value.settings.offers;
                stamp_switches(before, &mut settings.offers, ports.clock.now());
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
        // Every channel the account may have been polled on (orders and offers even if
        // switched off since).
        let mut channels = stored.value.kind.channels().to_vec();
        if stored.value.kind == IntegrationKind::Allegro {
            channels.push(crate::domain::Channel::AllegroOrders);
            channels.push(crate::domain::Channel::AllegroOffers);
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
