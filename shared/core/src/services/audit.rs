//! The audit log: every change a person or an API key makes, with who, when, and the state
//! before and after (secrets redacted), kept for a year and listed for admins.
//!
//! Services call [`record`] once a change has been stored:
//!
//! ```ignore
//! audit::record(ports, tenant, Some(&caller.actor), "ticket.updated",
//!     Subject::new(SubjectKind::Ticket, &ticket.id), audit::state(&before), audit::state(&after)).await;
//! ```
//!
//! Recording is not in the change's transaction: the change is made first, and an entry that
//! cannot be written (store outage) is logged with everything but the states, never turned
//! into a failure of a change that already happened.

use super::paging::{self, Position};
use super::request::{cursor_error, RequestError};
use crate::domain::{Actor, AuditEntry, Subject, SubjectKind};
use crate::ids::TenantId;
use crate::ports::Ports;
use crate::repo::audit::{self as repo, Scope};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The actions recorded (`<subject kind>.<verb>`); other modules may add their own.
pub mod actions {
    /// An internal comment was added to a ticket.
    pub const COMMENT_ADDED: &str = "ticket.comment_added";
    /// A reply was written and queued.
    pub const REPLY_SUBMITTED: &str = "ticket.reply_submitted";
    /// A failed reply was sent again.
    pub const REPLY_RETRIED: &str = "ticket.reply_retried";
    /// A ticket's status, assignment or other fields changed.
    pub const TICKET_UPDATED: &str = "ticket.updated";
    /// An integration was created.
    pub const INTEGRATION_CREATED: &str = "integration.created";
    /// An integration's name, switch, settings or key changed.
    pub const INTEGRATION_UPDATED: &str = "integration.updated";
    /// An integration was deleted.
    pub const INTEGRATION_DELETED: &str = "integration.deleted";
    /// An API key was created.
    pub const API_KEY_CREATED: &str = "api_key.created";
    /// An API key was revoked.
    pub const API_KEY_REVOKED: &str = "api_key.revoked";
    /// A user was created with a password (the operator's command line).
    pub const USER_CREATED: &str = "user.created";
    /// A person was invited.
    pub const USER_INVITED: &str = "user.invited";
    /// An invitation was sent again.
    pub const USER_REINVITED: &str = "user.reinvited";
    /// A user's name, role, language or active flag changed.
    pub const USER_UPDATED: &str = "user.updated";
    /// A person accepted their invitation (set a name and password).
    pub const USER_INVITATION_ACCEPTED: &str = "user.invitation_accepted";
    /// A person set a new password through a reset link.
    pub const USER_PASSWORD_RESET: &str = "user.password_reset";
    /// A person signed in with their password.
    pub const USER_SIGNED_IN: &str = "user.signed_in";
    /// A person signed out (this session).
    pub const USER_SIGNED_OUT: &str = "user.signed_out";
    /// A person ended every session of theirs.
    pub const USER_SIGNED_OUT_EVERYWHERE: &str = "user.signed_out_everywhere";
    /// A marketplace account was connected for the first time (OAuth).
    pub const INTEGRATION_CONNECTED: &str = "integration.connected";
    /// A connected or disconnected account was authorized again (OAuth).
    pub const INTEGRATION_REAUTHENTICATED: &str = "integration.reauthenticated";
    /// The marketplace refused marketdesk's access: the account is disconnected.
    pub const INTEGRATION_DISCONNECTED: &str = "integration.disconnected";
    /// A webhook endpoint was created.
    pub const WEBHOOK_CREATED: &str = "webhook.created";
    /// A webhook endpoint changed.
    pub const WEBHOOK_UPDATED: &str = "webhook.updated";
    /// A webhook endpoint was deleted.
    pub const WEBHOOK_DELETED: &str = "webhook.deleted";
    /// A webhook's signing secret was replaced.
    pub const WEBHOOK_SECRET_ROTATED: &str = "webhook.secret_rotated";
    /// An agent created an order from a paid checkout form.
    pub const ORDER_CREATED: &str = "order.created";
    /// An agent or program set an order's fulfillment status (queued for the marketplace).
    pub const ORDER_FULFILLMENT_SET: &str = "order.fulfillment_set";
    /// An agent or program attached an invoice to an order (queued for the marketplace).
    pub const ORDER_INVOICE_ATTACHED: &str = "order.invoice_attached";
}

