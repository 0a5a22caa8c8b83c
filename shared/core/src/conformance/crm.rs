//! CRM customers on a backend: the lookup items (name words, e-mail addresses, field guards)
//! follow edits and merges, and a merge moves tickets and re-points guards, all through the
//! store's transactions. Takes whole [`Ports`]; only the store and clock are used.

use crate::domain::{
    Actor, ConversationKind, ConversationRef, Customer, Marketplace, Role, Ticket, TicketPanel,
    TicketStatus,
};
use crate::ids::{CustomerId, TenantId, TicketId, UserId};
use crate::ports::Ports;
use crate::repo::{customers, tickets};
use crate::services::caller::Caller;
use crate::services::crm::{self, CustomerPatch, MergeRequest};
use crate::services::customer_views::{self, CustomerQuery};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::ops::Deref;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default()
}

fn caller(tenant: &TenantId) -> Caller {
    Caller {
        tenant_id: tenant.clone(),
        role: Role::Agent,
        actor: Actor::User {
            id: UserId::from("u-ola"),
            name: "Ola".into(),
        },
        session: None,
    }
}

async fn customer(ports: &Ports, tenant: &TenantId, name: &str, login: &str) -> CustomerId {
    let customer = Customer {
        emails: vec![format!("{login}@Example.com")],
        custom_fields: BTreeMap::from([("Allegro login".to_owned(), login.to_owned())]),
        ..Customer::new(CustomerId::generate(), tenant.clone(), name, now())
    };
    customers::create(&*ports.store, &customer)
        .await
        .expect("customer created")
}

async fn ticket_of(ports: &Ports, tenant: &TenantId, customer: &CustomerId) -> TicketId {
    let ticket = Ticket {
        id: TicketId::generate(),
        tenant_id: tenant.clone(),
        integration_id: "int-1".into(),
        conversation: ConversationRef {
            kind: ConversationKind::AllegroCommonThread,
            external_id: super::unique("thread"),
        },
        source: Marketplace::Allegro,
        subject: "Pytanie".into(),
        status: TicketStatus::Open,
        marketplace_status: "OPEN".into(),
        open_for_replies: true,
        marketplace_observed_at: None,
        queue: None,
        category: None,
        buyer_login: "buyer".into(),
        customer_id: Some(customer.clone()),
        order_id: None,
        panel: TicketPanel::default(),
        last_author: None,
        needs_reply: true,
        delivery: None,
        created_at: now(),
        updated_at: now(),
        opening: 1,
        opening_after: None,
        closed_at: None,
        decided_at: None,
        autoreply: None,
        preview: None,
        shop_reply_needed_since: None,
        workflow: Default::default(),
    };
    tickets::create_for_conversation(&*ports.store, &ticket)
        .await
        .expect("ticket created")
}

async fn names(ports: &Ports, tenant: &TenantId, query: CustomerQuery) -> Vec<String> {
    customer_views::search(ports, tenant, &query)
        .await
        .expect("search")
        .customers
        .into_iter()
        .map(|c| c.name)
        .collect()
}

fn by_name(name: &str) -> CustomerQuery {
    CustomerQuery {
        name: Some(name.into()),
        ..CustomerQuery::default()
    }
}

fn by_email(email: &str) -> CustomerQuery {
    CustomerQuery {
        email: Some(email.into()),
        ..CustomerQuery::default()
    }
}

