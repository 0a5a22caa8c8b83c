//! The order journal and order list (allegro-api.md §7.1–7.3) and the control actions that play
//! buyers: purchase, payment, cancellation, company invoice data, replayed events.

mod common;

use common::allegro::*;
use marketdesk_simulator::RunningSimulator;
use serde_json::{json, Value};

struct Shop {
    seller_id: String,
    token: String,
    buyer_id: String,
    offer_id: String,
}

async fn shop(simulator: &RunningSimulator, login: &str) -> Shop {
    let (seller_id, tokens) = seller_with_tokens(simulator, login, None).await;
    let (status, buyer) = control(
        simulator,
        "/buyers",
        json!({ "login": format!("kupujacy_{login}") }),
    )
    .await;
    assert_eq!(status, 201, "{buyer}");
    let (status, offer) = control(
        simulator,
        "/offers",
        json!({ "seller_id": seller_id, "name": "Kubek", "price": "24.99" }),
    )
    .await;
    assert_eq!(status, 201, "{offer}");
    Shop {
        seller_id,
        token: access(&tokens),
        buyer_id: buyer["id"].as_str().expect("buyer id").to_owned(),
        offer_id: offer["id"].as_str().expect("offer id").to_owned(),
    }
}

async fn purchase(simulator: &RunningSimulator, shop: &Shop, extra: Value) -> String {
    let mut body = json!({
        "seller_id": shop.seller_id,
        "buyer_id": shop.buyer_id,
        "offer_ids": [shop.offer_id],
        "status": "BOUGHT",
    });
    if let (Some(target), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        target.extend(extra.clone());
    }
    let (status, order) = control(simulator, "/orders", body).await;
    assert_eq!(status, 201, "{order}");
    order["id"].as_str().expect("order id").to_owned()
}

