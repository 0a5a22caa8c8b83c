//! Ingest turns conversation events into tickets idempotently, on the embedded backend.

mod support;

use marketdesk_core::domain::{AuthorKind, TicketStatus};
use marketdesk_core::repo::tickets;
use marketdesk_core::services::ingest;
use support::*;

#[tokio::test]
async fn a_new_conversation_becomes_one_ticket_with_its_messages() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let event = dispute(
        &i,
        "issue-1",
        "DISPUTE_ONGOING",
        vec![
            message(
                "m2",
                AuthorKind::SellerViaMarketplace,
                "Proszę o zdjęcia",
                5,
            ),
            message("m1", AuthorKind::Buyer, "Paczka przyszła zgnieciona", 0),
            message("m3", AuthorKind::Buyer, "Zdjęcia w załączniku", 9),
        ],
    );
    let outcome = ingest::run(&b.ports, &event).await.expect("ingest");
    assert!(outcome.created);
    assert_eq!(outcome.new_messages, 3);

    let ticket = tickets::get(&*b.ports.store, &i.tenant_id, &outcome.ticket_id)
        .await
        .expect("get")
        .expect("ticket")
        .value;
    assert_eq!(ticket.subject, "Przedmiot uszkodzony");
    assert_eq!(ticket.status, TicketStatus::Open);
    assert_eq!(ticket.marketplace_status, "DISPUTE_ONGOING");
    assert_eq!(ticket.queue.as_deref(), Some("Allegro"));
    assert_eq!(ticket.category.as_deref(), Some("Reklamacje"));
    assert_eq!(ticket.buyer_login, "jan_kowalski");
    assert_eq!(ticket.last_author, Some(AuthorKind::Buyer));
    assert!(ticket.needs_reply, "the buyer wrote last");

    let messages = tickets::messages(&*b.ports.store, &i.tenant_id, &outcome.ticket_id)
        .await
        .expect("messages");
    let order: Vec<_> = messages
        .iter()
        .map(|m| m.external_id.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        order,
        vec!["m1", "m2", "m3"],
        "oldest first, whatever order they arrived in"
    );
    assert_eq!(messages[1].author, AuthorKind::SellerViaMarketplace);
}

#[tokio::test]
async fn redelivered_and_overlapping_events_change_nothing_twice() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let first = dispute(
        &i,
        "issue-7",
        "DISPUTE_ONGOING",
        vec![message("m1", AuthorKind::Buyer, "Gdzie paczka?", 0)],
    );
    let created = ingest::run(&b.ports, &first).await.expect("ingest");
    let again = ingest::run(&b.ports, &first).await.expect("redelivery");
    assert_eq!(again.ticket_id, created.ticket_id);
    assert!(!again.created);
    assert_eq!(again.new_messages, 0);

    let overlap = dispute(
        &i,
        "issue-7",
        "DISPUTE_CLOSED",
        vec![
            message("m1", AuthorKind::Buyer, "Gdzie paczka?", 0),
            message("m2", AuthorKind::SellerViaMarketdesk, "Wysłana dziś", 3),
        ],
    );
    let later = ingest::run(&b.ports, &overlap).await.expect("overlap");
    assert_eq!(later.new_messages, 1);
    let ticket = tickets::get(&*b.ports.store, &i.tenant_id, &created.ticket_id)
        .await
        .expect("get")
        .expect("ticket")
        .value;
    assert_eq!(
        ticket.status,
        TicketStatus::Solved,
        "resolved maps to the integration's choice"
    );
    assert_eq!(ticket.marketplace_status, "DISPUTE_CLOSED");
    assert_eq!(ticket.last_author, Some(AuthorKind::SellerViaMarketdesk));
    assert!(!ticket.needs_reply);

    let (list, _) = tickets::list_recent(&*b.ports.store, &i.tenant_id, None, 50)
        .await
        .expect("list");
    assert_eq!(list.len(), 1, "one ticket per conversation");
    assert_eq!(
        tickets::messages(&*b.ports.store, &i.tenant_id, &created.ticket_id)
            .await
            .expect("messages")
            .len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_ingests_of_a_new_conversation_create_one_ticket() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let event = dispute(
        &i,
        "issue-race",
        "DISPUTE_ONGOING",
        vec![message("m1", AuthorKind::Buyer, "Hej", 0)],
    );
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (ports, event) = (b.ports.clone(), event.clone());
            tokio::spawn(async move { ingest::run(&ports, &event).await })
        })
        .collect();
    let mut ids = Vec::new();
    let mut created = 0;
    for task in tasks {
        let outcome = task.await.expect("task").expect("ingest");
        created += usize::from(outcome.created);
        ids.push(outcome.ticket_id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every worker lands on the same ticket");
    assert_eq!(created, 1, "exactly one worker created it");
    assert_eq!(
        tickets::messages(&*b.ports.store, &i.tenant_id, &ids[0])
            .await
            .expect("messages")
            .len(),
        1
    );
}

#[tokio::test]
async fn events_for_unknown_integrations_and_garbage_are_permanent_failures() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let mut event = dispute(&i, "issue-x", "DISPUTE_ONGOING", Vec::new());
    event.integration_id = "removed".into();
    assert!(ingest::run(&b.ports, &event)
        .await
        .expect_err("unknown")
        .is_permanent());
    assert!(ingest::handle_body(&b.ports, "[]")
        .await
        .expect_err("garbage")
        .is_permanent());
}

