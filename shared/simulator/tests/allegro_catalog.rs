//! `/me`, orders, offers and the removed disputes API (allegro-api.md §3, §7.4, §8.2, §5.2),
//! seeded through the control API.

mod common;

use common::allegro::*;
use common::{status_json, PUBLIC};
use marketdesk_simulator::RunningSimulator;
use serde_json::{json, Value};

async fn buyer(simulator: &RunningSimulator, login: &str) -> Value {
    let (status, body) = control(
        simulator,
        "/buyers",
        json!({ "login": login, "first_name": "Anna", "last_name": "Nowak" }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn offer(simulator: &RunningSimulator, seller_id: &str, body: Value) -> String {
    let mut request = json!({ "seller_id": seller_id, "name": "Kubek ceramiczny biały 300 ml" });
    if let (Some(target), Some(extra)) = (request.as_object_mut(), body.as_object()) {
        target.extend(extra.clone());
    }
    let (status, body) = control(simulator, "/offers", request).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().expect("offer id").to_owned()
}

async fn order(simulator: &RunningSimulator, body: Value) -> (u16, Value) {
    control(simulator, "/orders", body).await
}

async fn now(simulator: &RunningSimulator) -> chrono::DateTime<chrono::Utc> {
    let body: Value = common::client()
        .get(format!("{}/__simulator/clock", simulator.base_url))
        .send()
        .await
        .expect("clock")
        .json()
        .await
        .expect("json");
    serde_json::from_value(body["now"].clone()).expect("a time")
}

#[tokio::test]
async fn me_describes_the_seller_of_the_token() {
    let simulator = common::simulator().await;
    let (status, created) = control(
        &simulator,
        "/sellers",
        json!({
            "login": "Sklep_Ani",
            "email": "ania@example.com",
            "company_name": "Ania Sp. z o.o.",
            "tax_id": "5252674798",
            "first_name": "Anna",
            "last_name": "Kowalska",
            "sign_in": true
        }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id");
    assert!(id.bytes().all(|b| b.is_ascii_digit()));
    let code = code(&simulator, None).await;
    let (_, tokens) = exchange(&simulator, &code, Some(VERIFIER)).await;
    let me = api_get_ok(&simulator, "/me", &access(&tokens)).await;
    assert_eq!(
        me,
        json!({
            "id": id,
            "login": "Sklep_Ani",
            "firstName": "Anna",
            "lastName": "Kowalska",
            "email": "ania@example.com",
            "baseMarketplace": { "id": "allegro-pl" },
            "company": { "name": "Ania Sp. z o.o.", "taxId": "5252674798" },
            "features": []
        })
    );
}

#[tokio::test]
async fn an_order_reads_as_a_checkout_form_with_a_masked_email() {
    let simulator = common::simulator().await;
    let (seller_id, tokens) = seller_with_tokens(&simulator, "sprzedawca", None).await;
    let buyer = buyer(&simulator, "kupujaca").await;
    let email = buyer["email"].as_str().expect("email");
    let (alias, rest) = email.split_once('+').expect("alias+suffix");
    assert!(rest.ends_with("@allegromail.pl"), "{email}");
    assert_eq!(buyer["plain_email"], format!("{alias}@allegromail.pl"));

    let mug = offer(
        &simulator,
        &seller_id,
        json!({ "price": "19.99", "external_id": "KUB-1" }),
    )
    .await;
    let plate = offer(
        &simulator,
        &seller_id,
        json!({ "name": "Talerz płytki 27 cm", "price": { "amount": "5", "currency": "PLN" } }),
    )
    .await;
    // Keep the order within 12 months of the simulator's clock.
    let bought_at = now(&simulator).await - chrono::Duration::days(30);
    let (status, recent) = order(
        &simulator,
        json!({
            "seller_id": seller_id,
            "buyer_id": buyer["id"],
            "line_items": [
                { "offer_id": mug, "quantity": 2 },
                { "offer_id": plate, "price": "4.50" }
            ],
            "bought_at": bought_at.to_rfc3339()
        }),
    )
    .await;
    assert_eq!(status, 201, "{recent}");
    let id = recent["id"].as_str().expect("id");
    assert!(uuid::Uuid::try_parse(id).is_ok());
    let form = api_get_ok(
        &simulator,
        &format!("/order/checkout-forms/{id}"),
        &access(&tokens),
    )
    .await;
    assert_eq!(form["id"], id);
    assert_eq!(form["status"], "READY_FOR_PROCESSING");
    assert_eq!(form["buyer"]["id"], buyer["id"]);
    assert_eq!(form["buyer"]["email"], email);
    assert_eq!(form["buyer"]["login"], "kupujaca");
    assert_eq!(form["buyer"]["firstName"], "Anna");
    assert_eq!(form["buyer"]["lastName"], "Nowak");
    assert_eq!(form["buyer"]["guest"], false);
    assert_eq!(form["marketplace"]["id"], "allegro-pl");
    assert_eq!(form["surcharges"], json!([]));
    assert_eq!(
        form["summary"]["totalToPay"],
        json!({ "amount": "44.48", "currency": "PLN" })
    );
    let lines = form["lineItems"].as_array().expect("lineItems");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["offer"]["id"], mug.as_str());
    assert_eq!(lines[0]["offer"]["name"], "Kubek ceramiczny biały 300 ml");
    assert_eq!(lines[0]["offer"]["external"], json!({ "id": "KUB-1" }));
    assert_eq!(lines[0]["quantity"], 2);
    assert_eq!(
        lines[0]["price"],
        json!({ "amount": "19.99", "currency": "PLN" })
    );
    assert_eq!(lines[0]["originalPrice"], lines[0]["price"]);
    assert_eq!(lines[1]["price"]["amount"], "4.50");
    assert!(uuid::Uuid::try_parse(lines[0]["id"].as_str().expect("line id")).is_ok());
    let bought = lines[0]["boughtAt"].as_str().expect("boughtAt");
    assert!(bought.ends_with('Z') && bought.contains('.'), "{bought}");
    assert!(form["updatedAt"].is_string());
    assert_eq!(form["revision"].as_str().map(str::len), Some(8));
}

#[tokio::test]
async fn orders_are_404_when_unknown_foreign_or_older_than_twelve_months() {
    let simulator = common::simulator().await;
    let (seller_id, tokens) = seller_with_tokens(&simulator, "mojesklepy", None).await;
    let (_, other_tokens) = seller_with_tokens(&simulator, "obcy", None).await;
    let buyer = buyer(&simulator, "klient").await;
    let item = offer(&simulator, &seller_id, json!({})).await;
    let now = now(&simulator).await;
    let make = |days_ago: i64| {
        json!({
            "seller_id": seller_id,
            "buyer_id": buyer["id"],
            "offer_ids": [item],
            "bought_at": (now - chrono::Duration::days(days_ago)).to_rfc3339()
        })
    };
    let (_, fresh) = order(&simulator, make(364)).await;
    let (_, old) = order(&simulator, make(366)).await;
    let fresh = fresh["id"].as_str().expect("id");
    let old = old["id"].as_str().expect("id");

    let get = |id: String, token: String| {
        let simulator = &simulator;
        async move { api_get_json(simulator, &format!("/order/checkout-forms/{id}"), &token).await }
    };
    assert_eq!(get(fresh.into(), access(&tokens)).await.0, 200);

    for (id, token) in [
        (old.to_owned(), access(&tokens)),
        (fresh.to_owned(), access(&other_tokens)),
        (
            "29738e61-7f6a-11e8-ac45-09db60ede9d6".to_owned(),
            access(&tokens),
        ),
    ] {
        let (status, body) = get(id.clone(), token).await;
        assert_eq!(status, 404);
        assert_eq!(
            body,
            json!({"errors": [{
                "code": "CheckoutFormNotFoundException",
                "message": format!("Checkout form {id} not found"),
                "details": null,
                "path": format!("/order/checkout-forms/{id}"),
                "userMessage": format!("Checkout form {id} not found"),
                "metadata": {}
            }]})
        );
    }

    let (status, body) = get("not-a-uuid".into(), access(&tokens)).await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["code"], "VALIDATION_ERROR");
}

#[tokio::test]
async fn orders_need_the_orders_scope_and_the_public_media_type() {
    let simulator = common::simulator().await;
    let (_, tokens) =
        seller_with_tokens(&simulator, "profil", Some("allegro:api:profile:read")).await;
    let path = "/order/checkout-forms/29738e61-7f6a-11e8-ac45-09db60ede9d6";
    assert_eq!(
        api_get(&simulator, path, &access(&tokens)).await.status(),
        403
    );
    let response = common::client()
        .get(format!("{}{path}", simulator.base_url))
        .bearer_auth(access(&tokens))
        .header("accept", "application/json")
        .send()
        .await
        .expect("call");
    assert_eq!(response.status(), 406);
}

#[tokio::test]
async fn an_offer_carries_its_ean_as_parameter_225693() {
    let simulator = common::simulator().await;
    let (seller_id, tokens) = seller_with_tokens(&simulator, "oferty", None).await;
    let id = offer(
        &simulator,
        &seller_id,
        json!({ "ean": "5901234123457", "price": "49.90", "stock": 7, "external_id": "SKU-9" }),
    )
    .await;
    assert!(id.bytes().all(|b| b.is_ascii_digit()));
    let body = api_get_ok(
        &simulator,
        &format!("/sale/product-offers/{id}"),
        &access(&tokens),
    )
    .await;
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["name"], "Kubek ceramiczny biały 300 ml");
    assert!(body["category"]["id"].is_string());
    assert_eq!(
        body["productSet"][0]["product"]["parameters"][0],
        json!({
            "id": "225693",
            "name": "EAN (GTIN)",
            "values": ["5901234123457"],
            "valuesIds": null
        })
    );
    assert!(body["parameters"].is_array());
    assert_eq!(body["sellingMode"]["format"], "BUY_NOW");
    assert_eq!(
        body["sellingMode"]["price"],
        json!({ "amount": "49.90", "currency": "PLN" })
    );
    assert_eq!(body["stock"], json!({ "available": 7, "unit": "UNIT" }));
    assert_eq!(body["publication"]["status"], "ACTIVE");
    assert_eq!(body["external"], json!({ "id": "SKU-9" }));
    assert!(body["createdAt"].is_string() && body["updatedAt"].is_string());

    let plain = offer(&simulator, &seller_id, json!({})).await;
    let (_, body) = status_json(
        api_get(
            &simulator,
            &format!("/sale/product-offers/{plain}"),
            &access(&tokens),
        )
        .await,
    )
    .await;
    assert_eq!(body["productSet"], json!([]));
}

#[tokio::test]
async fn offers_of_others_and_unknown_offers_are_404() {
    let simulator = common::simulator().await;
    let (_, tokens) = seller_with_tokens(&simulator, "ja", None).await;
    let other = seller(&simulator, "ktos").await;
    let foreign = offer(&simulator, &other, json!({ "ean": "5901234123457" })).await;
    for id in [foreign.as_str(), "99999999999"] {
        let (status, body) = status_json(
            api_get(
                &simulator,
                &format!("/sale/product-offers/{id}"),
                &access(&tokens),
            )
            .await,
        )
        .await;
        assert_eq!(status, 404);
        assert_eq!(
            body,
            json!({"errors": [{
                "code": "OfferNotFoundException",
                "message": "Not Found",
                "details": null,
                "path": "",
                "userMessage": format!("Offer {id} does not exist."),
                "metadata": {}
            }]})
        );
    }
    let (status, _) = api_get_json(&simulator, "/sale/product-offers/abc", &access(&tokens)).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_disputes_api_is_gone() {
    let simulator = common::simulator().await;
    let (_, tokens) = seller_with_tokens(&simulator, "spory", None).await;
    let client = common::client();
    for (method, path) in [
        (reqwest::Method::GET, "/sale/disputes"),
        (reqwest::Method::GET, "/sale/disputes/abc"),
        (reqwest::Method::POST, "/sale/disputes/abc/messages"),
        (reqwest::Method::POST, "/sale/dispute-attachments"),
        (reqwest::Method::PUT, "/sale/dispute-attachments/xyz"),
    ] {
        let response = client
            .request(method.clone(), format!("{}{path}", simulator.base_url))
            .bearer_auth(access(&tokens))
            .header("accept", PUBLIC)
            .send()
            .await
            .expect("call");
        let (status, body) = status_json(response).await;
        assert_eq!(status, 404, "{method} {path}");
        assert_eq!(
            body,
            json!({"errors": [{
                "code": "NotFoundException",
                "message": "Not found",
                "details": null,
                "path": null,
                "userMessage": "Feature unavailable. Contact the application author."
            }]}),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn control_seeding_validates_its_input() {
    let simulator = common::simulator().await;
    let seller_id = seller(&simulator, "kontrola").await;
    let other = seller(&simulator, "inny").await;
    let buyer = buyer(&simulator, "kupiec").await;
    let mine = offer(&simulator, &seller_id, json!({})).await;
    let theirs = offer(&simulator, &other, json!({})).await;

    assert_eq!(
        control_status(&simulator, "/buyers", json!({"login": "kupiec"})).await,
        409
    );
    assert_eq!(
        control_status(&simulator, "/buyers", json!({"login": "x", "age": 3})).await,
        422
    );
    let (status, body) = control(
        &simulator,
        "/offers",
        json!({"seller_id": seller_id, "name": "X", "ean": "12ab"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = control(
        &simulator,
        "/offers",
        json!({"seller_id": seller_id, "name": "X", "price": "1.999"}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = control(
        &simulator,
        "/offers",
        json!({"seller_id": "1", "name": "X"}),
    )
    .await;
    assert_eq!(status, 404);

    let base = |extra: Value| {
        let mut body = json!({ "seller_id": seller_id, "buyer_id": buyer["id"] });
        if let (Some(target), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            target.extend(extra.clone());
        }
        body
    };
    for (extra, expected) in [
        (json!({"offer_ids": [mine]}), 201),
        (json!({"offer_ids": [theirs]}), 422),
        (json!({"offer_ids": ["123"]}), 404),
        (
            json!({"offer_ids": [mine], "line_items": [{"offer_id": mine}]}),
            422,
        ),
        (json!({}), 422),
        (json!({"offer_ids": []}), 422),
        (
            json!({"line_items": [{"offer_id": mine, "quantity": 0}]}),
            422,
        ),
        (json!({"offer_ids": [mine], "bought_at": "yesterday"}), 422),
        (json!({"offer_ids": [mine], "status": "SHIPPED"}), 422),
        (json!({"offer_ids": [mine], "status": "CANCELLED"}), 201),
        (json!({"offer_ids": [mine], "colour": "red"}), 422),
    ] {
        let (status, body) = order(&simulator, base(extra.clone())).await;
        assert_eq!(status, expected, "{extra} → {body}");
        if status == 422 {
            assert!(body["error"].is_string(), "{body}");
        }
    }
    let (status, _) = order(
        &simulator,
        json!({"seller_id": seller_id, "buyer_id": "404", "offer_ids": [mine]}),
    )
    .await;
    assert_eq!(status, 404);
}

/// A fresh access token after the clock moved past the old one's lifetime.
async fn refreshed(simulator: &RunningSimulator, tokens: &Value) -> String {
    let old = tokens["refresh_token"].as_str().expect("refresh_token");
    let (status, fresh) = refresh_with(simulator, old).await;
    assert_eq!(status, 200, "{fresh}");
    access(&fresh)
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .expect("a list")
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn offers_are_listed_with_filters_and_paging_and_archived_ones_vanish() {
    let simulator = common::simulator().await;
    let (seller_id, tokens) = seller_with_tokens(&simulator, "lista", None).await;
    let other = seller(&simulator, "cudzy").await;
    offer(&simulator, &other, json!({})).await;
    let active = offer(
        &simulator,
        &seller_id,
        json!({ "ean": "5901234123457", "external_id": "SKU-1" }),
    )
    .await;
    let auction = offer(&simulator, &seller_id, json!({ "format": "AUCTION" })).await;
    let ended = offer(&simulator, &seller_id, json!({ "stock": 0 })).await;
    let token = access(&tokens);

    let all = api_get_ok(&simulator, "/sale/offers?limit=1000", &token).await;
    assert_eq!(
        ids(&all, "offers"),
        [active.clone(), auction.clone(), ended.clone()]
    );
    assert_eq!(
        (all["count"].clone(), all["totalCount"].clone()),
        (json!(3), json!(3))
    );
    let first = &all["offers"][0];
    assert_eq!(first["sellingMode"]["format"], "BUY_NOW");
    assert_eq!(first["publication"]["status"], "ACTIVE");
    assert_eq!(first["external"]["id"], "SKU-1");

    let ended_buy_now = api_get_ok(
        &simulator,
        "/sale/offers?publication.status=ENDED&sellingMode.format=BUY_NOW",
        &token,
    )
    .await;
    assert_eq!(ids(&ended_buy_now, "offers"), [ended.as_str()]);
    let by_ids = api_get_ok(
        &simulator,
        &format!("/sale/offers?offer.id={active}&offer.id={auction}&external.id=SKU-1"),
        &token,
    )
    .await;
    assert_eq!(ids(&by_ids, "offers"), [active.as_str()]);
    let second_page = api_get_ok(&simulator, "/sale/offers?limit=2&offset=2", &token).await;
    assert_eq!(ids(&second_page, "offers"), [ended.as_str()]);
    assert_eq!(second_page["totalCount"], 3);
    for bad in [
        "limit=0",
        "limit=1001",
        "offset=-1",
        "publication.status=GONE",
    ] {
        let (status, _) = api_get_json(&simulator, &format!("/sale/offers?{bad}"), &token).await;
        assert_eq!(status, 400, "{bad}");
    }

    // 60 days after ending, an offer is archived: gone from the list and 404.
    advance(&simulator, 60 * 24 * 3600).await;
    let token = refreshed(&simulator, &tokens).await;
    let later = api_get_ok(&simulator, "/sale/offers", &token).await;
    assert_eq!(ids(&later, "offers"), [active.clone(), auction]);
    let (status, _) =
        api_get_json(&simulator, &format!("/sale/product-offers/{ended}"), &token).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_offer_journal_announces_changes_without_values_for_24_hours() {
    let simulator = common::simulator().await;
    let (seller_id, tokens) = seller_with_tokens(&simulator, "dziennik", None).await;
    let id = offer(
        &simulator,
        &seller_id,
        json!({ "external_id": "SKU-9", "stock": 3 }),
    )
    .await;
    let token = access(&tokens);
    let set = |path: &'static str, body: Value| {
        let simulator = &simulator;
        let id = id.clone();
        async move {
            let (status, answer) = control(simulator, &format!("/offers/{id}/{path}"), body).await;
            assert_eq!(status, 200, "{answer}");
            answer
        }
    };
    set("stock", json!({ "stock": 2 })).await;
    set("price", json!({ "price": "12.50" })).await;
    let ended = set("stock", json!({ "stock": 0 })).await;
    assert_eq!(ended["status"], "ENDED");
    // An ended offer's changes are not announced.
    set("price", json!({ "price": "13.00" })).await;

    let journal = api_get_ok(&simulator, "/sale/offer-events", &token).await;
    let events = journal["offerEvents"].as_array().expect("events").clone();
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect();
    assert_eq!(
        types,
        [
            "OFFER_STOCK_CHANGED",
            "OFFER_PRICE_CHANGED",
            "OFFER_STOCK_CHANGED",
            "OFFER_ENDED"
        ]
    );
    assert_eq!(
        events[0]["offer"],
        json!({ "id": id, "external": { "id": "SKU-9" } })
    );
    assert_eq!(events[3]["offer"]["publication"]["endedBy"], "EMPTY_STOCK");

    let after = events[1]["id"].as_str().expect("id");
    let rest = api_get_ok(
        &simulator,
        &format!("/sale/offer-events?from={after}&type=OFFER_ENDED"),
        &token,
    )
    .await;
    assert_eq!(
        ids(&rest, "offerEvents"),
        [events[3]["id"].as_str().expect("id")]
    );
    let limited = api_get_ok(&simulator, "/sale/offer-events?limit=1", &token).await;
    assert_eq!(limited["offerEvents"].as_array().map(Vec::len), Some(1));
    for bad in ["limit=0", "type=OFFER_EATEN", "from=%%%"] {
        let (status, _) =
            api_get_json(&simulator, &format!("/sale/offer-events?{bad}"), &token).await;
        assert_eq!(status, 400, "{bad}");
    }

    advance(&simulator, 24 * 3600).await;
    let token = refreshed(&simulator, &tokens).await;
    let forgotten = api_get_ok(&simulator, "/sale/offer-events", &token).await;
    assert_eq!(forgotten["offerEvents"], json!([]));
}
