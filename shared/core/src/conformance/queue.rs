//! Conformance checks for [`Queue`] adapters. They run on real time (visibility timeouts of
//! a second or two), since SQS emulators follow the wall clock.

use crate::ports::queue::{Queue, QueueError, QueueMessage};
use std::collections::BTreeSet;
use std::ops::Deref;
use std::time::{Duration, Instant};

/// The maximum receive count the factory must give the queue under test.
pub const MAX_RECEIVES: u32 = 2;

const SHORT: Duration = Duration::from_secs(1);
const LONG: Duration = Duration::from_secs(30);

/// Receives until `want` messages arrived or `within` passed (SQS may return fewer than asked).
async fn receive_n<Q: Queue + ?Sized>(
    queue: &Q,
    want: usize,
    visibility: Duration,
    within: Duration,
) -> Vec<QueueMessage> {
    let deadline = Instant::now() + within;
    let mut got = Vec::new();
    while got.len() < want && Instant::now() < deadline {
        let batch = queue.receive(10, visibility).await.expect("receive");
        if batch.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        got.extend(batch);
    }
    got
}

/// Sends, receives each message once, deletes them, and they never come back.
pub async fn send_receive_delete<Q: Queue + ?Sized, D: Queue + ?Sized>(
    (queue, _dlq): (impl Deref<Target = Q>, impl Deref<Target = D>),
) {
    let mut ids = BTreeSet::new();
    for body in [
        "{\"job\":1}",
        "{\"job\":2}",
        "{\"job\":3,\"text\":\"zażółć\"}",
    ] {
        ids.insert(queue.send(body, Duration::ZERO).await.expect("send"));
    }
    assert_eq!(ids.len(), 3, "message ids are distinct");
    let got = receive_n(&*queue, 3, LONG, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 3, "every message delivered once");
    let bodies: BTreeSet<&str> = got.iter().map(|m| m.body.as_str()).collect();
    assert!(
        bodies.contains("{\"job\":3,\"text\":\"zażółć\"}"),
        "bodies round-trip"
    );
    assert_eq!(
        got.iter().map(|m| m.id.clone()).collect::<BTreeSet<_>>(),
        ids
    );
    assert!(got.iter().all(|m| m.receive_count == 1));
    assert!(
        queue.receive(10, LONG).await.expect("receive").is_empty(),
        "hidden while in flight"
    );
    for m in &got {
        queue.delete(&m.receipt).await.expect("delete");
    }
    // Deleted messages stay gone even after their visibility timeout would have passed.
    let again = receive_n(&*queue, 1, SHORT, Duration::from_secs(2)).await;
    assert!(again.is_empty(), "deleted messages are gone, got {again:?}");
}

/// An undeleted message comes back after its visibility timeout, with a higher receive count.
pub async fn redelivery_after_visibility_timeout<Q: Queue + ?Sized, D: Queue + ?Sized>(
    (queue, _dlq): (impl Deref<Target = Q>, impl Deref<Target = D>),
) {
    let id = queue
        .send("{\"job\":\"redeliver\"}", Duration::ZERO)
        .await
        .expect("send");
    let first = receive_n(&*queue, 1, SHORT, Duration::from_secs(10)).await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].id, id);
    assert!(
        queue.receive(10, SHORT).await.expect("receive").is_empty(),
        "hidden at first"
    );
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let second = receive_n(&*queue, 1, LONG, Duration::from_secs(10)).await;
    assert_eq!(second.len(), 1, "redelivered after the visibility timeout");
    assert_eq!(second[0].id, id, "same message id");
    assert_eq!(second[0].body, first[0].body);
    assert_eq!(second[0].receive_count, 2);
    queue
        .delete(&second[0].receipt)
        .await
        .expect("delete with the new receipt");
}