#[tokio::test]
async fn buyers_are_matched_in_the_crm_by_the_integrations_field_or_created() {
    use marketdesk_core::repo::customers;
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let first = ingest::run(
        &b.ports,
        &dispute(&i, "issue-a", "DISPUTE_ONGOING", Vec::new()),
    )
    .await
    .expect("ingest");
    let ticket = tickets::get(&*b.ports.store, &i.tenant_id, &first.ticket_id)
        .await
        .expect("get")
        .expect("ticket")
        .value;
    let customer_id = ticket.customer_id.expect("linked at creation");
    let customer = customers::get(&*b.ports.store, &i.tenant_id, &customer_id)
        .await
        .expect("get")
        .expect("customer")
        .value;
    assert_eq!(customer.name, "Jan Kowalski");
    assert_eq!(
        customer
            .custom_fields
            .get("Allegro login")
            .map(String::as_str),
        Some("jan_kowalski")
    );
    assert_eq!(
        customer.emails,
        vec!["jan8x2+a1b2@allegromail.pl", "jan8x2@allegromail.pl"],
        "both e-mail forms"
    );

    let second = ingest::run(
        &b.ports,
        &dispute(&i, "issue-b", "DISPUTE_ONGOING", Vec::new()),
    )
    .await
    .expect("ingest");
    let again = tickets::get(&*b.ports.store, &i.tenant_id, &second.ticket_id)
        .await
        .expect("get")
        .expect("ticket")
        .value;
    assert_eq!(
        again.customer_id,
        Some(customer_id.clone()),
        "same buyer, same customer"
    );
    let (named, _) = customers::list_by_name(&*b.ports.store, &i.tenant_id, "jan", None, 10)
        .await
        .expect("list");
    assert_eq!(named.len(), 1, "no duplicate customer");
    // The field name matches case-insensitively.
    assert_eq!(
        customers::find_by_field(
            &*b.ports.store,
            &i.tenant_id,
            "allegro LOGIN",
            "jan_kowalski"
        )
        .await
        .expect("find"),
        Some(customer_id)
    );
}

