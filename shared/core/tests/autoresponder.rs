//! The autoresponder's rules on the embedded backend with a manual clock: one answer per
//! opening, after the delay, within 60 minutes, never after a seller's answer, never twice.

mod support;

use chrono::Duration;
use marketdesk_core::domain::{
    AuthorKind, AutoreplyState, BusinessHours, ConversationKind, Integration, ReplyState, Ticket,
};
use marketdesk_core::ids::TicketId;
use marketdesk_core::jobs::{InboundEvent, OutboundJob};
use marketdesk_core::ports::Clock;
use marketdesk_core::repo::{integrations, replies, tickets};
use marketdesk_core::services::autoresponder::{due, wake};
use marketdesk_core::services::ingest;
use marketdesk_core::services::replies as reply_service;
use marketdesk_core::services::sender::{self, SendOutcome};
use marketdesk_core::services::ticket_views::{self, TicketQuery};
use support::scripted::{registry, Scripted, Step};
use support::*;

const TEXT: &str =
    "Dzień dobry {buyer_login}, dziękujemy za wiadomość w sprawie {order_id}. {shop_name}";

async fn autoresponding(b: &Backend, delay: u32) -> Integration {
    let mut i = connected_allegro(&b.ports, "t1").await;
    let stored = integrations::get(&*b.ports.store, &i.tenant_id, &i.id)
        .await
        .expect("get")
        .expect("integration");
    i.settings.autoresponder.enabled = true;
    i.settings.autoresponder.text = TEXT.into();
    i.settings.autoresponder.delay_minutes = delay;
    i.settings.autoresponder.notify = vec!["zespol@sklep.pl".into()];
    integrations::update(&*b.ports.store, &i, stored.version)
        .await
        .expect("update");
    i
}

/// The dispute `issue-1` as read at `minutes` after the start, with these messages.
fn reading(i: &Integration, messages: Vec<marketdesk_core::jobs::InboundMessage>) -> InboundEvent {
    dispute(i, "issue-1", "DISPUTE_ONGOING", messages)
}

async fn ingest_at(b: &Backend, minutes: i64, event: &InboundEvent) -> TicketId {
    b.clock.set(start() + Duration::minutes(minutes));
    ingest::run(&b.ports, event)
        .await
        .expect("ingest")
        .ticket_id
}

async fn ticket(b: &Backend, i: &Integration, id: &TicketId) -> Ticket {
    tickets::get(&*b.ports.store, &i.tenant_id, id)
        .await
        .expect("get")
        .expect("ticket")
        .value
}

async fn tick_at(b: &Backend, minutes: i64) -> due::DueReport {
    b.clock.set(start() + Duration::minutes(minutes));
    due::run_due(&b.ports, b.clock.now()).await.expect("tick")
}

/// How many jobs wait on the outbound queue (they are made visible again at once).
async fn drain_peek_count(b: &Backend) -> usize {
    let queue = &*b.ports.queues.outbound;
    let messages = queue
        .receive(10, std::time::Duration::from_secs(30))
        .await
        .expect("receive");
    for message in &messages {
        queue
            .release(&message.receipt, std::time::Duration::ZERO)
            .await
            .expect("release");
    }
    messages.len()
}

/// Runs the sender on every queued job; the outcomes.
async fn send_all(b: &Backend, channel: &std::sync::Arc<Scripted>) -> Vec<SendOutcome> {
    let deliveries = registry(channel.clone());
    let mut outcomes = Vec::new();
    for message in drain(&*b.ports.queues.outbound).await {
        let job: OutboundJob = serde_json::from_str(&message.body).expect("job");
        outcomes.push(
            sender::run(&b.ports, &deliveries, &job)
                .await
                .expect("send"),
        );
        b.ports
            .queues
            .outbound
            .delete(&message.receipt)
            .await
            .expect("delete");
    }
    outcomes
}

fn marketplace_now(channel: &Scripted, b: &Backend) {
    *channel.now.lock().expect("lock") = Some(b.clock.now());
}

