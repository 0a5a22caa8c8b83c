//! The health routes' details part of the OpenAPI document and its schemas (the public
//! `/v1/health` is in `mod.rs`).

use super::{nullable, object, ok, protected, reference, string, time};
use marketdesk_core::services::health::STALE_AFTER_SECONDS;
use serde_json::{json, Value};

/// The paths.
pub(super) fn paths() -> Value {
    json!({
        "/v1/health/details": {
            "get": protected(json!({
                "operationId": "healthDetails",
                "summary": format!("Admins: the store and each queue (with counts where the backend keeps them: the embedded one), the tenant's integrations by state and, for each channel of each integration, the last successful poll; a channel of a connected account not polled for {STALE_AFTER_SECONDS} s is `stale`. Nothing of other tenants. `marketdesk status` prints the same for every tenant."),
                "tags": ["health"],
                "responses": { "200": ok("How marketdesk and the tenant's marketplace channels are doing.", "HealthDetails") }
            }), true)
        }
    })
}

fn verdict() -> Value {
    json!({ "type": "string", "enum": ["ok", "degraded", "unavailable"] })
}

fn check() -> Value {
    json!({ "type": "string", "enum": ["ok", "unavailable"] })
}

fn count() -> Value {
    json!({ "type": "integer", "minimum": 0 })
}

/// The schemas.
pub(super) fn schemas() -> Value {
    json!({
        "Verdict": verdict(),
        "Check": check(),
        "HealthDetails": object(&["status", "version", "system", "marketplaces"], json!({
            "status": verdict(),
            "version": string(),
            "system": reference("SystemHealth"),
            "marketplaces": reference("ChannelsHealth")
        })),
        "SystemHealth": object(&["status", "store", "queues"], json!({
            "status": verdict(),
            "store": check(),
            "queues": { "type": "array", "items": reference("QueueHealth") }
        })),
        "QueueHealth": object(&["name", "state"], json!({
            "name": { "type": "string", "enum": ["poll_jobs", "inbound", "outbound", "webhooks"] },
            "state": check(),
            "messages": object(&["waiting", "in_flight", "oldest_age_seconds", "dead_letters"], json!({
                "waiting": count(),
                "in_flight": count(),
                "oldest_age_seconds": nullable(count()),
                "dead_letters": count()
            }))
        })),
        "ChannelsHealth": object(&["status", "integrations", "channels"], json!({
            "status": verdict(),
            "integrations": object(&["total", "connected", "disconnected", "pending", "inactive"], json!({
                "total": count(),
                "connected": count(),
                "disconnected": count(),
                "pending": count(),
                "inactive": count()
            })),
            "channels": { "type": "array", "items": reference("ChannelHealth") }
        })),
        "ChannelHealth": object(&["tenant_id", "integration_id", "integration_name", "channel", "state", "last_polled_at", "seconds_since_poll"], json!({
            "tenant_id": string(),
            "integration_id": string(),
            "integration_name": string(),
            "channel": { "type": "string", "enum": ["allegro_issues", "allegro_messaging", "empik_threads", "allegro_orders", "allegro_offers"], "description": "`allegro_orders`: the order journal, listed for Allegro accounts with orders switched on; `allegro_offers`: the offers and their journal, for Allegro accounts with offers switched on." },
            "state": { "type": "string", "enum": ["ok", "stale", "disconnected", "pending", "inactive"] },
            "last_polled_at": nullable(time()),
            "seconds_since_poll": nullable(json!({ "type": "integer" }))
        }))
    })
}
