//! The real `marketdesk serve` process: configuration errors, health, the ingest loop, shutdown.

use marketdesk_core::domain::{
    AuthorKind, Channel, ConversationKind, ConversationRef, IntegrationKind,
};
use marketdesk_core::jobs::{InboundEvent, InboundMessage, PollJob};
use marketdesk_core::ports::SystemClock;
use marketdesk_core::ports::{Condition, Item, Key};
use marketdesk_core::repo::tickets;
use marketdesk_testkit::backend::seed_connected_integration;
mod common;

use common::*;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn bad_configuration_stops_start_up_naming_the_variable() {
    let output = marketdesk()
        .args(["serve"])
        .env("MARKETDESK_POLL_INTERVAL", "every now and then")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("MARKETDESK_POLL_INTERVAL"), "{stderr}");

    let output = marketdesk()
        .args(["serve", "--listen", "not-an-address"])
        .output()
        .expect("run");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--listen"));
}

#[test]
fn help_explains_the_options_and_variables() {
    let output = marketdesk()
        .args(["serve", "--help"])
        .output()
        .expect("run");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in ["--listen", "--data", "--poll-interval"] {
        assert!(help.contains(expected), "help lacks {expected}:\n{help}");
    }
    // Every variable of the README's `marketdesk serve` table is in the help too.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let table = readme
        .split("`marketdesk serve` (flags win over variables):")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").find(|block| block.starts_with('|')))
        .expect("the serve configuration table in README.md");
    let variables: Vec<&str> = table
        .split('`')
        .filter(|word| word.starts_with("MARKETDESK_") || *word == "RUST_LOG")
        .collect();
    assert!(variables.len() >= 10, "{variables:?}");
    for variable in variables {
        assert!(help.contains(variable), "help lacks {variable}:\n{help}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_health_runs_the_loops_and_stops_cleanly() {
    let data = tempfile::tempdir().expect("temp dir");
    // Before start-up: a connected integration and a conversation event waiting on the inbound queue.
    let ports =
        marketdesk_local::LocalBackend::open(data.path(), Arc::new(SystemClock)).expect("backend");
    seed_connected_integration(&ports, "t-1", "int-1", IntegrationKind::Allegro).await;
    let conversation = ConversationRef {
        kind: ConversationKind::AllegroPurchaseProblem,
        external_id: "thread-1".into(),
    };
    let event = InboundEvent {
        tenant_id: "t-1".into(),
        integration_id: "int-1".into(),
        conversation: conversation.clone(),
        subject: "Nie otrzymałem przedmiotu".into(),
        marketplace_status: "OPEN".into(),
        open_for_replies: true,
        buyer_login: "kupujacy_1".into(),
        order_id: None,
        buyer_name: None,
        buyer_emails: Vec::new(),
        panel: Default::default(),
        shop_reply_needed_since: None,
        messages: vec![InboundMessage {
            external_id: "msg-1".into(),
            author: AuthorKind::Buyer,
            author_name: None,
            text: "Gdzie moja paczka?".into(),
            attachments: Vec::new(),
            created_at: chrono::Utc::now(),
        }],
    };
    let body = serde_json::to_string(&event).expect("encode");
    ports
        .queues
        .inbound
        .send(&body, Duration::ZERO)
        .await
        .expect("send");
    // An item that expired yesterday (e.g. an old session): purged at start, as DynamoDB's TTL
    // would; one expiring tomorrow stays.
    for (sk, offset) in [("EXPIRED", -86_400), ("LIVING", 86_400)] {
        let mut item = Item::new(Key::new("TENANT#t-1", sk), serde_json::json!({}));
        item.expires_at = Some(chrono::Utc::now().timestamp() + offset);
        ports
            .store
            .put(item, Condition::NotExists)
            .await
            .expect("put");
    }
    // A poll job still queued for an integration deleted meanwhile.
    let orphan = PollJob::new("t-1".into(), "int-deleted".into(), Channel::AllegroIssues);
    ports
        .queues
        .poll_jobs
        .send(
            &serde_json::to_string(&orphan).expect("encode"),
            Duration::ZERO,
        )
        .await
        .expect("send");

    let port = free_port();
    let log_path = data.path().join("serve.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = serve_command(data.path(), port, Some("1s"))
        .env("MARKETDESK_LOG", "info")
        .stdout(Stdio::from(log.try_clone().expect("log file")))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start marketdesk");
    let answer = wait_for_health(port, &mut child);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"status\":\"ok\""), "{answer}");

    // Ingest creates the ticket, then stores its messages and summary: wait for the summary
    // (the loops run concurrently, so the ticket can be seen in between).
    let deadline = Instant::now() + Duration::from_secs(20);
    let ticket = loop {
        if let Some(id) = tickets::find_by_conversation(&*ports.store, &"t-1".into(), &conversation)
            .await
            .expect("read")
        {
            let ticket = tickets::get(&*ports.store, &"t-1".into(), &id)
                .await
                .expect("read")
                .expect("ticket")
                .value;
            if ticket.needs_reply {
                break ticket;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the ingest loop did not make a ticket awaiting a reply within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(ticket.subject, "Nie otrzymałem przedmiotu");

    let key = |sk: &str| Key::new("TENANT#t-1", sk);
    assert!(ports
        .store
        .get(&key("LIVING"))
        .await
        .expect("get")
        .is_some());
    assert!(
        ports
            .store
            .get(&key("EXPIRED"))
            .await
            .expect("get")
            .is_none(),
        "expired items are purged"
    );

    let status = terminate(child);
    assert!(status.success(), "clean exit after SIGTERM, got {status}");
    // Logs redirected to a file carry no terminal colour codes.
    let logged = std::fs::read_to_string(&log_path).expect("log");
    assert!(logged.contains("INFO"), "{logged}");
    assert!(
        !logged.contains('\u{1b}'),
        "ANSI escapes in a redirected log:\n{logged}"
    );
    // The orphaned poll job is dropped as routine work, not logged as an error.
    assert!(logged.contains("int-deleted"), "{logged}");
    assert!(!logged.contains("ERROR"), "{logged}");
}
