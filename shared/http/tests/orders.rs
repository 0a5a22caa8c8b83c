//! Orders (issue 17) through the API: the integration's order settings and the from-date rule,
//! the order list and detail, the paid forms waiting for an agent, and an agent creating an
//! order from one.

mod common;

use chrono::{Duration, Utc};
use common::*;
use marketdesk_core::domain::checkout_form::{
    CheckoutFormData, FormStatus, Money, OrderBuyer, OrderDelivery, OrderInvoice, OrderLine,
    OrderPayment, PostalAddress, StoredCheckoutForm,
};
use marketdesk_core::domain::order::{Order, OrderStatus};
use marketdesk_core::domain::{Environment, Integration, Marketplace, Role};
use marketdesk_core::repo::{integrations, orders};
use serde_json::{json, Value};

/// An Allegro integration of `tenant` added `days_ago` days ago; its id.
async fn allegro_added(api: &Api, tenant: &str, id: &str, days_ago: i64) -> String {
    let integration = Integration::new(
        id.into(),
        tenant.into(),
        Marketplace::Allegro,
        "sklep",
        Environment::Sandbox,
        Utc::now() - Duration::days(days_ago),
    );
    integrations::create(&*api.backend.ports.store, &integration)
        .await
        .expect("stored");
    id.to_owned()
}

fn orders_patch(orders: Value) -> Value {
    json!({ "settings": { "orders": orders } })
}

#[tokio::test]
async fn order_settings_are_patched_merged_and_only_for_allegro() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let id = allegro_added(&api, "shop", "allegro-1", 0).await;
    let path = format!("/v1/integrations/{id}");

    let on = api
        .patch(
            &path,
            &admin,
            orders_patch(json!({ "enabled": true, "create_automatically": true })),
        )
        .await;
    assert_eq!(on.status, 200, "{}", on.body);
    assert_eq!(on.body["settings"]["orders"]["enabled"], true);
    assert_eq!(on.body["settings"]["orders"]["create_automatically"], true);

    let manual = api
        .patch(
            &path,
            &admin,
            orders_patch(json!({ "create_automatically": false })),
        )
        .await;
    assert_eq!(manual.status, 200, "{}", manual.body);
    assert_eq!(
        manual.body["settings"]["orders"]["enabled"], true,
        "absent keeps"
    );
    assert_eq!(
        manual.body["settings"]["orders"]["create_automatically"],
        false
    );
    let stored = integrations::get(
        &*api.backend.ports.store,
        &"shop".into(),
        &id.as_str().into(),
    )
    .await
    .expect("read")
    .expect("stored");
    assert!(stored.value.settings.orders.enabled);
    assert!(!stored.value.settings.orders.create_automatically);

    let unknown = api
        .patch(
            &path,
            &admin,
            orders_patch(json!({ "enabled": true, "auto": 1 })),
        )
        .await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert_eq!(unknown.field(), "settings.orders.auto");

    let agent = api.key("shop", Role::Agent).await;
    let refused = api
        .patch(&path, &agent, orders_patch(json!({ "enabled": false })))
        .await;
    assert_eq!(refused.status, 403, "admins only");

    let empik = api.post("/v1/integrations", &admin, empik_body()).await;
    let empik_id = empik.body["id"].as_str().expect("id");
    let refused = api
        .patch(
            &format!("/v1/integrations/{empik_id}"),
            &admin,
            orders_patch(json!({ "enabled": true })),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.field(), "settings.orders");
    assert_eq!(refused.code(), "validation_failed");
}

#[tokio::test]
async fn a_from_date_is_accepted_only_for_new_accounts_within_the_journal() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let new = allegro_added(&api, "shop", "allegro-new", 2).await;
    let path = format!("/v1/integrations/{new}");
    let at = |days: i64| (Utc::now() - Duration::days(days)).to_rfc3339();

    for (from, code) in [
        (at(61), "orders_from_too_early"),
        (
            (Utc::now() + Duration::hours(1)).to_rfc3339(),
            "orders_from_in_future",
        ),
    ] {
        let refused = api
            .patch(&path, &admin, orders_patch(json!({ "from": from })))
            .await;
        assert_eq!(refused.status, 422, "{from}: {}", refused.body);
        assert_eq!(refused.code(), code);
        assert_eq!(refused.field(), "settings.orders.from");
        let stored = api.get(&path, &admin).await;
        assert!(
            stored.body["settings"]["orders"].get("from").is_none(),
            "nothing changed"
        );
    }

    let from = at(30);
    let accepted = api
        .patch(
            &path,
            &admin,
            orders_patch(json!({ "enabled": true, "from": from })),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let stored = integrations::get(
        &*api.backend.ports.store,
        &"shop".into(),
        &new.as_str().into(),
    )
    .await
    .expect("read")
    .expect("stored");
    assert_eq!(
        stored.value.settings.orders.from.map(|t| t.timestamp()),
        chrono::DateTime::parse_from_rfc3339(&from)
            .ok()
            .map(|t| t.timestamp())
    );
    let cleared = api
        .patch(&path, &admin, orders_patch(json!({ "from": null })))
        .await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert!(cleared.body["settings"]["orders"].get("from").is_none());

    let old = allegro_added(&api, "shop", "allegro-old", 8).await;
    let refused = api
        .patch(
            &format!("/v1/integrations/{old}"),
            &admin,
            orders_patch(json!({ "from": at(1) })),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.code(), "orders_from_not_allowed");
    let still = api
        .patch(
            &format!("/v1/integrations/{old}"),
            &admin,
            orders_patch(json!({ "enabled": true })),
        )
        .await;
    assert_eq!(
        still.status, 200,
        "other order settings stay possible: {}",
        still.body
    );
}

