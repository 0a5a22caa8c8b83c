//! The Allegro polling → ingest pipeline on the AWS backend: DynamoDB Local for the store,
//! moto for SQS and Secrets Manager. The same scenario as the embedded
//! `the_pipeline_makes_each_ticket_once_with_customer_and_panel` in `allegro_sources.rs`.
//!
//! `MARKETDESK_TEST_DYNAMODB_ENDPOINT` and `MARKETDESK_TEST_MOTO_ENDPOINT` point at the
//! emulators (scripts/test starts them). When either is unset the test is skipped, unless
//! `MARKETDESK_TEST_REQUIRE_EMULATORS=1`, which makes it fail.

mod common;

use common::empik::store_api_key;
use common::{
    allegro_registry, assert_pipeline_tickets, ingest_all, run_polls, seed_pipeline,
    simulator_clients, UA,
};
use marketdesk_channels::allegro::delivery::AllegroIssueReplies;
use marketdesk_core::domain::{
    Channel, ConnectionState, Environment, Integration, IntegrationKind, ReplyState,
};
use marketdesk_core::ids::TicketId;
use marketdesk_core::ports::{DeliveryRegistry, MarketplaceRegistry, Ports};
use marketdesk_core::repo::{integrations, replies as reply_repo, tickets};
use marketdesk_core::services::polling::PollingSettings;
use marketdesk_core::services::sender::{self, SendOutcome};
use marketdesk_core::services::{ingest, replies, scheduler};
use marketdesk_sandbox::RunningSandbox;
use marketdesk_testkit::aws::{endpoints, pipeline_ports};
use marketdesk_testkit::SimulatorControl;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a received message stays invisible to other receivers.
const VISIBILITY: Duration = Duration::from_secs(30);

/// Scheduler fan-out, every poll job, every inbound event; the poll jobs run and the events
/// ingested.
async fn cycle(
    ports: &Ports,
    registry: &MarketplaceRegistry,
) -> (usize, Vec<(String, ingest::IngestOutcome)>) {
    scheduler::fan_out(ports).await.expect("fan out");
    let settings = PollingSettings::reads_once(Duration::from_secs(60));
    let jobs = run_polls(ports, registry, &settings).await.len();
    (jobs, ingest_all(ports).await)
}

/// Messages per ticket of the tenant.
async fn message_counts(ports: &Ports, integration: &Integration) -> BTreeMap<TicketId, usize> {
    let (all, _) = tickets::list_recent(&*ports.store, &integration.tenant_id, None, 50)
        .await
        .expect("tickets");
    let mut counts = BTreeMap::new();
    for ticket in all {
        let messages = tickets::messages(&*ports.store, &integration.tenant_id, &ticket.id)
            .await
            .expect("messages");
        counts.insert(ticket.id, messages.len());
    }
    counts
}

