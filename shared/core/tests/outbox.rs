//! Replies through the outbox: checks before storing, the sender's lifecycle (sent, retried,
//! failed, retried by hand), exactly-once delivery across redelivery and lost answers.
//!
//! The marketplace side here is a scripted [`ReplyChannel`] so every failure order can be
//! forced; the real channels are tested against the simulator in `marketdesk-channels`.

mod support;

use chrono::Duration;
use marketdesk_core::domain::{AuthorKind, ConversationKind, Integration, ReplyState};
use marketdesk_core::ids::{MessageId, TicketId};
use marketdesk_core::jobs::OutboundJob;
use marketdesk_core::ports::{Clock, MarketplaceError};
use marketdesk_core::repo::send_slots::{self, Slot};
use marketdesk_core::repo::{integrations, tickets};
use marketdesk_core::services::replies::{self, NewReply};
use marketdesk_core::services::request::RequestError;
use marketdesk_core::services::sender::{self, SendOutcome, MAX_ATTEMPTS};
use marketdesk_core::services::{ingest, timeline};
use support::scripted::{registry, Scripted, Step};
use support::*;

fn reply(json: &str) -> NewReply {
    serde_json::from_str(json).expect("reply body")
}

async fn ticket_with_buyer_message(
    b: &Backend,
    i: &Integration,
    kind: ConversationKind,
) -> TicketId {
    let mut event = dispute(
        i,
        "issue-1",
        "DISPUTE_ONGOING",
        vec![message("m1", AuthorKind::Buyer, "Paczka zgnieciona", 0)],
    );
    event.conversation.kind = kind;
    ingest::run(&b.ports, &event)
        .await
        .expect("ingest")
        .ticket_id
}

async fn job_for(b: &Backend, i: &Integration, ticket: &TicketId, id: &MessageId) -> OutboundJob {
    let queued = drain(&*b.ports.queues.outbound).await;
    assert_eq!(queued.len(), 1, "one job per reply");
    let job: OutboundJob = serde_json::from_str(&queued[0].body).expect("job");
    assert_eq!(
        job,
        OutboundJob {
            tenant_id: i.tenant_id.clone(),
            ticket_id: ticket.clone(),
            reply_id: id.clone(),
            job: job.job.clone(),
        }
    );
    assert!(job.job.is_some(), "each job carries its own id");
    job
}

