//! Views on a [`Store`] adapter: the view and due index items written with every ticket
//! (`repo::views`) give the same pages, orders and counts on every backend.

use crate::domain::{SlaClock, SlaTarget, Snooze, Ticket, TicketStatus, View};
use crate::ids::{TenantId, TicketId, UserId};
use crate::ports::{Index, Query, SortKeyCondition, Store};
use crate::repo::{is_conflict, tickets, views as entries};
use crate::services::ticket_views::ViewSort;
use crate::services::views;
use chrono::{DateTime, Duration, Utc};
use std::ops::Deref;

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default() + Duration::minutes(minutes)
}

/// An open ticket that needs a reply, active at `minute`, in `queue`.
fn ticket(tenant: &TenantId, n: usize, minute: i64, queue: Option<&str>) -> Ticket {
    let mut ticket: Ticket = serde_json::from_value(serde_json::json!({
        "id": format!("tk-{n}"),
        "tenant_id": tenant,
        "integration_id": "int-1",
        "conversation": { "kind": "allegro_dispute", "external_id": format!("issue-{n}") },
        "source": "allegro",
        "subject": "Uszkodzony",
        "status": "open",
        "marketplace_status": "DISPUTE_ONGOING",
        "open_for_replies": true,
        "queue": queue,
        "category": null,
        "buyer_login": format!("buyer{n}"),
        "customer_id": null,
        "order_id": null,
        "last_author": "buyer",
        "needs_reply": true,
        "created_at": at(minute),
        "updated_at": at(minute)
    }))
    .unwrap_or_else(|e| panic!("ticket JSON: {e}"));
    ticket.workflow.respond_by = None;
    ticket
}

async fn count(store: &dyn Store, tenant: &TenantId, user: Option<&UserId>, name: &str) -> u32 {
    let list = views::counts(store, tenant, user).await.expect("counts");
    list.views
        .iter()
        .find(|v| v.name == name)
        .map(|v| v.count)
        .unwrap_or(0)
}

async fn ids(store: &dyn Store, tenant: &TenantId, view: &View, sort: ViewSort) -> Vec<String> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = views::page(store, tenant, view, sort, cursor.as_deref(), Some(2))
            .await
            .expect("page");
        all.extend(page.tickets.iter().map(|t| t.id.0.clone()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return all,
        }
    }
}

async fn rewrite(store: &dyn Store, ticket: &Ticket, change: impl FnOnce(&mut Ticket)) -> Ticket {
    let stored = tickets::get(store, &ticket.tenant_id, &ticket.id)
        .await
        .expect("get")
        .expect("stored");
    let mut next = stored.value.clone();
    change(&mut next);
    tickets::update(store, &next, stored.version)
        .await
        .expect("update");
    next
}

