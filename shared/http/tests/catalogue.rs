//! The product catalogue through the API: bulk upserts by SKU (partial, idempotent, refused rows
//! changing nothing), CSV import with its report, search, price lists and the change record.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Answer, Api};
use marketdesk_core::domain::Role;
use serde_json::{json, Value};

async fn put_products(api: &Api, key: &str, products: Value) -> Answer {
    api.call(
        "PUT",
        "/v1/products",
        Some(key),
        Some(json!({ "products": products })),
    )
    .await
}

async fn import(api: &Api, key: &str, csv: &str) -> Answer {
    let request = Request::builder()
        .method("POST")
        .uri("/v1/products/import")
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "text/csv; charset=utf-8")
        .body(Body::from(csv.to_owned()))
        .expect("request");
    api.send(request).await
}

fn skus(answer: &Answer) -> Vec<String> {
    answer.body["products"]
        .as_array()
        .expect("products")
        .iter()
        .map(|p| p["sku"].as_str().expect("sku").to_owned())
        .collect()
}

#[tokio::test]
async fn bulk_upserts_are_partial_idempotent_and_record_stock_and_price_changes() {
    let api = Api::new();
    let admin = api.key("t1", Role::Admin).await;
    let created = put_products(
        &api,
        &admin,
        json!([
            { "sku": "KUB-1", "name": "Kubek biały", "ean": "5901234123457", "stock": 5, "prices": { "Default": "19,9" } },
            { "sku": "KUB-2", "name": "Kubek czarny", "stock": 0 }
        ]),
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
    assert_eq!(created.body["created"], 2);
    assert_eq!(created.body["rejected"], json!([]));

    // The same rows again write nothing.
    let again = put_products(
        &api,
        &admin,
        json!([{ "sku": "KUB-1", "name": "Kubek biały", "stock": 5, "prices": { "Default": "19.90" } }]),
    )
    .await;
    assert_eq!(again.body["unchanged"], 1);
    assert_eq!(again.body["updated"], 0);

    // Only the stock given changes; name, EAN and price stay.
    let stock = put_products(&api, &admin, json!([{ "sku": "KUB-1", "stock": 3 }])).await;
    assert_eq!(stock.body["updated"], 1);
    let product = api.get("/v1/products/KUB-1", &admin).await;
    assert_eq!(product.body["name"], "Kubek biały");
    assert_eq!(product.body["ean"], "5901234123457");
    assert_eq!(product.body["stock"], 3);
    assert_eq!(product.body["prices"], json!({ "Default": "19.90" }));

    let changes = api.get("/v1/products/KUB-1/changes", &admin).await;
    assert_eq!(changes.status, StatusCode::OK);
    let changes = changes.body["changes"].as_array().expect("changes").clone();
    assert_eq!(changes.len(), 3, "{changes:?}");
    assert_eq!(changes[0]["field"], "stock");
    assert_eq!(changes[0]["before"], 5);
    assert_eq!(changes[0]["after"], 3);
    assert_eq!(changes[0]["source"], "api");
    assert!(changes
        .iter()
        .any(|c| c["field"] == "price" && c["price_list"] == "Default" && c["after"] == "19.90"));

    // `null` removes the EAN; the EAN is then free for another product.
    put_products(&api, &admin, json!([{ "sku": "KUB-1", "ean": null }])).await;
    let moved = put_products(
        &api,
        &admin,
        json!([{ "sku": "KUB-2", "ean": "5901234123457" }]),
    )
    .await;
    assert_eq!(moved.body["updated"], 1, "{:?}", moved.body);
    let found = api.get("/v1/products?q=5901234123457", &admin).await;
    assert_eq!(skus(&found), ["KUB-2"]);
}

#[tokio::test]
async fn refused_rows_are_reported_and_change_nothing_while_the_others_apply() {
    let api = Api::new();
    let admin = api.key("t1", Role::Admin).await;
    put_products(
        &api,
        &admin,
        json!([{ "sku": "A", "name": "Produkt A", "ean": "96385074", "stock": 1 }]),
    )
    .await;
    let report = put_products(
        &api,
        &admin,
        json!([
            { "sku": "B", "name": "Produkt B", "ean": "5901234123458" },
            { "sku": "C", "name": "Produkt C", "ean": "96385074" },
            { "sku": "D", "stock": 4 },
            { "sku": "E", "name": "Produkt E", "prices": { "Hurt": "10.00" } },
            { "sku": "F#1", "name": "Produkt F" },
            { "sku": "G", "name": "Produkt G", "prices": { "Default": "-1" } },
            { "sku": "H", "name": "Produkt H", "stock": 2 },
            { "sku": "H", "name": "Produkt H2" },
            { "sku": "A", "stock": 9 }
        ]),
    )
    .await;
    assert_eq!(report.status, StatusCode::OK, "{:?}", report.body);
    let rejected: Vec<(u64, String, String)> = report.body["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().expect("row"),
                r["code"].as_str().expect("code").to_owned(),
                r["field"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(u64, String, String)> = [
        (0, "validation_failed", "ean"),
        (1, "ean_taken", "ean"),
        (2, "name_required", "name"),
        (3, "unknown_price_list", "prices.Hurt"),
        (4, "validation_failed", "sku"),
        (5, "validation_failed", "prices.Default"),
        (7, "duplicate_sku", "sku"),
    ]
    .into_iter()
    .map(|(row, code, field)| (row, code.to_owned(), field.to_owned()))
    .collect();
    assert_eq!(rejected, expected);
    assert_eq!(report.body["created"], 1);
    assert_eq!(report.body["updated"], 1);
    let listed = api.get("/v1/products", &admin).await;
    assert_eq!(skus(&listed), ["A", "H"]);
    assert_eq!(api.get("/v1/products/A", &admin).await.body["stock"], 9);
    assert_eq!(
        api.get("/v1/products/H", &admin).await.body["name"],
        "Produkt H"
    );

    // A whole-body fault refuses everything.
    let empty = put_products(&api, &admin, json!([])).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.field(), "products");
    let unknown = put_products(
        &api,
        &admin,
        json!([{ "sku": "Z", "name": "Z", "colour": "red" }]),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Agents read the catalogue; only admins write it.
    let agent = api.key("t1", Role::Agent).await;
    assert_eq!(
        api.get("/v1/products/A", &agent).await.status,
        StatusCode::OK
    );
    let refused = put_products(&api, &agent, json!([{ "sku": "A", "stock": 1 }])).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Another tenant sees nothing of it.
    let other = api.key("t2", Role::Admin).await;
    assert_eq!(
        api.get("/v1/products/A", &other).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn csv_import_reports_bad_rows_by_line_and_changes_nothing_for_them() {
    let api = Api::new();
    let admin = api.key("t1", Role::Admin).await;
    let list = api
        .post("/v1/price-lists", &admin, json!({ "name": "Hurt" }))
        .await;
    assert_eq!(list.status, StatusCode::CREATED, "{:?}", list.body);
    let csv = "\u{feff}sku;nazwa;ean;stan;jednostka;cena;cena:Hurt\n\
               P-1;\"Skarpety; wełna\";5901234123457;10;para;29,99;25\n\
               P-2;Czapka;123;4;szt.;15;\n\
               P-3;Szalik;;x;szt.;20;\n\
               P-4;Rękawiczki;;7;kpl.;;\n\
               \n\
               P-5;Za mało komórek\n";
    let report = import(&api, &admin, csv).await;
    assert_eq!(report.status, StatusCode::OK, "{:?}", report.body);
    assert_eq!(report.body["created"], 2, "{:?}", report.body);
    let rejected: Vec<(u64, String)> = report.body["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().expect("row"),
                r["field"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rejected,
        [
            (3, "ean".to_owned()),
            (4, "stock".to_owned()),
            (7, String::new())
        ]
    );
    let socks = api.get("/v1/products/P-1", &admin).await;
    assert_eq!(socks.body["name"], "Skarpety; wełna");
    assert_eq!(socks.body["unit"], "pair");
    assert_eq!(
        socks.body["prices"],
        json!({ "Default": "29.99", "Hurt": "25.00" })
    );
    assert_eq!(
        api.get("/v1/products/P-4", &admin).await.body["unit"],
        "set"
    );
    for missing in ["P-2", "P-3", "P-5"] {
        let answer = api.get(&format!("/v1/products/{missing}"), &admin).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{missing}");
    }
    let changes = api.get("/v1/products/P-1/changes", &admin).await;
    assert!(changes.body["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .all(|c| c["source"] == "csv_import"));

    // A header that names an unknown column refuses the file.
    let bad = import(&api, &admin, "sku,colour\nA,red\n").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.field(), "file");
    // JSON where CSV belongs.
    let wrong_type = api.post("/v1/products/import", &admin, json!({})).await;
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn search_finds_by_ean_sku_and_words_and_pages_with_a_cursor() {
    let api = Api::new();
    let admin = api.key("t1", Role::Admin).await;
    let rows: Vec<Value> = (0..30)
        .map(|i| json!({ "sku": format!("S-{i:02}"), "name": if i % 3 == 0 { format!("Kubek ceramiczny {i}") } else { format!("Talerz {i}") } }))
        .collect();
    put_products(&api, &admin, Value::Array(rows)).await;
    put_products(
        &api,
        &admin,
        json!([{ "sku": "S/1 x", "name": "Miska", "ean": "036000291452" }]),
    )
    .await;

    let words = api
        .get("/v1/products?q=KUBEK%20ceramiczny&limit=4", &admin)
        .await;
    assert_eq!(skus(&words), ["S-00", "S-03", "S-06", "S-09"]);
    let cursor = words.body["next_cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let rest = api
        .get(
            &format!("/v1/products?q=kubek+ceramiczny&limit=25&cursor={cursor}"),
            &admin,
        )
        .await;
    assert_eq!(
        skus(&rest),
        ["S-12", "S-15", "S-18", "S-21", "S-24", "S-27"]
    );
    assert_eq!(rest.body["next_cursor"], Value::Null);

    let by_ean = api.get("/v1/products?q=036000291452", &admin).await;
    assert_eq!(skus(&by_ean), ["S/1 x"]);
    let by_path = api.get("/v1/products/S%2F1%20x", &admin).await;
    assert_eq!(by_path.status, StatusCode::OK);
    assert_eq!(by_path.body["name"], "Miska");
    let bad_path = api.get("/v1/products/A%231", &admin).await;
    assert_eq!(bad_path.status, StatusCode::NOT_FOUND);

    let lists = api.get("/v1/price-lists", &admin).await;
    assert_eq!(
        lists.body["price_lists"],
        json!([{ "name": "Default", "currency": "PLN" }])
    );
    let duplicate = api
        .post("/v1/price-lists", &admin, json!({ "name": "default" }))
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(duplicate.code(), "price_list_exists");
}
