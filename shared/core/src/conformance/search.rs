//! Search on a [`Store`] adapter: identifiers, logins, e-mails and names find the same
//! tickets on every backend, tenants never see each other's, and the word index (the FTS5
//! one locally, word entries on AWS) matches every word of a query within one ticket.

use crate::domain::{Customer, Ticket};
use crate::ids::{CustomerId, TenantId, TicketId};
use crate::jobs::InboundEvent;
use crate::ports::{Store, TextDoc, TextIndex};
use crate::repo::search::MatchField;
use crate::repo::word_index::StoreWordIndex;
use crate::repo::{customers, tickets};
use crate::services::search::{index_ingested_in, search_in, SearchQuery};
use chrono::Utc;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Deref;

/// A buyer conversation as the poller reads it.
struct Conversation<'a> {
    kind: &'a str,
    external_id: &'a str,
    subject: &'a str,
    buyer_login: &'a str,
    buyer_name: Option<&'a str>,
    buyer_emails: &'a [&'a str],
    order_id: Option<&'a str>,
}

fn event(tenant: &TenantId, c: &Conversation<'_>) -> InboundEvent {
    serde_json::from_value(json!({
        "tenant_id": tenant,
        "integration_id": "int-1",
        "conversation": { "kind": c.kind, "external_id": c.external_id },
        "subject": c.subject,
        "marketplace_status": "ONGOING",
        "open_for_replies": true,
        "buyer_login": c.buyer_login,
        "buyer_name": c.buyer_name,
        "buyer_emails": c.buyer_emails,
        "order_id": c.order_id,
        "messages": []
    }))
    .expect("an inbound event decodes")
}

fn ticket_of(event: &InboundEvent, customer: Option<&CustomerId>) -> Ticket {
    let source = event.conversation.kind.source();
    serde_json::from_value(json!({
        "id": TicketId::generate(),
        "tenant_id": event.tenant_id,
        "integration_id": event.integration_id,
        "conversation": event.conversation,
        "source": source,
        "subject": event.subject,
        "status": "open",
        "marketplace_status": event.marketplace_status,
        "open_for_replies": true,
        "queue": null,
        "category": null,
        "buyer_login": event.buyer_login,
        "customer_id": customer,
        "order_id": event.order_id,
        "last_author": "buyer",
        "needs_reply": true,
        "created_at": Utc::now(),
        "updated_at": Utc::now()
    }))
    .expect("a ticket decodes")
}

/// Stores the conversation's ticket and indexes it as ingest does; its id.
async fn ingest(
    store: &dyn Store,
    words: &dyn TextIndex,
    tenant: &TenantId,
    conversation: &Conversation<'_>,
    customer: Option<&CustomerId>,
    messages: &[&str],
) -> TicketId {
    let event = event(tenant, conversation);
    let ticket = ticket_of(&event, customer);
    let id = tickets::create_for_conversation(store, &ticket)
        .await
        .expect("ticket stored");
    let docs: Vec<TextDoc> = messages
        .iter()
        .enumerate()
        .map(|(i, text)| TextDoc {
            key: format!("m{i}"),
            text: (*text).to_owned(),
        })
        .collect();
    index_ingested_in(store, words, &event, &id, &docs)
        .await
        .expect("indexed");
    id
}