fn invalid_field(error: RequestError) -> String {
    match error {
        RequestError::Invalid { field, .. } => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_reply_is_stored_as_sending_then_sent_once_even_when_redelivered() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let ticket = ticket_with_buyer_message(&b, &i, ConversationKind::AllegroDispute).await;
    let stored = replies::submit(
        &b.ports,
        &i.tenant_id,
        &ticket,
        Some(&marketdesk_core::domain::Actor::User {
            id: "u-Ola".into(),
            name: "Ola".into(),
        }),
        reply(r#"{"text":"Wysyłamy nową sztukę."}"#),
    )
    .await
    .expect("accepted");
    assert_eq!(stored.state, ReplyState::Sending);
    let job = job_for(&b, &i, &ticket, &stored.id).await;

    let channel = Scripted::with(vec![Step::Accept]);
    let deliveries = registry(channel.clone());
    let outcome = sender::run(&b.ports, &deliveries, &job)
        .await
        .expect("sent");
    let SendOutcome::Sent(sent) = outcome else {
        panic!("expected sent, got {outcome:?}")
    };
    assert_eq!(sent.external_id.as_deref(), Some("mp-1"));
    assert_eq!(
        sender::run(&b.ports, &deliveries, &job)
            .await
            .expect("again"),
        SendOutcome::AlreadySettled
    );
    assert_eq!(channel.posted(), vec!["Wysyłamy nową sztukę."]);

    let t = tickets::get(&*b.ports.store, &i.tenant_id, &ticket)
        .await
        .expect("get")
        .expect("ticket")
        .value;
    assert_eq!(t.last_author, Some(AuthorKind::SellerViaMarketdesk));
    assert!(!t.needs_reply, "answered");

    // The marketplace shows our reply as a seller message on the next poll: it stays one
    // message, written by marketdesk.
    let echo = dispute(
        &i,
        "issue-1",
        "DISPUTE_ONGOING",
        vec![message(
            "mp-1",
            AuthorKind::SellerViaMarketplace,
            "Wysyłamy nową sztukę.",
            30,
        )],
    );
    ingest::run(&b.ports, &echo).await.expect("ingest echo");
    let entries = timeline::load(&*b.ports.store, &i.tenant_id, &ticket)
        .await
        .expect("timeline");
    let texts: Vec<_> = entries
        .iter()
        .map(|m| (m.author, m.text.as_str()))
        .collect();
    assert_eq!(
        texts,
        vec![
            (AuthorKind::Buyer, "Paczka zgnieciona"),
            (AuthorKind::SellerViaMarketdesk, "Wysyłamy nową sztukę."),
        ]
    );
    let t = tickets::get(&*b.ports.store, &i.tenant_id, &ticket)
        .await
        .expect("get")
        .expect("ticket")
        .value;
    assert_eq!(t.last_author, Some(AuthorKind::SellerViaMarketdesk));
}

#[tokio::test]
async fn a_lost_answer_is_found_on_the_marketplace_instead_of_posting_twice() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let ticket = ticket_with_buyer_message(&b, &i, ConversationKind::AllegroPurchaseProblem).await;
    let stored = replies::submit(
        &b.ports,
        &i.tenant_id,
        &ticket,
        None,
        reply(r#"{"text":"Sprawdzamy."}"#),
    )
    .await
    .expect("accepted");
    let job = job_for(&b, &i, &ticket, &stored.id).await;
    let channel = Scripted::with(vec![Step::AcceptButLose]);
    let deliveries = registry(channel.clone());
    let error = sender::run(&b.ports, &deliveries, &job)
        .await
        .expect_err("outcome unknown: retried");
    assert!(!error.is_permanent());
    let outcome = sender::run(&b.ports, &deliveries, &job)
        .await
        .expect("found");
    assert!(
        matches!(outcome, SendOutcome::Sent(ref r) if r.external_id.as_deref() == Some("mp-1"))
    );
    assert_eq!(channel.posted().len(), 1, "posted once");
    assert_eq!(*channel.calls.lock().expect("lock"), 1, "no second POST");
}

/// Issue 15: a worker killed mid-attempt must not hold the reply for minutes. Its own job,
/// delivered again (the heartbeat stopped, so the queue gave it out after 30 s), resumes at
/// once; a second job for the same reply still keeps off an attempt that may be live.
#[tokio::test]
async fn the_job_of_a_worker_that_died_mid_attempt_resumes_at_once_and_posts_once() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let ticket = ticket_with_buyer_message(&b, &i, ConversationKind::AllegroDispute).await;
    let stored = replies::submit(
        &b.ports,
        &i.tenant_id,
        &ticket,
        None,
        reply(r#"{"text":"Już sprawdzamy."}"#),
    )
    .await
    .expect("accepted");
    let job = job_for(&b, &i, &ticket, &stored.id).await;

    // What the killed worker left: its attempt recorded, just now, under its job.
    let before =
        marketdesk_core::repo::replies::get(&*b.ports.store, &i.tenant_id, &ticket, &stored.id)
            .await
            .expect("get")
            .expect("reply");
    let mut crashed = before.value;
    crashed.attempts = 1;
    crashed.first_attempt_at = Some(b.clock.now());
    crashed.attempt_started_at = Some(b.clock.now());
    crashed.attempt_job = job.job.clone();
    marketdesk_core::repo::replies::update(&*b.ports.store, &i.tenant_id, &crashed, before.version)
        .await
        .expect("update");

    let channel = Scripted::with(vec![Step::Accept]);
    let deliveries = registry(channel.clone());
    let another = OutboundJob {
        job: Some("another-job".into()),
        ..job.clone()
    };
    let busy = sender::run(&b.ports, &deliveries, &another).await;
    assert!(
        busy.is_err_and(|e| !e.is_permanent()),
        "another job keeps off an attempt under way"
    );
    assert!(channel.posted().is_empty());

    let outcome = sender::run(&b.ports, &deliveries, &job)
        .await
        .expect("resumed at once");
    assert!(matches!(outcome, SendOutcome::Sent(_)), "{outcome:?}");
    assert_eq!(channel.posted(), vec!["Już sprawdzamy."], "posted once");
    assert_eq!(
        sender::run(&b.ports, &deliveries, &another)
            .await
            .expect("settled"),
        SendOutcome::AlreadySettled
    );
}

#[tokio::test]
async fn failures_are_retried_then_marked_failed_and_a_manual_retry_sends_it() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let ticket = ticket_with_buyer_message(&b, &i, ConversationKind::AllegroClaim).await;
    let stored = replies::submit(
        &b.ports,
        &i.tenant_id,
        &ticket,
        None,
        reply(r#"{"text":"Przyjmujemy reklamację."}"#),
    )
    .await
    .expect("accepted");
    let job = job_for(&b, &i, &ticket, &stored.id).await;
    let down = Step::Fail(MarketplaceError::Unavailable("HTTP 503".into()));
    let channel = Scripted::with(vec![down.clone(); MAX_ATTEMPTS as usize]);
    let deliveries = registry(channel.clone());
    for _ in 1..MAX_ATTEMPTS {
        let error = sender::run(&b.ports, &deliveries, &job)
            .await
            .expect_err("retried");
        assert!(!error.is_permanent());
    }
    let SendOutcome::Failed(failed) = sender::run(&b.ports, &deliveries, &job)
        .await
        .expect("settled")
    else {
        panic!("expected failed")
    };
    assert_eq!(failed.attempts, MAX_ATTEMPTS);
    assert!(failed
        .failure
        .as_deref()
        .is_some_and(|f| f.contains("HTTP 503")));
    assert!(channel.posted().is_empty());

    // Retrying a reply that is not failed is refused; a failed one goes back to sending.
    let retried = replies::retry(&b.ports, &i.tenant_id, &ticket, None, &failed.id)
        .await
        .expect("retried");
    assert_eq!(retried.state, ReplyState::Sending);
    assert!(matches!(
        replies::retry(&b.ports, &i.tenant_id, &ticket, None, &failed.id).await,
        Err(RequestError::WrongState {
            code: "reply_not_failed",
            ..
        })
    ));
    let job = job_for(&b, &i, &ticket, &failed.id).await;
    assert!(matches!(
        sender::run(&b.ports, &deliveries, &job)
            .await
            .expect("sent"),
        SendOutcome::Sent(_)
    ));
    assert_eq!(channel.posted(), vec!["Przyjmujemy reklamację."]);
}

#[tokio::test]
async fn refusals_fail_at_once_with_a_reason_an_agent_can_act_on() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let ticket = ticket_with_buyer_message(&b, &i, ConversationKind::AllegroDispute).await;
    let stored = replies::submit(
        &b.ports,
        &i.tenant_id,
        &ticket,
        None,
        reply(r#"{"text":"Dzień dobry"}"#),
    )
    .await
    .expect("accepted");
    let job = job_for(&b, &i, &ticket, &stored.id).await;
    let channel = Scripted::with(vec![Step::Fail(MarketplaceError::CredentialsRejected(
        "invalid_grant".into(),
    ))]);
    let SendOutcome::Failed(failed) = sender::run(&b.ports, &registry(channel), &job)
        .await
        .expect("settled")
    else {
        panic!("expected failed")
    };
    assert_eq!(failed.attempts, 1);
    assert!(failed
        .failure
        .as_deref()
        .is_some_and(|f| f.contains("reconnect")));
}

#[tokio::test]
async fn requests_breaking_the_conversation_rules_are_refused_and_nothing_is_stored() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let claim = ticket_with_buyer_message(&b, &i, ConversationKind::AllegroClaim).await;
    let submit = |json: &'static str| {
        let (ports, tenant, ticket) = (b.ports.clone(), i.tenant_id.clone(), claim.clone());
        async move { replies::submit(&ports, &tenant, &ticket, None, reply(json)).await }
    };
    assert_eq!(
        invalid_field(
            submit(r#"{"text":"<b>Dzień dobry</b>"}"#)
                .await
                .expect_err("html")
        ),
        "text"
    );
    assert_eq!(
        invalid_field(submit(r#"{"text":"   "}"#).await.expect_err("blank")),
        "text"
    );
    assert_eq!(
        invalid_field(
            submit(r#"{"text":"Proszę potwierdzić","ask_to_confirm":true}"#)
                .await
                .expect_err("claims cannot")
        ),
        "ask_to_confirm"
    );
    assert_eq!(
        invalid_field(
            submit(r#"{"text":"Faktura","attachment":{"filename":"f.exe","content_type":"application/x-msdownload","data_base64":"AAAA"}}"#)
                .await
                .expect_err("type")
        ),
        "attachment.content_type"
    );
    assert_eq!(
        invalid_field(
            submit(r#"{"text":"Faktura","attachment":{"filename":"f.pdf","content_type":"application/pdf","data_base64":"not base64!"}}"#)
                .await
                .expect_err("encoding")
        ),
        "attachment.data_base64"
    );
    let long = format!(r#"{{"text":"{}"}}"#, "a".repeat(20_001));
    let ticket = claim.clone();
    assert_eq!(
        invalid_field(
            replies::submit(&b.ports, &i.tenant_id, &ticket, None, reply(&long))
                .await
                .expect_err("too long")
        ),
        "text"
    );
    // Allegro issues take files up to 2 MiB.
    let big = base64_of(2 * 1024 * 1024 + 1);
    let body = format!(
        r#"{{"text":"Zdjęcie","attachment":{{"filename":"a.png","content_type":"image/png","data_base64":"{big}"}}}}"#
    );
    assert_eq!(
        invalid_field(
            replies::submit(&b.ports, &i.tenant_id, &ticket, None, reply(&body))
                .await
                .expect_err("too big")
        ),
        "attachment.data_base64"
    );
    // Message Center threads take 2000 characters.
    let thread = {
        let mut event = dispute(
            &i,
            "thread-1",
            "OPEN",
            vec![message("t1", AuthorKind::Buyer, "Pytanie", 0)],
        );
        event.conversation.kind = ConversationKind::AllegroCommonThread;
        ingest::run(&b.ports, &event)
            .await
            .expect("ingest")
            .ticket_id
    };
    let long = format!(r#"{{"text":"{}"}}"#, "a".repeat(2_001));
    assert_eq!(
        invalid_field(
            replies::submit(&b.ports, &i.tenant_id, &thread, None, reply(&long))
                .await
                .expect_err("2000")
        ),
        "text"
    );
    assert!(
        drain(&*b.ports.queues.outbound).await.is_empty(),
        "nothing queued"
    );
    let entries = timeline::load(&*b.ports.store, &i.tenant_id, &claim)
        .await
        .expect("timeline");
    assert_eq!(entries.len(), 1, "nothing stored");
}

#[tokio::test]
async fn closed_conversations_refuse_replies_and_disputes_can_ask_to_confirm() {
    let b = backend();
    let mut i = connected_allegro(&b.ports, "t1").await;
    let dispute_ticket = ticket_with_buyer_message(&b, &i, ConversationKind::AllegroDispute).await;
    // Empty text with ask_to_confirm needs the integration's closure message.
    assert_eq!(
        invalid_field(
            replies::submit(
                &b.ports,
                &i.tenant_id,
                &dispute_ticket,
                None,
                reply(r#"{"text":"","ask_to_confirm":true}"#)
            )
            .await
            .expect_err("no closure message")
        ),
        "text"
    );
    let stored = integrations::get(&*b.ports.store, &i.tenant_id, &i.id)
        .await
        .expect("get")
        .expect("i");
    i.settings.closure_message = Some("Czy problem został rozwiązany?".into());
    integrations::update(&*b.ports.store, &i, stored.version)
        .await
        .expect("update");
    let confirm = replies::submit(
        &b.ports,
        &i.tenant_id,
        &dispute_ticket,
        None,
        reply(r#"{"text":"","ask_to_confirm":true}"#),
    )
    .await
    .expect("accepted");
    assert!(confirm.ask_to_confirm);
    assert_eq!(confirm.text, "Czy problem został rozwiązany?");

    let closed = dispute(&i, "issue-1", "DISPUTE_CLOSED", Vec::new());
    let mut closed = closed;
    closed.open_for_replies = false;
    ingest::run(&b.ports, &closed).await.expect("closed");
    assert!(matches!(
        replies::submit(
            &b.ports,
            &i.tenant_id,
            &dispute_ticket,
            None,
            reply(r#"{"text":"Halo?"}"#)
        )
        .await,
        Err(RequestError::WrongState {
            code: "conversation_closed",
            ..
        })
    ));
}

#[tokio::test]
async fn empikplace_files_are_limited_to_ten_megabytes_per_conversation() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let ticket = ticket_with_buyer_message(&b, &i, ConversationKind::EmpikThread).await;
    let file = |size: usize| {
        format!(
            r#"{{"text":"W załączniku dokument","attachment":{{"filename":"doc.pdf","content_type":"application/pdf","data_base64":"{}"}}}}"#,
            base64_of(size)
        )
    };
    let first = replies::submit(
        &b.ports,
        &i.tenant_id,
        &ticket,
        None,
        reply(&file(6_000_000)),
    )
    .await
    .expect("6 MB fits");
    assert_eq!(first.attachment.as_ref().map(|f| f.size), Some(6_000_000));
    let error = replies::submit(
        &b.ports,
        &i.tenant_id,
        &ticket,
        None,
        reply(&file(4_000_001)),
    )
    .await
    .expect_err("over 10 MB in total");
    assert_eq!(invalid_field(error), "attachment.data_base64");
    replies::submit(
        &b.ports,
        &i.tenant_id,
        &ticket,
        None,
        reply(&file(4_000_000)),
    )
    .await
    .expect("exactly 10 MB in total fits");

    // The file travels to the channel byte for byte.
    let queued = drain(&*b.ports.queues.outbound).await;
    let job: OutboundJob = serde_json::from_str(&queued[0].body).expect("job");
    let channel = Scripted::with(vec![Step::Accept]);
    assert!(matches!(
        sender::run(&b.ports, &registry(channel), &job)
            .await
            .expect("sent"),
        SendOutcome::Sent(_)
    ));
}

#[tokio::test]
async fn one_account_gets_one_posting_slot_per_interval() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let now = start();
    let second = Duration::seconds(1);
    let reserve = |max_wait: Duration| {
        let (ports, i) = (b.ports.clone(), i.clone());
        async move {
            send_slots::reserve(&*ports.store, &i.tenant_id, &i.id, second, max_wait, now)
                .await
                .expect("reserve")
        }
    };
    assert_eq!(
        reserve(Duration::seconds(10)).await,
        Slot::Reserved(Duration::zero())
    );
    assert_eq!(reserve(Duration::seconds(10)).await, Slot::Reserved(second));
    assert_eq!(
        reserve(Duration::seconds(10)).await,
        Slot::Reserved(second * 2)
    );
    assert_eq!(
        reserve(Duration::milliseconds(500)).await,
        Slot::Busy(Duration::milliseconds(2500)),
        "too far ahead: handed back instead of sleeping"
    );
}

fn base64_of(size: usize) -> String {
    // 3 zero bytes encode as "AAAA"; the tail pads.
    let mut out = String::with_capacity(size.div_ceil(3) * 4);
    for _ in 0..size / 3 {
        out.push_str("AAAA");
    }
    match size % 3 {
        1 => out.push_str("AA=="),
        2 => out.push_str("AAA="),
        _ => {}
    }
    out
}

/// The ticket as stored.
async fn stored_ticket(
    b: &Backend,
    i: &Integration,
    id: &TicketId,
) -> marketdesk_core::domain::Ticket {
    tickets::get(&*b.ports.store, &i.tenant_id, id)
        .await
        .expect("get")
        .expect("ticket")
        .value
}

/// The ids of the tenant's tickets whose latest reply failed (`GET /v1/tickets?delivery=failed`).
async fn failed_deliveries(b: &Backend, i: &Integration) -> Vec<TicketId> {
    let query: marketdesk_core::services::ticket_views::TicketQuery =
        serde_json::from_value(serde_json::json!({ "delivery": "failed" }))
            .expect("the delivery filter is part of the query");
    marketdesk_core::services::ticket_views::list(&b.ports, &i.tenant_id, &query)
        .await
        .expect("list")
        .tickets
        .into_iter()
        .map(|t| t.id)
        .collect()
}

#[tokio::test]
async fn a_failed_reply_needs_a_reply_is_listed_and_alerts_once_per_failure() {
    let b = backend();
    let mut i = connected_allegro(&b.ports, "t1").await;
    i.settings.alert_emails = vec!["alerty@sklep.pl".into()];
    let version = integrations::get(&*b.ports.store, &i.tenant_id, &i.id)
        .await
        .expect("get")
        .expect("integration")
        .version;
    integrations::update(&*b.ports.store, &i, version)
        .await
        .expect("alert addresses set");
    let ticket = ticket_with_buyer_message(&b, &i, ConversationKind::AllegroDispute).await;
    let channel = Scripted::with(vec![
        Step::Accept,
        Step::Fail(MarketplaceError::Refused(
            "422 the attachment was refused".into(),
        )),
    ]);
    let deliveries = registry(channel.clone());

    // A first reply is sent: answered.
    let first = replies::submit(
        &b.ports,
        &i.tenant_id,
        &ticket,
        None,
        reply(r#"{"text":"Wysyłamy nową sztukę."}"#),
    )
    .await
    .expect("accepted");
    let job = job_for(&b, &i, &ticket, &first.id).await;
    sender::run(&b.ports, &deliveries, &job)
        .await
        .expect("sent");
    assert!(!stored_ticket(&b, &i, &ticket).await.needs_reply);

    // A follow-up fails: the buyer never got it, so the ticket needs a person again.
    // (Within the queue's 60 s visibility, so the first job stays taken.)
    b.clock.set(start() + Duration::seconds(30));
    let second = replies::submit(
        &b.ports,
        &i.tenant_id,
        &ticket,
        Some(&marketdesk_core::domain::Actor::User {
            id: "u-Ola".into(),
            name: "Ola".into(),
        }),
        reply(r#"{"text":"Numer przesyłki: 123"}"#),
    )
    .await
    .expect("accepted");
    let job = job_for(&b, &i, &ticket, &second.id).await;
    assert!(matches!(
        sender::run(&b.ports, &deliveries, &job)
            .await
            .expect("settled"),
        SendOutcome::Failed(_)
    ));
    let t = stored_ticket(&b, &i, &ticket).await;
    assert!(t.needs_reply, "the latest reply failed");
    assert_eq!(
        t.last_author,
        Some(AuthorKind::SellerViaMarketdesk),
        "the buyer last saw the first reply"
    );
    assert_eq!(failed_deliveries(&b, &i).await, vec![ticket.clone()]);

    // One notice to the alert addresses, naming the ticket and the reason; a redelivered job
    // sends no second one.
    assert_eq!(
        sender::run(&b.ports, &deliveries, &job)
            .await
            .expect("again"),
        SendOutcome::AlreadySettled
    );
    let mails = b.notifier.recorded().await.expect("recorded");
    assert_eq!(mails.len(), 1, "{mails:?}");
    let notice = &mails[0].notification;
    assert_eq!(notice.to, vec!["alerty@sklep.pl"]);
    assert!(notice.body.contains(ticket.as_str()), "{}", notice.body);
    assert!(
        notice.body.contains("422 the attachment was refused"),
        "{}",
        notice.body
    );

    // Retried by hand and sent: answered, no longer listed.
    replies::retry(&b.ports, &i.tenant_id, &ticket, None, &second.id)
        .await
        .expect("retried");
    let job = job_for(&b, &i, &ticket, &second.id).await;
    sender::run(&b.ports, &deliveries, &job)
        .await
        .expect("sent");
    assert!(!stored_ticket(&b, &i, &ticket).await.needs_reply);
    assert!(failed_deliveries(&b, &i).await.is_empty());
    assert_eq!(b.notifier.recorded().await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn a_failure_recorded_before_a_crash_is_still_reported_once_on_redelivery() {
    let b = backend();
    let mut i = connected_allegro(&b.ports, "t1").await;
    i.settings.alert_emails = vec!["alerty@sklep.pl".into()];
    let version = integrations::get(&*b.ports.store, &i.tenant_id, &i.id)
        .await
        .expect("get")
        .expect("integration")
        .version;
    integrations::update(&*b.ports.store, &i, version)
        .await
        .expect("alert addresses set");
    let ticket = ticket_with_buyer_message(&b, &i, ConversationKind::AllegroClaim).await;
    let submitted = replies::submit(
        &b.ports,
        &i.tenant_id,
        &ticket,
        None,
        reply(r#"{"text":"Przyjmujemy reklamację."}"#),
    )
    .await
    .expect("accepted");
    let job = job_for(&b, &i, &ticket, &submitted.id).await;
    // A sender marked it failed and crashed before anything else happened.
    let stored =
        marketdesk_core::repo::replies::get(&*b.ports.store, &i.tenant_id, &ticket, &submitted.id)
            .await
            .expect("get")
            .expect("reply");
    let mut failed = stored.value;
    failed.state = ReplyState::Failed;
    failed.failure = Some("the marketplace refused the reply: 403".into());
    marketdesk_core::repo::replies::update(&*b.ports.store, &i.tenant_id, &failed, stored.version)
        .await
        .expect("failed");

    let deliveries = registry(Scripted::with(vec![]));
    for _ in 0..3 {
        assert_eq!(
            sender::run(&b.ports, &deliveries, &job)
                .await
                .expect("redelivered"),
            SendOutcome::AlreadySettled
        );
    }
    let mails = b.notifier.recorded().await.expect("recorded");
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].notification.body.contains("403"));
    assert!(stored_ticket(&b, &i, &ticket).await.needs_reply);
    assert_eq!(failed_deliveries(&b, &i).await, vec![ticket]);
}

/// A notifier that is down for its first `outages` notices, then hands them to `then`.
struct Flaky {
    outages: std::sync::atomic::AtomicUsize,
    then: std::sync::Arc<dyn marketdesk_core::ports::Notifier>,
}

#[async_trait::async_trait]
impl marketdesk_core::ports::Notifier for Flaky {
    async fn notify(
        &self,
        notification: &marketdesk_core::ports::Notification,
    ) -> Result<(), marketdesk_core::ports::NotifyError> {
        use std::sync::atomic::Ordering;
        if self
            .outages
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(marketdesk_core::ports::NotifyError::Unavailable(
                "SES throttled".into(),
            ));
        }
        self.then.notify(notification).await
    }
}

#[tokio::test]
async fn a_notifier_outage_hands_the_job_back_and_the_notice_goes_out_on_redelivery() {
    let b = backend();
    let mut i = connected_allegro(&b.ports, "t1").await;
    i.settings.alert_emails = vec!["alerty@sklep.pl".into()];
    let version = integrations::get(&*b.ports.store, &i.tenant_id, &i.id)
        .await
        .expect("get")
        .expect("integration")
        .version;
    integrations::update(&*b.ports.store, &i, version)
        .await
        .expect("alert addresses set");
    let mut ports = b.ports.clone();
    ports.notifier = std::sync::Arc::new(Flaky {
        outages: std::sync::atomic::AtomicUsize::new(1),
        then: b.notifier.clone(),
    });
    let ticket = ticket_with_buyer_message(&b, &i, ConversationKind::AllegroDispute).await;
    let submitted = replies::submit(
        &ports,
        &i.tenant_id,
        &ticket,
        None,
        reply(r#"{"text":"Dzień dobry"}"#),
    )
    .await
    .expect("accepted");
    let job = job_for(&b, &i, &ticket, &submitted.id).await;
    let deliveries = registry(Scripted::with(vec![Step::Fail(MarketplaceError::Refused(
        "403 not your issue".into(),
    ))]));
    let error = sender::run(&ports, &deliveries, &job)
        .await
        .expect_err("the notice could not go out: the job comes back");
    assert!(!error.is_permanent());
    assert!(b.notifier.recorded().await.expect("recorded").is_empty());
    assert!(
        stored_ticket(&b, &i, &ticket).await.needs_reply,
        "the ticket shows it meanwhile"
    );
    for _ in 0..2 {
        assert_eq!(
            sender::run(&ports, &deliveries, &job)
                .await
                .expect("redelivered"),
            SendOutcome::AlreadySettled
        );
    }
    let mails = b.notifier.recorded().await.expect("recorded");
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].notification.body.contains("403 not your issue"));
}
