//! Issue 4 end to end on the real binary: `marketdesk serve` against the simulator, an admin
//! connects an Allegro account through the redirect flow, and buyer conversations become
//! tickets with their customer within a poll interval, each gets one autoresponse, and an
//! agent's reply with a file reaches the simulator.

mod common;

use common::*;
use marketdesk_sandbox::RunningSandbox;
use marketdesk_testkit::SimulatorControl;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_connects_allegro_and_conversations_become_tickets() {
    let sandbox = RunningSandbox::start_local().await.expect("sandbox");
    let data = tempfile::tempdir().expect("temp dir");
    let key = admin_key(data.path(), "sklep");

    let port = free_port();
    let mut child = allegro_simulator(
        &mut serve_command(data.path(), port, Some("1s")),
        &sandbox.base_url,
    )
    .spawn()
    .expect("serve");
    wait_for_health(port, &mut child);
    let api = format!("http://127.0.0.1:{port}");
    let http = browser();
    let control = SimulatorControl::new(&sandbox.base_url);

    // The simulated seller, a buyer and an order.
    let seller_id = control.allegro_seller("sklep_z_kubkami", true).await;
    let buyer = control
        .allegro_buyer(json!({"login": "kupujaca_ola", "first_name": "Ola", "last_name": "Nowak"}))
        .await;
    let buyer_id = buyer["id"].as_str().expect("id").to_owned();
    let offer = control.post("/allegro/offers", json!({"seller_id": seller_id, "name": "Kubek ceramiczny biały 300 ml", "ean": "5901234123457"})).await;
    let order = control
        .post(
            "/allegro/orders",
            json!({"seller_id": seller_id, "buyer_id": buyer_id, "offer_ids": [offer["id"]]}),
        )
        .await;

    // The admin creates the integration and connects it through the browser flow.
    let (integration_id, callback) = start_allegro_over_api(
        &http,
        &api,
        &key,
        json!({"crm_field": "Allegro login", "ticket_queue": "Allegro", "ticket_category": "Reklamacje", "autoresponder": {"enabled": true, "delay_minutes": 0, "text": "Dzień dobry {buyer_login}, dziękujemy! {shop_name} odpowie wkrótce."}}),
    )
    .await;
    assert!(
        callback.starts_with(&format!("{api}/oauth/allegro/callback?")),
        "{callback}"
    );
    let page = http.get(&callback).send().await.expect("callback");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("page").contains("sklep_z_kubkami"));
    let replay = http.get(&callback).send().await.expect("callback again");
    assert_eq!(replay.status(), 400, "the state is single use");

    let integration = api_get(
        &http,
        &format!("{api}/v1/integrations/{integration_id}"),
        &key,
    )
    .await;
    assert_eq!(integration["display_name"], "sklep_z_kubkami");
    assert_eq!(integration["connection"]["state"], "connected");

    // A buyer opens a dispute and a purchase-problem thread; measure until both tickets exist.
    let opened = Instant::now();
    control.post("/allegro/inbox/issues", json!({"seller_id": seller_id, "buyer_id": buyer_id, "order_id": order["id"], "type": "DISPUTE", "reason": "PRODUCT_DAMAGED_PARCEL_INTACT", "text": "Kubek przyszedł pęknięty."})).await;
    control.post("/allegro/inbox/threads", json!({"seller_id": seller_id, "buyer_id": buyer_id, "type": "POST_PURCHASE_ISSUE", "sub_type": "PRODUCT_ARRIVED_DAMAGED", "order_id": order["id"], "text": "Paczka była zgnieciona."})).await;
    let tickets = loop {
        let list = api_get(&http, &format!("{api}/v1/tickets"), &key).await;
        let tickets = list["tickets"].as_array().cloned().unwrap_or_default();
        if tickets.len() >= 2 {
            break tickets;
        }
        assert!(
            opened.elapsed() < Duration::from_secs(30),
            "tickets did not appear: {list}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let latency = opened.elapsed();
    eprintln!(
        "buyer conversation → ticket: {} ms with a 1 s poll interval",
        latency.as_millis()
    );

    let subjects: Vec<&str> = tickets
        .iter()
        .filter_map(|t| t["subject"].as_str())
        .collect();
    assert!(
        subjects.contains(&"Przedmiot jest uszkodzony"),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&"Przedmiot dotarł uszkodzony"),
        "{subjects:?}"
    );
    let first_id = tickets[0]["id"].as_str().expect("id");
    let detail = api_get(&http, &format!("{api}/v1/tickets/{first_id}"), &key).await;
    let kind = detail["ticket"]["conversation"]["kind"]
        .as_str()
        .unwrap_or_default();
    assert!(
        ["allegro_dispute", "allegro_purchase_problem"].contains(&kind),
        "{detail}"
    );
    assert_eq!(detail["ticket"]["source"], "allegro");
    assert_eq!(detail["ticket"]["queue"], "Allegro");
    assert_eq!(detail["ticket"]["category"], "Reklamacje");
    assert_eq!(
        detail["ticket"]["panel"]["products"][0]["name"], "Kubek ceramiczny biały 300 ml",
        "{detail}"
    );
    assert!(detail["ticket"]["panel"]["order_url"]
        .as_str()
        .is_some_and(|u| u.contains(order["id"].as_str().expect("id"))));
    assert_eq!(detail["messages"][0]["author"], "buyer");
    let customer = &detail["customer"];
    assert_eq!(
        customer["custom_fields"]["Allegro login"], "kupujaca_ola",
        "{detail}"
    );
    assert_eq!(
        customer["emails"].as_array().map(Vec::len),
        Some(2),
        "{detail}"
    );

    // Each conversation gets one autoresponse (delay 0: the next scheduler tick sends it).
    let autoresponses = loop {
        let list = control.allegro_posted("").await;
        if list.len() >= 2 {
            break list;
        }
        assert!(
            opened.elapsed() < Duration::from_secs(30),
            "autoresponses did not arrive: {list:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    eprintln!(
        "buyer conversation → autoresponse in the simulator: {} ms (delay 0 min, 1 s poll and scheduler interval)",
        opened.elapsed().as_millis()
    );
    for message in &autoresponses {
        assert_eq!(
            message["text"],
            "Dzień dobry kupujaca_ola, dziękujemy! sklep_z_kubkami odpowie wkrótce."
        );
    }
    let conversations: std::collections::BTreeSet<_> = autoresponses
        .iter()
        .map(|m| m["conversation_id"].to_string())
        .collect();
    assert_eq!(
        conversations.len(),
        2,
        "one per conversation: {autoresponses:?}"
    );

    // An agent answers the dispute with a photo; the sender delivers it.
    let dispute = tickets
        .iter()
        .find(|t| t["conversation"]["kind"] == "allegro_dispute")
        .expect("dispute ticket");
    let dispute_id = dispute["id"].as_str().expect("id");
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    let reply: Value = http
        .post(format!("{api}/v1/tickets/{dispute_id}/replies"))
        .bearer_auth(&key)
        .json(&json!({"text": "Przepraszamy, wysyłamy nowy kubek.", "attachment": {"filename": "etykieta.png", "content_type": "image/png", "data_base64": png}}))
        .send()
        .await
        .expect("reply")
        .json()
        .await
        .expect("json");
    assert_eq!(reply["state"], "sending", "{reply}");
    let sent_at = Instant::now();
    loop {
        let detail = api_get(&http, &format!("{api}/v1/tickets/{dispute_id}"), &key).await;
        let state = detail["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["delivery"]["reply_id"] == reply["id"])
            .map(|m| m["delivery"]["state"].clone());
        // The sender records the reply sent, then refreshes the ticket's summary: wait for
        // both (the ticket no longer awaits a reply once the agent's answer is out).
        if state == Some(json!("sent")) && detail["ticket"]["needs_reply"] == false {
            break;
        }
        assert!(
            sent_at.elapsed() < Duration::from_secs(20),
            "the reply was not delivered, or the ticket still awaits a reply: {detail}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let posted = control.allegro_posted("").await;
    let agent = posted
        .iter()
        .find(|m| m["text"] == "Przepraszamy, wysyłamy nowy kubek.")
        .expect("the agent's reply reached Allegro");
    assert_eq!(agent["attachments"][0]["file_name"], "etykieta.png");
    assert_eq!(posted.len(), 3, "nothing sent twice: {posted:?}");

    let status = terminate(child);
    assert!(status.success());
}