/// Any word of the name (diacritics folded) and any e-mail address find the customer, and
/// keep doing so after edits: old words and addresses stop finding it, a field value moves.
pub async fn customer_lookups_follow_edits(ports: impl Deref<Target = Ports>) {
    let ports: &Ports = &ports;
    let tenant = TenantId(super::unique("t"));
    let anna = customer(ports, &tenant, "Anna Nowak-Żuraw", "anna_n").await;
    customer(ports, &tenant, "Bogdan Nowakowski", "bogdan").await;
    assert_eq!(
        names(ports, &tenant, by_name("zuraw")).await,
        ["Anna Nowak-Żuraw"]
    );
    assert_eq!(
        names(ports, &tenant, by_name("NOWAK")).await,
        ["Anna Nowak-Żuraw", "Bogdan Nowakowski"]
    );
    assert_eq!(
        names(ports, &tenant, by_name("anna now")).await,
        ["Anna Nowak-Żuraw"]
    );
    assert_eq!(
        names(ports, &tenant, by_email("ANNA_N@example.COM")).await,
        ["Anna Nowak-Żuraw"]
    );

    let patch = CustomerPatch {
        name: Some("Anna Kowalska".into()),
        emails: Some(vec!["anna@shop.example".into()]),
        custom_fields: Some(BTreeMap::from([(
            "Allegro login".to_owned(),
            Some("anna_k".to_owned()),
        )])),
        ..CustomerPatch::default()
    };
    let changed = crm::update(ports, &caller(&tenant), &anna, patch)
        .await
        .expect("updated");
    assert_eq!(changed.updated_by, Some(caller(&tenant).actor));
    assert!(names(ports, &tenant, by_name("zuraw")).await.is_empty());
    assert_eq!(
        names(ports, &tenant, by_name("kowal")).await,
        ["Anna Kowalska"]
    );
    assert!(names(ports, &tenant, by_email("anna_n@example.com"))
        .await
        .is_empty());
    assert_eq!(
        names(ports, &tenant, by_email("anna@shop.example")).await,
        ["Anna Kowalska"]
    );
    let store = &*ports.store;
    assert_eq!(
        customers::find_by_field(store, &tenant, "Allegro login", "anna_n")
            .await
            .expect("get"),
        None
    );
    assert_eq!(
        customers::find_by_field(store, &tenant, "allegro login", "anna_k")
            .await
            .expect("get"),
        Some(anna.clone())
    );
}

/// A merge moves the other record's tickets, re-points its field guards, removes it, and
/// answers the same when repeated (moving a ticket linked to the removed record meanwhile).
pub async fn merges_move_tickets_and_guards(ports: impl Deref<Target = Ports>) {
    let ports: &Ports = &ports;
    let store = &*ports.store;
    let tenant = TenantId(super::unique("t"));
    let kept = customer(ports, &tenant, "Jan Kowalski", "jan_k").await;
    let other = customer(ports, &tenant, "J. Kowalski", "jan_k_2").await;
    let mut moved = Vec::new();
    for _ in 0..3 {
        moved.push(ticket_of(ports, &tenant, &other).await);
    }
    let own = ticket_of(ports, &tenant, &kept).await;
    let request = || MergeRequest {
        from: other.to_string(),
    };
    let merged = crm::merge(ports, &caller(&tenant), &kept, request())
        .await
        .expect("merged");
    assert_eq!(merged.name, "Jan Kowalski", "the kept values win");
    assert_eq!(merged.custom_fields["Allegro login"], "jan_k");
    assert_eq!(merged.other_field_values.len(), 1);
    assert_eq!(merged.other_field_values[0].value, "jan_k_2");
    assert_eq!(merged.emails.len(), 2);
    for id in moved.iter().chain([&own]) {
        let ticket = tickets::get(store, &tenant, id)
            .await
            .expect("get")
            .expect("ticket");
        assert_eq!(ticket.value.customer_id.as_ref(), Some(&kept), "{id}");
    }
    assert!(customers::get(store, &tenant, &other)
        .await
        .expect("get")
        .is_none());
    assert_eq!(
        customers::find_by_field(store, &tenant, "Allegro login", "jan_k_2")
            .await
            .expect("get"),
        Some(kept.clone()),
        "the other login finds the kept customer"
    );
    assert_eq!(
        customers::linked_tickets(store, &tenant, &kept, 100)
            .await
            .expect("links")
            .len(),
        4
    );
    assert_eq!(
        names(ports, &tenant, by_email("jan_k_2@example.com")).await,
        ["Jan Kowalski"]
    );

    // A ticket that reached the removed record late (ingest read the guard before the merge).
    let late = ticket_of(ports, &tenant, &other).await;
    let again = crm::merge(ports, &caller(&tenant), &kept, request())
        .await
        .expect("repeating answers the same");
    assert_eq!(again, merged);
    let late = tickets::get(store, &tenant, &late)
        .await
        .expect("get")
        .expect("ticket");
    assert_eq!(late.value.customer_id, Some(kept));
}