/// A checkout form as the journal stores it.
fn form(id: &str, buyer: &str, status: FormStatus, nip: Option<&str>) -> CheckoutFormData {
    CheckoutFormData {
        id: id.into(),
        revision: Some("r1".into()),
        status,
        fulfillment_status: Some("NEW".into()),
        buyer: OrderBuyer {
            id: format!("u-{buyer}"),
            login: buyer.into(),
            email: Some("8awgqyk6a5+cub31c122@allegromail.pl".into()),
            ..OrderBuyer::default()
        },
        delivery: OrderDelivery {
            address: Some(PostalAddress {
                name: "Jan Kowalski".into(),
                street: "Prosta 1".into(),
                city: "Warszawa".into(),
                zip_code: "00-001".into(),
                country_code: "PL".into(),
                ..PostalAddress::default()
            }),
            method: Some("Kurier".into()),
            ..OrderDelivery::default()
        },
        invoice: OrderInvoice {
            required: nip.is_some(),
            address: None,
            nip: nip.map(str::to_owned),
        },
        lines: vec![OrderLine {
            offer_id: "offer-1".into(),
            offer_name: "Kubek".into(),
            quantity: 2,
            price: Some(Money {
                amount: "24.99".into(),
                currency: "PLN".into(),
            }),
            ..OrderLine::default()
        }],
        payment: OrderPayment::default(),
        total: Some(Money {
            amount: "49.98".into(),
            currency: "PLN".into(),
        }),
        message_to_seller: None,
        updated_at: None,
        link: None,
    }
}

/// Stores a form read `minutes_ago` through `integration` of `tenant`, and its order when
/// `order` says in which status.
async fn seed(
    api: &Api,
    tenant: &str,
    integration: &str,
    data: CheckoutFormData,
    minutes_ago: i64,
    order: Option<OrderStatus>,
) -> String {
    let at = Utc::now() - Duration::minutes(minutes_ago);
    let order_id = Order::id_for(&integration.into(), &data.id);
    let store = &*api.backend.ports.store;
    if let Some(status) = order {
        let order = Order {
            id: order_id.clone(),
            tenant_id: tenant.into(),
            integration_id: integration.into(),
            checkout_form_id: data.id.clone(),
            status,
            fulfillment_status: data.fulfillment_status.clone(),
            buyer_login: data.buyer.login.clone(),
            total: data.total.clone(),
            created_by: None,
            created_at: at,
            updated_at: at,
            buyer_card: None,
        };
        assert!(orders::create_order(store, &order).await.expect("order"));
    }
    let stored = StoredCheckoutForm {
        tenant_id: tenant.into(),
        integration_id: integration.into(),
        form: data,
        order_id: order.map(|_| order_id.clone()),
        read_at: at,
    };
    orders::put_form(store, &stored, None).await.expect("form");
    order_id
}