#[tokio::test]
async fn the_pipeline_on_aws_makes_each_ticket_once_and_redelivery_changes_nothing() {
    let Some((dynamodb_endpoint, moto_endpoint)) = endpoints() else {
        println!("SKIPPED aws pipeline: emulators not configured");
        return;
    };
    let started = Instant::now();
    let ports = pipeline_ports(&dynamodb_endpoint, &moto_endpoint).await;

    let sandbox = RunningSandbox::start_local().await.expect("sandbox");
    let clients = simulator_clients(&sandbox.base_url, |c| c);
    let control = SimulatorControl::new(&sandbox.base_url);
    let http = control.http().clone();

    let mut integration = Integration::new(
        "allegro-aws".into(),
        "t1".into(),
        IntegrationKind::Allegro,
        "Allegro on AWS",
        Environment::Sandbox,
        ports.clock.now(),
    );
    integration.connection = ConnectionState::Connected;
    integrations::create(&*ports.store, &integration)
        .await
        .expect("integration stored");
    let seller_id = control.allegro_seller("sklep_aws", true).await;
    common::connect(
        &ports,
        clients.for_environment(Environment::Sandbox),
        &http,
        &integration,
    )
    .await;
    let scenario =
        seed_pipeline(&ports, &integration, &control, &seller_id, "kupujaca_aws").await;
    let registry = allegro_registry(&ports, &clients);

    let cycle_started = Instant::now();
    let (jobs, first) = cycle(&ports, &registry).await;
    println!(
        "one cycle on AWS (fan-out, {jobs} polls, {} ingests): {:?}",
        first.len(),
        cycle_started.elapsed()
    );
    assert_eq!(jobs, 2, "one poll job per Allegro channel");
    assert_eq!(first.len(), 4, "one event per conversation");
    assert!(first.iter().all(|(_, outcome)| outcome.created));
    let (_, dispute) = assert_pipeline_tickets(&ports, &integration, &scenario).await;
    let counts = message_counts(&ports, &integration).await;
    assert_eq!(counts.len(), 4);
    assert_eq!(counts.get(&dispute.id), Some(&2));

    // Redelivery: the same events once more through SQS change nothing.
    for (body, _) in &first {
        ports
            .queues
            .inbound
            .send(body, Duration::ZERO)
            .await
            .expect("redeliver");
    }
    let again = ingest_all(&ports).await;
    assert_eq!(again.len(), 4);
    for (_, outcome) in &again {
        assert!(!outcome.created, "{outcome:?}");
        assert_eq!(outcome.new_messages, 0, "{outcome:?}");
    }
    assert_eq!(message_counts(&ports, &integration).await, counts);

    // A second run of the whole pipeline: the cursors moved, nothing is emitted.
    let (jobs, second) = cycle(&ports, &registry).await;
    assert_eq!(jobs, 2);
    assert!(second.is_empty(), "{} events", second.len());
    assert_eq!(message_counts(&ports, &integration).await, counts);
    let dispute_now = tickets::get(&*ports.store, &integration.tenant_id, &dispute.id)
        .await
        .expect("ticket")
        .expect("exists")
        .value;
    assert_eq!(dispute_now.panel.products.len(), 2);
    assert!(!dispute_now.needs_reply);

    // An agent's reply with a 700 KB file: stored in chunks below DynamoDB's 400 KB item
    // limit, queued on SQS, posted once by the sender, the bytes intact.
    use base64::Engine;
    let file: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
    let body = json!({
        "text": "Wysyłamy etykietę zwrotną.",
        "attachment": {
            "filename": "etykieta.png",
            "content_type": "image/png",
            "data_base64": base64::engine::general_purpose::STANDARD.encode(&file)
        }
    });
    let reply = replies::submit(
        &ports,
        &integration.tenant_id,
        &dispute.id,
        Some(&marketdesk_core::domain::Actor::User {
            id: "u-Ola".into(),
            name: "Ola".into(),
        }),
        serde_json::from_value(body).expect("reply body"),
    )
    .await
    .expect("reply stored on DynamoDB");
    assert_eq!(reply.attachment.as_ref().map(|f| f.chunks), Some(3));
    let deliveries = DeliveryRegistry::empty().with_channel(
        Channel::AllegroIssues,
        Arc::new(AllegroIssueReplies::new(
            common::allegro_access(&ports, &clients),
            clients.clone(),
        )),
    );
    let jobs = ports
        .queues
        .outbound
        .receive(10, VISIBILITY)
        .await
        .expect("receive the outbox");
    assert_eq!(jobs.len(), 1);
    for _ in 0..2 {
        // Delivered twice by SQS: posted once.
        let outcome = sender::handle_body(&ports, &deliveries, &jobs[0].body)
            .await
            .expect("sent");
        assert!(matches!(
            outcome,
            SendOutcome::Sent(_) | SendOutcome::AlreadySettled
        ));
    }
    let posted = control.allegro_posted("").await;
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert_eq!(posted[0]["attachments"][0]["size"], 700_000);
    let sent = reply_repo::get(
        &*ports.store,
        &integration.tenant_id,
        &dispute.id,
        &reply.id,
    )
    .await
    .expect("read")
    .expect("reply");
    assert_eq!(sent.value.state, ReplyState::Sent);
    assert_eq!(
        sent.value.external_id.as_deref(),
        posted[0]["message_id"].as_str()
    );
    println!("aws pipeline test: {:?}", started.elapsed());
}