/// A ticket is in the views its state puts it in, and moves when it changes: assignment,
/// status, snooze; queue names may hold any character; a stale write changes nothing.
pub async fn view_entries_follow_the_ticket<S: Store>(store: impl Deref<Target = S>) {
    let store: &dyn Store = &*store;
    let tenant = TenantId(super::unique("t"));
    let queue = "Allegro #1: zwroty";
    let first = ticket(&tenant, 1, 0, Some(queue));
    tickets::create_for_conversation(store, &first)
        .await
        .expect("created");
    let other = ticket(&tenant, 2, 1, Some("Allegro"));
    tickets::create_for_conversation(store, &other)
        .await
        .expect("created");
    assert_eq!(count(store, &tenant, None, "unassigned").await, 2);
    assert_eq!(count(store, &tenant, None, "needs_reply").await, 2);
    assert_eq!(
        count(store, &tenant, None, &format!("queue:{queue}")).await,
        1
    );
    assert_eq!(count(store, &tenant, None, "queue:Allegro").await, 1);
    assert_eq!(
        ids(
            store,
            &tenant,
            &View::Queue(queue.into()),
            ViewSort::Activity
        )
        .await,
        ["tk-1"]
    );

    let ola = UserId::from("u-ola");
    let stored = tickets::get(store, &tenant, &first.id)
        .await
        .expect("get")
        .expect("stored");
    let moved = rewrite(store, &first, |t| {
        t.workflow.assignee = Some(ola.clone());
        t.status = TicketStatus::Pending;
        t.needs_reply = false;
    })
    .await;
    assert_eq!(count(store, &tenant, Some(&ola), "mine").await, 1);
    assert_eq!(count(store, &tenant, None, "unassigned").await, 1);
    assert_eq!(count(store, &tenant, None, "needs_reply").await, 1);
    assert_eq!(count(store, &tenant, None, "pending").await, 1);
    assert_eq!(
        ids(
            store,
            &tenant,
            &View::Assignee(ola.clone()),
            ViewSort::Activity
        )
        .await,
        ["tk-1"]
    );

    // A write based on the version read before the move is refused and leaves every entry.
    let mut stale = stored.value.clone();
    stale.workflow.assignee = None;
    let refused = tickets::update(store, &stale, stored.version).await;
    assert!(refused.as_ref().is_err_and(is_conflict), "{refused:?}");
    assert_eq!(count(store, &tenant, Some(&ola), "mine").await, 1);

    // Snoozed: only in the snoozed view, and found by the wake-up index when due.
    let until = at(60);
    rewrite(store, &moved, |t| {
        t.workflow.snooze = Some(Snooze {
            until,
            buyer_seen_at: None,
        })
    })
    .await;
    assert_eq!(count(store, &tenant, Some(&ola), "mine").await, 0);
    assert_eq!(count(store, &tenant, None, "pending").await, 0);
    assert_eq!(count(store, &tenant, None, "snoozed").await, 1);
    let due = |now| {
        Query::index(Index::Gsi1, entries::SNOOZE_DUE.to_owned())
            .sort(SortKeyCondition::AtMost(entries::due_until(now)))
            .limit(1000)
    };
    let mine = |page: crate::ports::Page| {
        page.items
            .iter()
            .filter(|i| i.data["tenant_id"] == serde_json::json!(tenant))
            .count()
    };
    assert_eq!(mine(store.query(&due(at(59))).await.expect("query")), 0);
    assert_eq!(mine(store.query(&due(at(60))).await.expect("query")), 1);
    rewrite(store, &moved, |t| t.workflow.snooze = None).await;
    assert_eq!(count(store, &tenant, None, "snoozed").await, 0);
    assert_eq!(mine(store.query(&due(at(60))).await.expect("query")), 0);
    assert_eq!(count(store, &tenant, Some(&ola), "mine").await, 1);
}

/// View pages come in deadline order (tickets without one last) or activity order (latest
/// first), page by page; tickets with an SLA notice to send are in the due index.
pub async fn view_pages_sort_by_deadline_and_activity<S: Store>(store: impl Deref<Target = S>) {
    let store: &dyn Store = &*store;
    let tenant = TenantId(super::unique("t"));
    // (ticket, activity minute, deadline minute)
    let rows = [
        (1, 10, Some(300)),
        (2, 20, None),
        (3, 30, Some(100)),
        (4, 40, Some(200)),
        (5, 50, None),
    ];
    for (n, minute, deadline) in rows {
        let mut t = ticket(&tenant, n, minute, None);
        if let Some(d) = deadline {
            t.workflow.respond_by = Some(at(d));
            t.workflow.sla = Some(SlaClock {
                target: SlaTarget::FirstResponse,
                started_at: at(minute),
                respond_by: at(d),
                warn_at: at(d - 60),
                nearing_notified: false,
                breach_notified: false,
            });
        }
        tickets::create_for_conversation(store, &t)
            .await
            .expect("created");
    }
    assert_eq!(
        ids(store, &tenant, &View::NeedsReply, ViewSort::RespondBy).await,
        ["tk-3", "tk-4", "tk-1", "tk-2", "tk-5"]
    );
    assert_eq!(
        ids(store, &tenant, &View::NeedsReply, ViewSort::Activity).await,
        ["tk-5", "tk-4", "tk-3", "tk-2", "tk-1"]
    );
    let sla_due = Query::index(Index::Gsi1, entries::SLA_DUE.to_owned())
        .sort(SortKeyCondition::AtMost(entries::due_until(at(150))))
        .limit(1000);
    let due: Vec<TicketId> = store
        .query(&sla_due)
        .await
        .expect("query")
        .items
        .iter()
        .filter(|i| i.data["tenant_id"] == serde_json::json!(tenant))
        .filter_map(|i| i.data["ticket_id"].as_str().map(TicketId::from))
        .collect();
    // Warnings at 40 (tk-3) and 140 (tk-4) are due by minute 150; tk-1's at 240 is not.
    assert_eq!(due, [TicketId::from("tk-3"), TicketId::from("tk-4")]);
}