fn ids(answer: &Answer, list: &str) -> Vec<String> {
    answer.body[list]
        .as_array()
        .expect("list")
        .iter()
        .map(|o| {
            o["id"]
                .as_str()
                .or_else(|| o["checkout_form"]["id"].as_str())
                .expect("id")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn orders_are_listed_newest_first_with_filters_and_a_cursor_and_read_with_their_form() {
    let api = Api::new();
    let agent = api.key("shop", Role::Agent).await;
    let a = allegro_added(&api, "shop", "allegro-a", 1).await;
    let b = allegro_added(&api, "shop", "allegro-b", 1).await;
    let nip = form(
        "f-1",
        "Kupujacy_1",
        FormStatus::ReadyForProcessing,
        Some("5252674798"),
    );
    let first = seed(&api, "shop", &a, nip, 50, Some(OrderStatus::New)).await;
    let second = seed(
        &api,
        "shop",
        &b,
        form("f-2", "kupujacy_2", FormStatus::Cancelled, None),
        30,
        Some(OrderStatus::Cancelled),
    )
    .await;
    let third = seed(
        &api,
        "shop",
        &a,
        form("f-3", "kupujacy_1", FormStatus::ReadyForProcessing, None),
        10,
        Some(OrderStatus::New),
    )
    .await;
    // Another tenant's order is nobody's business here.
    allegro_added(&api, "other", "allegro-o", 1).await;
    let foreign = seed(
        &api,
        "other",
        "allegro-o",
        form("f-9", "kupujacy_1", FormStatus::ReadyForProcessing, None),
        5,
        Some(OrderStatus::New),
    )
    .await;

    let all = api.get("/v1/orders", &agent).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(
        ids(&all, "orders"),
        [third.clone(), second.clone(), first.clone()]
    );
    assert_eq!(all.body["next_cursor"], Value::Null);

    let filtered = |query: String| {
        let api = &api;
        let agent = &agent;
        async move {
            let answer = api.get(&format!("/v1/orders?{query}"), agent).await;
            assert_eq!(answer.status, 200, "{query}: {}", answer.body);
            ids(&answer, "orders")
        }
    };
    assert_eq!(
        filtered(format!("integration={a}")).await,
        [third.clone(), first.clone()]
    );
    assert_eq!(
        filtered("status=cancelled".into()).await,
        vec![second.clone()]
    );
    assert_eq!(
        filtered("buyer=KUPUJACY_1".into()).await,
        [third.clone(), first.clone()]
    );
    let since = (Utc::now() - Duration::minutes(40)).to_rfc3339();
    let until = (Utc::now() - Duration::minutes(20)).to_rfc3339();
    let range = format!(
        "created_from={}&created_to={}",
        urlencoding(&since),
        urlencoding(&until)
    );
    assert_eq!(filtered(range).await, vec![second.clone()]);

    // One at a time: every order once, in order, then the end.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/orders?limit=1&cursor={c}"),
            None => "/v1/orders?limit=1".to_owned(),
        };
        let page = api.get(&path, &agent).await;
        assert_eq!(page.status, 200, "{}", page.body);
        paged.extend(ids(&page, "orders"));
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, [third.clone(), second.clone(), first.clone()]);

    for bad in ["status=paid", "limit=0", "cursor=nonsense!", "colour=red"] {
        let refused = api.get(&format!("/v1/orders?{bad}"), &agent).await;
        assert_eq!(refused.status, 422, "{bad}: {}", refused.body);
    }
    let backwards = api
        .get(
            &format!(
                "/v1/orders?created_from={}&created_to={}",
                urlencoding(&until),
                urlencoding(&since)
            ),
            &agent,
        )
        .await;
    assert_eq!(backwards.status, 422);
    assert_eq!(backwards.field(), "created_to");

    let detail = api.get(&format!("/v1/orders/{first}"), &agent).await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert_eq!(detail.body["order"]["id"], first.as_str());
    let checkout = &detail.body["checkout_form"];
    assert_eq!(checkout["invoice"]["nip"], "5252674798");
    assert_eq!(checkout["buyer"]["login"], "Kupujacy_1");
    assert_eq!(checkout["delivery"]["address"]["city"], "Warszawa");
    assert_eq!(checkout["lines"][0]["offer_id"], "offer-1");
    assert_eq!(checkout["lines"][0]["quantity"], 2);
    assert_eq!(checkout["status"], "ready_for_processing");
    assert_eq!(checkout["fulfillment_status"], "NEW");

    let missing = api.get(&format!("/v1/orders/{foreign}"), &agent).await;
    assert_eq!(missing.status, 404, "another tenant's order is not found");
}

/// Percent-encodes a date-time for a query string (`+` and `:`).
fn urlencoding(text: &str) -> String {
    text.replace(':', "%3A").replace('+', "%2B")
}

#[tokio::test]
async fn an_agent_makes_an_order_of_a_paid_form_once() {
    let api = Api::new();
    let agent = api.key("shop", Role::Agent).await;
    let a = allegro_added(&api, "shop", "allegro-a", 1).await;
    for (data, minutes_ago) in [
        (
            form("f-old", "kupujacy", FormStatus::ReadyForProcessing, None),
            20,
        ),
        (
            form(
                "f-new",
                "kupujacy",
                FormStatus::ReadyForProcessing,
                Some("5252674798"),
            ),
            10,
        ),
        (form("f-unpaid", "kupujacy", FormStatus::FilledIn, None), 5),
    ] {
        seed(&api, "shop", &a, data, minutes_ago, None).await;
    }

    let waiting = api.get("/v1/orders/paid-forms", &agent).await;
    assert_eq!(waiting.status, 200, "{}", waiting.body);
    assert_eq!(
        ids(&waiting, "forms"),
        ["f-old", "f-new"],
        "paid only, oldest first"
    );
    assert_eq!(
        waiting.body["forms"][1]["checkout_form"]["invoice"]["nip"],
        "5252674798"
    );

    let created = api
        .post("/v1/orders", &agent, json!({ "checkout_form_id": "f-new" }))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let order_id = created.body["id"].as_str().expect("id").to_owned();
    assert_eq!(created.body["status"], "new");
    assert_eq!(created.body["created_by"]["kind"], "api_key");
    assert_eq!(created.body["checkout_form_id"], "f-new");

    let waiting = api.get("/v1/orders/paid-forms", &agent).await;
    assert_eq!(ids(&waiting, "forms"), ["f-old"], "no longer waiting");
    let listed = api.get("/v1/orders", &agent).await;
    assert_eq!(ids(&listed, "orders"), vec![order_id.clone()]);

    let again = api
        .post(
            "/v1/orders",
            &agent,
            json!({ "checkout_form_id": "f-new", "integration_id": a }),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body, created.body, "the same order");
    let listed = api.get("/v1/orders", &agent).await;
    assert_eq!(ids(&listed, "orders").len(), 1);

    let admin = api.key("shop", Role::Admin).await;
    let audit = api
        .get(
            &format!("/v1/audit?subject_type=order&subject_id={order_id}"),
            &admin,
        )
        .await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    let entries = audit.body["entries"].as_array().expect("entries");
    assert_eq!(
        entries.len(),
        1,
        "one entry for one creation: {}",
        audit.body
    );
    assert_eq!(entries[0]["action"], "order.created");

    let unpaid = api
        .post(
            "/v1/orders",
            &agent,
            json!({ "checkout_form_id": "f-unpaid" }),
        )
        .await;
    assert_eq!(unpaid.status, 409, "{}", unpaid.body);
    assert_eq!(unpaid.code(), "checkout_form_not_paid");
    let unknown = api
        .post(
            "/v1/orders",
            &agent,
            json!({ "checkout_form_id": "f-none" }),
        )
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    let elsewhere = api
        .post(
            "/v1/orders",
            &agent,
            json!({ "checkout_form_id": "f-old", "integration_id": "allegro-x" }),
        )
        .await;
    assert_eq!(elsewhere.status, 404, "{}", elsewhere.body);
    let bad = api
        .post("/v1/orders", &agent, json!({ "checkout_form_id": "" }))
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.field(), "checkout_form_id");
}