/// The tickets a search finds, each with what matched.
async fn found(
    store: &dyn Store,
    words: &dyn TextIndex,
    tenant: &TenantId,
    q: &str,
) -> BTreeMap<TicketId, Vec<MatchField>> {
    let answer = search_in(
        store,
        words,
        tenant,
        &SearchQuery {
            q: Some(q.to_owned()),
            limit: None,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("search {q:?}: {e}"));
    answer
        .results
        .into_iter()
        .map(|hit| (hit.ticket.id, hit.matched))
        .collect()
}

/// Ticket ids, conversation ids, Allegro and Mirakl order ids, Mirakl commercial ids, buyer
/// logins, EmpikPlace customer ids, e-mails and names (the buyer's and the CRM customer's)
/// each find exactly their tickets, whatever the case and diacritics; tenants are apart.
pub async fn identifiers_names_and_emails_find_their_tickets<S: Store + 'static>(
    store: impl Deref<Target = S>,
) {
    let store: &dyn Store = &*store;
    let words = StoreWordIndex::new(store);
    let (t1, t2) = (TenantId(super::unique("t1")), TenantId(super::unique("t2")));
    let allegro = ingest(
        store,
        &words,
        &t1,
        &Conversation {
            kind: "allegro_dispute",
            external_id: "c1b5a0e4-issue-a",
            subject: "Uszkodzony towar",
            buyer_login: "Jan_Kowalski",
            buyer_name: Some("Jan Kowalski"),
            buyer_emails: &["jan.k+abc@allegromail.pl"],
            order_id: Some("29a1d2f0-5e0b-11ef-checkout"),
        },
        None,
        &["Paczka przyszła pusta"],
    )
    .await;
    let empik = ingest(
        store,
        &words,
        &t1,
        &Conversation {
            kind: "empik_thread",
            external_id: "thread-77",
            subject: "Zwrot",
            buyer_login: "CUST-9001",
            buyer_name: Some("Zofia Wiśniewska"),
            buyer_emails: &[],
            order_id: Some("EMP123456-A"),
        },
        None,
        &[],
    )
    .await;
    let mut crm = Customer::new(
        CustomerId::generate(),
        t1.clone(),
        "Janina Kowalczyk",
        Utc::now(),
    );
    crm.custom_fields = BTreeMap::from([("Allegro login".to_owned(), "janek99".to_owned())]);
    customers::create(store, &crm).await.expect("customer");
    let linked = ingest(
        store,
        &words,
        &t1,
        &Conversation {
            kind: "allegro_common_thread",
            external_id: "thread-9",
            subject: "Pytanie o rozmiar",
            buyer_login: "janek99",
            buyer_name: Some("Jan Nowak"),
            buyer_emails: &[],
            order_id: None,
        },
        Some(&crm.id),
        &[],
    )
    .await;
    let other_tenant = ingest(
        store,
        &words,
        &t2,
        &Conversation {
            kind: "allegro_dispute",
            external_id: "c1b5a0e4-issue-a",
            subject: "Uszkodzony towar",
            buyer_login: "Jan_Kowalski",
            buyer_name: Some("Jan Kowalski"),
            buyer_emails: &["jan.k+abc@allegromail.pl"],
            order_id: Some("29a1d2f0-5e0b-11ef-checkout"),
        },
        None,
        &[],
    )
    .await;

    let only = |id: &TicketId, field: MatchField| (id.clone(), field);
    for (q, expected) in [
        (
            allegro.to_string(),
            vec![only(&allegro, MatchField::TicketId)],
        ),
        (
            "C1B5A0E4-ISSUE-A".into(),
            vec![only(&allegro, MatchField::ConversationId)],
        ),
        (
            "29a1d2f0-5e0b-11ef-checkout".into(),
            vec![only(&allegro, MatchField::OrderId)],
        ),
        (
            "EMP123456-a".into(),
            vec![only(&empik, MatchField::OrderId)],
        ),
        (
            "emp123456".into(),
            vec![only(&empik, MatchField::CommercialId)],
        ),
        (
            "jan_kowalski".into(),
            vec![only(&allegro, MatchField::BuyerLogin)],
        ),
        (
            "cust-9001".into(),
            vec![only(&empik, MatchField::EmpikCustomerId)],
        ),
        (
            " JAN.K+ABC@allegromail.pl ".into(),
            vec![only(&allegro, MatchField::Email)],
        ),
        (
            "kowalski".into(),
            vec![only(&allegro, MatchField::CustomerName)],
        ),
        (
            "Wiśniewska".into(),
            vec![only(&empik, MatchField::CustomerName)],
        ),
        (
            "zofia wisniewska".into(),
            vec![only(&empik, MatchField::CustomerName)],
        ),
        (
            "janina kowalczyk".into(),
            vec![only(&linked, MatchField::CustomerName)],
        ),
        ("uszkodzony".into(), vec![only(&allegro, MatchField::Words)]),
        (
            "pusta paczka".into(),
            vec![only(&allegro, MatchField::Words)],
        ),
        ("nobody-here".into(), vec![]),
    ] {
        let got = found(store, &words, &t1, &q).await;
        let got: BTreeSet<(TicketId, MatchField)> = got
            .into_iter()
            .map(|(id, matched)| (id, matched[0]))
            .collect();
        assert_eq!(got, expected.into_iter().collect(), "search {q:?}");
    }

    // A prefix finds logins and names alike; every answer says what matched.
    let jan = found(store, &words, &t1, "jan").await;
    assert_eq!(
        jan.keys().cloned().collect::<BTreeSet<_>>(),
        BTreeSet::from([allegro.clone(), linked.clone()])
    );
    assert!(jan[&allegro].contains(&MatchField::BuyerLogin));
    assert!(jan[&allegro].contains(&MatchField::CustomerName));
    assert!(jan[&linked].contains(&MatchField::CustomerName));

    // The other tenant's twin is found only there, and a ticket id of another tenant is not.
    let theirs = found(store, &words, &t2, "jan_kowalski").await;
    assert_eq!(theirs.keys().collect::<Vec<_>>(), [&other_tenant]);
    assert!(found(store, &words, &t2, allegro.as_str()).await.is_empty());
    assert!(found(store, &words, &t2, "emp123456").await.is_empty());
}

