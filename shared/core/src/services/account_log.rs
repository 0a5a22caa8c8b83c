//! The account event log (issue 17 item 5): entries are recorded where things happen to an
//! account (the OAuth connection, the token refresher, the poller) and listed for admins
//! (`GET /v1/integrations/{id}/events`, the account's settings page).
//!
//! Recording never fails the work that caused it: an entry that cannot be stored is logged.
//! Failures that repeat on every poll (the order journal, a token refresh that keeps failing)
//! are recorded once an hour per distinct reason, so the log stays readable.
//!
//! A blocked seller account ([`account_blocked`]) is switched off once: the switch is a
//! versioned write from active to inactive, and only the worker whose write made it records
//! the entry and sends the one notice to the account's alert addresses. Concurrent polls of
//! the account's channels and redelivered jobs find it inactive and do nothing.

use super::paging::{self, Position};
use super::request::{cursor_error, RequestError};
use super::ServiceError;
use crate::domain::account_event::{AccountEvent, AccountEventKind};
use crate::domain::{ConnectionState, Integration, Subject, SubjectKind};
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{MarketplaceError, NotifyError, Ports};
use crate::repo::{account_events as repo, integrations, is_conflict};
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// Audit action of an account switched off because the marketplace blocked it.
pub const INTEGRATION_BLOCKED: &str = "integration.blocked";
/// A repeated failure with the same reason is recorded again after this long.
pub const REPEAT_AFTER: Duration = Duration::hours(1);
/// Entries looked at for an earlier record of the same failure.
const REPEAT_LOOKBACK: u32 = 20;
/// Longest reason kept (a marketplace's message can be long).
const MAX_REASON_CHARS: usize = 500;
/// Store page size while filtering (constant: cursors point into these pages).
const SCAN_PAGE: u32 = 100;
/// Most entries one list request reads before answering.
const SCAN_BUDGET: usize = 1000;
/// How often a lost race on the integration is retried.
const ATTEMPTS: usize = 5;

fn shortened(reason: &str) -> String {
    reason.chars().take(MAX_REASON_CHARS).collect()
}

/// Records an entry of `kind` for the account; the entry, or `None` when it could not be
/// stored (logged).
pub async fn record(
    ports: &Ports,
    tenant: &TenantId,
    integration: &IntegrationId,
    kind: AccountEventKind,
    reason: Option<&str>,
) -> Option<AccountEvent> {
    let event = AccountEvent {
        id: uuid::Uuid::now_v7().simple().to_string(),
        tenant_id: tenant.clone(),
        integration_id: integration.clone(),
        at: ports.clock.now(),
        kind,
        reason: reason.map(shortened),
        alerted: false,
    };
    match repo::put(&*ports.store, &event).await {
        Ok(()) => Some(event),
        Err(error) => {
            tracing::error!(tenant = %tenant, integration = %integration, kind = kind.as_str(), %error, "account event not stored");
            None
        }
    }
}

/// Records a failure unless the same failure (kind and reason) was recorded within
/// [`REPEAT_AFTER`]; whether an entry was written.
pub async fn record_failure(
    ports: &Ports,
    tenant: &TenantId,
    integration: &IntegrationId,
    kind: AccountEventKind,
    reason: &str,
) -> bool {
    let reason = shortened(reason);
    let since = ports.clock.now() - REPEAT_AFTER;
    match repo::list(&*ports.store, tenant, integration, None, REPEAT_LOOKBACK).await {
        Ok((recent, _)) => {
            let repeated = recent.iter().any(|e| {
                e.kind == kind && e.at >= since && e.reason.as_deref() == Some(reason.as_str())
            });
            if repeated {
                return false;
            }
        }
        Err(error) => {
            tracing::warn!(integration = %integration, %error, "account log not read; recording the failure anyway");
        }
    }
    record(ports, tenant, integration, kind, Some(&reason))
        .await
        .is_some()
}

/// Records a change of the account's OAuth connection: connected, re-authenticated, or
/// disconnected with the reason.
pub async fn connection_changed(ports: &Ports, before: &Integration, after: &Integration) {
    let (kind, reason) = match (&before.connection, &after.connection) {
        (_, ConnectionState::Disconnected { reason, .. }) => {
            (AccountEventKind::Disconnected, Some(reason.as_str()))
        }
        (ConnectionState::Pending, ConnectionState::Connected) => {
            (AccountEventKind::Connected, None)
        }
        (_, ConnectionState::Connected) => (AccountEventKind::Reauthenticated, None),
        _ => return,
    };
    record(ports, &after.tenant_id, &after.id, kind, reason).await;
}

/// Records a failed read of the account's order journal (not a rate limit, which only delays
/// the poll, nor a blocked account, which [`account_blocked`] records).
pub async fn order_sync_failed(ports: &Ports, integration: &Integration, error: &MarketplaceError) {
    if matches!(
        error,
        MarketplaceError::RateLimited { .. } | MarketplaceError::AccountBlocked(_)
    ) {
        return;
    }
    record_failure(
        ports,
        &integration.tenant_id,
        &integration.id,
        AccountEventKind::OrderSyncFailed,
        &error.to_string(),
    )
    .await;
}

