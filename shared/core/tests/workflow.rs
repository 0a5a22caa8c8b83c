//! The ticket workflow: what agents change (status, assignee, queue, tags, priority, snooze,
//! in bulk too) and the rules that combine it with buyers and the marketplace
//! (docs/architecture.md, "Ticket workflow").

mod support;

use chrono::Duration;
use marketdesk_core::domain::{
    Actor, AuthorKind, Integration, Priority, ReplyState, Ticket, TicketStatus,
};
use marketdesk_core::ids::{TicketId, UserId};
use marketdesk_core::ports::Clock;
use marketdesk_core::repo::{replies as reply_repo, tickets};
use marketdesk_core::services::request::RequestError;
use marketdesk_core::services::workflow::{self, BulkOutcome, BulkPatch, TicketPatch};
use marketdesk_core::services::{ingest, replies, sender};
use support::*;

fn patch(json: serde_json::Value) -> TicketPatch {
    serde_json::from_value(json).expect("patch body")
}

fn person(id: &UserId, name: &str) -> Actor {
    Actor::User {
        id: id.clone(),
        name: name.into(),
    }
}

async fn ticket(b: &Backend, i: &Integration, id: &TicketId) -> Ticket {
    tickets::get(&*b.ports.store, &i.tenant_id, id)
        .await
        .expect("get")
        .expect("ticket")
        .value
}

/// A dispute with one buyer message at minute 0.
async fn buyer_wrote(b: &Backend, i: &Integration) -> TicketId {
    ingest::run(
        &b.ports,
        &dispute(
            i,
            "issue-1",
            "DISPUTE_ONGOING",
            vec![message("m1", AuthorKind::Buyer, "Kubek pęknięty", 0)],
        ),
    )
    .await
    .expect("ingest")
    .ticket_id
}

fn invalid_field(error: RequestError) -> String {
    match error {
        RequestError::Invalid { field, .. } => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_solved_ticket_stays_solved_until_the_buyer_writes_again() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let ola = add_user(&b, "t1", "Ola", true).await;
    let id = buyer_wrote(&b, &i).await;
    b.clock.advance(Duration::minutes(5));

    let solved = workflow::patch(
        &b.ports,
        &i.tenant_id,
        &id,
        &person(&ola, "Ola"),
        patch(serde_json::json!({ "status": "solved" })),
    )
    .await
    .expect("solved");
    assert_eq!(solved.status, TicketStatus::Solved);
    assert!(
        !solved.needs_reply,
        "nobody owes an answer on a solved ticket"
    );
    assert_eq!(solved.workflow.respond_by, None, "the SLA clock stops");
    assert_eq!(solved.workflow.updated_by, Some(person(&ola, "Ola")));
    assert_eq!(
        solved.marketplace_status, "DISPUTE_ONGOING",
        "the marketplace conversation stays as it is, shown beside"
    );

    // The same reading again (the overlap of the next poll) changes nothing.
    buyer_wrote(&b, &i).await;
    assert_eq!(ticket(&b, &i, &id).await.status, TicketStatus::Solved);

    // The buyer writes again: open, needs a reply, the manual status is gone.
    ingest::run(
        &b.ports,
        &dispute(
            &i,
            "issue-1",
            "DISPUTE_ONGOING",
            vec![message("m2", AuthorKind::Buyer, "Jednak nie działa", 10)],
        ),
    )
    .await
    .expect("ingest");
    let reopened = ticket(&b, &i, &id).await;
    assert_eq!(reopened.status, TicketStatus::Open);
    assert!(reopened.needs_reply);
    assert_eq!(reopened.workflow.manual_status, None);
}

#[tokio::test]
async fn a_buyer_message_read_late_still_reopens() {
    // The agent solves at minute 5 without having seen a buyer message written at minute 3
    // (read by a later poll): it is newer than anything known then, so it reopens.
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let id = buyer_wrote(&b, &i).await;
    b.clock.advance(Duration::minutes(5));
    let key = Actor::ApiKey {
        id: "k1".into(),
        name: Some("Helpdesk".into()),
    };
    workflow::patch(
        &b.ports,
        &i.tenant_id,
        &id,
        &key,
        patch(serde_json::json!({ "status": "pending" })),
    )
    .await
    .expect("pending");
    ingest::run(
        &b.ports,
        &dispute(
            &i,
            "issue-1",
            "DISPUTE_ONGOING",
            vec![message("m-late", AuthorKind::Buyer, "Halo?", 3)],
        ),
    )
    .await
    .expect("ingest");
    let t = ticket(&b, &i, &id).await;
    assert_eq!((t.status, t.needs_reply), (TicketStatus::Open, true));
}

#[tokio::test]
async fn the_marketplace_deciding_ends_a_manual_status() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let id = buyer_wrote(&b, &i).await;
    let key = Actor::ApiKey {
        id: "k1".into(),
        name: None,
    };
    workflow::patch(
        &b.ports,
        &i.tenant_id,
        &id,
        &key,
        patch(serde_json::json!({ "status": "pending" })),
    )
    .await
    .expect("pending");
    ingest::run(
        &b.ports,
        &dispute(
            &i,
            "issue-1",
            "DISPUTE_UNRESOLVED",
            vec![message("m1", AuthorKind::Buyer, "Kubek pęknięty", 0)],
        ),
    )
    .await
    .expect("ingest");
    let t = ticket(&b, &i, &id).await;
    assert_eq!(
        t.status,
        TicketStatus::Closed,
        "the mapping of DISPUTE_UNRESOLVED"
    );
    assert_eq!(t.workflow.manual_status, None);
}

