//! The ERP order feed on a backend: writers storing orders concurrently and a reader paging
//! the feed meanwhile and to its end see every order exactly once, in sequence without gaps
//! (`repo::erp_feed`).

use crate::domain::order::{Order, OrderStatus};
use crate::ids::TenantId;
use crate::ports::Store;
use crate::repo::{erp_feed, orders};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::ops::Deref;
use std::sync::Arc;

const WRITERS: usize = 4;
const ORDERS_EACH: usize = 15;

fn order(tenant: &TenantId, writer: usize, n: usize) -> Order {
    let at: DateTime<Utc> =
        DateTime::from_timestamp(1_795_000_000 + n as i64, 0).unwrap_or_default();
    let form = format!("w{writer}-f{n}");
    Order {
        id: Order::id_for(&"int-1".into(), &form),
        tenant_id: tenant.clone(),
        integration_id: "int-1".into(),
        checkout_form_id: form,
        status: OrderStatus::New,
        fulfillment_status: None,
        buyer_login: format!("buyer{writer}"),
        total: None,
        created_by: None,
        created_at: at,
        updated_at: at,
        buyer_card: None,
    }
}

/// Concurrent writers (creations, and a cancellation of every fifth order) against a reader
/// paging with small pages: every write is read exactly once, numbered 1…n without a gap.
pub async fn concurrent_writers_and_a_paging_reader_see_every_write_once<S>(store: S)
where
    S: Deref + Send + Sync + 'static,
    S::Target: Store + Sized,
{
    let store: Arc<S> = Arc::new(store);
    let tenant = TenantId::from(super::unique("erp").as_str());
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let (store, tenant) = (store.clone(), tenant.clone());
        writers.push(tokio::spawn(async move {
            let mut writes = 0;
            for n in 0..ORDERS_EACH {
                let mut order = order(&tenant, writer, n);
                assert!(orders::create_order(&**store, &order)
                    .await
                    .expect("created"));
                writes += 1;
                if n % 5 == 0 {
                    order.status = OrderStatus::Cancelled;
                    orders::update_order(&**store, &order, 1)
                        .await
                        .expect("updated");
                    writes += 1;
                }
                // A repeat of the creation writes nothing, and takes no number.
                assert!(!orders::create_order(&**store, &order)
                    .await
                    .expect("repeat"));
            }
            writes
        }));
    }
    let mut seen: Vec<u64> = Vec::new();
    let mut writes_seen: HashSet<(String, bool)> = HashSet::new();
    let mut since = 0;
    let mut finished = false;
    let mut expected = 0;
    loop {
        let page = erp_feed::entries_after(&**store, &tenant, since, 7)
            .await
            .expect("page");
        for entry in &page {
            seen.push(entry.seq);
            let cancelled = entry.order.status == OrderStatus::Cancelled;
            assert!(
                writes_seen.insert((entry.order.id.clone(), cancelled)),
                "{} ({cancelled}) read twice",
                entry.order.id
            );
            since = entry.seq;
        }
        if finished && page.is_empty() {
            break;
        }
        if !finished && writers.iter().all(|w| w.is_finished()) {
            for writer in writers.drain(..) {
                expected += writer.await.expect("writer");
            }
            finished = true;
        }
    }
    assert_eq!(seen.len(), expected, "every write read once");
    let numbers: Vec<u64> = (1..=expected as u64).collect();
    assert_eq!(seen, numbers, "read in sequence, without gaps");
    let orders_seen: HashSet<&String> = writes_seen.iter().map(|(id, _)| id).collect();
    assert_eq!(orders_seen.len(), WRITERS * ORDERS_EACH);
}
