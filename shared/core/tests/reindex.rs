//! `services::reindex` (`marketdesk reindex`): tickets and customers stored before views,
//! search, name words, the kept preview and the deadline index get their items, and a second
//! run writes nothing new.

mod support;

use marketdesk_core::domain::{Actor, AuthorKind, Role};
use marketdesk_core::ids::TenantId;
use marketdesk_core::ports::{Condition, Index, Item, Ports, Query};
use marketdesk_core::repo::keys;
use marketdesk_core::services::caller::Caller;
use marketdesk_core::services::customer_views::{self, CustomerQuery};
use marketdesk_core::services::search::{self, SearchQuery};
use marketdesk_core::services::ticket_views::TicketQuery;
use marketdesk_core::services::{ingest, reindex, views};
use support::*;

const PREFIXES: [&str; 5] = [
    "VIEW#",
    "SEARCH#id#",
    "SEARCH#name#",
    "CUSTNAME#",
    "CUSTTICKET#",
];

/// Every item of the tenant's partition.
async fn partition(ports: &Ports, tenant: &TenantId) -> Vec<Item> {
    let mut all = Vec::new();
    let mut query = Query::partition(keys::tenant_partition(tenant)).limit(1000);
    loop {
        let page = ports.store.query(&query).await.expect("query");
        all.extend(page.items);
        match page.next {
            Some(next) => query.after = Some(next),
            None => return all,
        }
    }
}

/// Turns the tenant's data into what a version before these features stored: no view,
/// search, name-word or ticket-link items, tickets without preview or deadline index.
async fn as_stored_before(ports: &Ports, tenant: &TenantId) {
    for item in partition(ports, tenant).await {
        if PREFIXES.iter().any(|p| item.key.sk.starts_with(p))
            || item.key.sk.starts_with("CUSTEMAIL#")
        {
            ports
                .store
                .delete(&item.key, Condition::None)
                .await
                .expect("deleted");
        } else if item.key.sk.starts_with("TICKET#")
            && !item.key.sk.contains("#MSG#")
            && !item.key.sk.contains("#REPLY#")
        {
            let mut old = item.clone();
            old.indexes[Index::Gsi3.position()] = None;
            if let Some(body) = old.data.as_object_mut() {
                body.remove("preview");
            }
            ports.store.put(old, Condition::None).await.expect("put");
        }
    }
}

fn agent(tenant: &str) -> Caller {
    Caller {
        tenant_id: TenantId::from(tenant),
        role: Role::Agent,
        actor: Actor::ApiKey {
            id: "k".into(),
            name: None,
        },
        session: None,
    }
}

async fn found_by(ports: &Ports, tenant: &TenantId, q: &str) -> usize {
    search::search(
        ports,
        tenant,
        &SearchQuery {
            q: Some(q.into()),
            limit: None,
        },
    )
    .await
    .expect("search")
    .results
    .len()
}

async fn by_deadline(ports: &Ports, caller: &Caller) -> Vec<String> {
    let query: TicketQuery =
        serde_json::from_value(serde_json::json!({ "sort": "respond_by" })).expect("query");
    views::list_tickets(ports, caller, &query)
        .await
        .expect("list")
        .tickets
        .into_iter()
        .map(|t| t.buyer_login)
        .collect()
}

#[tokio::test]
async fn reindexing_writes_the_items_older_data_lacks_and_a_second_run_changes_nothing() {
    let b = backend();
    let integration = connected_allegro(&b.ports, "t1").await;
    let tenant = integration.tenant_id.clone();
    for (n, (login, name)) in [("ola_k", "Ola Kowalska"), ("piotr_n", "Piotr Nowak")]
        .into_iter()
        .enumerate()
    {
        let mut event = dispute(
            &integration,
            &format!("issue-{n}"),
            "DISPUTE_ONGOING",
            vec![message(
                &format!("m{n}"),
                AuthorKind::Buyer,
                "Paczka nie doszła",
                n as i64,
            )],
        );
        event.buyer_login = login.into();
        event.buyer_name = Some(name.into());
        event.buyer_emails = vec![format!("{login}@example.com")];
        event.order_id = Some(format!("order-{n}-0000"));
        ingest::run(&b.ports, &event).await.expect("ingested");
    }
    let caller = agent("t1");
    let counts = |list: views::ViewList| {
        list.views
            .into_iter()
            .find(|v| v.name == "needs_reply")
            .map(|v| v.count)
    };
    let healthy = partition(&b.ports, &tenant).await.len();
    assert_eq!(by_deadline(&b.ports, &caller).await.len(), 2);

    as_stored_before(&b.ports, &tenant).await;
    assert_eq!(found_by(&b.ports, &tenant, "order-1-0000").await, 0);
    assert_eq!(
        counts(views::list(&b.ports, &caller).await.expect("views")),
        Some(0)
    );
    assert!(by_deadline(&b.ports, &caller).await.is_empty());
    let by_name: CustomerQuery =
        serde_json::from_value(serde_json::json!({ "name": "kowal" })).expect("query");
    let customers = customer_views::search(&b.ports, &tenant, &by_name)
        .await
        .expect("customers");
    assert!(customers.customers.is_empty());

    let report = reindex::tenant(&b.ports, &tenant).await.expect("reindexed");
    assert_eq!((report.tickets, report.customers), (2, 2));
    assert_eq!(found_by(&b.ports, &tenant, "order-1-0000").await, 1);
    assert_eq!(found_by(&b.ports, &tenant, "nowak").await, 1);
    assert_eq!(found_by(&b.ports, &tenant, "piotr_n@example.com").await, 1);
    assert_eq!(
        counts(views::list(&b.ports, &caller).await.expect("views")),
        Some(2)
    );
    assert_eq!(by_deadline(&b.ports, &caller).await.len(), 2);
    let customers = customer_views::search(&b.ports, &tenant, &by_name)
        .await
        .expect("customers");
    assert_eq!(customers.customers.len(), 1);
    let listed = views::list_tickets(&b.ports, &caller, &TicketQuery::default())
        .await
        .expect("list");
    assert!(listed.tickets.iter().all(|t| t
        .preview
        .as_ref()
        .is_some_and(|p| p.text == "Paczka nie doszła")));
    let restored = partition(&b.ports, &tenant).await;
    assert_eq!(restored.len(), healthy, "every item back, none more");

    let again = reindex::tenant(&b.ports, &tenant).await.expect("again");
    assert_eq!(again, report);
    let keys_of = |items: &[Item]| items.iter().map(|i| i.key.clone()).collect::<Vec<_>>();
    assert_eq!(
        keys_of(&partition(&b.ports, &tenant).await),
        keys_of(&restored),
        "idempotent"
    );
}
