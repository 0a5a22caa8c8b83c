//! Views over the services: what each lists after real ingests and workflow changes, and what
//! a page and the counts cost in store reads (bounded, whatever the tenant's size).

mod support;

use async_trait::async_trait;
use marketdesk_core::domain::{
    Actor, AuthorKind, ConversationKind, ConversationRef, Role, Ticket, TicketStatus,
};
use marketdesk_core::ids::TenantId;
use marketdesk_core::ports::{
    Condition, Item, Key, Page, Ports, Query, Store, StoreError, WriteOp,
};
use marketdesk_core::repo::tickets;
use marketdesk_core::services::caller::Caller;
use marketdesk_core::services::ticket_views::TicketQuery;
use marketdesk_core::services::{ingest, views, workflow, workspace};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use support::*;

/// A store that counts the reads (`get`, `query`) made through it.
struct CountingStore {
    inner: Arc<dyn Store>,
    gets: AtomicUsize,
    queries: AtomicUsize,
}

#[async_trait]
impl Store for CountingStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.queries.fetch_add(1, Ordering::SeqCst);
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.inner.transact(ops).await
    }
}

impl CountingStore {
    /// (gets, queries) since the last call.
    fn take(&self) -> (usize, usize) {
        (
            self.gets.swap(0, Ordering::SeqCst),
            self.queries.swap(0, Ordering::SeqCst),
        )
    }
}

fn caller(tenant: &str, actor: Actor) -> Caller {
    Caller {
        tenant_id: TenantId::from(tenant),
        role: Role::Agent,
        actor,
        session: None,
    }
}

fn query(view: &str, sort: &str, cursor: Option<String>) -> TicketQuery {
    serde_json::from_value(
        serde_json::json!({ "view": view, "sort": sort, "cursor": cursor, "limit": 25 }),
    )
    .expect("query")
}

async fn names(ports: &Ports, caller: &Caller, view: &str, sort: &str) -> Vec<String> {
    let page = views::list_tickets(ports, caller, &query(view, sort, None))
        .await
        .expect("page");
    page.tickets.iter().map(|t| t.buyer_login.clone()).collect()
}

#[tokio::test]
async fn views_list_what_needs_each_kind_of_attention() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let ola = add_user(&b, "t1", "Ola", true).await;
    let me = Actor::User {
        id: ola.clone(),
        name: "Ola".into(),
    };
    let mut ids = Vec::new();
    for (n, author) in [
        (1, AuthorKind::Buyer),
        (2, AuthorKind::Autoresponder),
        (3, AuthorKind::SellerViaMarketplace),
    ] {
        let mut event = dispute(
            &i,
            &format!("issue-{n}"),
            "DISPUTE_ONGOING",
            vec![
                message(&format!("b{n}"), AuthorKind::Buyer, "?", n),
                message(&format!("a{n}"), author, "…", n + 1),
            ],
        );
        event.buyer_login = format!("buyer{n}");
        ids.push(
            ingest::run(&b.ports, &event)
                .await
                .expect("ingest")
                .ticket_id,
        );
    }
    let agent = caller("t1", me.clone());
    let patch = |json| serde_json::from_value(json).expect("patch");
    workflow::patch(
        &b.ports,
        &i.tenant_id,
        &ids[0],
        &me,
        patch(serde_json::json!({ "assignee": ola.0 })),
    )
    .await
    .expect("assigned");
    workflow::patch(
        &b.ports,
        &i.tenant_id,
        &ids[2],
        &me,
        patch(serde_json::json!({ "status": "pending" })),
    )
    .await
    .expect("pending");

    assert_eq!(
        names(&b.ports, &agent, "mine", "activity").await,
        ["buyer1"]
    );
    assert_eq!(
        names(&b.ports, &agent, "unassigned", "activity").await,
        ["buyer3", "buyer2"]
    );
    assert_eq!(
        names(&b.ports, &agent, "needs_reply", "respond_by").await,
        ["buyer1", "buyer2"]
    );
    assert_eq!(
        names(&b.ports, &agent, "autoresponder", "activity").await,
        ["buyer2"]
    );
    assert_eq!(
        names(&b.ports, &agent, "pending", "activity").await,
        ["buyer3"]
    );
    assert_eq!(
        names(&b.ports, &agent, "queue:Allegro", "activity").await,
        ["buyer3", "buyer2", "buyer1"]
    );

    let counts = views::list(&b.ports, &agent).await.expect("counts");
    let shown: Vec<(String, u32)> = counts
        .views
        .iter()
        .map(|v| (v.name.clone(), v.count))
        .collect();
    assert_eq!(
        shown,
        [
            ("mine".to_owned(), 1),
            ("unassigned".to_owned(), 2),
            ("needs_reply".to_owned(), 2),
            ("pending".to_owned(), 1),
            ("failed_delivery".to_owned(), 0),
            ("autoresponder".to_owned(), 1),
            ("snoozed".to_owned(), 0),
            ("queue:Allegro".to_owned(), 3),
        ]
    );

    // An API key has no "mine"; views refuse filters beside them; respond_by needs a view.
    let key = caller(
        "t1",
        Actor::ApiKey {
            id: "k1".into(),
            name: None,
        },
    );
    for (q, field) in [
        (serde_json::json!({ "view": "mine" }), "view"),
        (serde_json::json!({ "view": "nonsense" }), "view"),
        (
            serde_json::json!({ "view": "nonsense", "status": "open" }),
            "view",
        ),
    ] {
        let q: TicketQuery = serde_json::from_value(q).expect("query");
        match views::list_tickets(&b.ports, &key, &q).await {
            Err(marketdesk_core::services::request::RequestError::Invalid { field: f, .. }) => {
                assert_eq!(f, field)
            }
            other => panic!("{q:?}: {other:?}"),
        }
    }
    assert!(views::list(&b.ports, &key)
        .await
        .expect("counts")
        .views
        .iter()
        .all(|v| v.name != "mine"));
}