#[tokio::test]
async fn health_lists_the_order_journal_of_accounts_with_orders_switched_on() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let id = allegro_added(&api, "shop", "allegro-h", 0).await;
    let channels_of = |answer: &Answer| -> Vec<String> {
        answer.body["marketplaces"]["channels"]
            .as_array()
            .expect("channels")
            .iter()
            .filter(|c| c["integration_id"] == id.as_str())
            .map(|c| c["channel"].as_str().expect("name").to_owned())
            .collect()
    };
    let off = api.get("/v1/health/details", &admin).await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(channels_of(&off), ["allegro_issues", "allegro_messaging"]);

    let on = api
        .patch(
            &format!("/v1/integrations/{id}"),
            &admin,
            orders_patch(json!({ "enabled": true })),
        )
        .await;
    assert_eq!(on.status, 200, "{}", on.body);
    let listed = api.get("/v1/health/details", &admin).await;
    assert_eq!(
        channels_of(&listed),
        ["allegro_issues", "allegro_messaging", "allegro_orders"]
    );
}

/// A paid form of a company buyer: invoice to `company` in `country` with `nip`.
fn company_form(
    id: &str,
    buyer: &str,
    company: &str,
    country: &str,
    nip: Option<&str>,
) -> CheckoutFormData {
    let mut data = form(id, buyer, FormStatus::ReadyForProcessing, nip);
    data.buyer.first_name = Some("Zofia".into());
    data.buyer.last_name = Some("Wójcik".into());
    data.invoice = OrderInvoice {
        required: true,
        address: Some(PostalAddress {
            name: String::new(),
            company: Some(company.into()),
            street: "Żelazna 5".into(),
            city: "Łódź".into(),
            zip_code: "90-001".into(),
            country_code: country.into(),
            phone: None,
        }),
        nip: nip.map(str::to_owned),
    };
    data
}

fn erp_patch(customers: Value) -> Value {
    json!({ "settings": { "erp": { "customers": customers } } })
}

#[tokio::test]
async fn erp_settings_are_validated_and_only_for_allegro() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let id = allegro_added(&api, "shop", "allegro-1", 0).await;
    let path = format!("/v1/integrations/{id}");
    let listed = api.get(&path, &admin).await;
    assert_eq!(
        listed.body["settings"]["erp"]["customers"], "none",
        "the default"
    );

    let set = api.patch(&path, &admin, erp_patch(json!("with_nip"))).await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["settings"]["erp"]["customers"], "with_nip");

    for wrong in [json!("some"), json!(true), json!(null)] {
        let refused = api.patch(&path, &admin, erp_patch(wrong.clone())).await;
        assert_eq!(refused.status, 422, "{wrong}: {}", refused.body);
        assert_eq!(refused.field(), "settings.erp.customers", "{wrong}");
    }
    let unknown = api
        .patch(
            &path,
            &admin,
            json!({ "settings": { "erp": { "cards": "all" } } }),
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert_eq!(unknown.field(), "settings.erp.cards");
    let kept = api.get(&path, &admin).await;
    assert_eq!(
        kept.body["settings"]["erp"]["customers"], "with_nip",
        "refusals change nothing"
    );

    let empik = api.post("/v1/integrations", &admin, empik_body()).await;
    let empik_id = empik.body["id"].as_str().expect("id");
    let refused = api
        .patch(
            &format!("/v1/integrations/{empik_id}"),
            &admin,
            erp_patch(json!("all")),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.field(), "settings.erp.customers");
}