/// Every [`TextIndex`]: a ticket matches when its texts together hold every word (diacritics
/// folded, any case); a replaced text is searched by its new words; tenants are apart.
pub async fn text_index_matches_every_word_within_a_ticket<T: TextIndex>(
    index: impl Deref<Target = T>,
) {
    let index: &dyn TextIndex = &*index;
    let (t1, t2) = (TenantId(super::unique("t1")), TenantId(super::unique("t2")));
    let (older, newer, returned) = (
        TicketId::generate(),
        TicketId::generate(),
        TicketId::generate(),
    );
    let doc = |key: &str, text: &str| TextDoc {
        key: key.into(),
        text: text.into(),
    };
    index
        .index(&t1, &older, &[doc("subject", "Gdzie jest moja paczka?")])
        .await
        .expect("indexed");
    index
        .index(
            &t1,
            &newer,
            &[
                doc("subject", "Reklamacja"),
                doc("m1", "Paczka przyszła USZKODZONA"),
            ],
        )
        .await
        .expect("indexed");
    index
        .index(
            &t1,
            &returned,
            &[
                doc("subject", "Zwrot"),
                doc("m1", "Chcę zwrócić \"towar\" OR NEAR(*)"),
            ],
        )
        .await
        .expect("indexed");
    index
        .index(
            &t2,
            &TicketId::generate(),
            &[doc("subject", "paczka zwrot")],
        )
        .await
        .expect("indexed");

    let search = |words: &[&str]| {
        let words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        let t1 = t1.clone();
        async move {
            index
                .search(&t1, &words, 10)
                .await
                .expect("searched")
                .into_iter()
                .collect::<BTreeSet<_>>()
        }
    };
    assert_eq!(
        search(&["paczka"]).await,
        BTreeSet::from([older.clone(), newer.clone()])
    );
    assert_eq!(
        search(&["paczka", "uszkodzona"]).await,
        BTreeSet::from([newer.clone()])
    );
    assert_eq!(
        search(&["reklamacja", "uszkodzona"]).await,
        BTreeSet::from([newer.clone()]),
        "words of two texts of one ticket"
    );
    assert_eq!(
        search(&["zwrocic", "towar"]).await,
        BTreeSet::from([returned.clone()])
    );
    assert_eq!(
        search(&["or", "near"]).await,
        BTreeSet::from([returned.clone()]),
        "operators are plain words"
    );
    assert!(
        search(&["gdzie", "uszkodzona"]).await.is_empty(),
        "words of two tickets"
    );
    assert!(search(&["nic"]).await.is_empty());
    assert_eq!(
        index
            .search(&t1, &["paczka".to_owned()], 1)
            .await
            .expect("searched")
            .len(),
        1,
        "the limit holds"
    );

    index
        .index(&t1, &older, &[doc("subject", "Gdzie jest moja przesyłka?")])
        .await
        .expect("re-indexed");
    assert!(search(&["przesylka"]).await.contains(&older));
}

/// The AWS design answers newest tickets first (ticket ids are time-ordered).
pub async fn store_word_index_answers_newest_first<S: Store + 'static>(
    store: impl Deref<Target = S>,
) {
    let store: &dyn Store = &*store;
    let index = StoreWordIndex::new(store);
    let tenant = TenantId(super::unique("t"));
    let mut ids = Vec::new();
    for n in 0..3 {
        let id = TicketId::generate();
        index
            .index(
                &tenant,
                &id,
                &[TextDoc {
                    key: "subject".into(),
                    text: format!("faktura {n}"),
                }],
            )
            .await
            .expect("indexed");
        ids.push(id);
    }
    ids.reverse();
    assert_eq!(
        index
            .search(&tenant, &["faktura".to_owned()], 10)
            .await
            .expect("searched"),
        ids
    );
}
