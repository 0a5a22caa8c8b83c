use crate::manual_clock;
use chrono::Duration as Delta;
use marketdesk_core::ports::{Queue, QueueError};
use marketdesk_local::{LocalError, QueueOptions, SqliteDb, SqliteQueue};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

fn with_dlq(max_receives: u32) -> QueueOptions {
    QueueOptions {
        max_receives,
        dead_letter: Some("work-dlq".into()),
    }
}

#[tokio::test]
async fn visibility_follows_the_clock() {
    let clock = manual_clock();
    let db = SqliteDb::open_in_memory().expect("db");
    let queue = SqliteQueue::open(&db, "work", with_dlq(5), clock.clone()).expect("queue");
    let id = queue.send("job", Duration::ZERO).await.expect("send");

    let first = queue.receive(10, MINUTE).await.expect("receive");
    assert_eq!(first.len(), 1);
    assert_eq!(
        (first[0].id.as_str(), first[0].receive_count),
        (id.as_str(), 1)
    );
    clock.advance(Delta::milliseconds(59_999));
    assert!(queue.receive(10, MINUTE).await.expect("receive").is_empty());
    clock.advance(Delta::milliseconds(1));
    let second = queue.receive(10, MINUTE).await.expect("receive");
    assert_eq!(second.len(), 1, "visible exactly when the timeout ends");
    assert_eq!(
        (second[0].id.as_str(), second[0].receive_count),
        (id.as_str(), 2)
    );
    assert_ne!(
        second[0].receipt, first[0].receipt,
        "receipts are per delivery"
    );
    queue.delete(&second[0].receipt).await.expect("delete");
}

#[tokio::test]
async fn receipts_of_older_deliveries_are_stale() {
    let clock = manual_clock();
    let db = SqliteDb::open_in_memory().expect("db");
    let queue = SqliteQueue::open(&db, "work", with_dlq(5), clock.clone()).expect("queue");
    queue.send("job", Duration::ZERO).await.expect("send");
    let old = queue.receive(1, MINUTE).await.expect("receive").remove(0);
    clock.advance(Delta::minutes(1));
    let new = queue.receive(1, MINUTE).await.expect("receive").remove(0);

    for result in [
        queue.delete(&old.receipt).await,
        queue.release(&old.receipt, Duration::ZERO).await,
        queue.delete("garbage").await,
        queue.delete(&format!("{}.not-the-nonce", new.id)).await,
    ] {
        assert!(
            matches!(result, Err(QueueError::StaleReceipt)),
            "got {result:?}"
        );
    }
    let other = SqliteQueue::open(&db, "other", with_dlq(5), clock.clone()).expect("queue");
    assert!(matches!(
        other.delete(&new.receipt).await,
        Err(QueueError::StaleReceipt)
    ));
    queue
        .delete(&new.receipt)
        .await
        .expect("current receipt works");
    assert!(matches!(
        queue.delete(&new.receipt).await,
        Err(QueueError::StaleReceipt)
    ));
}

#[tokio::test]
async fn send_delay_and_release_delay_follow_the_clock() {
    let clock = manual_clock();
    let db = SqliteDb::open_in_memory().expect("db");
    let queue = SqliteQueue::open(&db, "work", with_dlq(5), clock.clone()).expect("queue");
    queue
        .send("later", Duration::from_secs(10))
        .await
        .expect("send");
    clock.advance(Delta::seconds(9));
    assert!(queue.receive(10, MINUTE).await.expect("receive").is_empty());
    clock.advance(Delta::seconds(1));
    let got = queue.receive(10, MINUTE).await.expect("receive").remove(0);

    queue
        .release(&got.receipt, Duration::from_secs(30))
        .await
        .expect("release");
    clock.advance(Delta::seconds(29));
    assert!(queue.receive(10, MINUTE).await.expect("receive").is_empty());
    clock.advance(Delta::seconds(1));
    let again = queue.receive(10, MINUTE).await.expect("receive");
    assert_eq!(
        again.len(),
        1,
        "back after the release delay, not the visibility"
    );
    assert_eq!(again[0].receive_count, 2);
    assert!(matches!(
        queue
            .release(&again[0].receipt, Duration::from_secs(13 * 3600))
            .await,
        Err(QueueError::Invalid(_))
    ));
}