/// What replaces a secret in a recorded state.
pub const REDACTED: &str = "[redacted]";

/// Store page size while filtering (constant: cursors point into these pages).
pub const SCAN_PAGE: u32 = 100;
/// Most entries one list request reads before answering.
pub const SCAN_BUDGET: usize = 1000;

/// Records a change made by `actor` (`None`: the operator's command line or marketdesk
/// itself) to `subject` in `tenant`: `action` names it (see [`actions`]), `before` and
/// `after` are the states (`None` for a creation or deletion; build them with [`state`]).
/// Fields that look like secrets (passwords, tokens, keys, hashes) are redacted whatever the
/// caller passes. Never fails: an entry that cannot be stored is logged.
pub async fn record(
    ports: &Ports,
    tenant: &TenantId,
    actor: Option<&Actor>,
    action: &str,
    subject: Subject,
    before: Option<Value>,
    after: Option<Value>,
) {
    let entry = AuditEntry {
        id: uuid::Uuid::now_v7().simple().to_string(),
        tenant_id: tenant.clone(),
        at: ports.clock.now(),
        actor: actor.cloned(),
        action: action.to_owned(),
        subject,
        before: before.map(redact),
        after: after.map(redact),
    };
    if let Err(error) = repo::put(&*ports.store, &entry).await {
        tracing::error!(
            tenant = %entry.tenant_id,
            action = %entry.action,
            subject_kind = entry.subject.kind.as_str(),
            subject_id = %entry.subject.id,
            actor = ?entry.actor,
            at = %entry.at,
            %error,
            "audit entry not stored"
        );
    }
}

/// A value's state for [`record`], as JSON.
pub fn state<T: Serialize>(value: &T) -> Option<Value> {
    serde_json::to_value(value).ok()
}

/// Whether a field name holds a secret.
fn is_secret_field(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "password",
        "secret",
        "token",
        "hash",
        "api_key",
        "credential",
    ]
    .iter()
    .any(|word| name.contains(word))
        || name == "key"
}

/// `value` with every secret-looking field replaced by [`REDACTED`], at any depth.
pub fn redact(value: Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(name, field)| {
                    if is_secret_field(&name) && !field.is_null() {
                        (name, Value::String(REDACTED.into()))
                    } else {
                        (name, redact(field))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(redact).collect()),
        other => other,
    }
}

/// The query of `GET /v1/audit`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this action (`integration.updated`), or a family ending in `*` (`integration.*`).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        param(min_length = 1, max_length = 64, pattern = r"^[a-z_.]*\*?$")
    )]
    pub action: Option<String>,
    /// Only changes by this user or API key (its id).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9_-]{1,128}$"))]
    pub actor: Option<String>,
    /// Only changes to this kind of thing.
    #[serde(default)]
    pub subject_type: Option<SubjectKind>,
    /// Only changes to this thing (needs `subject_type`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9_-]{1,128}$"))]
    pub subject_id: Option<String>,
    /// Only changes at or after this time.
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    /// Only changes at or before this time.
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
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

impl AuditQuery {
    /// Whether `entry` passes every filter (the scope's included).
    fn matches(&self, entry: &AuditEntry) -> bool {
        let action = self
            .action
            .as_deref()
            .is_none_or(|wanted| match wanted.strip_suffix('*') {
                Some(prefix) => entry.action.starts_with(prefix),
                None => entry.action == wanted,
            });
        action
            && self
                .actor
                .as_deref()
                .is_none_or(|id| entry.actor.as_ref().map(repo::actor_id) == Some(id))
            && self
                .subject_type
                .is_none_or(|kind| entry.subject.kind == kind)
            && self
                .subject_id
                .as_deref()
                .is_none_or(|id| entry.subject.id == id)
    }