#[tokio::test]
async fn the_first_buyer_message_gets_one_autoresponse_after_the_delay() {
    let b = backend();
    let i = autoresponding(&b, 2).await;
    let channel = Scripted::with(vec![Step::Accept]);
    let first = reading(
        &i,
        vec![message("m1", AuthorKind::Buyer, "Paczka zgnieciona", 0)],
    );
    let id = ingest_at(&b, 0, &first).await;
    let plan = ticket(&b, &i, &id).await.autoreply.expect("planned");
    assert_eq!(plan.state, AutoreplyState::Pending);
    assert_eq!(plan.due_at, start() + Duration::minutes(2));
    assert_eq!(plan.deadline, start() + Duration::minutes(60));

    assert_eq!(
        tick_at(&b, 1).await,
        due::DueReport::default(),
        "not due yet"
    );
    assert!(drain(&*b.ports.queues.outbound).await.is_empty());
    let report = tick_at(&b, 2).await;
    assert_eq!(report.queued, 1);
    marketplace_now(&channel, &b);
    let outcomes = send_all(&b, &channel).await;
    assert!(matches!(outcomes.as_slice(), [SendOutcome::Sent(_)]));
    assert_eq!(
        channel.posted(),
        vec!["Dzień dobry jan_kowalski, dziękujemy za wiadomość w sprawie 29b3a4c0-1111-11ef-8000-000000000001. Sklep Testowy"]
    );

    let t = ticket(&b, &i, &id).await;
    assert_eq!(
        t.autoreply.as_ref().map(|p| p.state),
        Some(AutoreplyState::Sent)
    );
    assert_eq!(t.last_author, Some(AuthorKind::Autoresponder));
    assert!(t.needs_reply, "a person still has to answer");
    let listed = ticket_views::list(
        &b.ports,
        &i.tenant_id,
        &TicketQuery {
            last_author: Some(AuthorKind::Autoresponder),
            ..TicketQuery::default()
        },
    )
    .await
    .expect("list");
    assert_eq!(listed.tickets.len(), 1);
    let mails = b.notifier.recorded().await.expect("recorded");
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].notification.to, vec!["zespol@sklep.pl"]);
    assert!(mails[0]
        .notification
        .body
        .contains("Dzień dobry jan_kowalski"));

    // Follow-ups, redelivered readings and further ticks never bring a second one.
    let follow_up = reading(
        &i,
        vec![
            message("m1", AuthorKind::Buyer, "Paczka zgnieciona", 0),
            message("m2", AuthorKind::Buyer, "Halo?", 5),
        ],
    );
    ingest_at(&b, 6, &follow_up).await;
    ingest_at(&b, 7, &follow_up).await;
    assert_eq!(tick_at(&b, 10).await, due::DueReport::default());
    assert!(send_all(&b, &channel).await.is_empty());
    assert_eq!(channel.posted().len(), 1);
}

#[tokio::test]
async fn a_seller_answer_before_the_due_time_means_no_autoresponse() {
    let b = backend();
    let i = autoresponding(&b, 5).await;
    let id = ingest_at(
        &b,
        0,
        &reading(
            &i,
            vec![message("m1", AuthorKind::Buyer, "Gdzie paczka?", 0)],
        ),
    )
    .await;
    // The seller answers on Allegro's site at minute 3; the poll brings it at minute 4.
    let answered = reading(
        &i,
        vec![
            message("m1", AuthorKind::Buyer, "Gdzie paczka?", 0),
            message("s1", AuthorKind::SellerViaMarketplace, "Wysłana wczoraj", 3),
        ],
    );
    ingest_at(&b, 4, &answered).await;
    let report = tick_at(&b, 5).await;
    assert_eq!(
        (report.queued, report.skipped),
        (0, 0),
        "skipped already at ingest"
    );
    let plan = ticket(&b, &i, &id).await.autoreply.expect("plan");
    assert_eq!(plan.state, AutoreplyState::Skipped);
    assert_eq!(
        plan.skip_reason.as_deref(),
        Some("the seller answered the buyer first")
    );
    assert!(drain(&*b.ports.queues.outbound).await.is_empty());
}