/// A ticket of tenant `t-big` needing a reply, active at `minute`.
fn bulk_ticket(n: usize) -> Ticket {
    let mut t: Ticket = serde_json::from_value(serde_json::json!({
        "id": format!("tk-{n:05}"), "tenant_id": "t-big", "integration_id": "int-1",
        "conversation": ConversationRef { kind: ConversationKind::AllegroDispute, external_id: format!("i-{n}") },
        "source": "allegro", "subject": "?", "status": "open",
        "marketplace_status": "DISPUTE_ONGOING", "open_for_replies": true,
        "queue": if n.is_multiple_of(2) { Some("Allegro") } else { None }, "category": null,
        "buyer_login": format!("b{n}"), "customer_id": null, "order_id": null,
        "last_author": "buyer", "needs_reply": true,
        "created_at": start(), "updated_at": start() + chrono::Duration::seconds(n as i64),
    }))
    .expect("ticket");
    t.workflow.respond_by = Some(start() + chrono::Duration::minutes((n * 7 % 1000) as i64));
    if n.is_multiple_of(3) {
        t.status = TicketStatus::Pending;
        t.needs_reply = false;
        t.workflow.respond_by = None;
    }
    t
}

#[tokio::test]
async fn a_view_page_costs_one_query_and_one_read_per_ticket_whatever_the_tenant_size() {
    let b = backend();
    let counting = Arc::new(CountingStore {
        inner: b.ports.store.clone(),
        gets: AtomicUsize::new(0),
        queries: AtomicUsize::new(0),
    });
    let ports = Ports {
        store: counting.clone(),
        ..b.ports.clone()
    };
    let agent = caller(
        "t-big",
        Actor::ApiKey {
            id: "k".into(),
            name: None,
        },
    );
    let mut stored = 0;
    // MARKETDESK_VIEWS_MEASURE_SIZE adds a larger tenant (e.g. 10000) for the timings.
    let extra = std::env::var("MARKETDESK_VIEWS_MEASURE_SIZE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok());
    for size in [100, 1500].into_iter().chain(extra) {
        while stored < size {
            tickets::create_for_conversation(&*b.ports.store, &bulk_ticket(stored))
                .await
                .expect("stored");
            stored += 1;
        }
        counting.take();
        let started = std::time::Instant::now();
        let first = views::list_tickets(&ports, &agent, &query("needs_reply", "respond_by", None))
            .await
            .expect("page");
        let second = views::list_tickets(
            &ports,
            &agent,
            &query("needs_reply", "respond_by", first.next_cursor.clone()),
        )
        .await
        .expect("page");
        let elapsed = started.elapsed();
        assert_eq!((first.tickets.len(), second.tickets.len()), (25, 25));
        assert_eq!(
            counting.take(),
            (50, 2),
            "{size} tickets: 1 query + 25 gets a page"
        );
        let deadlines: Vec<_> = first
            .tickets
            .iter()
            .chain(&second.tickets)
            .map(|t| t.workflow.respond_by)
            .collect();
        let mut sorted = deadlines.clone();
        sorted.sort();
        assert_eq!(deadlines, sorted, "earliest deadline first, across pages");

        let started_counts = std::time::Instant::now();
        let counts = views::list(&ports, &agent).await.expect("counts");
        let counts_elapsed = started_counts.elapsed();
        assert_eq!(
            counting.take(),
            (0, 7),
            "{size} tickets: one query per view, one for all queues"
        );
        let needs_reply = counts
            .views
            .iter()
            .find(|v| v.name == "needs_reply")
            .expect("view");
        let expected = (0..size).filter(|n| !n.is_multiple_of(3)).count() as u32;
        assert_eq!(
            (needs_reply.count, needs_reply.more),
            (expected.min(views::COUNT_CAP), expected > views::COUNT_CAP)
        );
        println!(
            "{size} tickets (SQLite): two view pages {elapsed:?}, counts of every view {counts_elapsed:?}"
        );
    }
}

#[tokio::test]
async fn a_page_of_list_rows_reads_no_timeline_the_preview_is_kept_in_the_ticket() {
    let b = backend();
    let integration = connected_allegro(&b.ports, "t-rows").await;
    for n in 0..30 {
        let event = dispute(
            &integration,
            &format!("issue-{n}"),
            "DISPUTE_ONGOING",
            vec![
                message(&format!("b{n}"), AuthorKind::Buyer, "Gdzie jest paczka?", n),
                message(
                    &format!("s{n}"),
                    AuthorKind::SellerViaMarketplace,
                    &format!("Wysłana wczoraj,\nnumer {n}."),
                    n + 1,
                ),
            ],
        );
        ingest::run(&b.ports, &event).await.expect("ingested");
    }
    let counting = Arc::new(CountingStore {
        inner: b.ports.store.clone(),
        gets: AtomicUsize::new(0),
        queries: AtomicUsize::new(0),
    });
    let ports = Ports {
        store: counting.clone(),
        ..b.ports.clone()
    };
    let agent = caller(
        "t-rows",
        Actor::ApiKey {
            id: "k".into(),
            name: None,
        },
    );
    let list = TicketQuery {
        limit: Some(25),
        ..TicketQuery::default()
    };
    let page = workspace::rows(&ports, &agent, &list, None)
        .await
        .expect("rows");
    let after = counting.take();
    assert_eq!(page.rows.len(), 25);
    let preview = page.rows[0].preview.as_ref().expect("a preview");
    assert_eq!(
        (preview.author, preview.text.as_str()),
        (
            AuthorKind::SellerViaMarketplace,
            "Wysłana wczoraj, numer 29."
        )
    );
    // One list query, one of the integrations, one customer `get` per row: no timelines.
    assert_eq!(after, (25, 2), "(gets, queries) of a page of 25 rows");

    // The same page over tickets stored before the preview was kept: two timeline queries
    // (messages, replies) per row.
    for row in &page.rows {
        let stored = tickets::get(&*b.ports.store, &row.ticket.tenant_id, &row.ticket.id)
            .await
            .expect("read")
            .expect("stored");
        let mut old = stored.value.clone();
        old.preview = None;
        tickets::update(&*b.ports.store, &old, stored.version)
            .await
            .expect("stored without preview");
    }
    counting.take();
    let old = workspace::rows(&ports, &agent, &list, None)
        .await
        .expect("rows");
    let before = counting.take();
    assert_eq!(
        old.rows[0].preview.as_ref(),
        Some(preview),
        "the same preview"
    );
    assert_eq!(
        before,
        (25, 52),
        "(gets, queries) reading each row's timeline"
    );
    println!("a page of 25 rows: {after:?} (gets, queries) with the kept preview, {before:?} reading timelines");
}
