//! Offers (issue 18) through the API: an account's offers listed and filtered, one offer, an
//! agent linking, relinking and unlinking an offer and changing its switches (audited), a
//! product's offers, and the errors (unknown account, offer or product; bad fields).

mod common;

use common::*;
use marketdesk_core::domain::offer::OfferStatus;
use marketdesk_core::domain::{Environment, Role};
use serde_json::json;

async fn allegro(api: &Api, tenant: &str, id: &str) {
    store_allegro(api, tenant, id, "sklep", Environment::Production).await;
}

async fn offer(
    api: &Api,
    tenant: &str,
    integration: &str,
    id: &str,
    name: &str,
    status: OfferStatus,
) {
    store_offer(api, tenant, &sample_offer(integration, id, name, status)).await;
}

fn ids(answer: &Answer) -> Vec<String> {
    answer.body["offers"]
        .as_array()
        .expect("offers")
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn offers_are_listed_filtered_linked_unlinked_and_switched_by_agents() {
    let api = Api::new();
    let admin = api.key("t1", Role::Admin).await;
    let agent = api.key("t1", Role::Agent).await;
    allegro(&api, "t1", "acc1").await;
    offer(
        &api,
        "t1",
        "acc1",
        "7001",
        "Kubek biały duży",
        OfferStatus::Active,
    )
    .await;
    offer(
        &api,
        "t1",
        "acc1",
        "7002",
        "Talerz płytki",
        OfferStatus::Ended,
    )
    .await;
    let product = api
        .call(
            "PUT",
            "/v1/products",
            Some(&admin),
            Some(json!({ "products": [{ "sku": "KUB-1", "name": "Kubek", "ean": "5901234123457", "stock": 3 }] })),
        )
        .await;
    assert_eq!(product.status, 200, "{:?}", product.body);

    let all = api.get("/v1/integrations/acc1/offers", &agent).await;
    assert_eq!(all.status, 200, "{:?}", all.body);
    assert_eq!(ids(&all), ["7001", "7002"]);
    assert_eq!(all.body["offers"][0]["no_auto_renew"], true);
    let ended = api
        .get("/v1/integrations/acc1/offers?status=ENDED", &agent)
        .await;
    assert_eq!(ids(&ended), ["7002"]);
    let found = api
        .get("/v1/integrations/acc1/offers?q=kubek%20du", &agent)
        .await;
    assert_eq!(ids(&found), ["7001"]);

    // Link by hand: the product's offers and the linked filter see it.
    let linked = api
        .call(
            "PUT",
            "/v1/integrations/acc1/offers/7001/link",
            Some(&agent),
            Some(json!({ "sku": "KUB-1" })),
        )
        .await;
    assert_eq!(linked.status, 200, "{:?}", linked.body);
    assert_eq!(linked.body["product_sku"], "KUB-1");
    assert_eq!(
        linked.body["price_sync"], false,
        "the account's price sync is off"
    );
    let of_product = api.get("/v1/products/KUB-1/offers", &agent).await;
    assert_eq!(of_product.status, 200, "{:?}", of_product.body);
    assert_eq!(ids(&of_product), ["7001"]);
    let only_linked = api
        .get("/v1/integrations/acc1/offers?linked=true", &agent)
        .await;
    assert_eq!(ids(&only_linked), ["7001"]);
    let unlinked_ones = api
        .get("/v1/integrations/acc1/offers?linked=false", &agent)
        .await;
    assert_eq!(ids(&unlinked_ones), ["7002"]);

    // The per-offer switches.
    let switched = api
        .patch(
            "/v1/integrations/acc1/offers/7001",
            &agent,
            json!({ "no_auto_renew": false, "price_sync": true }),
        )
        .await;
    assert_eq!(switched.status, 200, "{:?}", switched.body);
    assert_eq!(switched.body["no_auto_renew"], false);
    assert_eq!(switched.body["price_sync"], true);
    let read = api.get("/v1/integrations/acc1/offers/7001", &agent).await;
    assert_eq!(read.body["no_auto_renew"], false);

    // Unlinked: the product has no offers, the account can be deleted again.
    let unlinked = api
        .delete("/v1/integrations/acc1/offers/7001/link", &agent)
        .await;
    assert_eq!(unlinked.status, 200, "{:?}", unlinked.body);
    assert_eq!(unlinked.body["product_sku"], json!(null));
    assert_eq!(
        ids(&api.get("/v1/products/KUB-1/offers", &agent).await),
        Vec::<String>::new()
    );

    let audit = api
        .get("/v1/audit?subject_type=integration&subject_id=acc1", &admin)
        .await;
    assert_eq!(audit.status, 200, "{:?}", audit.body);
    let actions: Vec<&str> = audit.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, ["offer.unlinked", "offer.updated", "offer.linked"]);
}

#[tokio::test]
async fn unknown_accounts_offers_and_products_and_bad_fields_are_refused_changing_nothing() {
    let api = Api::new();
    let admin = api.key("t1", Role::Admin).await;
    let other_tenant = api.key("t2", Role::Admin).await;
    allegro(&api, "t1", "acc1").await;
    offer(&api, "t1", "acc1", "7001", "Kubek", OfferStatus::Active).await;

    let link = |sku: serde_json::Value| json!({ "sku": sku });
    let missing_product = api
        .call(
            "PUT",
            "/v1/integrations/acc1/offers/7001/link",
            Some(&admin),
            Some(link(json!("NOPE"))),
        )
        .await;
    assert_eq!(missing_product.status, 404);
    assert_eq!(
        missing_product.body["error"]["message"],
        "product not found"
    );
    let missing_offer = api
        .call(
            "PUT",
            "/v1/integrations/acc1/offers/9999/link",
            Some(&admin),
            Some(link(json!("NOPE"))),
        )
        .await;
    assert_eq!(missing_offer.status, 404);
    let blank = api
        .call(
            "PUT",
            "/v1/integrations/acc1/offers/7001/link",
            Some(&admin),
            Some(link(json!(" "))),
        )
        .await;
    assert_eq!(blank.status, 422);
    assert_eq!(blank.field(), "sku");
    let unknown_field = api
        .patch(
            "/v1/integrations/acc1/offers/7001",
            &admin,
            json!({ "renew": true }),
        )
        .await;
    assert_eq!(unknown_field.status, 422);
    let bad_status = api
        .get("/v1/integrations/acc1/offers?status=SOLD", &admin)
        .await;
    assert_eq!(bad_status.status, 422);
    assert_eq!(bad_status.field(), "status");
    assert_eq!(
        api.get("/v1/integrations/acc1/offers", &other_tenant)
            .await
            .status,
        404
    );
    assert_eq!(
        api.get("/v1/integrations/acc1/offers/7001", &other_tenant)
            .await
            .status,
        404
    );
    assert_eq!(
        api.get("/v1/products/NOPE/offers", &admin).await.status,
        404
    );
    let unchanged = api.get("/v1/integrations/acc1/offers/7001", &admin).await;
    assert_eq!(unchanged.body["product_sku"], json!(null));
    assert_eq!(unchanged.body["no_auto_renew"], true);
}