#[tokio::test]
async fn a_seller_answer_arriving_after_queueing_cancels_the_autoresponse() {
    let b = backend();
    let i = autoresponding(&b, 2).await;
    let id = ingest_at(
        &b,
        0,
        &reading(&i, vec![message("m1", AuthorKind::Buyer, "Pytanie", 0)]),
    )
    .await;
    assert_eq!(tick_at(&b, 2).await.queued, 1);
    // The race: the seller's answer on the site is read between queueing and sending.
    let answered = reading(
        &i,
        vec![
            message("m1", AuthorKind::Buyer, "Pytanie", 0),
            message("s1", AuthorKind::SellerViaMarketplace, "Odpowiedź", 1),
        ],
    );
    ingest_at(&b, 2, &answered).await;
    let channel = Scripted::with(vec![]);
    let outcomes = send_all(&b, &channel).await;
    assert!(
        matches!(outcomes.as_slice(), [SendOutcome::Cancelled(r)] if r.state == ReplyState::Cancelled)
    );
    assert!(channel.posted().is_empty());
    let t = ticket(&b, &i, &id).await;
    assert_eq!(t.last_author, Some(AuthorKind::SellerViaMarketplace));
}

#[tokio::test]
async fn past_sixty_minutes_it_is_skipped_and_recorded_never_sent_late() {
    let b = backend();
    let i = autoresponding(&b, 2).await;
    let id = ingest_at(
        &b,
        0,
        &reading(&i, vec![message("m1", AuthorKind::Buyer, "Pytanie", 0)]),
    )
    .await;
    // The scheduler was down for an hour.
    let report = tick_at(&b, 61).await;
    assert_eq!((report.queued, report.skipped), (0, 1));
    let plan = ticket(&b, &i, &id).await.autoreply.expect("plan");
    assert_eq!(plan.state, AutoreplyState::Skipped);
    assert!(plan
        .skip_reason
        .as_deref()
        .is_some_and(|r| r.contains("60 minutes")));

    // Queued in time but the sender ran too late: cancelled, not sent.
    let id2 = {
        let mut later = dispute(
            &i,
            "issue-2",
            "DISPUTE_ONGOING",
            vec![message("n1", AuthorKind::Buyer, "Hej", 100)],
        );
        later.conversation.external_id = "issue-2".into();
        ingest_at(&b, 100, &later).await
    };
    assert_eq!(tick_at(&b, 102).await.queued, 1);
    b.clock.set(start() + Duration::minutes(161));
    let channel = Scripted::with(vec![]);
    let outcomes = send_all(&b, &channel).await;
    assert!(matches!(outcomes.as_slice(), [SendOutcome::Cancelled(_)]));
    assert!(channel.posted().is_empty());
    let t = ticket(&b, &i, &id2).await;
    assert!(t.needs_reply);
    assert_eq!(t.last_author, Some(AuthorKind::Buyer));
    // An import of an old conversation never gets one either.
    let old = dispute(
        &i,
        "issue-3",
        "DISPUTE_ONGOING",
        vec![message("o1", AuthorKind::Buyer, "Stare", 0)],
    );
    let id3 = ingest_at(&b, 500, &old).await;
    assert_eq!(
        ticket(&b, &i, &id3).await.autoreply.map(|p| p.state),
        Some(AutoreplyState::Skipped)
    );
}

#[tokio::test]
async fn a_reopened_conversation_gets_a_new_autoresponse_and_a_closed_one_none() {
    let b = backend();
    let i = autoresponding(&b, 0).await;
    let channel = Scripted::with(vec![]);
    let id = ingest_at(
        &b,
        0,
        &reading(&i, vec![message("m1", AuthorKind::Buyer, "Problem", 0)]),
    )
    .await;
    tick_at(&b, 0).await;
    marketplace_now(&channel, &b);
    send_all(&b, &channel).await;
    assert_eq!(channel.posted().len(), 1);

    let mut closed = dispute(&i, "issue-1", "DISPUTE_CLOSED", vec![]);
    closed.open_for_replies = false;
    ingest_at(&b, 20, &closed).await;
    let mut reopened = reading(
        &i,
        vec![
            message("m1", AuthorKind::Buyer, "Problem", 0),
            message("m9", AuthorKind::Buyer, "Problem wrócił", 30),
        ],
    );
    reopened.marketplace_status = "DISPUTE_ONGOING".into();
    ingest_at(&b, 31, &reopened).await;
    let t = ticket(&b, &i, &id).await;
    assert_eq!(t.opening, 2);
    let plan = t.autoreply.expect("plan for the new opening");
    assert_eq!(plan.buyer_message_id, "m9");
    // A zero delay is answered at ingest (issue 15), not on the next scheduler tick.
    assert_eq!(plan.state, AutoreplyState::Queued, "queued at ingest");
    assert_eq!(tick_at(&b, 31).await.queued, 0, "nothing left for the tick");
    marketplace_now(&channel, &b);
    send_all(&b, &channel).await;
    assert_eq!(channel.posted().len(), 2, "one per opening");

    // A conversation closed before its autoresponse is due gets none.
    let mut other = dispute(
        &i,
        "issue-5",
        "DISPUTE_ONGOING",
        vec![message("k1", AuthorKind::Buyer, "Hej", 200)],
    );
    other.conversation.external_id = "issue-5".into();
    let i2 = autoresponding_delay(&b, &i, 5).await;
    let id5 = ingest_at(&b, 200, &other).await;
    let mut shut = other.clone();
    shut.open_for_replies = false;
    shut.marketplace_status = "DISPUTE_CLOSED".into();
    ingest_at(&b, 201, &shut).await;
    assert_eq!(
        tick_at(&b, 206).await,
        due::DueReport::default(),
        "settled at ingest"
    );
    assert_eq!(
        ticket(&b, &i2, &id5)
            .await
            .autoreply
            .and_then(|p| p.skip_reason),
        Some("the conversation is closed".into())
    );
}