#[tokio::test]
async fn without_a_crm_field_the_buyer_is_shown_by_login_only() {
    use marketdesk_core::repo::integrations;
    let b = backend();
    let mut i = integration(
        "t1",
        marketdesk_core::domain::Marketplace::Allegro,
        true,
        marketdesk_core::domain::ConnectionState::Connected,
    );
    i.settings.crm_field = String::new();
    integrations::create(&*b.ports.store, &i)
        .await
        .expect("create");
    let outcome = ingest::run(
        &b.ports,
        &dispute(&i, "issue-n", "DISPUTE_ONGOING", Vec::new()),
    )
    .await
    .expect("ingest");
    let ticket = tickets::get(&*b.ports.store, &i.tenant_id, &outcome.ticket_id)
        .await
        .expect("get")
        .expect("ticket")
        .value;
    assert_eq!(ticket.customer_id, None);
    assert_eq!(ticket.buyer_login, "jan_kowalski");
}

#[tokio::test]
async fn a_late_older_reading_never_overwrites_a_newer_state() {
    use chrono::Duration;
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let older = dispute(
        &i,
        "issue-r",
        "DISPUTE_ONGOING",
        vec![message("m1", AuthorKind::Buyer, "Gdzie paczka?", 0)],
    );
    let newer = dispute(
        &i,
        "issue-r",
        "DISPUTE_CLOSED",
        vec![
            message("m1", AuthorKind::Buyer, "Gdzie paczka?", 0),
            message("m2", AuthorKind::SellerViaMarketplace, "Już jest u Pani", 4),
        ],
    );
    let t1 = start() + Duration::minutes(5);
    let t2 = start() + Duration::minutes(6);
    let id = ingest::run_observed(&b.ports, &newer, Some(t2))
        .await
        .expect("newer first")
        .ticket_id;
    let mut late = older.clone();
    late.messages
        .push(message("m0", AuthorKind::Buyer, "Dzień dobry", -1));
    ingest::run_observed(&b.ports, &late, Some(t1))
        .await
        .expect("older later");
    let ticket = tickets::get(&*b.ports.store, &i.tenant_id, &id)
        .await
        .expect("get")
        .expect("ticket")
        .value;
    assert_eq!(
        ticket.marketplace_status, "DISPUTE_CLOSED",
        "the newer reading stays"
    );
    assert_eq!(ticket.status, TicketStatus::Solved);
    let messages = tickets::messages(&*b.ports.store, &i.tenant_id, &id)
        .await
        .expect("messages");
    assert_eq!(
        messages.len(),
        3,
        "messages of the late reading still merge"
    );
}

#[tokio::test]
async fn a_dispute_that_becomes_a_claim_stays_one_ticket() {
    use marketdesk_core::domain::ConversationKind;
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let dispute_event = dispute(
        &i,
        "issue-dc",
        "DISPUTE_ONGOING",
        vec![message("m1", AuthorKind::Buyer, "Zwracam towar", 0)],
    );
    let first = ingest::run(&b.ports, &dispute_event)
        .await
        .expect("dispute");
    let mut claim_event = dispute_event.clone();
    claim_event.conversation.kind = ConversationKind::AllegroClaim;
    claim_event.marketplace_status = "CLAIM_SUBMITTED".into();
    claim_event
        .messages
        .push(message("m2", AuthorKind::Buyer, "Składam reklamację", 5));
    let second = ingest::run(&b.ports, &claim_event).await.expect("claim");
    assert_eq!(
        second.ticket_id, first.ticket_id,
        "one ticket per Allegro issue"
    );
    assert!(!second.created);
    let ticket = tickets::get(&*b.ports.store, &i.tenant_id, &first.ticket_id)
        .await
        .expect("get")
        .expect("ticket")
        .value;
    assert_eq!(ticket.conversation.kind, ConversationKind::AllegroClaim);
    assert_eq!(ticket.marketplace_status, "CLAIM_SUBMITTED");
    let (list, _) = tickets::list_recent(&*b.ports.store, &i.tenant_id, None, 10)
        .await
        .expect("list");
    assert_eq!(list.len(), 1);
}