/// Records a failed read of the account's offers or their journal (not a rate limit nor a
/// blocked account, as for the order journal).
pub async fn offer_sync_failed(ports: &Ports, integration: &Integration, error: &MarketplaceError) {
    if matches!(
        error,
        MarketplaceError::RateLimited { .. } | MarketplaceError::AccountBlocked(_)
    ) {
        return;
    }
    record_failure(
        ports,
        &integration.tenant_id,
        &integration.id,
        AccountEventKind::OfferSyncFailed,
        &error.to_string(),
    )
    .await;
}

/// The marketplace reports the seller account blocked (`reason`, its words): switches the
/// integration off unless it is off already, and then records the entry, the audit entry and
/// sends one notice to the alert addresses. `Ok(true)` when this call switched it off.
pub async fn account_blocked(
    ports: &Ports,
    tenant: &TenantId,
    id: &IntegrationId,
    reason: &str,
) -> Result<bool, ServiceError> {
    let store = &*ports.store;
    for _ in 0..ATTEMPTS {
        let Some(stored) = integrations::get(store, tenant, id).await? else {
            return Ok(false);
        };
        if !stored.value.active {
            return Ok(false);
        }
        let mut switched_off = stored.value.clone();
        switched_off.active = false;
        match integrations::update(store, &switched_off, stored.version).await {
            Ok(()) => {
                tracing::warn!(tenant = %tenant, integration = %id, %reason, "seller account blocked: integration switched off");
                super::audit::record(
                    ports,
                    tenant,
                    None,
                    INTEGRATION_BLOCKED,
                    Subject::new(SubjectKind::Integration, id),
                    Some(serde_json::json!({ "active": true })),
                    Some(serde_json::json!({ "active": false, "reason": shortened(reason) })),
                )
                .await;
                let event =
                    record(ports, tenant, id, AccountEventKind::Blocked, Some(reason)).await;
                let alerted = send_blocked_notice(ports, &switched_off, reason).await;
                if let (Some(mut event), true) = (event, alerted) {
                    event.alerted = true;
                    if let Err(error) = repo::replace(store, &event).await {
                        tracing::warn!(integration = %id, %error, "could not note the blocked notice in the account log");
                    }
                }
                return Ok(true);
            }
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::Unavailable(format!(
        "integration {id} kept changing"
    )))
}

/// Tells the alert addresses that the account was switched off; whether a notice went out.
async fn send_blocked_notice(ports: &Ports, integration: &Integration, reason: &str) -> bool {
    let subject = format!(
        "marketdesk: {} is blocked on the marketplace and was switched off",
        integration.display_name
    );
    let body = format!(
        "The marketplace reports the seller account \"{}\" blocked ({reason}).\n\
         marketdesk switched the account off: no conversations or orders are read and no \
         replies are sent for it. Once the blockade is lifted (on Allegro often by paying \
         outstanding invoices), switch the account on again in its settings.",
        integration.display_name,
        reason = shortened(reason),
    );
    match super::alerts::send(ports, integration, subject, body).await {
        Ok(sent) => sent,
        Err(NotifyError::Invalid(problem) | NotifyError::Unavailable(problem)) => {
            tracing::warn!(integration = %integration.id, %problem, "could not send the blocked-account notice");
            false
        }
    }
}

/// The query of `GET /v1/integrations/{id}/events`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// `true`: also the deactivation notices (`disconnected`, `blocked`) older than 30 days,
    /// which the default view leaves out (they are kept).
    #[serde(default)]
    pub all: Option<bool>,
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

/// One page of an account's event log.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventsPage {
    /// The entries, newest first.
    pub events: Vec<AccountEvent>,
    /// Pass as `cursor` for the next page; `null` at the end.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// One page of the account's event log, newest first; without `all`, deactivation notices
/// older than [`crate::domain::account_event::DEACTIVATION_NOTICE_VISIBLE_DAYS`] are left
/// out while paging (at most 1000 entries read per request: a short page then has a cursor).
pub async fn list(
    ports: &Ports,
    tenant: &TenantId,
    id: &IntegrationId,
    query: &EventsQuery,
) -> Result<EventsPage, RequestError> {
    let limit = paging::limit(query.limit)?;
    let start = Position::decode(query.cursor.as_deref())?;
    integrations::get(&*ports.store, tenant, id)
        .await?
        .ok_or(RequestError::NotFound("integration"))?;
    let (store, now, all) = (&*ports.store, ports.clock.now(), query.all.unwrap_or(false));
    let (events, next_cursor) = paging::filtered(
        start,
        limit,
        SCAN_BUDGET,
        |cursor| async move {
            repo::list(store, tenant, id, cursor, SCAN_PAGE)
                .await
                .map_err(cursor_error)
        },
        |event: &AccountEvent| all || !event.is_hidden(now),
    )
    .await?;
    Ok(EventsPage {
        events,
        next_cursor,
    })
}
