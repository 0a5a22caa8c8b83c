//! CRM rules over the embedded backend: how two records of one person merge, and that the
//! buyer's next conversation under either login reaches the kept customer.

mod support;

use chrono::Duration;
use marketdesk_core::domain::{Actor, AuthorKind, Customer, FieldValue, Role};
use marketdesk_core::ids::{CustomerId, TenantId, UserId};
use marketdesk_core::repo::{customers, tickets};
use marketdesk_core::services::caller::Caller;
use marketdesk_core::services::crm::{self, MergeRequest};
use marketdesk_core::services::ingest;
use std::collections::BTreeMap;
use support::*;

fn record(name: &str, emails: &[&str], fields: &[(&str, &str)]) -> Customer {
    Customer {
        emails: emails.iter().map(|e| e.to_string()).collect(),
        custom_fields: fields
            .iter()
            .map(|(f, v)| (f.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        ..Customer::new(CustomerId::generate(), TenantId::from("t1"), name, start())
    }
}

#[test]
fn the_kept_record_wins_and_the_other_fills_gaps_and_keeps_its_logins() {
    let mut kept = record(
        "Jan Kowalski",
        &["jan@example.com"],
        &[("Allegro login", "jan_k")],
    );
    kept.note = Some("VIP".into());
    let mut other = record(
        "J. K.",
        &["JAN@example.com", "jk@example.com"],
        &[("allegro login", "jan_k_2"), ("Empik ID", "E-7")],
    );
    other.phone = Some("+48 600 100 200".into());
    other.note = Some("ignored: the kept note wins".into());
    other.other_field_values = vec![FieldValue {
        field: "Allegro login".into(),
        value: "jan_old".into(),
    }];
    kept.absorb(&other);
    assert_eq!(kept.name, "Jan Kowalski");
    assert_eq!(kept.emails, ["jan@example.com", "jk@example.com"]);
    assert_eq!(kept.custom_fields["Allegro login"], "jan_k");
    assert_eq!(kept.custom_fields["Empik ID"], "E-7");
    let kept_logins: Vec<&str> = kept
        .other_field_values
        .iter()
        .map(|p| p.value.as_str())
        .collect();
    assert_eq!(kept_logins, ["jan_k_2", "jan_old"]);
    assert_eq!(kept.phone.as_deref(), Some("+48 600 100 200"));
    assert_eq!(kept.note.as_deref(), Some("VIP"));

    let mut blank = record(" ", &[], &[]);
    blank.absorb(&other);
    assert_eq!(blank.name, "J. K.", "a blank name is filled");
}

#[tokio::test]
async fn after_a_merge_both_logins_bring_new_conversations_to_the_kept_customer() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let store = &*b.ports.store;
    // The same person buying from two Allegro accounts: ingest makes two customers.
    let first = dispute(
        &i,
        "issue-1",
        "DISPUTE_ONGOING",
        vec![message("m1", AuthorKind::Buyer, "Gdzie paczka?", 0)],
    );
    let mut second = dispute(
        &i,
        "issue-2",
        "DISPUTE_ONGOING",
        vec![message("m2", AuthorKind::Buyer, "Druga sprawa", 1)],
    );
    second.buyer_login = "jan_drugi".into();
    let t1 = ingest::run(&b.ports, &first)
        .await
        .expect("ingest")
        .ticket_id;
    let t2 = ingest::run(&b.ports, &second)
        .await
        .expect("ingest")
        .ticket_id;
    let customer_of = |id| async move {
        tickets::get(store, &TenantId::from("t1"), &id)
            .await
            .expect("get")
            .expect("ticket")
            .value
            .customer_id
            .expect("linked")
    };
    let kept = customer_of(t1.clone()).await;
    let other = customer_of(t2.clone()).await;
    assert_ne!(kept, other);

    let caller = Caller {
        tenant_id: "t1".into(),
        role: Role::Agent,
        actor: Actor::User {
            id: UserId::from("u-1"),
            name: "Ola".into(),
        },
        session: None,
    };
    b.clock.advance(Duration::minutes(5));
    let merged = crm::merge(
        &b.ports,
        &caller,
        &kept,
        MergeRequest {
            from: other.to_string(),
        },
    )
    .await
    .expect("merged");
    assert_eq!(merged.updated_by, Some(caller.actor.clone()));
    assert_eq!(merged.updated_at, Some(start() + Duration::minutes(5)));
    assert_eq!(customer_of(t2).await, kept, "the ticket moved");

    let mut third = dispute(
        &i,
        "issue-3",
        "DISPUTE_ONGOING",
        vec![message("m3", AuthorKind::Buyer, "Trzecia", 6)],
    );
    third.buyer_login = "jan_drugi".into();
    let t3 = ingest::run(&b.ports, &third)
        .await
        .expect("ingest")
        .ticket_id;
    assert_eq!(
        customer_of(t3).await,
        kept,
        "the other login finds the kept customer"
    );
    assert!(customers::get(store, &TenantId::from("t1"), &other)
        .await
        .expect("get")
        .is_none());
}