    /// Checks the filters and picks the cheapest scope to read.
    fn scope(&self) -> Result<Scope, RequestError> {
        let checked_id = |field: &str, id: &str| {
            if crate::ids::is_well_formed(id) {
                Ok(())
            } else {
                Err(RequestError::invalid(
                    field,
                    "ids are 1 to 128 ASCII letters, digits, '-' or '_'",
                ))
            }
        };
        if let Some(action) = &self.action {
            let shaped = !action.is_empty()
                && action.len() <= 64
                && action
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.' || b == b'*')
                && action.find('*').is_none_or(|at| at == action.len() - 1);
            if !shaped {
                return Err(RequestError::invalid(
                    "action",
                    "an action such as integration.updated, or a family such as integration.*",
                ));
            }
        }
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if from > to {
                return Err(RequestError::invalid("from", "must not be after `to`"));
            }
        }
        if let Some(actor) = &self.actor {
            checked_id("actor", actor)?;
        }
        match (&self.subject_type, &self.subject_id) {
            (Some(kind), Some(id)) => {
                checked_id("subject_id", id)?;
                Ok(Scope::Subject(Subject::new(*kind, id)))
            }
            (None, Some(_)) => Err(RequestError::invalid(
                "subject_id",
                "needs subject_type as well",
            )),
            _ => Ok(match &self.actor {
                Some(actor) => Scope::Actor(actor.clone()),
                None => Scope::All,
            }),
        }
    }
}

/// One page of the audit log.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    /// The entries, newest first.
    pub entries: Vec<AuditEntry>,
    /// Pass as `cursor` for the next page; `null` at the end.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// One page of the tenant's audit log passing the query's filters, newest first. One subject
/// or one actor is read from its own index; other filters are applied while paging, reading
/// at most [`SCAN_BUDGET`] entries per request (a short page then comes with a cursor).
pub async fn list(
    ports: &Ports,
    tenant: &TenantId,
    query: &AuditQuery,
) -> Result<AuditPage, RequestError> {
    let limit = paging::limit(query.limit)?;
    let scope = query.scope()?;
    let start = Position::decode(query.cursor.as_deref())?;
    let (store, scope) = (&*ports.store, &scope);
    let (entries, next_cursor) = paging::filtered(
        start,
        limit,
        SCAN_BUDGET,
        |cursor| async move {
            repo::list(
                store, tenant, scope, query.from, query.to, cursor, SCAN_PAGE,
            )
            .await
            .map_err(cursor_error)
        },
        |entry| query.matches(entry),
    )
    .await?;
    Ok(AuditPage {
        entries,
        next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_redacted_at_any_depth_and_other_fields_kept() {
        let redacted = redact(json!({
            "name": "Sklep",
            "api_key": "m-123",
            "settings": {"password_hash": "$argon2id$...", "alert_emails": ["a@b.pl"]},
            "keys": [{"key": "mdk_x", "hint": "mdk_ab…"}],
            "secret": null,
        }));
        assert_eq!(
            redacted,
            json!({
                "name": "Sklep",
                "api_key": REDACTED,
                "settings": {"password_hash": REDACTED, "alert_emails": ["a@b.pl"]},
                "keys": [{"key": REDACTED, "hint": "mdk_ab…"}],
                "secret": null,
            })
        );
    }

    #[test]
    fn filters_are_checked_and_pick_the_cheapest_scope() {
        let query = |json: Value| -> AuditQuery { serde_json::from_value(json).expect("query") };
        assert_eq!(
            query(json!({"subject_type": "ticket", "subject_id": "t1", "actor": "u1"}))
                .scope()
                .expect("ok"),
            Scope::Subject(Subject::new(SubjectKind::Ticket, "t1"))
        );
        assert_eq!(
            query(json!({"actor": "u1"})).scope().expect("ok"),
            Scope::Actor("u1".into())
        );
        for (bad, field) in [
            (json!({"subject_id": "t1"}), "subject_id"),
            (json!({"actor": "a#b"}), "actor"),
            (json!({"action": "Ticket.Updated"}), "action"),
            (json!({"action": "ticket.*.x"}), "action"),
            (
                json!({"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}),
                "from",
            ),
        ] {
            let error = query(bad).scope().expect_err("refused");
            assert!(matches!(error, RequestError::Invalid { field: ref f, .. } if f == field));
        }
    }
}