fn types(events: &Value) -> Vec<String> {
    events["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["type"].as_str().expect("type").to_owned())
        .collect()
}

fn last_id(events: &Value) -> String {
    events["events"]
        .as_array()
        .and_then(|e| e.last())
        .and_then(|e| e["id"].as_str())
        .expect("an event")
        .to_owned()
}

#[tokio::test]
async fn purchase_payment_and_cancellation_are_journalled_per_seller() {
    let simulator = common::simulator().await;
    let shop = shop(&simulator, "sklep_dziennik").await;
    let other = shop_other(&simulator).await;

    let stats = api_get_ok(&simulator, "/order/event-stats", &shop.token).await;
    assert_eq!(stats, json!({}), "no event yet");

    let order_id = purchase(&simulator, &shop, json!({})).await;
    let events = api_get_ok(&simulator, "/order/events", &shop.token).await;
    assert_eq!(types(&events), ["BOUGHT"]);
    assert_eq!(events["events"][0]["order"]["checkoutForm"]["id"], order_id);
    let bought = last_id(&events);
    let stats = api_get_ok(&simulator, "/order/event-stats", &shop.token).await;
    assert_eq!(stats["latestEvent"]["id"], bought.as_str());

    let (status, paid) = control(&simulator, &format!("/orders/{order_id}/pay"), json!({})).await;
    assert_eq!(status, 200, "{paid}");
    let after = api_get_ok(
        &simulator,
        &format!("/order/events?from={bought}"),
        &shop.token,
    )
    .await;
    assert_eq!(types(&after), ["FILLED_IN", "READY_FOR_PROCESSING"]);
    let form = api_get_ok(
        &simulator,
        &format!("/order/checkout-forms/{order_id}"),
        &shop.token,
    )
    .await;
    assert_eq!(form["status"], "READY_FOR_PROCESSING");
    assert_eq!(form["payment"]["paidAmount"]["amount"], "24.99");
    assert_eq!(
        control_status(&simulator, &format!("/orders/{order_id}/pay"), json!({})).await,
        409,
        "paid twice"
    );

    let (status, _) = control(&simulator, &format!("/orders/{order_id}/cancel"), json!({})).await;
    assert_eq!(status, 200);
    let from = last_id(&after);
    let cancelled = api_get_ok(
        &simulator,
        &format!("/order/events?from={from}"),
        &shop.token,
    )
    .await;
    assert_eq!(types(&cancelled), ["BUYER_CANCELLED"]);
    let form = api_get_ok(
        &simulator,
        &format!("/order/checkout-forms/{order_id}"),
        &shop.token,
    )
    .await;
    assert_eq!(form["status"], "CANCELLED");

    // A replayed (duplicate, late) event does not change the order.
    let (status, _) = control(
        &simulator,
        &format!("/orders/{order_id}/events"),
        json!({ "type": "READY_FOR_PROCESSING" }),
    )
    .await;
    assert_eq!(status, 201);
    let all = api_get_ok(
        &simulator,
        "/order/events?type=READY_FOR_PROCESSING",
        &shop.token,
    )
    .await;
    assert_eq!(
        types(&all),
        ["READY_FOR_PROCESSING", "READY_FOR_PROCESSING"]
    );
    let form = api_get_ok(
        &simulator,
        &format!("/order/checkout-forms/{order_id}"),
        &shop.token,
    )
    .await;
    assert_eq!(form["status"], "CANCELLED");

    // Another seller sees none of it.
    let theirs = api_get_ok(&simulator, "/order/events", &other).await;
    assert!(types(&theirs).is_empty());
    let limited = api_get_ok(&simulator, "/order/events?limit=2", &shop.token).await;
    assert_eq!(types(&limited), ["BOUGHT", "FILLED_IN"]);
    for bad in ["limit=0", "limit=1001", "from=abc", "type=PAID"] {
        let (status, body) =
            api_get_json(&simulator, &format!("/order/events?{bad}"), &shop.token).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert_eq!(body["errors"][0]["code"], "VALIDATION_ERROR");
    }
}

async fn shop_other(simulator: &RunningSimulator) -> String {
    let (_, tokens) = seller_with_tokens(simulator, "sklep_obcy", None).await;
    access(&tokens)
}

#[tokio::test]
async fn company_invoice_data_carries_the_nip_as_a_pl_nip_id() {
    let simulator = common::simulator().await;
    let shop = shop(&simulator, "sklep_faktury").await;
    let with_nip = purchase(
        &simulator,
        &shop,
        json!({ "status": "READY_FOR_PROCESSING", "invoice": {
            "company_name": "Firma Testowa sp. z o.o.", "nip": "5252674798",
            "street": "Prosta 1", "city": "Warszawa", "zip_code": "00-001" } }),
    )
    .await;
    let private = purchase(&simulator, &shop, json!({})).await;

    let form = api_get_ok(
        &simulator,
        &format!("/order/checkout-forms/{with_nip}"),
        &shop.token,
    )
    .await;
    let invoice = &form["invoice"];
    assert_eq!(invoice["required"], true);
    assert_eq!(
        invoice["address"]["company"]["name"],
        "Firma Testowa sp. z o.o."
    );
    assert_eq!(
        invoice["address"]["company"]["ids"],
        json!([{ "type": "PL_NIP", "value": "5252674798" }])
    );
    assert!(invoice["address"]["company"].get("taxId").is_none());
    assert_eq!(invoice["address"]["countryCode"], "PL");
    let form = api_get_ok(
        &simulator,
        &format!("/order/checkout-forms/{private}"),
        &shop.token,
    )
    .await;
    assert_eq!(form["invoice"], json!({ "required": false }));

    let list = api_get_ok(
        &simulator,
        "/order/checkout-forms?status=READY_FOR_PROCESSING",
        &shop.token,
    )
    .await;
    assert_eq!(list["count"], 1);
    assert_eq!(list["totalCount"], 1);
    assert_eq!(list["checkoutForms"][0]["id"], with_nip.as_str());
    let all = api_get_ok(
        &simulator,
        "/order/checkout-forms?limit=1&offset=1&sort=lineItems.boughtAt",
        &shop.token,
    )
    .await;
    assert_eq!(all["count"], 1);
    assert_eq!(all["totalCount"], 2);
    assert_eq!(all["checkoutForms"][0]["id"], private.as_str());
    let (status, _) =
        api_get_json(&simulator, "/order/checkout-forms?limit=101", &shop.token).await;
    assert_eq!(status, 422);
    let bad = control_status(
        &simulator,
        "/orders",
        json!({ "seller_id": shop.seller_id, "buyer_id": shop.buyer_id, "offer_ids": [shop.offer_id],
                "invoice": { "company_name": "X" } }),
    )
    .await;
    assert_eq!(bad, 422, "an invoice without an address is refused");
}