/// Ingests `event` with the clock at `minutes` after the start; the ticket afterwards.
async fn ingest_at(
    b: &Backend,
    minutes: i64,
    event: &marketdesk_core::jobs::InboundEvent,
) -> marketdesk_core::domain::Ticket {
    b.clock.set(start() + chrono::Duration::minutes(minutes));
    let outcome = ingest::run(&b.ports, event).await.expect("ingest");
    tickets::get(&*b.ports.store, &event.tenant_id, &outcome.ticket_id)
        .await
        .expect("get")
        .expect("ticket")
        .value
}

#[tokio::test]
async fn an_advisers_message_in_an_ongoing_conversation_waits_for_the_seller() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let mut messages = vec![
        message("m1", AuthorKind::Buyer, "Paczka zgnieciona", 0),
        message("m2", AuthorKind::SellerViaMarketplace, "Wyślemy nową", 5),
        message(
            "m3",
            AuthorKind::MarketplaceStaff,
            "Doradca Allegro: prosimy sprzedającego o numer przesyłki.",
            10,
        ),
    ];
    let t = ingest_at(
        &b,
        11,
        &dispute(&i, "issue-1", "DISPUTE_ONGOING", messages.clone()),
    )
    .await;
    assert_eq!(t.last_author, Some(AuthorKind::MarketplaceStaff));
    assert!(t.needs_reply, "Allegro's adviser waits for the seller");
    assert_eq!(t.status, TicketStatus::Open);

    messages.push(message(
        "m4",
        AuthorKind::SellerViaMarketplace,
        "Numer: 123",
        15,
    ));
    let t = ingest_at(&b, 16, &dispute(&i, "issue-1", "DISPUTE_ONGOING", messages)).await;
    assert!(!t.needs_reply, "the seller answered the adviser");
}

#[tokio::test]
async fn a_claim_decision_answers_what_came_before_it_and_later_buyer_messages_reopen_the_ticket() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let mut claim = dispute(
        &i,
        "claim-1",
        "CLAIM_SUBMITTED",
        vec![message("m1", AuthorKind::Buyer, "Czajnik nie grzeje", 0)],
    );
    claim.conversation.kind = marketdesk_core::domain::ConversationKind::AllegroClaim;
    let t = ingest_at(&b, 1, &claim).await;
    assert_eq!(
        (t.status.clone(), t.needs_reply),
        (TicketStatus::Open, true)
    );

    // The seller accepts the claim in Allegro's panel; the chat stays open (claims take
    // messages in any status).
    claim.marketplace_status = "CLAIM_ACCEPTED".into();
    let t = ingest_at(&b, 20, &claim).await;
    assert_eq!(
        (t.status.clone(), t.needs_reply),
        (TicketStatus::Solved, false),
        "the decision answers the buyer's claim"
    );

    // The buyer writes after the decision: a person has to answer, so it is not solved.
    claim.messages.push(message(
        "m2",
        AuthorKind::Buyer,
        "Kiedy dostanę zwrot pieniędzy?",
        30,
    ));
    let t = ingest_at(&b, 31, &claim).await;
    assert_eq!(
        (t.status.clone(), t.needs_reply),
        (TicketStatus::Open, true)
    );
    assert_eq!(t.marketplace_status, "CLAIM_ACCEPTED");

    claim.messages.push(message(
        "m3",
        AuthorKind::SellerViaMarketplace,
        "Zwrot w ciągu 3 dni.",
        35,
    ));
    let t = ingest_at(&b, 36, &claim).await;
    assert_eq!(
        (t.status.clone(), t.needs_reply),
        (TicketStatus::Solved, false)
    );

    // A conversation closed for replies never waits for anyone, whoever wrote last.
    let mut closed = dispute(
        &i,
        "issue-9",
        "DISPUTE_CLOSED",
        vec![message("m9", AuthorKind::Buyer, "Dziękuję", 0)],
    );
    closed.open_for_replies = false;
    let t = ingest_at(&b, 40, &closed).await;
    assert_eq!(
        (t.status.clone(), t.needs_reply),
        (TicketStatus::Solved, false)
    );
}
