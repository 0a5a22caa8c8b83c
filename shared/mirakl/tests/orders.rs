//! OR11 against the simulator.

mod common;

use common::World;
use marketdesk_mirakl::{order_url, OrderCustomer, OrderQuery};
use serde_json::json;

#[tokio::test]
async fn orders_by_ids_bring_lines_and_the_customer() {
    let world = World::new().await;
    let first = world
        .create_order(json!([
            { "title": "Kubek", "sku": "MUG-1", "quantity": 2, "price": 19.99 },
            { "title": "Talerz", "sku": "PLATE-1", "quantity": 1, "price": 30.0 }
        ]))
        .await;
    let second = world
        .create_order(json!([{ "title": "Łyżka", "sku": "SPOON-1", "quantity": 6, "price": 4.5 }]))
        .await;
    world
        .create_order(json!([{ "title": "Nóż", "sku": "KNIFE-1", "quantity": 1, "price": 12.0 }]))
        .await;

    let client = world.client();
    let ids = [first.as_str(), "UNKNOWN-A", second.as_str(), first.as_str()];
    let orders = client.orders_by_ids(&ids).await.expect("OR11");
    let mut got: Vec<_> = orders.iter().map(|o| o.order_id.clone()).collect();
    got.sort();
    let mut want = vec![first.clone(), second.clone()];
    want.sort();
    assert_eq!(got, want);

    let order = orders
        .iter()
        .find(|o| o.order_id == first)
        .expect("first order");
    assert_eq!(order.currency_iso_code.as_deref(), Some("PLN"));
    let customer = order.customer.as_ref().expect("customer");
    assert_eq!(
        customer.customer_id.as_deref(),
        Some(world.customer_id.as_str())
    );
    assert_eq!(
        customer.display_name(),
        OrderCustomer {
            customer_id: None,
            firstname: Some("Jan".into()),
            lastname: Some("Kowalski".into()),
            locale: None,
        }
        .display_name()
    );
    let lines: Vec<_> = order
        .order_lines
        .iter()
        .map(|l| {
            (
                l.product_title.as_str(),
                l.offer_sku.as_deref(),
                l.quantity,
                l.price_unit,
                l.price,
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("Kubek", Some("MUG-1"), Some(2), Some(19.99), Some(39.98)),
            ("Talerz", Some("PLATE-1"), Some(1), Some(30.0), Some(30.0)),
        ]
    );
    assert_eq!(
        client.order_url(&first),
        format!("{}/mmp/shop/order/{first}", world.simulator.base_url)
    );
    assert_eq!(
        order_url("https://marketplace.empik.com", &first),
        format!("https://marketplace.empik.com/mmp/shop/order/{first}")
    );
}

#[tokio::test]
async fn more_than_a_hundred_ids_are_sent_in_chunks() {
    let world = World::new().await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            world
                .create_order(json!([{ "title": format!("Produkt {i}"), "sku": format!("SKU-{i}"), "quantity": 1, "price": 1.0 }]))
                .await,
        );
    }
    let mut asked: Vec<String> = (0..150).map(|i| format!("MISSING-{i}-A")).collect();
    asked.insert(0, ids[0].clone());
    asked.insert(120, ids[1].clone());
    asked.push(ids[2].clone());
    let orders = world.client().orders_by_ids(&asked).await.expect("OR11");
    let got: Vec<_> = orders.iter().map(|o| o.order_id.clone()).collect();
    assert_eq!(got, ids, "the simulator answers 400 above 100 ids");
}

#[tokio::test]
async fn all_orders_walks_offset_pages() {
    let world = World::new().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            world
                .create_order(json!([{ "title": format!("Produkt {i}"), "sku": format!("SKU-{i}"), "quantity": 1, "price": 2.0 }]))
                .await,
        );
    }
    let client = world.client();
    let page = client
        .orders_page(&OrderQuery::default().max(2).offset(2))
        .await
        .expect("one page");
    assert_eq!(page.total_count, Some(5));
    assert_eq!(page.orders.len(), 2);
    let all = client
        .all_orders(&OrderQuery::default().max(2))
        .await
        .expect("every page");
    let got: Vec<_> = all.iter().map(|o| o.order_id.clone()).collect();
    assert_eq!(got, ids, "creation order, each once");
}