#[tokio::test]
async fn exhausted_messages_move_to_the_dead_letter_queue() {
    let clock = manual_clock();
    let db = SqliteDb::open_in_memory().expect("db");
    let queue = SqliteQueue::open(&db, "work", with_dlq(2), clock.clone()).expect("queue");
    let dlq = queue.dead_letter_queue().expect("dlq");
    let id = queue.send("poison", Duration::ZERO).await.expect("send");
    for attempt in 1..=2 {
        let got = queue.receive(10, MINUTE).await.expect("receive");
        assert_eq!(got[0].receive_count, attempt);
        clock.advance(Delta::minutes(1));
    }
    assert!(
        dlq.receive(10, MINUTE).await.expect("receive").is_empty(),
        "not before"
    );
    assert!(queue.receive(10, MINUTE).await.expect("receive").is_empty());
    let dead = dlq.receive(10, MINUTE).await.expect("receive");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, id, "the message keeps its id");
    assert_eq!(dead[0].body, "poison");
    assert_eq!(dead[0].receive_count, 1, "counting starts over in the DLQ");
    // The dead-letter queue has no redrive of its own: it redelivers indefinitely.
    for _ in 0..3 {
        clock.advance(Delta::minutes(1));
        assert_eq!(dlq.receive(10, MINUTE).await.expect("receive").len(), 1);
    }
}

#[tokio::test]
async fn messages_survive_reopening_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("queues.sqlite");
    let clock = manual_clock();
    let in_flight = {
        let db = SqliteDb::open(&path).expect("db");
        let queue = SqliteQueue::open(&db, "work", with_dlq(5), clock.clone()).expect("queue");
        queue.send("first", Duration::ZERO).await.expect("send");
        let got = queue.receive(1, MINUTE).await.expect("receive").remove(0);
        queue.send("second", Duration::ZERO).await.expect("send");
        got
    };
    let db = SqliteDb::open(&path).expect("reopen");
    let queue = SqliteQueue::open(&db, "work", with_dlq(5), clock.clone()).expect("queue");
    let now = queue.receive(10, MINUTE).await.expect("receive");
    assert_eq!(
        now.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["second"],
        "the in-flight message stays hidden across the reopen"
    );
    queue.delete(&now[0].receipt).await.expect("delete");
    clock.advance(Delta::minutes(1));
    let back = queue.receive(10, MINUTE).await.expect("receive");
    assert_eq!(back.len(), 1);
    assert_eq!(
        (back[0].id.as_str(), back[0].receive_count),
        (in_flight.id.as_str(), 2)
    );
}

