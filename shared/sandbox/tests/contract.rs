//! Drives the simulator like a client would (control API + OAuth + the marketplace APIs) and
//! records the answers. With `MARKETDESK_CONTRACT_SAMPLES=<file>` set, every answer is written
//! there as a JSON line for `scripts/validate-contract.py`, which checks it against the published
//! OpenAPI documents in `../shared/reference` (run by `scripts/test`, step `contract`).

mod common;

use marketdesk_testkit::SimulatorControl;

use serde_json::{json, Value};
use std::io::Write;

const CLIENT_ID: &str = "sandbox-client-id";
const CLIENT_SECRET: &str = "sandbox-client-secret";
const REDIRECT_URI: &str = "http://localhost:8080/oauth/allegro/callback";
const PUBLIC: &str = "application/vnd.allegro.public.v1+json";
const BETA: &str = "application/vnd.allegro.beta.v1+json";

/// Collects answers and writes them as samples.
struct Recorder {
    base: String,
    http: reqwest::Client,
    samples: Vec<Value>,
}

impl Recorder {
    /// Sends a request and records the answer under `spec` and the documented path template.
    async fn call(
        &mut self,
        spec: &str,
        template: &str,
        request: reqwest::RequestBuilder,
        expected_status: u16,
    ) -> Value {
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let method = response_method(template);
        let media_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = response.text().await.expect("body");
        assert_eq!(status, expected_status, "{template}: {text}");
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        self.samples.push(json!({
            "spec": spec,
            "method": method,
            "path": template.split_once(' ').map(|(_, p)| p).unwrap_or(template),
            "status": status,
            "media_type": media_type,
            "body": body,
        }));
        body
    }

    /// A control call that must succeed (seeding, not under contract); the answer.
    async fn control(&self, path: &str, body: Value) -> Value {
        SimulatorControl::with_client(self.http.clone(), &self.base)
            .post(path, body)
            .await
    }

    fn write(&self) {
        let Ok(path) = std::env::var("MARKETDESK_CONTRACT_SAMPLES") else {
            return;
        };
        // Tests run on several threads and `writeln!` writes a line in pieces: one buffer, one
        // `write_all`, under a lock, so two tests' samples never interleave within a line.
        static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let lines: String = self
            .samples
            .iter()
            .map(|sample| format!("{sample}\n"))
            .collect();
        let _writing = WRITING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .expect("samples file");
        file.write_all(lines.as_bytes()).expect("write samples");
    }
}

/// `"GET /me"` → `"get"`.
fn response_method(template: &str) -> String {
    template
        .split_once(' ')
        .map(|(m, _)| m.to_ascii_lowercase())
        .unwrap_or_else(|| "get".into())
}

fn s(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| value.to_string())
}

