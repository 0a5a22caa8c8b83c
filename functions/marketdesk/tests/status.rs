//! `marketdesk status`: the health report of a data directory from the command line.

mod common;

use chrono::{Duration as Minutes, Utc};
use common::*;
use marketdesk_core::domain::{Channel, IntegrationKind, PollCursor};
use marketdesk_core::ports::{Ports, SystemClock};
use marketdesk_core::repo::cursors;
use marketdesk_local::LocalBackend;
use marketdesk_testkit::backend::seed_connected_integration;
use std::sync::Arc;

async fn polled(ports: &Ports, channel: Channel, minutes_ago: i64) {
    let cursor = PollCursor {
        tenant_id: "t-1".into(),
        integration_id: "int-1".into(),
        channel,
        position: None,
        polled_at: Some(Utc::now() - Minutes::minutes(minutes_ago)),
    };
    cursors::save(&*ports.store, &cursor).await.expect("cursor");
}

#[tokio::test]
async fn status_prints_each_channel_and_fails_when_one_is_stale() {
    let data = tempfile::tempdir().expect("temp dir");
    let ports = LocalBackend::open(data.path(), Arc::new(SystemClock)).expect("open");
    seed_connected_integration(&ports, "t-1", "int-1", IntegrationKind::Allegro).await;
    polled(&ports, Channel::AllegroIssues, 0).await;
    polled(&ports, Channel::AllegroMessaging, 1).await;

    let status = |extra: &[&str]| {
        marketdesk()
            .arg("status")
            .args(extra)
            .arg("--data")
            .arg(data.path())
            .output()
            .expect("status")
    };
    let ok = status(&[]);
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{ok:?}");
    assert!(text.contains(": ok\n"), "{text}");
    assert!(text.contains("store: ok"), "{text}");
    assert!(text.contains("queue inbound: ok (0 waiting"), "{text}");
    assert!(text.contains("integrations: 1 (1 connected"), "{text}");
    assert!(text.contains("t-1/int-1"), "{text}");
    assert!(text.contains("allegro_messaging: ok, last poll"), "{text}");

    polled(&ports, Channel::AllegroMessaging, 10).await;
    let stale = status(&[]);
    let text = String::from_utf8_lossy(&stale.stdout);
    assert!(!stale.status.success(), "a stale channel fails the status");
    assert!(text.contains(": degraded\n"), "{text}");
    assert!(text.contains("allegro_messaging: stale"), "{text}");
    assert!(String::from_utf8_lossy(&stale.stderr).contains("status is degraded"));

    let json = status(&["--json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(report["status"], "degraded");
    assert_eq!(report["marketplaces"]["integrations"]["connected"], 1);
    assert_eq!(
        report["marketplaces"]["channels"].as_array().map(Vec::len),
        Some(2)
    );

    let missing = marketdesk()
        .args(["status", "--data"])
        .arg(data.path().join("nothing-here"))
        .output()
        .expect("status");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no marketdesk data"));
}
