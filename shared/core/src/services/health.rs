//! Whether marketdesk works: the store and the queues answer (anyone may ask: nothing of any
//! tenant in it), and each marketplace channel of a tenant's integrations was polled lately
//! (the tenant's admins, and `marketdesk status` for the operator).

use crate::domain::{Channel, ConnectionState, Integration};
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{PageCursor, Ports, QueueStats};
use crate::repo::{cursors, integrations, RepoError};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A channel not polled for this long past its cadence is `stale`: five missed minutes mean
/// the poll loop or the marketplace is failing (the AWS alarm uses the same threshold).
pub const STALE_AFTER_SECONDS: i64 = 5 * 60;

/// Seconds without a successful poll after which `channel` is `stale`: its default cadence
/// (every minute; Allegro's `/sale/issues` every 5 minutes, adaptive polling) plus
/// [`STALE_AFTER_SECONDS`], so a channel read on its normal schedule never looks stale.
pub fn stale_after_seconds(channel: Channel) -> i64 {
    let cadence = super::polling::PollingSettings::new(std::time::Duration::from_secs(60))
        .wanted(channel)
        .as_secs();
    STALE_AFTER_SECONDS + i64::try_from(cadence).unwrap_or(0)
}

/// Overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Everything checked works.
    Ok,
    /// It runs, but something needs attention (a channel not polled, a disconnected account,
    /// dead letters).
    Degraded,
    /// The store or a queue does not answer.
    Unavailable,
}

/// The worse of two verdicts.
pub fn worse(a: Verdict, b: Verdict) -> Verdict {
    let rank = |v: Verdict| match v {
        Verdict::Ok => 0,
        Verdict::Degraded => 1,
        Verdict::Unavailable => 2,
    };
    if rank(a) >= rank(b) {
        a
    } else {
        b
    }
}

/// Whether one part answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// It answered.
    Ok,
    /// It failed (details in the log only).
    Unavailable,
}

/// The work queues' names, in the order they are checked.
pub const QUEUE_NAMES: [&str; 4] = ["poll_jobs", "inbound", "outbound", "webhooks"];

/// One work queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueHealth {
    /// `poll_jobs`, `inbound`, `outbound` or `webhooks`.
    #[cfg_attr(feature = "openapi", schema(schema_with = queue_name_schema))]
    pub name: &'static str,
    /// Whether it answered.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub state: Check,
    /// Its contents where the adapter counts them (embedded backend); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = QueueCounts, inline, required = false)
    )]
    pub messages: Option<QueueCounts>,
}

/// A queue's name in the document: one of [`QUEUE_NAMES`].
#[cfg(feature = "openapi")]
fn queue_name_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::SchemaType::String)
        .enum_values(Some(QUEUE_NAMES))
        .build()
}

/// A queue's contents in the answer's words (the queue port's `QueueStats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueCounts {
    /// Ready or delayed.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub waiting: u64,
    /// Being worked on.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub in_flight: u64,
    /// Age of the oldest message, seconds.
    #[cfg_attr(feature = "openapi", schema(required = true, minimum = 0))]
    pub oldest_age_seconds: Option<u64>,
    /// In the dead-letter queue: work that failed five times.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub dead_letters: u64,
}

impl From<QueueStats> for QueueCounts {
    fn from(stats: QueueStats) -> Self {
        Self {
            waiting: stats.waiting,
            in_flight: stats.in_flight,
            oldest_age_seconds: stats.oldest_age_seconds,
            dead_letters: stats.dead_letters,
        }
    }
}

/// The parts every tenant shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SystemHealth {
    /// `unavailable` when the store or a queue fails, `degraded` with dead letters, else `ok`.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub status: Verdict,
    /// Whether the store answered a read.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub store: Check,
    /// Each work queue.
    pub queues: Vec<QueueHealth>,
}

/// Reads one absent item and asks each queue for its counts (nothing is received or changed).
pub async fn system(ports: &Ports) -> SystemHealth {
    let store = match ports.store.get(&crate::repo::keys::health_probe()).await {
        Ok(_) => Check::Ok,
        Err(error) => {
            tracing::error!(%error, "health check: store unavailable");
            Check::Unavailable
        }
    };
    let q = &ports.queues;
    let mut queues = Vec::new();
    let queues_checked = [&q.poll_jobs, &q.inbound, &q.outbound, &q.webhooks];
    for (name, queue) in QUEUE_NAMES.into_iter().zip(queues_checked) {
        let (state, messages) = match queue.stats().await {
            Ok(stats) => (Check::Ok, stats.map(QueueCounts::from)),
            Err(error) => {
                tracing::error!(queue = name, %error, "health check: queue unavailable");
                (Check::Unavailable, None)
            }
        };
        queues.push(QueueHealth {
            name,
            state,
            messages,
        });
    }
    let unavailable =
        store == Check::Unavailable || queues.iter().any(|queue| queue.state == Check::Unavailable);
    let dead_letters = queues
        .iter()
        .any(|queue| queue.messages.is_some_and(|m| m.dead_letters > 0));
    let status = if unavailable {
        Verdict::Unavailable
    } else if dead_letters {
        Verdict::Degraded
    } else {
        Verdict::Ok
    };
    SystemHealth {
        status,
        store,
        queues,
    }
}