/// A message received more than the maximum receive count goes to the dead-letter queue.
pub async fn dead_letter_after_max_receives<Q: Queue + ?Sized, D: Queue + ?Sized>(
    (queue, dlq): (impl Deref<Target = Q>, impl Deref<Target = D>),
) {
    queue
        .send("{\"job\":\"poison\"}", Duration::ZERO)
        .await
        .expect("send");
    for attempt in 1..=MAX_RECEIVES {
        let got = receive_n(&*queue, 1, SHORT, Duration::from_secs(10)).await;
        assert_eq!(got.len(), 1, "receive {attempt} delivers");
        assert_eq!(got[0].receive_count, attempt);
        tokio::time::sleep(Duration::from_millis(1300)).await;
    }
    let after = receive_n(&*queue, 1, SHORT, Duration::from_secs(2)).await;
    assert!(
        after.is_empty(),
        "not delivered again after {MAX_RECEIVES} receives"
    );
    let dead = receive_n(&*dlq, 1, LONG, Duration::from_secs(10)).await;
    assert_eq!(dead.len(), 1, "moved to the dead-letter queue");
    assert_eq!(dead[0].body, "{\"job\":\"poison\"}");
    dlq.delete(&dead[0].receipt)
        .await
        .expect("delete from the DLQ");
}

/// Releasing a received message makes it visible again without waiting for the timeout.
pub async fn release_makes_a_message_visible_again<Q: Queue + ?Sized, D: Queue + ?Sized>(
    (queue, _dlq): (impl Deref<Target = Q>, impl Deref<Target = D>),
) {
    queue
        .send("{\"job\":\"release\"}", Duration::ZERO)
        .await
        .expect("send");
    let got = receive_n(&*queue, 1, LONG, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1);
    queue
        .release(&got[0].receipt, Duration::ZERO)
        .await
        .expect("release");
    let again = receive_n(&*queue, 1, LONG, Duration::from_secs(5)).await;
    assert_eq!(again.len(), 1, "visible again at once");
    assert_eq!(again[0].id, got[0].id);
    queue.delete(&again[0].receipt).await.expect("delete");
}

/// A message sent with a delay stays hidden until the delay has passed.
pub async fn delayed_send_stays_hidden<Q: Queue + ?Sized, D: Queue + ?Sized>(
    (queue, _dlq): (impl Deref<Target = Q>, impl Deref<Target = D>),
) {
    let sent = Instant::now();
    queue
        .send("{\"job\":\"later\"}", Duration::from_secs(2))
        .await
        .expect("send");
    assert!(
        queue.receive(10, LONG).await.expect("receive").is_empty(),
        "hidden during the delay"
    );
    let got = receive_n(&*queue, 1, LONG, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1, "delivered after the delay");
    assert!(
        sent.elapsed() >= Duration::from_millis(1500),
        "not before the delay"
    );
    queue.delete(&got[0].receipt).await.expect("delete");
}

/// Requests breaking the shared limits are refused.
pub async fn invalid_requests_are_refused<Q: Queue + ?Sized, D: Queue + ?Sized>(
    (queue, _dlq): (impl Deref<Target = Q>, impl Deref<Target = D>),
) {
    for max in [0, 11] {
        let err = queue.receive(max, SHORT).await.expect_err("batch size");
        assert!(matches!(err, QueueError::Invalid(_)), "got {err:?}");
    }
    let too_big = "x".repeat(crate::ports::queue::MAX_BODY_BYTES + 1);
    let err = queue
        .send(&too_big, Duration::ZERO)
        .await
        .expect_err("body size");
    assert!(matches!(err, QueueError::Invalid(_)), "got {err:?}");
    let err = queue
        .send("{}", Duration::from_secs(16 * 60))
        .await
        .expect_err("delay");
    assert!(matches!(err, QueueError::Invalid(_)), "got {err:?}");
    let err = queue
        .send("", Duration::ZERO)
        .await
        .expect_err("empty body");
    assert!(matches!(err, QueueError::Invalid(_)), "got {err:?}");
}