async fn autoresponding_delay(b: &Backend, i: &Integration, delay: u32) -> Integration {
    let stored = integrations::get(&*b.ports.store, &i.tenant_id, &i.id)
        .await
        .expect("get")
        .expect("integration");
    let mut updated = stored.value;
    updated.settings.autoresponder.delay_minutes = delay;
    integrations::update(&*b.ports.store, &updated, stored.version)
        .await
        .expect("update");
    updated
}

#[tokio::test]
async fn two_schedulers_at_once_and_a_lost_answer_still_make_one_autoresponse() {
    let b = backend();
    let i = autoresponding(&b, 2).await;
    let id = ingest_at(
        &b,
        0,
        &reading(&i, vec![message("m1", AuthorKind::Buyer, "Pytanie", 0)]),
    )
    .await;
    b.clock.set(start() + Duration::minutes(2));
    let now = b.clock.now();
    let (a, c) = tokio::join!(due::run_due(&b.ports, now), due::run_due(&b.ports, now));
    let (a, c) = (a.expect("a"), c.expect("c"));
    assert!(a.queued + c.queued >= 1);
    let stored = replies::of_ticket(&*b.ports.store, &i.tenant_id, &id)
        .await
        .expect("replies");
    assert_eq!(stored.len(), 1, "one reply for the opening");

    // The first POST goes through but its answer is lost; the retry finds it.
    let channel = Scripted::with(vec![Step::AcceptButLose]);
    marketplace_now(&channel, &b);
    let deliveries = registry(channel.clone());
    let jobs = drain(&*b.ports.queues.outbound).await;
    assert!(!jobs.is_empty());
    let job: OutboundJob = serde_json::from_str(&jobs[0].body).expect("job");
    let first = sender::run(&b.ports, &deliveries, &job).await;
    assert!(first.is_err(), "outcome unknown: {first:?}");
    // A worker that crashed mid-attempt leaves it marked under way: others keep off it...
    let stored = replies::get(&*b.ports.store, &i.tenant_id, &id, &job.reply_id)
        .await
        .expect("get")
        .expect("reply");
    let mut crashed = stored.value;
    crashed.attempt_started_at = Some(b.clock.now());
    replies::update(&*b.ports.store, &i.tenant_id, &crashed, stored.version)
        .await
        .expect("update");
    let busy = sender::run(&b.ports, &deliveries, &job).await;
    assert!(
        busy.is_err_and(|e| !e.is_permanent()),
        "an attempt is under way"
    );
    // ...until it is minutes old; then its result is looked up and recorded.
    b.clock.set(start() + Duration::minutes(5));
    let outcome = sender::run(&b.ports, &deliveries, &job)
        .await
        .expect("found");
    assert!(matches!(outcome, SendOutcome::Sent(_)));
    for message in &jobs[1..] {
        let job: OutboundJob = serde_json::from_str(&message.body).expect("job");
        assert_eq!(
            sender::run(&b.ports, &deliveries, &job)
                .await
                .expect("settled"),
            SendOutcome::AlreadySettled
        );
    }
    assert_eq!(channel.posted().len(), 1);
    assert_eq!(*channel.calls.lock().expect("lock"), 1);
    assert_eq!(b.notifier.recorded().await.expect("mails").len(), 1);
}

