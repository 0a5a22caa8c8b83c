//! An EmpikPlace shop's request budget against the simulator: a 429 blocks that shop for
//! every worker (no call reaches EmpikPlace until the block ends, whatever `Retry-After`
//! said), the work is put back, and polling resumes after the block.

mod common;

use common::empik::{EmpikShop, UA};
use marketdesk_channels::budget::empik_key;
use marketdesk_channels::empik::EmpikThreadsSource;
use marketdesk_core::domain::Channel;
use marketdesk_core::jobs::PollJob;
use marketdesk_core::ports::{MarketplaceError, MarketplaceRegistry};
use marketdesk_core::services::{poller, ServiceError};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn a_429_blocks_the_shop_for_every_worker_until_the_block_ends() {
    let shop = EmpikShop::start().await;
    let ports = shop.backend.ports.clone();
    let job = PollJob::new(
        shop.integration.tenant_id.clone(),
        shop.integration.id.clone(),
        Channel::EmpikThreads,
    );
    // Two workers: each its own reader (and so its own Mirakl clients), one shared budget.
    let worker = || {
        MarketplaceRegistry::empty().with_source(
            Channel::EmpikThreads,
            Arc::new(EmpikThreadsSource::new(
                common::empik_access(&ports),
                shop.sandbox.base_url.clone(),
                UA,
            )),
        )
    };
    let (first, second) = (worker(), worker());
    shop.control.post(
        "/faults",
        json!({"path_prefix": "/api/inbox/threads", "remaining": 1, "kind": "too_many_requests", "retry_after_seconds": 1}),
    )
    .await;
    shop.forget_calls().await;

    let error = poller::run(&ports, &first, &job).await.expect_err("429");
    let blocked_for = match error {
        ServiceError::Marketplace(MarketplaceError::RateLimited { retry_after }) => retry_after,
        other => panic!("expected a rate limit, got {other:?}"),
    };
    assert!(
        blocked_for >= Duration::from_secs(60),
        "a 429 blocks for at least a minute, even when Retry-After says 1 s: {blocked_for:?}"
    );
    assert_eq!(shop.calls().await.len(), 1, "no inline retry into the 429");
    let blocks = ports
        .budget
        .blocks(ports.clock.now())
        .await
        .expect("blocks");
    assert_eq!(
        blocks.iter().map(|b| b.key.clone()).collect::<Vec<_>>(),
        vec![empik_key(&shop.integration.id.0)]
    );

    // The other worker (the fault is used up, so a call would succeed) sends nothing.
    let error = poller::run(&ports, &second, &job)
        .await
        .expect_err("blocked");
    assert!(
        matches!(
            error,
            ServiceError::Marketplace(MarketplaceError::RateLimited { .. })
        ),
        "{error:?}"
    );
    assert_eq!(shop.calls().await.len(), 1, "nothing sent while blocked");

    // A minute later the shop is read again.
    shop.clock.advance(chrono::Duration::seconds(61));
    let outcome = poller::run(&ports, &second, &job).await.expect("poll");
    assert_eq!(outcome, poller::PollOutcome::Polled { events: 0 });
    assert!(shop.calls().await.len() > 1);
}