#[tokio::test]
async fn an_empikplace_conversation_on_aws_becomes_a_ticket_and_gets_a_reply_once() {
    use marketdesk_channels::empik::delivery::EmpikThreadReplies;
    use marketdesk_channels::empik::EmpikThreadsSource;

    let Some((dynamodb_endpoint, moto_endpoint)) = endpoints() else {
        println!("SKIPPED aws empik pipeline: emulators not configured");
        return;
    };
    let ports = pipeline_ports(&dynamodb_endpoint, &moto_endpoint).await;
    let sandbox = RunningSandbox::start_local().await.expect("sandbox");
    let control = SimulatorControl::new(&sandbox.base_url);
    let shop = control
        .mirakl_shop(json!({"name": "Księgarnia AWS"}))
        .await;
    let customer = control.mirakl_customer("Anna", "Nowak").await;
    let mut integration = Integration::new(
        "empik-aws".into(),
        "t1".into(),
        IntegrationKind::Empikplace,
        "Empik on AWS",
        Environment::Production,
        ports.clock.now() - chrono::Duration::hours(1),
    );
    integration.connection = ConnectionState::Connected;
    integration.settings.crm_field = "Empik ID".into();
    integrations::create(&*ports.store, &integration)
        .await
        .expect("integration stored");
    store_api_key(&ports, &integration, &shop).await;
    control.post("/mirakl/threads", json!({"shop_id": shop["shop_id"], "customer_id": customer["customer_id"], "topic": {"type": "FREE_TEXT", "value": "Faktura"}, "body": "Proszę o fakturę."})).await;

    let registry = MarketplaceRegistry::empty().with_source(
        Channel::EmpikThreads,
        Arc::new(EmpikThreadsSource::new(
            common::empik_access(&ports),
            sandbox.base_url.clone(),
            UA,
        )),
    );
    let (jobs, events) = cycle(&ports, &registry).await;
    assert_eq!((jobs, events.len()), (1, 1));
    let ticket_id = events[0].1.ticket_id.clone();
    // Redelivery of the event changes nothing.
    ports
        .queues
        .inbound
        .send(&events[0].0, Duration::ZERO)
        .await
        .expect("redeliver");
    let again = ingest_all(&ports).await;
    assert_eq!(again[0].1.new_messages, 0);
    let ticket = tickets::get(&*ports.store, &integration.tenant_id, &ticket_id)
        .await
        .expect("get")
        .expect("ticket")
        .value;
    assert!(
        ticket.customer_id.is_some(),
        "customer created with the Empik ID"
    );

    let reply = replies::submit(
        &ports,
        &integration.tenant_id,
        &ticket_id,
        None,
        serde_json::from_value(json!({"text": "Faktura jest w załączniku.", "attachment": {"filename": "faktura.pdf", "content_type": "application/pdf", "data_base64": "JVBERi0xLjQKJSVFT0YK"}})).expect("body"),
    )
    .await
    .expect("reply");
    let deliveries = DeliveryRegistry::empty().with_channel(
        Channel::EmpikThreads,
        Arc::new(EmpikThreadReplies::new(
            common::empik_access(&ports),
            sandbox.base_url.clone(),
            UA,
        )),
    );
    let job = ports
        .queues
        .outbound
        .receive(1, VISIBILITY)
        .await
        .expect("receive")
        .pop()
        .expect("job");
    for _ in 0..2 {
        sender::handle_body(&ports, &deliveries, &job.body)
            .await
            .expect("sent or settled");
    }
    let posted = control.mirakl_posted(None).await;
    assert_eq!(posted.len(), 1, "{posted:?}");
    let stored = reply_repo::get(&*ports.store, &integration.tenant_id, &ticket_id, &reply.id)
        .await
        .expect("read")
        .expect("reply");
    assert_eq!(stored.value.state, ReplyState::Sent);
}
