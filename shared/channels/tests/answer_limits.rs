//! Marketplace answers larger than the configured cap: the call fails as an outage, the poll's
//! cursor stays where it was, and nothing is read into memory beyond the cap.

mod common;

use common::empik::EmpikShop;
use common::UA;
use marketdesk_channels::empik::EmpikThreadsSource;
use marketdesk_core::domain::Channel;
use marketdesk_core::jobs::PollJob;
use marketdesk_core::ports::{MarketplaceError, MarketplaceRegistry};
use marketdesk_core::repo::cursors;
use marketdesk_core::services::{poller, ServiceError};
use serde_json::json;
use std::sync::Arc;

#[tokio::test]
async fn an_empikplace_answer_over_the_cap_is_unavailable_and_the_cursor_stays() {
    let shop = EmpikShop::start().await;
    shop.thread(
        None,
        json!({"type": "FREE_TEXT", "value": "Faktura"}),
        "Czy mogę prosić o fakturę na firmę?",
    )
    .await;
    let ports = shop.backend.ports.clone();
    let integration = &shop.integration;
    let job = PollJob::new(
        integration.tenant_id.clone(),
        integration.id.clone(),
        Channel::EmpikThreads,
    );
    let registry = |limit: u64| {
        MarketplaceRegistry::empty().with_source(
            Channel::EmpikThreads,
            Arc::new(
                EmpikThreadsSource::new(
                    common::empik_access(&ports),
                    shop.sandbox.base_url.clone(),
                    UA,
                )
                .with_max_answer_bytes(limit),
            ),
        )
    };
    let cursor = || {
        cursors::get(
            &*ports.store,
            &job.tenant_id,
            &job.integration_id,
            job.channel,
        )
    };

    // The thread list (M11) is a few hundred bytes; a 64-byte cap refuses it.
    let error = poller::run(&ports, &registry(64), &job)
        .await
        .expect_err("answer over the cap");
    assert!(
        matches!(
            error,
            ServiceError::Marketplace(MarketplaceError::Unavailable(ref m)) if m.contains("64 bytes")
        ),
        "{error:?}"
    );
    assert!(!error.is_permanent(), "retried later, never dropped");
    let unmoved = cursor().await.expect("store");
    assert!(
        unmoved.position.is_none() && unmoved.polled_at.is_none(),
        "the cursor did not move: {unmoved:?}"
    );

    // With the default cap the same poll goes through and moves the cursor.
    let default = marketdesk_channels::settings::DEFAULT_MAX_ANSWER_BYTES;
    poller::run(&ports, &registry(default), &job)
        .await
        .expect("poll");
    let moved = cursor().await.expect("store");
    assert!(
        moved.position.is_some(),
        "the cursor moves after a good poll"
    );
}
