use crate::manual_clock;
use marketdesk_core::ports::{Clock, Notification, Notifier, NotifyError};
use marketdesk_local::{RecordingNotifier, SqliteDb};

fn notification(to: &str, subject: &str) -> Notification {
    Notification {
        to: vec![to.into(), "ops@example.com".into()],
        subject: subject.into(),
        body: "Zażółć gęślą jaźń".into(),
    }
}

#[tokio::test]
async fn valid_notifications_are_recorded_in_order() {
    let clock = manual_clock();
    let start = clock.now();
    let db = SqliteDb::open_in_memory().expect("db");
    let notifier = RecordingNotifier::new(&db, clock.clone()).expect("notifier");
    let first = notification("jan@example.pl", "Autoresponse sent");
    notifier.notify(&first).await.expect("notify");
    clock.advance(chrono::Duration::seconds(5));
    let second = notification("anna@example.pl", "Token expired");
    notifier.notify(&second).await.expect("notify");

    let bad = notification("not-an-address", "Ignored");
    assert!(matches!(
        notifier.notify(&bad).await,
        Err(NotifyError::Invalid(_))
    ));

    let recorded = notifier.recorded().await.expect("recorded");
    assert_eq!(recorded.len(), 2, "invalid notifications are not recorded");
    assert_eq!(recorded[0].notification, first);
    assert_eq!(recorded[1].notification, second);
    assert_eq!(recorded[0].created_at, start);
    assert_eq!(recorded[1].created_at, start + chrono::Duration::seconds(5));
    assert_ne!(recorded[0].id, recorded[1].id);
}
