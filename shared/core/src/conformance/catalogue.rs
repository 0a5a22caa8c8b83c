//! The product catalogue on a backend: EAN owner items follow edits and stay unique under
//! concurrent writers, and change records come back newest first. Takes whole [`Ports`]; only
//! the store and clock are used.

use crate::domain::product::ChangeSource;
use crate::domain::{Actor, Role};
use crate::ids::TenantId;
use crate::ports::Ports;
use crate::services::caller::Caller;
use crate::services::catalogue::{self, BulkUpsert, ChangeQuery, ProductQuery, ProductUpsert};
use std::ops::Deref;

fn admin(tenant: &TenantId) -> Caller {
    Caller {
        tenant_id: tenant.clone(),
        role: Role::Admin,
        actor: Actor::ApiKey {
            id: "key-erp".into(),
            name: Some("ERP".into()),
        },
        session: None,
    }
}

fn row(sku: &str, ean: Option<&str>, stock: u32) -> ProductUpsert {
    ProductUpsert {
        sku: sku.into(),
        name: Some(format!("Produkt {sku}")),
        ean: ean.map(|e| Some(e.to_owned())),
        stock: Some(stock),
        ..ProductUpsert::default()
    }
}

async fn upsert(
    ports: &Ports,
    caller: &Caller,
    rows: Vec<ProductUpsert>,
) -> catalogue::UpsertReport {
    catalogue::upsert(
        ports,
        caller,
        BulkUpsert { products: rows },
        ChangeSource::Api,
    )
    .await
    .expect("upsert")
}

/// An EAN finds its one product, moves with edits, and is refused to a second product; stock
/// changes come back newest first.
pub async fn eans_stay_unique_and_changes_come_newest_first<P: Deref<Target = Ports>>(ports: P) {
    let ports = &*ports;
    let tenant = TenantId::from(super::unique("t-cat").as_str());
    let caller = admin(&tenant);
    let first = upsert(
        ports,
        &caller,
        vec![row("A", Some("5901234123457"), 1), row("B", None, 0)],
    )
    .await;
    assert_eq!(first.created, 2);
    let taken = upsert(ports, &caller, vec![row("B", Some("5901234123457"), 0)]).await;
    assert_eq!(taken.rejected.len(), 1);
    assert_eq!(taken.rejected[0].code, "ean_taken");
    for stock in [2, 3, 4] {
        upsert(ports, &caller, vec![row("A", Some("96385074"), stock)]).await;
    }
    let moved = upsert(ports, &caller, vec![row("B", Some("5901234123457"), 0)]).await;
    assert_eq!(moved.updated, 1, "{moved:?}");
    let find = |q: &str| ProductQuery {
        q: Some(q.into()),
        ..ProductQuery::default()
    };
    let by_old = catalogue::list(ports, &caller, &find("5901234123457"))
        .await
        .expect("list");
    assert_eq!(by_old.products.len(), 1);
    assert_eq!(by_old.products[0].sku, "B");
    let by_new = catalogue::list(ports, &caller, &find("96385074"))
        .await
        .expect("list");
    assert_eq!(by_new.products[0].sku, "A");

    let query = ChangeQuery {
        cursor: None,
        limit: Some(2),
    };
    let page = catalogue::changes(ports, &caller, "A", query.cursor.as_deref(), query.limit)
        .await
        .expect("changes");
    let stocks: Vec<String> = page
        .changes
        .iter()
        .map(|c| serde_json::to_value(&c.change).expect("json")["after"].to_string())
        .collect();
    assert_eq!(stocks, ["4", "3"]);
    let rest = catalogue::changes(ports, &caller, "A", page.next_cursor.as_deref(), Some(10))
        .await
        .expect("changes");
    assert_eq!(rest.changes.len(), 2, "stock 2 and the first stock 1");
}

/// Concurrent writers giving one EAN to different products: exactly one gets it.
pub async fn concurrent_writers_never_share_an_ean<P: Deref<Target = Ports>>(ports: P) {
    let ports = &*ports;
    let tenant = TenantId::from(super::unique("t-cat").as_str());
    let caller = admin(&tenant);
    let writes = (0..6).map(|i| {
        let caller = caller.clone();
        async move {
            upsert(
                ports,
                &caller,
                vec![row(&format!("P{i}"), Some("036000291452"), 1)],
            )
            .await
        }
    });
    let reports = futures_util::future::join_all(writes).await;
    let created: usize = reports.iter().map(|r| r.created).sum();
    let refused = reports
        .iter()
        .flat_map(|r| &r.rejected)
        .filter(|r| r.code == "ean_taken")
        .count();
    assert_eq!((created, refused), (1, 5), "{reports:?}");
    let all = catalogue::list(ports, &caller, &ProductQuery::default())
        .await
        .expect("list");
    assert_eq!(all.products.len(), 1);
}