#[tokio::test]
async fn asking_the_buyer_to_confirm_makes_a_dispute_pending_until_they_write() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let id = buyer_wrote(&b, &i).await;
    b.clock.advance(Duration::minutes(5));
    let sent = replies::submit(
        &b.ports,
        &i.tenant_id,
        &id,
        None,
        serde_json::from_value(serde_json::json!({
            "text": "Wysłaliśmy nowy kubek. Czy problem jest rozwiązany?",
            "ask_to_confirm": true
        }))
        .expect("reply"),
    )
    .await
    .expect("queued");
    assert_eq!(
        ticket(&b, &i, &id).await.status,
        TicketStatus::Open,
        "not before it reached the buyer"
    );
    // The sender delivered it.
    let mut stored = reply_repo::get(&*b.ports.store, &i.tenant_id, &id, &sent.id)
        .await
        .expect("get")
        .expect("reply");
    let version = stored.version;
    stored.value.state = ReplyState::Sent;
    stored.value.external_id = Some("mp-1".into());
    stored.value.sent_at = Some(b.clock.now());
    reply_repo::update(&*b.ports.store, &i.tenant_id, &stored.value, version)
        .await
        .expect("sent");
    sender::refresh_ticket(&b.ports, &i.tenant_id, &id)
        .await
        .expect("refresh");
    let t = ticket(&b, &i, &id).await;
    assert_eq!((t.status, t.needs_reply), (TicketStatus::Pending, false));

    ingest::run(
        &b.ports,
        &dispute(
            &i,
            "issue-1",
            "DISPUTE_ONGOING",
            vec![message("m2", AuthorKind::Buyer, "Nie doszedł", 20)],
        ),
    )
    .await
    .expect("ingest");
    let t = ticket(&b, &i, &id).await;
    assert_eq!((t.status, t.needs_reply), (TicketStatus::Open, true));
}