#[tokio::test]
async fn orders_reach_the_erp_feed_and_webhook_with_the_customer_as_configured() {
    let api = Api::with_state(allowing_private);
    let admin = api.key("shop", Role::Admin).await;
    let a = allegro_added(&api, "shop", "allegro-a", 1).await;
    // The helpdesk already knows this buyer: the order's card is that customer.
    let known = store_customer(
        &api,
        "shop",
        "c-known",
        "Firma z helpdesku",
        "Allegro login",
        "firma_pl",
    )
    .await;
    let hook = api
        .post(
            "/v1/webhooks",
            &admin,
            json!({ "url": "http://127.0.0.1:9/erp", "events": ["order.created"] }),
        )
        .await;
    assert_eq!(hook.status, 201, "{}", hook.body);
    let hook_id = hook.body["id"].as_str().expect("id").to_owned();
    for (data, minutes_ago) in [
        (
            company_form(
                "f-pl",
                "firma_pl",
                "Firma \"Ząb\" Sp. z o.o.",
                "PL",
                Some("525-267-47-98"),
            ),
            3,
        ),
        (company_form("f-de", "gmbh_de", "Zahn GmbH", "DE", None), 2),
        (
            form("f-private", "osoba", FormStatus::ReadyForProcessing, None),
            1,
        ),
    ] {
        seed(&api, "shop", &a, data, minutes_ago, None).await;
    }

    for id in ["f-pl", "f-de", "f-private"] {
        let created = api
            .post("/v1/orders", &admin, json!({ "checkout_form_id": id }))
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
    }
    let order = api
        .get(
            &format!("/v1/orders/{}", Order::id_for(&a.as_str().into(), "f-pl")),
            &admin,
        )
        .await;
    let card = &order.body["order"]["buyer_card"];
    assert_eq!(
        card["customer_id"],
        known.id.as_str(),
        "matched by Allegro login"
    );
    assert_eq!(card["nip"], "5252674798");
    assert_eq!(card["company_name"], "Firma \"Ząb\" Sp. z o.o.");
    assert_eq!(card["customer_type"], "domestic");
    assert_eq!(card["invoice_address"]["city"], "Łódź");
    assert_eq!(card["delivery_address"]["city"], "Warszawa");
    let customer = api
        .get(&format!("/v1/customers/{}", known.id), &admin)
        .await;
    assert_eq!(
        customer.body["customer"]["trade"]["nip"], "5252674798",
        "kept on the CRM card"
    );

    // The default sends no card: every order goes with the unspecified customer.
    let feed = api.get("/v1/erp/orders", &admin).await;
    assert_eq!(feed.status, 200, "{}", feed.body);
    let kinds = |page: &Answer| -> Vec<(String, String)> {
        page.body["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .map(|o| {
                (
                    o["order"]["checkout_form_id"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned(),
                    o["customer"]["kind"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let unspecified = |id: &str| (id.to_owned(), "unspecified".to_owned());
    let card_of = |id: &str| (id.to_owned(), "card".to_owned());
    assert_eq!(
        kinds(&feed),
        [
            unspecified("f-pl"),
            unspecified("f-de"),
            unspecified("f-private")
        ]
    );
    assert_eq!(
        feed.body["orders"][0]["order"]["buyer_card"],
        Value::Null,
        "no card behind the setting's back"
    );
    assert_eq!(feed.body["next_since"], "3");
    assert_eq!(feed.body["has_more"], false);

    let with_nip = api
        .patch(
            &format!("/v1/integrations/{a}"),
            &admin,
            erp_patch(json!("with_nip")),
        )
        .await;
    assert_eq!(with_nip.status, 200);
    let feed = api.get("/v1/erp/orders", &admin).await;
    assert_eq!(
        kinds(&feed),
        [
            card_of("f-pl"),
            unspecified("f-de"),
            unspecified("f-private")
        ]
    );
    assert_eq!(
        feed.body["orders"][0]["customer"]["customer_id"],
        known.id.as_str()
    );
    assert_eq!(feed.body["orders"][0]["customer"]["nip"], "5252674798");

    api.patch(
        &format!("/v1/integrations/{a}"),
        &admin,
        erp_patch(json!("all")),
    )
    .await;
    let feed = api.get("/v1/erp/orders", &admin).await;
    assert_eq!(
        kinds(&feed),
        [card_of("f-pl"), card_of("f-de"), card_of("f-private")]
    );
    assert_eq!(feed.body["orders"][1]["customer"]["customer_type"], "eu");
    assert_eq!(feed.body["orders"][1]["customer"]["nip"], Value::Null);
    assert_eq!(feed.body["orders"][2]["customer"]["login"], "osoba");
    assert_ne!(
        feed.body["orders"][2]["customer"]["customer_id"],
        known.id.as_str(),
        "a new customer"
    );

    // Paging one at a time from a cursor, then nothing new.
    let mut since = String::new();
    let mut paged = Vec::new();
    loop {
        let page = api
            .get(&format!("/v1/erp/orders?since={since}&limit=1"), &admin)
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        paged.extend(kinds(&page).into_iter().map(|(id, _)| id));
        since = page.body["next_since"]
            .as_str()
            .expect("next_since")
            .to_owned();
        if page.body["has_more"] == false {
            break;
        }
    }
    assert_eq!(paged, ["f-pl", "f-de", "f-private"]);
    let after = api
        .get(&format!("/v1/erp/orders?since={since}"), &admin)
        .await;
    assert_eq!(after.body["orders"], json!([]));
    assert_eq!(
        after.body["next_since"],
        since.as_str(),
        "unchanged when nothing came"
    );

    for (query, field) in [
        ("since=abc", "since"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("from=1", "from"),
    ] {
        let refused = api.get(&format!("/v1/erp/orders?{query}"), &admin).await;
        assert_eq!(refused.status, 422, "{query}: {}", refused.body);
        assert_eq!(refused.field(), field, "{query}");
    }
    let other = api.key("other", Role::Admin).await;
    let foreign = api.get("/v1/erp/orders", &other).await;
    assert_eq!(
        foreign.body["orders"],
        json!([]),
        "tenants see only their own"
    );

    // One order.created per order, with the customer as configured when it was created.
    let deliveries = api
        .get(
            &format!("/v1/webhooks/{hook_id}/deliveries?limit=10"),
            &admin,
        )
        .await;
    assert_eq!(deliveries.status, 200, "{}", deliveries.body);
    let payloads: Vec<Value> = deliveries.body["deliveries"]
        .as_array()
        .expect("deliveries")
        .iter()
        .map(|d| serde_json::from_str(d["payload"].as_str().expect("payload")).expect("JSON"))
        .collect();
    assert_eq!(payloads.len(), 3);
    for payload in &payloads {
        assert_eq!(payload["type"], "order.created");
        assert_eq!(payload["data"]["customer"]["kind"], "unspecified");
        assert!(payload["data"]["order"]["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("ord-")));
    }
    // A repeated creation is no new order: no new feed entry, no new event.
    let again = api
        .post("/v1/orders", &admin, json!({ "checkout_form_id": "f-pl" }))
        .await;
    assert_eq!(again.status, 200);
    let feed = api.get("/v1/erp/orders", &admin).await;
    assert_eq!(feed.body["orders"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn customers_export_as_csv_and_xml_with_everything_escaped() {
    let api = Api::new();
    let agent = api.key("shop", Role::Agent).await;
    let a = store_customer(
        &api,
        "shop",
        "c-a",
        "Łukasz; \"Żółw\" <&> Gęś",
        "Allegro login",
        "lukasz",
    )
    .await;
    let b = store_customer(
        &api,
        "shop",
        "c-b",
        "=HYPERLINK(\"x\")",
        "Allegro login",
        "formula",
    )
    .await;
    let c = store_customer(&api, "shop", "c-c", "Anna Zięba", "Allegro login", "anna").await;
    store_customer(&api, "other", "c-foreign", "Obcy", "Allegro login", "obcy").await;

    let all = api.get("/v1/customers/export?format=csv", &agent).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert!(all.headers["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("text/csv"));
    assert_eq!(
        all.headers["content-disposition"],
        "attachment; filename=\"customers.csv\""
    );
    let text = all.body.as_str().expect("CSV");
    assert!(
        text.starts_with('\u{feff}'),
        "a byte-order mark for spreadsheets"
    );
    let lines: Vec<&str> = text
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 4, "a header and the tenant's three: {text}");
    assert!(lines[0].starts_with("id;name;company_name;nip;customer_type;emails;"));
    let row_a = lines
        .iter()
        .find(|l| l.starts_with(&format!("{};", a.id)))
        .expect("row a");
    assert!(
        row_a.starts_with("c-a;\"Łukasz; \"\"Żółw\"\" <&> Gęś\";"),
        "the separator and quotes are quoted, Polish letters kept: {row_a}"
    );
    assert!(row_a.contains(";Allegro login=lukasz;"));
    let row_b = lines
        .iter()
        .find(|l| l.starts_with(&format!("{};", b.id)))
        .expect("row b");
    assert!(
        row_b.starts_with("c-b;\"'=HYPERLINK(\"\"x\"\")\";"),
        "formulas defused: {row_b}"
    );
    assert!(!text.contains("Obcy"));

    let xml = api
        .get(
            &format!("/v1/customers/export?format=xml&ids={},{}", a.id, c.id),
            &agent,
        )
        .await;
    assert_eq!(xml.status, 200, "{}", xml.body);
    assert!(xml.headers["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("application/xml"));
    let text = xml.body.as_str().expect("XML");
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<customers>\n"));
    assert!(
        text.contains("<name>Łukasz; &quot;Żółw&quot; &lt;&amp;&gt; Gęś</name>"),
        "{text}"
    );
    assert!(text.contains("<field name=\"Allegro login\">anna</field>"));
    assert_eq!(
        text.matches("<customer id=").count(),
        2,
        "only the chosen ids"
    );
    assert!(!text.contains("HYPERLINK"));

    let filtered = api
        .get("/v1/customers/export?format=csv&name=zieba", &agent)
        .await;
    assert_eq!(filtered.status, 200, "{}", filtered.body);
    let text = filtered.body.as_str().expect("CSV");
    assert!(
        text.contains("Anna Zięba") && !text.contains("Łukasz"),
        "the list's name filter: {text}"
    );
    let by_field = api
        .get(
            "/v1/customers/export?format=xml&field=Allegro%20login&value=formula",
            &agent,
        )
        .await;
    assert_eq!(
        by_field
            .body
            .as_str()
            .map(|t| t.matches("<customer id=").count()),
        Some(1)
    );

    for (query, field) in [
        ("format=pdf", "format"),
        ("ids=c-a,c-missing", "ids"),
        ("ids=c-a&name=anna", "ids"),
        ("ids=,", "ids"),
        ("ids=c-foreign", "ids"),
        ("value=x", "field"),
    ] {
        let refused = api
            .get(&format!("/v1/customers/export?{query}"), &agent)
            .await;
        assert_eq!(refused.status, 422, "{query}: {}", refused.body);
        assert_eq!(refused.field(), field, "{query}");
    }
    let missing = api
        .get("/v1/customers/export?ids=c-a,c-missing", &agent)
        .await;
    assert!(missing.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("c-missing"));
}

/// The jobs waiting on the outbound queue (order updates share it with replies).
async fn queued_jobs(api: &Api) -> Vec<Value> {
    let messages = api
        .backend
        .ports
        .queues
        .outbound
        .receive(10, std::time::Duration::from_secs(30))
        .await
        .expect("receive");
    for message in &messages {
        api.backend
            .ports
            .queues
            .outbound
            .release(&message.receipt, std::time::Duration::ZERO)
            .await
            .expect("release");
    }
    messages
        .iter()
        .map(|m| serde_json::from_str(&m.body).expect("job JSON"))
        .collect()
}

fn pdf_body(bytes: &[u8], content_type: &str) -> Value {
    use base64::Engine;
    json!({
        "filename": "FV-1-2026.pdf",
        "content_type": content_type,
        "data_base64": base64::engine::general_purpose::STANDARD.encode(bytes),
        "invoice_number": "FV 1/2026"
    })
}

#[tokio::test]
async fn fulfillment_and_invoices_are_queued_once_and_bad_input_changes_nothing() {
    let api = Api::new();
    let agent = api.key("shop", Role::Agent).await;
    let integration = allegro_added(&api, "shop", "allegro-1", 10).await;
    let paid = form(
        "7f3c1a52-0000-4000-8000-000000000001",
        "anna",
        FormStatus::ReadyForProcessing,
        None,
    );
    let order_id = seed(&api, "shop", &integration, paid, 5, Some(OrderStatus::New)).await;
    let fulfillment = format!("/v1/orders/{order_id}/fulfillment");
    let invoices = format!("/v1/orders/{order_id}/invoices");
    let updates = |answer: &Answer| answer.body["updates"].as_array().expect("updates").len();

    // Refused, each with its field, and nothing stored or queued.
    for (body, field) in [
        (json!({ "status": "RETURNED" }), "status"),
        (json!({ "status": "sent" }), "status"),
        (json!({ "status": "SENT", "notify": true }), "notify"),
    ] {
        let refused = api
            .call("PUT", &fulfillment, Some(&agent), Some(body.clone()))
            .await;
        assert_eq!(refused.status, 422, "{body}: {}", refused.body);
        assert_eq!(refused.field(), field, "{body}");
    }
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(3 * 1024 * 1024 + 1, b' ');
    for (body, field) in [
        (pdf_body(b"%PDF-1.4\n%%EOF", "image/png"), "content_type"),
        (pdf_body(b"GIF89a not a pdf", "application/pdf"), "file"),
        (pdf_body(b"", "application/pdf"), "file"),
        (pdf_body(&big, "application/pdf"), "data_base64"),
        (
            json!({ "filename": "a.pdf", "content_type": "application/pdf", "data_base64": "***" }),
            "data_base64",
        ),
    ] {
        let refused = api.call("POST", &invoices, Some(&agent), Some(body)).await;
        assert_eq!(refused.status, 422, "{field}: {}", refused.body);
        assert_eq!(refused.field(), field);
        assert_eq!(refused.code(), "validation_failed");
    }
    let missing = api
        .call(
            "PUT",
            "/v1/orders/ord-allegro-1-nope/fulfillment",
            Some(&agent),
            Some(json!({ "status": "SENT" })),
        )
        .await;
    assert_eq!(missing.status, 404);
    let detail = api.get(&format!("/v1/orders/{order_id}"), &agent).await;
    assert_eq!(updates(&detail), 0, "nothing stored: {}", detail.body);
    assert!(queued_jobs(&api).await.is_empty(), "nothing queued");

    // Accepted: stored as pending, one job each on the outbound queue.
    let set = api
        .call(
            "PUT",
            &fulfillment,
            Some(&agent),
            Some(json!({ "status": "SENT" })),
        )
        .await;
    assert_eq!(set.status, 202, "{}", set.body);
    assert_eq!(set.body["state"], "pending");
    assert_eq!(set.body["kind"]["status"], "SENT");
    let invoice = api
        .call(
            "POST",
            &invoices,
            Some(&agent),
            Some(pdf_body(b"%PDF-1.4\n%%EOF\n", "application/pdf")),
        )
        .await;
    assert_eq!(invoice.status, 202, "{}", invoice.body);
    assert_eq!(invoice.body["kind"]["type"], "invoice");
    assert_eq!(invoice.body["kind"]["invoice_number"], "FV 1/2026");
    let jobs = queued_jobs(&api).await;
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    assert!(jobs
        .iter()
        .all(|j| j["kind"] == "order_update" && j["order_id"] == order_id.as_str()));

    let second = api
        .call(
            "POST",
            &invoices,
            Some(&agent),
            Some(pdf_body(b"%PDF-1.4\n%%EOF\n", "application/pdf")),
        )
        .await;
    assert_eq!(second.status, 409, "{}", second.body);
    assert_eq!(second.code(), "invoice_exists");
    let detail = api.get(&format!("/v1/orders/{order_id}"), &agent).await;
    assert_eq!(updates(&detail), 2, "{}", detail.body);
    assert_eq!(
        detail.body["updates"][0]["kind"]["type"], "invoice",
        "newest first"
    );

    // A cancelled order takes no invoice and no status but CANCELLED.
    let gone = form(
        "7f3c1a52-0000-4000-8000-000000000002",
        "anna",
        FormStatus::Cancelled,
        None,
    );
    let cancelled = seed(
        &api,
        "shop",
        &integration,
        gone,
        4,
        Some(OrderStatus::Cancelled),
    )
    .await;
    let refused = api
        .call(
            "PUT",
            &format!("/v1/orders/{cancelled}/fulfillment"),
            Some(&agent),
            Some(json!({ "status": "SENT" })),
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.code(), "order_cancelled");
    let refused = api
        .call(
            "POST",
            &format!("/v1/orders/{cancelled}/invoices"),
            Some(&agent),
            Some(pdf_body(b"%PDF-1.4\n", "application/pdf")),
        )
        .await;
    assert_eq!(refused.code(), "order_cancelled");
}

#[tokio::test]
async fn a_ticket_about_a_form_shows_its_order_and_the_customer_card_lists_the_customers_orders() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let a = allegro_added(&api, "shop", "allegro-a", 1).await;
    let known = store_customer(
        &api,
        "shop",
        "c-known",
        "Firma",
        "Allegro login",
        "firma_pl",
    )
    .await;
    for (data, minutes_ago) in [
        (
            company_form(
                "f-1",
                "firma_pl",
                "Firma sp. z o.o.",
                "PL",
                Some("5252674798"),
            ),
            3,
        ),
        (
            form("f-2", "ktos_inny", FormStatus::ReadyForProcessing, None),
            2,
        ),
    ] {
        seed(&api, "shop", &a, data, minutes_ago, None).await;
    }
    for id in ["f-1", "f-2"] {
        let created = api
            .post("/v1/orders", &admin, json!({ "checkout_form_id": id }))
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
    }
    let mut about = common::ticket("shop", &a, "d-1", 5);
    about.order_id = Some("f-1".into());
    store_ticket(&api, &about).await;
    let unrelated = common::ticket("shop", &a, "d-2", 4);
    store_ticket(&api, &unrelated).await;

    let detail = api.get(&format!("/v1/tickets/{}", about.id), &admin).await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert_eq!(
        detail.body["order"]["id"],
        Order::id_for(&a.as_str().into(), "f-1")
    );
    assert_eq!(detail.body["order"]["total"]["amount"], "49.98");
    let other = api
        .get(&format!("/v1/tickets/{}", unrelated.id), &admin)
        .await;
    assert_eq!(other.body["order"], Value::Null);

    let of_customer = api
        .get(&format!("/v1/orders?customer={}", known.id), &admin)
        .await;
    assert_eq!(
        ids(&of_customer, "orders"),
        [Order::id_for(&a.as_str().into(), "f-1")]
    );
    let nobody = api.get("/v1/orders?customer=c-nobody", &admin).await;
    assert_eq!(ids(&nobody, "orders"), Vec::<String>::new());
}