#[tokio::test]
async fn business_hours_pick_the_text_and_unanswered_kinds_get_none() {
    let b = backend();
    let mut i = autoresponding(&b, 0).await;
    let stored = integrations::get(&*b.ports.store, &i.tenant_id, &i.id)
        .await
        .expect("get")
        .expect("i");
    // The start (Sunday 2026-11-22 10:00 in Warsaw) is outside Monday-Friday 8-16.
    i.settings.autoresponder.business_hours = Some(BusinessHours {
        days: vec![1, 2, 3, 4, 5],
        start: "08:00".into(),
        end: "16:00".into(),
    });
    i.settings.autoresponder.out_of_hours_text =
        Some("Odpowiemy w poniedziałek, {buyer_login}.".into());
    i.settings.autoresponder.kinds = vec![ConversationKind::AllegroDispute];
    integrations::update(&*b.ports.store, &i, stored.version)
        .await
        .expect("update");
    ingest_at(
        &b,
        0,
        &reading(&i, vec![message("m1", AuthorKind::Buyer, "Pytanie", 0)]),
    )
    .await;
    let mut thread = dispute(
        &i,
        "thread-1",
        "OPEN",
        vec![message("t1", AuthorKind::Buyer, "Pytanie", 0)],
    );
    thread.conversation.kind = ConversationKind::AllegroCommonThread;
    let thread_id = ingest_at(&b, 0, &thread).await;
    assert!(
        ticket(&b, &i, &thread_id).await.autoreply.is_none(),
        "kind not answered"
    );
    assert_eq!(
        drain_peek_count(&b).await,
        1,
        "the zero-delay autoresponse was queued at ingest"
    );
    assert_eq!(tick_at(&b, 0).await.queued, 0);
    let channel = Scripted::with(vec![]);
    send_all(&b, &channel).await;
    assert_eq!(
        channel.posted(),
        vec!["Odpowiemy w poniedziałek, jan_kowalski."]
    );

    // An agent's reply after the buyer's message also counts as the seller's answer.
    let mut other = dispute(
        &i,
        "issue-9",
        "DISPUTE_ONGOING",
        vec![message("q1", AuthorKind::Buyer, "Hej", 10)],
    );
    other.conversation.external_id = "issue-9".into();
    let mut i2 = i.clone();
    i2.settings.autoresponder.delay_minutes = 5;
    let stored = integrations::get(&*b.ports.store, &i.tenant_id, &i.id)
        .await
        .expect("get")
        .expect("i");
    integrations::update(&*b.ports.store, &i2, stored.version)
        .await
        .expect("update");
    let id9 = ingest_at(&b, 10, &other).await;
    reply_service::submit(
        &b.ports,
        &i.tenant_id,
        &id9,
        None,
        serde_json::from_str(r#"{"text":"Już sprawdzamy"}"#).expect("body"),
    )
    .await
    .expect("agent reply");
    assert_eq!(tick_at(&b, 15).await.skipped, 1);
}

#[tokio::test]
async fn an_opening_allegros_assistant_wrote_for_the_buyer_gets_the_autoresponse() {
    let b = backend();
    let i = autoresponding(&b, 2).await;
    let channel = Scripted::with(vec![Step::Accept]);
    // Allina (role SYSTEM) wrote the opening on the buyer's behalf, then an automatic notice
    // and an adviser's message followed: none of them is the seller's answer.
    let opened_by_assistant = reading(
        &i,
        vec![
            message(
                "o1",
                AuthorKind::MarketplaceForBuyer,
                "Kupujący zgłasza, że paczka nie dotarła.",
                0,
            ),
            message(
                "o2",
                AuthorKind::MarketplaceSystem,
                "Sprzedający ma 3 dni na odpowiedź.",
                1,
            ),
            message(
                "o3",
                AuthorKind::MarketplaceStaff,
                "Doradca: proszę o numer przesyłki.",
                1,
            ),
        ],
    );
    let id = ingest_at(&b, 1, &opened_by_assistant).await;
    let plan = ticket(&b, &i, &id).await.autoreply.expect("planned");
    assert_eq!(plan.buyer_message_id, "o1");
    assert_eq!(plan.state, AutoreplyState::Pending);
    assert_eq!(tick_at(&b, 2).await.queued, 1);
    marketplace_now(&channel, &b);
    let outcomes = send_all(&b, &channel).await;
    assert!(
        matches!(outcomes.as_slice(), [SendOutcome::Sent(_)]),
        "{outcomes:?}"
    );
    let t = ticket(&b, &i, &id).await;
    assert_eq!(t.last_author, Some(AuthorKind::Autoresponder));
    assert!(t.needs_reply, "a person still has to answer");

    // A conversation where only Allegro wrote after the opening was seen (not an opening the
    // mapping marked as the buyer's) gets none: staff and notices are nobody's first message.
    let staff_only = dispute(
        &i,
        "issue-2",
        "DISPUTE_ONGOING",
        vec![
            message("s1", AuthorKind::MarketplaceStaff, "Doradca Allegro", 10),
            message("s2", AuthorKind::MarketplaceSystem, "Powiadomienie", 11),
        ],
    );
    let id2 = ingest_at(&b, 11, &staff_only).await;
    let t = ticket(&b, &i, &id2).await;
    assert_eq!(t.autoreply, None);
    assert!(t.needs_reply, "the adviser waits for the seller");
}

#[tokio::test]
async fn autoresponses_go_out_without_the_agents_signature() {
    let b = backend();
    let mut i = autoresponding(&b, 2).await;
    let stored = integrations::get(&*b.ports.store, &i.tenant_id, &i.id)
        .await
        .expect("get")
        .expect("integration");
    i.settings.signature = Some("Pozdrawiamy, Zespół".into());
    integrations::update(&*b.ports.store, &i, stored.version)
        .await
        .expect("update");
    let channel = Scripted::with(vec![Step::Accept]);
    let first = reading(
        &i,
        vec![message("m1", AuthorKind::Buyer, "Paczka zgnieciona", 0)],
    );
    ingest_at(&b, 0, &first).await;
    assert_eq!(tick_at(&b, 2).await.queued, 1);
    marketplace_now(&channel, &b);
    send_all(&b, &channel).await;
    let posted = channel.posted();
    assert_eq!(posted.len(), 1);
    assert!(!posted[0].contains("Pozdrawiamy"), "{posted:?}");
}

/// Issue 15: a burst of due autoresponses is queued in one tick, not 200 a tick.
#[tokio::test]
async fn a_burst_of_due_autoresponses_is_queued_in_one_tick() {
    let b = backend();
    let i = autoresponding(&b, 5).await;
    for n in 0..250 {
        let mut event = reading(
            &i,
            vec![message(&format!("m{n}"), AuthorKind::Buyer, "Pytanie", 0)],
        );
        event.conversation.external_id = format!("issue-{n}");
        ingest_at(&b, 0, &event).await;
    }
    assert_eq!(tick_at(&b, 1).await.queued, 0, "not due yet");
    assert_eq!(tick_at(&b, 5).await.queued, 250);
    assert_eq!(tick_at(&b, 6).await.queued, 0, "each once");
}

/// Handles every autoresponse wake-up visible on the inbound queue now, as the ingest
/// consumer does (deleting each after); their outcomes.
async fn wake_all(b: &Backend) -> Vec<wake::WakeOutcome> {
    let queue = &*b.ports.queues.inbound;
    let mut outcomes = Vec::new();
    for message in drain(queue).await {
        assert!(wake::is_job(&message.body), "{}", message.body);
        outcomes.push(
            wake::handle_body(&b.ports, &message.body)
                .await
                .expect("wake-up"),
        );
        queue.delete(&message.receipt).await.expect("delete");
    }
    outcomes
}

/// Issue 15 item 5: a delayed autoresponse is queued by its wake-up the moment it is due, not
/// by a scheduler tick, and a redelivered wake-up sends nothing twice.
#[tokio::test]
async fn a_delayed_autoresponse_is_queued_by_its_wake_up_and_only_once() {
    let b = backend();
    let i = autoresponding(&b, 2).await;
    let channel = Scripted::with(vec![Step::Accept]);
    let id = ingest_at(
        &b,
        0,
        &reading(&i, vec![message("m1", AuthorKind::Buyer, "Pytanie", 0)]),
    )
    .await;
    b.clock
        .set(start() + Duration::minutes(2) - Duration::seconds(1));
    assert!(
        drain(&*b.ports.queues.inbound).await.is_empty(),
        "the wake-up waits for the due time"
    );
    b.clock.set(start() + Duration::minutes(2));
    let wakes = drain(&*b.ports.queues.inbound).await;
    assert_eq!(wakes.len(), 1, "one wake-up, visible when due");
    let body = wakes[0].body.clone();
    assert_eq!(
        ingest::handle_job(&b.ports, &body).await.ok(),
        Some(()),
        "the inbound consumer handles it"
    );
    assert_eq!(
        ticket(&b, &i, &id).await.autoreply.expect("plan").state,
        AutoreplyState::Queued,
        "queued without a scheduler tick"
    );
    // Redelivered (the worker died before deleting it), twice, and a tick on top.
    assert_eq!(
        wake::handle_body(&b.ports, &body).await.expect("again"),
        wake::WakeOutcome::Nothing
    );
    assert_eq!(
        wake::handle_body(&b.ports, &body).await.expect("again"),
        wake::WakeOutcome::Nothing
    );
    assert_eq!(tick_at(&b, 2).await, due::DueReport::default());
    marketplace_now(&channel, &b);
    let outcomes = send_all(&b, &channel).await;
    assert!(
        matches!(outcomes.as_slice(), [SendOutcome::Sent(_)]),
        "{outcomes:?}"
    );
    assert_eq!(channel.posted().len(), 1, "one autoresponse");
    assert_eq!(
        wake::handle_body(&b.ports, &body).await.expect("late copy"),
        wake::WakeOutcome::Nothing
    );
    assert!(send_all(&b, &channel).await.is_empty());
    assert_eq!(channel.posted().len(), 1);
}

/// An agent's reply during the delay: the wake-up checks the rules when it arrives and skips.
#[tokio::test]
async fn an_agent_reply_during_the_delay_cancels_the_delayed_autoresponse() {
    let b = backend();
    let i = autoresponding(&b, 2).await;
    let id = ingest_at(
        &b,
        0,
        &reading(&i, vec![message("m1", AuthorKind::Buyer, "Pytanie", 0)]),
    )
    .await;
    b.clock.set(start() + Duration::minutes(1));
    reply_service::submit(
        &b.ports,
        &i.tenant_id,
        &id,
        None,
        serde_json::from_str(r#"{"text":"Już sprawdzamy."}"#).expect("reply"),
    )
    .await
    .expect("agent reply");
    b.clock.set(start() + Duration::minutes(2));
    assert_eq!(
        wake_all(&b).await,
        vec![wake::WakeOutcome::Handled(AutoreplyState::Skipped)]
    );
    let plan = ticket(&b, &i, &id).await.autoreply.expect("plan");
    assert_eq!(
        plan.skip_reason.as_deref(),
        Some("the seller answered the buyer first")
    );
    let jobs = drain(&*b.ports.queues.outbound).await;
    assert_eq!(jobs.len(), 1, "only the agent's reply");
    let job: OutboundJob = serde_json::from_str(&jobs[0].body).expect("job");
    assert!(!job.reply_id.to_string().starts_with("auto-"), "{job:?}");
}

/// A delay longer than a queue message can wait (15 minutes): woken at 15, queued again for
/// the rest, answered at the due time.
#[tokio::test]
async fn a_delay_beyond_the_queue_limit_is_woken_again_for_the_rest() {
    let b = backend();
    let i = autoresponding(&b, 20).await;
    let id = ingest_at(
        &b,
        0,
        &reading(&i, vec![message("m1", AuthorKind::Buyer, "Pytanie", 0)]),
    )
    .await;
    b.clock.set(start() + Duration::minutes(14));
    assert!(wake_all(&b).await.is_empty());
    b.clock.set(start() + Duration::minutes(15));
    assert_eq!(wake_all(&b).await, vec![wake::WakeOutcome::Requeued]);
    b.clock.set(start() + Duration::minutes(19));
    assert!(wake_all(&b).await.is_empty(), "the rest: 5 minutes");
    b.clock.set(start() + Duration::minutes(20));
    assert_eq!(
        wake_all(&b).await,
        vec![wake::WakeOutcome::Handled(AutoreplyState::Queued)]
    );
    assert_eq!(
        ticket(&b, &i, &id).await.autoreply.expect("plan").state,
        AutoreplyState::Queued
    );
    assert_eq!(drain_peek_count(&b).await, 1);
}