#[tokio::test]
async fn assignment_takes_active_users_of_the_tenant_only() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let id = buyer_wrote(&b, &i).await;
    let ola = add_user(&b, "t1", "Ola", true).await;
    let gone = add_user(&b, "t1", "Ewa", false).await;
    let stranger = add_user(&b, "t2", "Jan", true).await;
    let actor = person(&ola, "Ola");
    for (assignee, why) in [
        (gone.0.clone(), "deactivated"),
        (stranger.0.clone(), "another tenant's"),
        ("nobody".to_owned(), "unknown"),
        ("bad id!".to_owned(), "malformed"),
    ] {
        let before = tickets::get(&*b.ports.store, &i.tenant_id, &id)
            .await
            .expect("get")
            .expect("ticket");
        let error = workflow::patch(
            &b.ports,
            &i.tenant_id,
            &id,
            &actor,
            patch(serde_json::json!({ "assignee": assignee, "priority": "high" })),
        )
        .await
        .expect_err(why);
        assert_eq!(invalid_field(error), "assignee", "{why}");
        let after = tickets::get(&*b.ports.store, &i.tenant_id, &id)
            .await
            .expect("get")
            .expect("ticket");
        assert_eq!(after, before, "{why}: nothing changed");
    }
    let t = workflow::patch(
        &b.ports,
        &i.tenant_id,
        &id,
        &actor,
        patch(serde_json::json!({
            "assignee": ola.0, "queue": " Zwroty ", "category": "Uszkodzenia",
            "tags": ["pilne", "VIP", "Pilne"], "priority": "urgent"
        })),
    )
    .await
    .expect("changed");
    assert_eq!(t.workflow.assignee, Some(ola.clone()));
    assert_eq!(t.queue.as_deref(), Some("Zwroty"));
    assert_eq!(t.category.as_deref(), Some("Uszkodzenia"));
    assert_eq!(t.workflow.tags, ["pilne", "VIP"]);
    assert_eq!(t.workflow.priority, Priority::Urgent);
    assert_eq!(t.status, TicketStatus::Open, "the status was not touched");
    let t = workflow::patch(
        &b.ports,
        &i.tenant_id,
        &id,
        &actor,
        patch(serde_json::json!({ "assignee": null, "queue": null })),
    )
    .await
    .expect("cleared");
    assert_eq!((t.workflow.assignee, t.queue), (None, None));
}

#[tokio::test]
async fn bad_changes_name_their_field_and_change_nothing() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let id = buyer_wrote(&b, &i).await;
    let key = Actor::ApiKey {
        id: "k1".into(),
        name: None,
    };
    let now = b.clock.now();
    let too_many: Vec<String> = (0..21).map(|n| format!("t{n}")).collect();
    for (body, field) in [
        (serde_json::json!({}), ""),
        (serde_json::json!({ "tags": too_many }), "tags"),
        (serde_json::json!({ "tags": ["ok", " "] }), "tags[1]"),
        (serde_json::json!({ "queue": "" }), "queue"),
        (
            serde_json::json!({ "category": "x".repeat(101) }),
            "category",
        ),
        (
            serde_json::json!({ "snooze_until": now - Duration::minutes(1) }),
            "snooze_until",
        ),
        (
            serde_json::json!({ "snooze_until": now + Duration::days(366) }),
            "snooze_until",
        ),
    ] {
        let error = workflow::patch(&b.ports, &i.tenant_id, &id, &key, patch(body.clone()))
            .await
            .expect_err("refused");
        assert_eq!(invalid_field(error), field, "{body}");
    }
    assert!(serde_json::from_value::<TicketPatch>(serde_json::json!({ "owner": "x" })).is_err());
    let t = ticket(&b, &i, &id).await;
    assert_eq!(t.workflow.updated_by, None, "nothing was written");
    assert!(matches!(
        workflow::patch(
            &b.ports,
            &i.tenant_id,
            &TicketId::from("missing"),
            &key,
            patch(serde_json::json!({ "status": "solved" }))
        )
        .await,
        Err(RequestError::NotFound(_))
    ));
}