#[tokio::test]
async fn allegro_answers_follow_the_published_contract() {
    let sandbox = common::sandbox().await;
    let base = sandbox.base_url.clone();
    let mut r = Recorder {
        base: base.clone(),
        http: common::client(),
        samples: Vec::new(),
    };

    // Seed a seller, a buyer, an offer and an order, and sign the seller in.
    let seller = r.control("/allegro/sellers", json!({"login": "sklep_kontrakt", "company_name": "Sklep Kontrakt sp. z o.o.", "sign_in": true})).await;
    let seller_id = s(&seller["id"]);
    let buyer = r
        .control(
            "/allegro/buyers",
            json!({"login": "kupujacy_k", "first_name": "Jan", "last_name": "Kowalski"}),
        )
        .await;
    let buyer_id = s(&buyer["id"]);
    let offer = r.control("/allegro/offers", json!({"seller_id": seller_id, "name": "Kubek ceramiczny biały 300 ml", "ean": "5901234123457", "price": "24.99"})).await;
    let offer_id = s(&offer["id"]);
    let order = r
        .control(
            "/allegro/orders",
            json!({"seller_id": seller_id, "buyer_id": buyer_id, "offer_ids": [offer_id]}),
        )
        .await;
    let order_id = s(&order["id"]);

    // OAuth code flow.
    let authorize = r
        .http
        .get(format!("{base}/auth/oauth/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("state", "xyz"),
        ])
        .send()
        .await
        .expect("authorize");
    let location = authorize
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("redirect")
        .to_owned();
    let code = reqwest::Url::parse(&location)
        .expect("redirect URL")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    let tokens: Value = r
        .http
        .post(format!("{base}/auth/oauth/token"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    let token = s(&tokens["access_token"]);
    let http = r.http.clone();
    let get = |path: String, media: &str| {
        http.get(format!("{base}{path}"))
            .bearer_auth(&token)
            .header("accept", media)
    };

    let me = get("/me".into(), PUBLIC);
    r.call("allegro", "GET /me", me, 200).await;
    let form = get(format!("/order/checkout-forms/{order_id}"), PUBLIC);
    r.call("allegro", "GET /order/checkout-forms/{id}", form, 200)
        .await;
    let missing = get(
        "/order/checkout-forms/00000000-0000-4000-8000-000000000000".into(),
        PUBLIC,
    );
    r.call("allegro", "GET /order/checkout-forms/{id}", missing, 404)
        .await;
    // The order journal and the list: a company buyer pays, another cancels.
    let company = r
        .control(
            "/allegro/orders",
            json!({"seller_id": seller_id, "buyer_id": buyer_id, "offer_ids": [offer_id], "status": "BOUGHT",
                   "invoice": {"company_name": "Firma Testowa sp. z o.o.", "nip": "5252674798",
                               "street": "Prosta 1", "city": "Warszawa", "zip_code": "00-001"}}),
        )
        .await;
    let company_id = s(&company["id"]);
    r.control(&format!("/allegro/orders/{company_id}/pay"), json!({}))
        .await;
    let cancelled = r
        .control(
            "/allegro/orders",
            json!({"seller_id": seller_id, "buyer_id": buyer_id, "offer_ids": [offer_id]}),
        )
        .await;
    r.control(
        &format!("/allegro/orders/{}/cancel", s(&cancelled["id"])),
        json!({}),
    )
    .await;
    let stats = get("/order/event-stats".into(), PUBLIC);
    r.call("allegro", "GET /order/event-stats", stats, 200)
        .await;
    let events = get("/order/events?limit=1000".into(), PUBLIC);
    r.call("allegro", "GET /order/events", events, 200).await;
    let bad_limit = get("/order/events?limit=0".into(), PUBLIC);
    r.call("allegro", "GET /order/events", bad_limit, 422).await;
    let company_form = get(format!("/order/checkout-forms/{company_id}"), PUBLIC);
    r.call(
        "allegro",
        "GET /order/checkout-forms/{id}",
        company_form,
        200,
    )
    .await;
    let list = get("/order/checkout-forms?limit=10".into(), PUBLIC);
    r.call("allegro", "GET /order/checkout-forms", list, 200)
        .await;
    let bad_list = get("/order/checkout-forms?limit=101".into(), PUBLIC);
    r.call("allegro", "GET /order/checkout-forms", bad_list, 422)
        .await;
    // The seller writes to the paid order: fulfillment status and an invoice with its file.
    let write = |method: reqwest::Method, path: String| {
        http.request(method, format!("{base}{path}"))
            .bearer_auth(&token)
            .header("accept", PUBLIC)
    };
    let fulfillment = format!("/order/checkout-forms/{company_id}/fulfillment");
    let form: Value = get(format!("/order/checkout-forms/{company_id}"), PUBLIC)
        .send()
        .await
        .expect("form")
        .json()
        .await
        .expect("form JSON");
    let revision = s(&form["revision"]);
    let set = write(
        reqwest::Method::PUT,
        format!("{fulfillment}?checkoutForm.revision={revision}"),
    )
    .header("content-type", PUBLIC)
    .body(r#"{"status":"PROCESSING"}"#);
    let template = "PUT /order/checkout-forms/{id}/fulfillment";
    r.call("allegro", template, set, 204).await;
    let stale = write(
        reqwest::Method::PUT,
        format!("{fulfillment}?checkoutForm.revision={revision}"),
    )
    .header("content-type", PUBLIC)
    .body(r#"{"status":"SENT"}"#);
    r.call("allegro", template, stale, 409).await;
    let returned = write(reqwest::Method::PUT, fulfillment.clone())
        .header("content-type", PUBLIC)
        .body(r#"{"status":"RETURNED"}"#);
    r.call("allegro", template, returned, 422).await;
    let invoices = format!("/order/checkout-forms/{company_id}/invoices");
    let declare = || {
        write(reqwest::Method::POST, invoices.clone())
            .header("content-type", PUBLIC)
            .body(r#"{"file":{"name":"FV-1-2026.pdf"},"invoiceNumber":"FV 1/2026"}"#)
    };
    let template = "POST /order/checkout-forms/{id}/invoices";
    let declared = r.call("allegro", template, declare(), 201).await;
    let invoice_id = s(&declared["id"]);
    r.call("allegro", template, declare(), 409).await;
    let unpaid = write(
        reqwest::Method::POST,
        format!("/order/checkout-forms/{}/invoices", s(&cancelled["id"])),
    )
    .header("content-type", PUBLIC)
    .body(r#"{"file":{"name":"FV-2.pdf"}}"#);
    r.call("allegro", template, unpaid, 422).await;
    let file = format!("{invoices}/{invoice_id}/file");
    let upload = || {
        write(reqwest::Method::PUT, file.clone())
            .header("content-type", "application/pdf")
            .body(b"%PDF-1.4\n%%EOF\n".to_vec())
    };
    let template = "PUT /order/checkout-forms/{id}/invoices/{invoiceId}/file";
    r.call("allegro", template, upload(), 200).await;
    r.call("allegro", template, upload(), 409).await;
    let unknown = write(
        reqwest::Method::PUT,
        format!("{invoices}/00000000-0000-4000-8000-000000000000/file"),
    )
    .header("content-type", "application/pdf")
    .body(b"%PDF-1.4".to_vec());
    r.call("allegro", template, unknown, 404).await;
    let listed = get(invoices.clone(), PUBLIC);
    let listed = r
        .call(
            "allegro",
            "GET /order/checkout-forms/{id}/invoices",
            listed,
            200,
        )
        .await;
    assert_eq!(listed["invoices"][0]["id"], invoice_id.as_str());
    assert!(listed["invoices"][0]["file"]["uploadedAt"].is_string());
    let product = get(format!("/sale/product-offers/{offer_id}"), PUBLIC);
    r.call(
        "allegro",
        "GET /sale/product-offers/{offerId}",
        product,
        200,
    )
    .await;
    // Offers and their journal (an ended offer and its events).
    let ended = r.control("/allegro/offers", json!({"seller_id": seller_id, "name": "Talerz płaski 26 cm biały", "ean": "96385074", "external_id": "TAL-26"})).await;
    let ended_id = s(&ended["id"]);
    r.control(
        &format!("/allegro/offers/{ended_id}/price"),
        json!({"price": "19.99"}),
    )
    .await;
    r.control(
        &format!("/allegro/offers/{ended_id}/stock"),
        json!({"stock": 0}),
    )
    .await;
    let offers = get(
        "/sale/offers?limit=1000&publication.status=ACTIVE&publication.status=ENDED".into(),
        PUBLIC,
    );
    r.call("allegro", "GET /sale/offers", offers, 200).await;
    let bad_offers = get("/sale/offers?limit=0".into(), PUBLIC);
    r.call("allegro", "GET /sale/offers", bad_offers, 400).await;
    let events = get("/sale/offer-events?limit=1000".into(), PUBLIC);
    let journal = r
        .call("allegro", "GET /sale/offer-events", events, 200)
        .await;
    assert!(
        journal["offerEvents"]
            .as_array()
            .is_some_and(|e| e.len() >= 3),
        "{journal}"
    );
    let bad_events = get("/sale/offer-events?type=OFFER_EATEN".into(), PUBLIC);
    r.call("allegro", "GET /sale/offer-events", bad_events, 400)
        .await;
    let ended_offer = get(format!("/sale/product-offers/{ended_id}"), PUBLIC);
    r.call(
        "allegro",
        "GET /sale/product-offers/{offerId}",
        ended_offer,
        200,
    )
    .await;
    offer_commands(&mut r, &write, &offer_id, &ended_id).await;

    let bad_token = r
        .http
        .get(format!("{base}/me"))
        .bearer_auth("not-a-token")
        .header("accept", PUBLIC);
    r.call("allegro", "GET /me", bad_token, 401).await;

    // Post-purchase issues.
    let dispute = r.control("/allegro/inbox/issues", json!({"seller_id": seller_id, "buyer_id": buyer_id, "order_id": order_id, "type": "DISPUTE", "reason": "PRODUCT_DAMAGED_PARCEL_INTACT", "text": "Kubek przyszedł pęknięty."})).await;
    let dispute_id = s(&dispute["id"]);
    let claim = r.control("/allegro/inbox/issues", json!({"seller_id": seller_id, "buyer_id": buyer_id, "order_id": order_id, "type": "CLAIM", "reason": "DEFECT_FOUND_DURING_USE", "text": "Ucho odpadło po tygodniu."})).await;
    let claim_id = s(&claim["id"]);
    r.control(
        &format!("/allegro/inbox/issues/{dispute_id}/messages"),
        json!({"author": "ADMIN", "text": "Dzień dobry, tu Allegro."}),
    )
    .await;
    r.call(
        "allegro",
        "GET /sale/issues",
        get("/sale/issues?limit=10".into(), BETA),
        200,
    )
    .await;
    r.call(
        "allegro",
        "GET /sale/issues/{issueId}",
        get(format!("/sale/issues/{dispute_id}"), BETA),
        200,
    )
    .await;
    r.call(
        "allegro",
        "GET /sale/issues/{issueId}",
        get(format!("/sale/issues/{claim_id}"), BETA),
        200,
    )
    .await;
    r.call(
        "allegro",
        "GET /sale/issues/{issueId}/chat",
        get(format!("/sale/issues/{dispute_id}/chat"), BETA),
        200,
    )
    .await;
    // An issue whose opening Allegro's assistant wrote for the buyer (SYSTEM in the chat).
    let assisted = r.control("/allegro/inbox/issues", json!({"seller_id": seller_id, "buyer_id": buyer_id, "order_id": order_id, "type": "DISPUTE", "reason": "NO_PRODUCT_RECEIVED", "text": "Kupujący zgłasza, że paczka nie dotarła.", "first_author": "SYSTEM"})).await;
    let assisted_id = s(&assisted["id"]);
    r.call(
        "allegro",
        "GET /sale/issues/{issueId}",
        get(format!("/sale/issues/{assisted_id}"), BETA),
        200,
    )
    .await;
    r.call(
        "allegro",
        "GET /sale/issues/{issueId}/chat",
        get(format!("/sale/issues/{assisted_id}/chat"), BETA),
        200,
    )
    .await;
    let declare = r
        .http
        .post(format!("{base}/sale/issues/attachments"))
        .bearer_auth(&token)
        .header("accept", BETA)
        .header("content-type", BETA)
        .body(json!({"fileName": "faktura.pdf", "size": 12}).to_string());
    r.call("allegro", "POST /sale/issues/attachments", declare, 201)
        .await;
    let reply = r
        .http
        .post(format!("{base}/sale/issues/{dispute_id}/message"))
        .bearer_auth(&token)
        .header("accept", BETA)
        .header("content-type", BETA)
        .body(json!({"text": "Przepraszamy, wyślemy nowy kubek.", "type": "REGULAR"}).to_string());
    r.call("allegro", "POST /sale/issues/{issueId}/message", reply, 201)
        .await;
    r.control(
        &format!("/allegro/inbox/issues/{dispute_id}/close"),
        json!({"status": "DISPUTE_CLOSED"}),
    )
    .await;
    r.control("/clock/advance", json!({"seconds": 2})).await;
    let closed = r
        .http
        .post(format!("{base}/sale/issues/{dispute_id}/message"))
        .bearer_auth(&token)
        .header("accept", BETA)
        .header("content-type", BETA)
        .body(json!({"text": "Czy wszystko w porządku?", "type": "REGULAR"}).to_string());
    r.call(
        "allegro",
        "POST /sale/issues/{issueId}/message",
        closed,
        409,
    )
    .await;

    // Message Center (beta.v1).
    let thread = r.control("/allegro/inbox/threads", json!({"seller_id": seller_id, "buyer_id": buyer_id, "type": "POST_PURCHASE_ISSUE", "sub_type": "PRODUCT_ARRIVED_DAMAGED", "order_id": order_id, "text": "Paczka była zgnieciona."})).await;
    let assisted_thread = r.control("/allegro/inbox/threads", json!({"seller_id": seller_id, "buyer_id": buyer_id, "type": "POST_PURCHASE_ISSUE", "sub_type": "NO_PRODUCT_IN_THE_SHIPMENT", "order_id": order_id, "text": "Kupujący pisze, że paczka była pusta.", "first_author": "ALLEGRO"})).await;
    let assisted_thread_id = s(&assisted_thread["id"]);
    let thread_id = s(&thread["id"]);
    r.control("/allegro/inbox/threads", json!({"seller_id": seller_id, "buyer_id": buyer_id, "type": "COMMON", "text": "Czy kubek nadaje się do zmywarki?"})).await;
    r.call(
        "allegro-messaging",
        "GET /messaging/threads",
        get("/messaging/threads?limit=20".into(), BETA),
        200,
    )
    .await;
    r.call(
        "allegro-messaging",
        "GET /messaging/threads/{threadId}",
        get(format!("/messaging/threads/{thread_id}"), BETA),
        200,
    )
    .await;
    r.call(
        "allegro-messaging",
        "GET /messaging/threads/{threadId}/messages",
        get(format!("/messaging/threads/{thread_id}/messages"), BETA),
        200,
    )
    .await;
    r.call(
        "allegro-messaging",
        "GET /messaging/threads/{threadId}/messages",
        get(
            format!("/messaging/threads/{assisted_thread_id}/messages"),
            BETA,
        ),
        200,
    )
    .await;
    r.call(
        "allegro-messaging",
        "GET /messaging/threads/{threadId}",
        get(
            "/messaging/threads/P9XHEXmQAIiG3aCVmD124ZKm3knwcoEW06UTC3Zv9UK".into(),
            BETA,
        ),
        404,
    )
    .await;
    r.control("/clock/advance", json!({"seconds": 2})).await;
    let post = r
        .http
        .post(format!("{base}/messaging/threads/{thread_id}/messages"))
        .bearer_auth(&token)
        .header("accept", BETA)
        .header("content-type", BETA)
        .body(json!({"text": "Prosimy o zdjęcie paczki."}).to_string());
    r.call(
        "allegro-messaging",
        "POST /messaging/threads/{threadId}/messages",
        post,
        201,
    )
    .await;
    let declare = r
        .http
        .post(format!("{base}/messaging/message-attachments"))
        .bearer_auth(&token)
        .header("accept", BETA)
        .header("content-type", BETA)
        .body(json!({"filename": "etykieta.png", "size": 2048}).to_string());
    r.call(
        "allegro-messaging",
        "POST /messaging/message-attachments",
        declare,
        201,
    )
    .await;
    let read = r
        .http
        .put(format!("{base}/messaging/threads/{thread_id}/read"))
        .bearer_auth(&token)
        .header("accept", BETA)
        .header("content-type", BETA)
        .body(json!({"read": true}).to_string());
    r.call(
        "allegro-messaging",
        "PUT /messaging/threads/{threadId}/read",
        read,
        200,
    )
    .await;
    r.control(
        &format!("/allegro/inbox/threads/{thread_id}/close"),
        json!({}),
    )
    .await;
    r.control("/clock/advance", json!({"seconds": 2})).await;
    let closed = r
        .http
        .post(format!("{base}/messaging/threads/{thread_id}/messages"))
        .bearer_auth(&token)
        .header("accept", BETA)
        .header("content-type", BETA)
        .body(json!({"text": "Jeszcze jedno pytanie."}).to_string());
    r.call(
        "allegro-messaging",
        "POST /messaging/threads/{threadId}/messages",
        closed,
        422,
    )
    .await;

    // A seller under a sale blockade (allegro-api.md §4.3): refused with Allegro's error.
    r.control(&format!("/allegro/sellers/{seller_id}/block"), json!({}))
        .await;
    let blocked = r
        .call("allegro", "GET /me", get("/me".into(), PUBLIC), 403)
        .await;
    assert_eq!(
        blocked["errors"][0]["code"],
        "SellerAccountWithSellBlockadeException"
    );
    let journal = get("/order/events".into(), PUBLIC);
    r.call("allegro", "GET /order/events", journal, 403).await;
    let lifted = r
        .http
        .delete(format!(
            "{base}/__sandbox/allegro/sellers/{seller_id}/block"
        ))
        .send()
        .await
        .expect("unblock");
    assert_eq!(lifted.status().as_u16(), 200);
    r.call("allegro", "GET /me", get("/me".into(), PUBLIC), 200)
        .await;

    assert!(r.samples.len() >= 20);
    r.write();
}

#[tokio::test]
async fn empikplace_answers_follow_the_published_contract() {
    let sandbox = common::sandbox().await;
    let base = sandbox.base_url.clone();
    let mut r = Recorder {
        base: base.clone(),
        http: common::client(),
        samples: Vec::new(),
    };

    let shop = r
        .control("/mirakl/shops", json!({"name": "Sklep Kontrakt"}))
        .await;
    let key = s(&shop["api_key"]);
    let customer = r
        .control(
            "/mirakl/customers",
            json!({"firstname": "Anna", "lastname": "Nowak"}),
        )
        .await;
    let customer_id = s(&customer["customer_id"]);
    let order = r.control("/mirakl/orders", json!({"shop_id": shop["shop_id"], "customer_id": customer_id, "lines": [{"title": "Kubek ceramiczny", "sku": "KUB-300", "quantity": 1, "price": 24.99}]})).await;
    let order_id = s(&order["order_id"]);
    let thread = r.control("/mirakl/threads", json!({"shop_id": shop["shop_id"], "customer_id": customer_id, "order_id": order_id, "topic": {"type": "FREE_TEXT", "value": "Uszkodzony kubek"}, "body": "Kubek dotarł pęknięty."})).await;
    let thread_id = s(&thread["thread_id"]);
    r.control(
        &format!("/mirakl/threads/{thread_id}/messages"),
        json!({"from": "OPERATOR", "body": "Dzień dobry, tu Empik."}),
    )
    .await;
    // A thread on a reason code, longer than M11's 100 messages: M10 answers all of them.
    let long = r.control("/mirakl/threads", json!({"shop_id": shop["shop_id"], "customer_id": customer_id, "order_id": order_id, "topic": {"type": "REASON_CODE", "value": "23"}, "body": "Paczka nie dotarła."})).await;
    let long_id = s(&long["thread_id"]);
    for n in 2..=120 {
        let from = if n % 2 == 0 { "SHOP" } else { "CUSTOMER" };
        r.control(
            &format!("/mirakl/threads/{long_id}/messages"),
            json!({"from": from, "body": format!("Wiadomość numer {n}.")}),
        )
        .await;
    }

    let http = r.http.clone();
    let get = |path: String| {
        http.get(format!("{base}{path}"))
            .header("authorization", &key)
            .header("accept", "application/json")
    };
    r.call(
        "mirakl",
        "GET /api/account",
        get("/api/account".into()),
        200,
    )
    .await;
    r.call(
        "mirakl",
        "GET /api/inbox/threads",
        get("/api/inbox/threads?with_messages=true".into()),
        200,
    )
    .await;
    r.call(
        "mirakl",
        "GET /api/inbox/threads/{thread_id}",
        get(format!("/api/inbox/threads/{thread_id}")),
        200,
    )
    .await;
    let full = r
        .call(
            "mirakl",
            "GET /api/inbox/threads/{thread_id}",
            get(format!("/api/inbox/threads/{long_id}")),
            200,
        )
        .await;
    assert_eq!(full["messages"].as_array().map(Vec::len), Some(120));
    r.call(
        "mirakl",
        "GET /api/orders",
        get(format!("/api/orders?order_ids={order_id}")),
        200,
    )
    .await;
    let reasons = r
        .call(
            "mirakl",
            "GET /api/reasons/{reason_type}",
            get("/api/reasons/ORDER_MESSAGING?locale=pl_PL".into()),
            200,
        )
        .await;
    assert!(reasons["reasons"].as_array().is_some_and(|r| !r.is_empty()));
    let message_input = json!({"body": "Przepraszamy, wysyłamy nowy kubek.", "to": [{"type": "CUSTOMER", "id": customer_id}]});
    let form = reqwest::multipart::Form::new()
        .text("message_input", message_input.to_string())
        .part(
            "files",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 test".to_vec())
                .file_name("etykieta.pdf")
                .mime_str("application/pdf")
                .expect("mime"),
        );
    let reply = r
        .http
        .post(format!("{base}/api/inbox/threads/{thread_id}/message"))
        .header("authorization", &key)
        .multipart(form);
    r.call(
        "mirakl",
        "POST /api/inbox/threads/{thread_id}/message",
        reply,
        201,
    )
    .await;

    assert_eq!(r.samples.len(), 7);
    r.write();
}

/// The batch offer commands: taken (and taken again), refused while another one runs on the
/// same offer or when the id is reused, bad bodies, reports and tasks before and after running.
async fn offer_commands(
    r: &mut Recorder,
    write: &impl Fn(reqwest::Method, String) -> reqwest::RequestBuilder,
    offer_id: &str,
    ended_id: &str,
) {
    let put = |path: String, body: &Value| {
        write(reqwest::Method::PUT, path)
            .header("content-type", PUBLIC)
            .body(body.to_string())
    };
    let get = |path: String| write(reqwest::Method::GET, path);
    let criteria = |id: &str| json!([{ "type": "CONTAINS_OFFERS", "offers": [{ "id": id }] }]);
    // Long enough for the refusals below; `finish` then runs the tasks.
    r.control(
        "/allegro/offer-commands/settings",
        json!({ "task_delay_ms": 60_000 }),
    )
    .await;
    let quantity_id = "7b1c3a5e-2f4d-4e6a-9b8c-0d1e2f3a4b5c";
    let quantity = json!({ "modification": { "changeType": "FIXED", "value": 5 },
                           "offerCriteria": criteria(offer_id) });
    let template = "PUT /sale/offer-quantity-change-commands/{commandId}";
    let path = format!("/sale/offer-quantity-change-commands/{quantity_id}");
    let first = r
        .call("allegro", template, put(path.clone(), &quantity), 201)
        .await;
    assert_eq!(first["completedAt"], Value::Null, "{first}");
    r.call("allegro", template, put(path.clone(), &quantity), 201)
        .await;
    let gain = json!({ "modification": { "changeType": "GAIN", "value": 2 },
                       "offerCriteria": criteria(offer_id) });
    r.call("allegro", template, put(path.clone(), &gain), 409)
        .await;
    let zero = json!({ "modification": { "changeType": "FIXED", "value": 0 },
                       "offerCriteria": criteria(offer_id) });
    let other = "/sale/offer-quantity-change-commands/0f0e0d0c-0b0a-4909-8807-060504030201";
    r.call("allegro", template, put(other.into(), &zero), 422)
        .await;
    let not_json = write(reqwest::Method::PUT, other.into())
        .header("content-type", PUBLIC)
        .body("[");
    r.call("allegro", template, not_json, 400).await;
    let tasks_template = "GET /sale/offer-quantity-change-commands/{commandId}/tasks";
    let waiting = r
        .call("allegro", tasks_template, get(format!("{path}/tasks")), 200)
        .await;
    assert_eq!(waiting["tasks"][0]["status"], "NEW", "{waiting}");
    r.call(
        "allegro",
        tasks_template,
        get(format!("{path}/tasks?limit=0")),
        422,
    )
    .await;
    let price = json!({ "modification": { "type": "FIXED_PRICE", "price": { "amount": "21.99", "currency": "PLN" },
                                          "marketplaceId": "allegro-pl" },
                        "offerCriteria": criteria(offer_id) });
    let price_path = "/sale/offer-price-change-commands/3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f";
    let price_template = "PUT /sale/offer-price-change-commands/{commandId}";
    let busy = r
        .call(
            "allegro",
            price_template,
            put(price_path.into(), &price),
            409,
        )
        .await;
    assert_eq!(busy["errors"][0]["code"], "OfferConflictException");
    r.control("/allegro/offer-commands/finish", json!({})).await;
    let report = r
        .call(
            "allegro",
            "GET /sale/offer-quantity-change-commands/{commandId}",
            get(path.clone()),
            200,
        )
        .await;
    assert_eq!(report["taskCount"]["success"], 1, "{report}");
    let done = r
        .call("allegro", tasks_template, get(format!("{path}/tasks")), 200)
        .await;
    assert_eq!(done["tasks"][0]["status"], "SUCCESS", "{done}");
    r.call(
        "allegro",
        price_template,
        put(price_path.into(), &price),
        201,
    )
    .await;
    r.call(
        "allegro",
        "GET /sale/offer-price-change-commands/{commandId}",
        get(price_path.into()),
        200,
    )
    .await;
    r.call(
        "allegro",
        "GET /sale/offer-price-change-commands/{commandId}/tasks",
        get(format!("{price_path}/tasks?limit=1000&offset=0")),
        200,
    )
    .await;
    // Renewing the ended offer fails: it has no stock.
    let activate =
        json!({ "publication": { "action": "ACTIVATE" }, "offerCriteria": criteria(ended_id) });
    let publication_path = "/sale/offer-publication-commands/5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";
    r.call(
        "allegro",
        "PUT /sale/offer-publication-commands/{commandId}",
        put(publication_path.into(), &activate),
        201,
    )
    .await;
    r.control("/allegro/offer-commands/finish", json!({})).await;
    r.call(
        "allegro",
        "GET /sale/offer-publication-commands/{commandId}",
        get(publication_path.into()),
        200,
    )
    .await;
    let refused = r
        .call(
            "allegro",
            "GET /sale/offer-publication-commands/{commandId}/tasks",
            get(format!("{publication_path}/tasks")),
            200,
        )
        .await;
    assert_eq!(refused["tasks"][0]["status"], "FAIL", "{refused}");
    r.call(
        "allegro",
        "GET /sale/offer-publication-commands/{commandId}",
        get("/sale/offer-publication-commands/00000000-0000-4000-8000-000000000000".into()),
        404,
    )
    .await;
}