/// How one channel of one integration is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelState {
    /// Polled within [`STALE_AFTER_SECONDS`].
    Ok,
    /// Should be polled, but the last successful poll is older (or there was none yet).
    Stale,
    /// Not polled: the account is disconnected (credentials refused).
    Disconnected,
    /// Not polled: the account is not connected yet.
    Pending,
    /// Not polled: switched off by an admin.
    Inactive,
}

/// One channel of one integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelHealth {
    /// The tenant (the caller's own in the API).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    /// The integration.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub integration_id: IntegrationId,
    /// Its name as agents see it.
    pub integration_name: String,
    /// The inbox. `allegro_orders`: the order journal, listed for Allegro accounts with orders
    /// switched on; `allegro_offers`: the offers and their journal, for Allegro accounts with
    /// offers switched on.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub channel: Channel,
    /// The verdict.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub state: ChannelState,
    /// When the last successful poll finished.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_polled_at: Option<DateTime<Utc>>,
    /// Seconds since then.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub seconds_since_poll: Option<i64>,
}

/// How many integrations are in each state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntegrationCounts {
    /// Every integration.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub total: usize,
    /// Active with working credentials (polled).
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub connected: usize,
    /// Credentials refused: an admin must reconnect them.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub disconnected: usize,
    /// Never connected.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub pending: usize,
    /// Switched off.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub inactive: usize,
}

/// The marketplace side: integrations and their channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelsHealth {
    /// `degraded` when a channel is stale or an integration disconnected, else `ok`.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub status: Verdict,
    /// Integrations by state.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub integrations: IntegrationCounts,
    /// Each channel of each integration.
    pub channels: Vec<ChannelHealth>,
}

/// One tenant's integrations and channels (its admins' view).
pub async fn tenant(ports: &Ports, tenant: &TenantId) -> Result<ChannelsHealth, RepoError> {
    let all = integrations::list_for_tenant(&*ports.store, tenant).await?;
    channels(ports, &all).await
}

/// Every tenant's integrations and channels (the operator's view: `marketdesk status`).
pub async fn all_tenants(ports: &Ports) -> Result<ChannelsHealth, RepoError> {
    let mut all = Vec::new();
    let mut after: Option<PageCursor> = None;
    loop {
        let (page, next) = integrations::list_all(&*ports.store, after, 500).await?;
        all.extend(page);
        match next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    channels(ports, &all).await
}

async fn channels(ports: &Ports, all: &[Integration]) -> Result<ChannelsHealth, RepoError> {
    let now = ports.clock.now();
    let mut counts = IntegrationCounts {
        total: all.len(),
        ..IntegrationCounts::default()
    };
    let mut channels = Vec::new();
    for integration in all {
        let not_polled = match (&integration.connection, integration.active) {
            (_, false) => {
                counts.inactive += 1;
                Some(ChannelState::Inactive)
            }
            (ConnectionState::Connected, true) => {
                counts.connected += 1;
                None
            }
            (ConnectionState::Disconnected { .. }, true) => {
                counts.disconnected += 1;
                Some(ChannelState::Disconnected)
            }
            (ConnectionState::Pending, true) => {
                counts.pending += 1;
                Some(ChannelState::Pending)
            }
        };
        // The kind's conversations, and the order journal where orders are switched on.
        for channel in &integration.poll_channels() {
            let cursor = cursors::get(
                &*ports.store,
                &integration.tenant_id,
                &integration.id,
                *channel,
            )
            .await?;
            let since = cursor
                .polled_at
                .map(|at| now.signed_duration_since(at).num_seconds());
            // Never polled yet: stale only once it has been on for as long as a poll may take.
            let waited = since.unwrap_or_else(|| {
                now.signed_duration_since(integration.enabled_at)
                    .num_seconds()
            });
            let state = not_polled.unwrap_or(if waited <= stale_after_seconds(*channel) {
                ChannelState::Ok
            } else {
                ChannelState::Stale
            });
            channels.push(ChannelHealth {
                tenant_id: integration.tenant_id.clone(),
                integration_id: integration.id.clone(),
                integration_name: integration.display_name.clone(),
                channel: *channel,
                state,
                last_polled_at: cursor.polled_at,
                seconds_since_poll: since,
            });
        }
    }
    let degraded = counts.disconnected > 0
        || channels
            .iter()
            .any(|channel| channel.state == ChannelState::Stale);
    Ok(ChannelsHealth {
        status: if degraded {
            Verdict::Degraded
        } else {
            Verdict::Ok
        },
        integrations: counts,
        channels,
    })
}

#[cfg(test)]
mod stale_tests {
    use super::*;

    #[test]
    fn a_channel_is_stale_five_minutes_past_its_cadence() {
        assert_eq!(stale_after_seconds(Channel::AllegroMessaging), 6 * 60);
        assert_eq!(stale_after_seconds(Channel::EmpikThreads), 6 * 60);
        // Issues are read every 5 minutes: a 5-minute-old read is on schedule.
        assert_eq!(stale_after_seconds(Channel::AllegroIssues), 10 * 60);
    }
}