#[tokio::test]
async fn bulk_changes_report_each_ticket_and_refuse_bad_changes_whole() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let first = buyer_wrote(&b, &i).await;
    let second = ingest::run(
        &b.ports,
        &dispute(
            &i,
            "issue-2",
            "DISPUTE_ONGOING",
            vec![message("n1", AuthorKind::Buyer, "Gdzie paczka?", 1)],
        ),
    )
    .await
    .expect("ingest")
    .ticket_id;
    let ola = add_user(&b, "t1", "Ola", true).await;
    let actor = person(&ola, "Ola");
    let request: BulkPatch = serde_json::from_value(serde_json::json!({
        "ids": [first.0, "missing", second.0],
        "changes": { "status": "solved", "assignee": ola.0 }
    }))
    .expect("bulk body");
    let answer = workflow::bulk(&b.ports, &i.tenant_id, &actor, request)
        .await
        .expect("bulk");
    let outcomes: Vec<_> = answer
        .results
        .iter()
        .map(|r| (r.id.clone(), r.outcome, r.error.as_ref().map(|e| e.code)))
        .collect();
    assert_eq!(
        outcomes,
        [
            (first.0.clone(), BulkOutcome::Updated, None),
            ("missing".into(), BulkOutcome::Failed, Some("not_found")),
            (second.0.clone(), BulkOutcome::Updated, None),
        ]
    );
    for id in [&first, &second] {
        let t = ticket(&b, &i, id).await;
        assert_eq!(
            (t.status, t.workflow.assignee),
            (TicketStatus::Solved, Some(ola.clone()))
        );
    }

    for (body, field) in [
        (
            serde_json::json!({ "ids": [first.0], "changes": { "assignee": "nobody" } }),
            "changes.assignee",
        ),
        (
            serde_json::json!({ "ids": [], "changes": { "status": "open" } }),
            "ids",
        ),
        (
            serde_json::json!({ "ids": [first.0, first.0], "changes": { "status": "open" } }),
            "ids[1]",
        ),
        (
            serde_json::json!({ "ids": [first.0], "changes": {} }),
            "changes",
        ),
    ] {
        let request: BulkPatch = serde_json::from_value(body.clone()).expect("bulk body");
        let error = workflow::bulk(&b.ports, &i.tenant_id, &actor, request)
            .await
            .expect_err("refused");
        assert_eq!(invalid_field(error), field, "{body}");
    }
    let many: Vec<String> = (0..101).map(|n| format!("t{n}")).collect();
    let request: BulkPatch =
        serde_json::from_value(serde_json::json!({ "ids": many, "changes": { "status": "open" } }))
            .expect("bulk body");
    let error = workflow::bulk(&b.ports, &i.tenant_id, &actor, request)
        .await
        .expect_err("too many");
    assert_eq!(invalid_field(error), "ids");
    assert_eq!(
        ticket(&b, &i, &first).await.status,
        TicketStatus::Solved,
        "refused bulk requests changed nothing"
    );
}

#[tokio::test]
async fn a_snooze_ends_at_its_time_or_when_the_buyer_writes() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let id = buyer_wrote(&b, &i).await;
    let key = Actor::ApiKey {
        id: "k1".into(),
        name: None,
    };
    let until = b.clock.now() + Duration::hours(2);
    let t = workflow::patch(
        &b.ports,
        &i.tenant_id,
        &id,
        &key,
        patch(serde_json::json!({ "snooze_until": until })),
    )
    .await
    .expect("snoozed");
    assert_eq!(t.workflow.snooze.as_ref().map(|s| s.until), Some(until));

    // Repeated ticks before the time wake nothing; at the time it wakes, once.
    b.clock.advance(Duration::minutes(119));
    assert_eq!(
        workflow::wake_snoozed(&b.ports, b.clock.now())
            .await
            .expect("tick"),
        0
    );
    b.clock.advance(Duration::minutes(1));
    assert_eq!(
        workflow::wake_snoozed(&b.ports, b.clock.now())
            .await
            .expect("tick"),
        1
    );
    assert_eq!(
        workflow::wake_snoozed(&b.ports, b.clock.now())
            .await
            .expect("tick"),
        0
    );
    assert_eq!(ticket(&b, &i, &id).await.workflow.snooze, None);

    // Snoozed again, the buyer's next message wakes it at once.
    let until = b.clock.now() + Duration::days(3);
    workflow::patch(
        &b.ports,
        &i.tenant_id,
        &id,
        &key,
        patch(serde_json::json!({ "snooze_until": until })),
    )
    .await
    .expect("snoozed");
    ingest::run(
        &b.ports,
        &dispute(
            &i,
            "issue-1",
            "DISPUTE_ONGOING",
            vec![message("m2", AuthorKind::Buyer, "Jestem", 200)],
        ),
    )
    .await
    .expect("ingest");
    assert_eq!(ticket(&b, &i, &id).await.workflow.snooze, None);
}