#[tokio::test]
async fn queues_in_one_database_are_separate() {
    let clock = manual_clock();
    let db = SqliteDb::open_in_memory().expect("db");
    let a = SqliteQueue::open(&db, "a", with_dlq(5), clock.clone()).expect("queue");
    let b = SqliteQueue::open(&db, "b", with_dlq(5), clock.clone()).expect("queue");
    a.send("for a", Duration::ZERO).await.expect("send");
    assert!(b.receive(10, MINUTE).await.expect("receive").is_empty());
    assert_eq!(a.receive(10, MINUTE).await.expect("receive").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_receivers_never_share_a_message() {
    // Separate connections to one file, as separate processes would have.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("queues.sqlite");
    let clock = manual_clock();
    let open = || {
        let db = SqliteDb::open(&path).expect("db");
        SqliteQueue::open(&db, "work", with_dlq(5), clock.clone()).expect("queue")
    };
    let queue = open();
    for n in 0..40 {
        queue
            .send(&format!("job {n}"), Duration::ZERO)
            .await
            .expect("send");
    }
    let receivers: Vec<_> = (0..4)
        .map(|_| {
            let queue = open();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                loop {
                    let batch = queue.receive(3, MINUTE).await.expect("receive");
                    if batch.is_empty() {
                        return ids;
                    }
                    ids.extend(batch.into_iter().map(|m| m.id));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for receiver in receivers {
        all.extend(receiver.await.expect("receiver"));
    }
    assert_eq!(all.len(), 40);
    assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), 40);
}

#[test]
fn bad_configuration_is_refused_and_names_the_queue() {
    let db = SqliteDb::open_in_memory().expect("db");
    let clock = manual_clock();
    let cases = [
        ("work", with_dlq(0)),
        (
            "work",
            QueueOptions {
                max_receives: 3,
                dead_letter: Some("work".into()),
            },
        ),
        ("no spaces", with_dlq(3)),
        (
            "work",
            QueueOptions {
                max_receives: 3,
                dead_letter: Some(String::new()),
            },
        ),
    ];
    for (name, options) in cases {
        let err = SqliteQueue::open(&db, name, options, clock.clone()).expect_err("refused");
        assert!(matches!(err, LocalError::QueueConfig { .. }), "got {err:?}");
        assert!(err.to_string().contains(name), "{err}");
    }
    let no_redrive = QueueOptions {
        max_receives: 0,
        dead_letter: None,
    };
    assert!(SqliteQueue::open(
        &db,
        "plain",
        no_redrive,
        Arc::new(marketdesk_core::ports::SystemClock)
    )
    .is_ok());
}

/// Whether `ready` resolves within `within`.
async fn ready_within(queue: &SqliteQueue, within: Duration) -> bool {
    tokio::time::timeout(within, queue.ready()).await.is_ok()
}

#[tokio::test]
async fn a_waiting_consumer_wakes_when_a_message_is_sent_or_comes_due() {
    let clock = manual_clock();
    let db = SqliteDb::open_in_memory().expect("db");
    let consumer = SqliteQueue::open(&db, "work", with_dlq(5), clock.clone()).expect("queue");
    // The API and the loops open their own handles of one queue.
    let producer = SqliteQueue::open(&db, "work", with_dlq(5), clock.clone()).expect("queue");
    let other = SqliteQueue::open(&db, "other", with_dlq(5), clock.clone()).expect("queue");

    assert!(
        !ready_within(&consumer, Duration::from_millis(200)).await,
        "an empty queue keeps its consumer waiting"
    );
    other.send("elsewhere", Duration::ZERO).await.expect("send");
    assert!(
        !ready_within(&consumer, Duration::from_millis(200)).await,
        "a send to another queue does not wake this one"
    );

    let waiting = {
        let consumer = consumer.clone();
        tokio::spawn(async move { consumer.ready().await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!waiting.is_finished());
    producer.send("job", Duration::ZERO).await.expect("send");
    tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("woken by the send")
        .expect("task");
    let job = consumer.receive(10, MINUTE).await.expect("receive");
    assert_eq!(job.len(), 1);
    consumer.delete(&job[0].receipt).await.expect("delete");

    // A delayed message wakes its consumer when it comes due, with no send in between.
    producer
        .send("later", Duration::from_millis(300))
        .await
        .expect("send");
    assert!(
        ready_within(&consumer, Duration::from_secs(1)).await,
        "the send's wake-up"
    );
    assert!(
        ready_within(&consumer, Duration::from_secs(5)).await,
        "woken when the delayed message comes due"
    );

    // A scheduler tick's batch wakes its consumer as one send does.
    let batch = SqliteQueue::open(&db, "batch", with_dlq(5), clock.clone()).expect("queue");
    let waiting = {
        let batch = batch.clone();
        tokio::spawn(async move { batch.ready().await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!waiting.is_finished());
    batch
        .send_each(vec![
            ("a".into(), Duration::ZERO),
            ("b".into(), Duration::ZERO),
        ])
        .await
        .expect("send");
    tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("woken by the batch")
        .expect("task");
}
