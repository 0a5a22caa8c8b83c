//! The catalogue routes of the OpenAPI document (products, price lists; issue 18).

use super::{
    body, error, nullable_string, object, ok, paging_parameters, protected, query, reference,
    strict, string, time, with_body_errors,
};
use serde_json::{json, Value};

fn sku_parameter() -> Value {
    json!({
        "name": "sku", "in": "path", "required": true,
        "description": "The product's SKU, percent-encoded (1 to 64 characters, no `#`); another answers 404.",
        "schema": { "type": "string", "minLength": 1 }
    })
}

/// The paths.
pub(super) fn paths() -> Value {
    let mut list_parameters = vec![query(
        "q",
        "An EAN (exact), a SKU (exact or its beginning) or words of the name (every word, any case). Searches by words are applied while paging: a page may be short and still have a `next_cursor`.",
        json!({ "type": "string" }),
    )];
    list_parameters.extend(paging_parameters());
    let mut change_parameters = vec![sku_parameter()];
    change_parameters.extend(paging_parameters());
    let report = ok(
        "What was done: counts, and the refused rows with their reasons (they changed nothing).",
        "UpsertReport",
    );
    json!({
        "/v1/products": {
            "get": protected(json!({
                "operationId": "listProducts",
                "summary": "The product catalogue by SKU, or the products answering `q`.",
                "tags": ["catalogue"],
                "parameters": list_parameters,
                "responses": { "200": ok("One page.", "ProductPage"), "422": error("ValidationFailed") }
            }), false),
            "put": protected(with_body_errors(json!({
                "operationId": "upsertProducts",
                "summary": "Creates or changes up to 1000 products by SKU, as an ERP keeps them in step: only the fields given change, a row equal to what is stored writes nothing, a refused row changes nothing and the others apply. Every stock or price change is recorded with source `api`.",
                "tags": ["catalogue"],
                "requestBody": body("BulkUpsert"),
                "responses": { "200": report.clone() }
            })), true)
        },
        "/v1/products/import": {
            "post": protected(with_body_errors(json!({
                "operationId": "importProducts",
                "summary": "Imports a CSV file (UTF-8, `;` or `,` as the header row uses): a header row naming the columns `sku` (required), `name`, `ean`, `stock`, `unit` (`unit`/`szt.`, `pair`/`para`, `set`/`kpl.`), `image_url`, `price` (the Default list) and `price:<list>`; an empty cell leaves the field as stored; rows as in `PUT /v1/products`, numbered by their line (the header is line 1). Changes are recorded with source `csv_import`.",
                "tags": ["catalogue"],
                "requestBody": { "required": true, "content": { "text/csv": { "schema": { "type": "string" } } } },
                "responses": { "200": report }
            })), true)
        },
        "/v1/products/{sku}": {
            "get": protected(json!({
                "operationId": "getProduct",
                "summary": "One product.",
                "tags": ["catalogue"],
                "parameters": [sku_parameter()],
                "responses": { "200": ok("The product.", "Product"), "404": error("NotFound") }
            }), false)
        },
        "/v1/products/{sku}/changes": {
            "get": protected(json!({
                "operationId": "listProductChanges",
                "summary": "The product's recorded stock and price changes, newest first, with their source and time.",
                "tags": ["catalogue"],
                "parameters": change_parameters,
                "responses": { "200": ok("One page.", "ProductChangePage"), "404": error("NotFound"), "422": error("ValidationFailed") }
            }), false)
        },
        "/v1/price-lists": {
            "get": protected(json!({
                "operationId": "listPriceLists",
                "summary": "The tenant's price lists, `Default` (PLN, always there) first.",
                "tags": ["catalogue"],
                "responses": { "200": ok("The price lists.", "PriceLists") }
            }), false),
            "post": protected(with_body_errors(json!({
                "operationId": "createPriceList",
                "summary": "Creates a named price list (at most 20 besides Default).",
                "tags": ["catalogue"],
                "requestBody": body("NewPriceList"),
                "responses": {
                    "201": ok("The price list was created.", "PriceList"),
                    "409": { "description": "A list of that name exists (code `price_list_exists`), or there are 20 (code `too_many_price_lists`).", "content": { "application/json": { "schema": reference("Error") } } }
                }
            })), true)
        }
    })
}

/// The schemas.
pub(super) fn schemas() -> Value {
    let prices = json!({
        "type": "object",
        "description": "Gross prices by price list name, as decimal text with two places.",
        "additionalProperties": { "type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$" }
    });
    let unit = json!({ "type": "string", "enum": ["unit", "pair", "set"] });
    json!({
        "Product": object(&["sku", "name", "stock", "unit", "prices", "created_at", "updated_at"], json!({
            "sku": string(),
            "name": string(),
            "ean": { "type": "string", "pattern": "^[0-9]{8,14}$", "description": "GTIN (EAN-8, UPC-A, EAN-13 or GTIN-14) with a valid check digit; one product per EAN." },
            "stock": { "type": "integer", "minimum": 0 },
            "unit": unit.clone(),
            "prices": prices,
            "image_url": string(),
            "created_at": time(),
            "updated_at": time()
        })),
        "ProductPage": object(&["products", "next_cursor"], json!({
            "products": { "type": "array", "items": reference("Product") },
            "next_cursor": nullable_string()
        })),
        "ProductUpsert": strict(&["sku"], json!({
            "sku": { "type": "string", "minLength": 1, "maxLength": 64 },
            "name": { "type": "string", "description": "Required for a new product." },
            "ean": { "type": "string", "nullable": true, "description": "`null` removes it." },
            "stock": { "type": "integer", "minimum": 0 },
            "unit": unit,
            "prices": { "type": "object", "additionalProperties": { "type": "string" }, "description": "Prices by price list; lists not named keep their price. A decimal comma is read as a point." },
            "image_url": { "type": "string", "nullable": true, "description": "An http(s) URL; `null` removes it." }
        })),
        "BulkUpsert": strict(&["products"], json!({
            "products": { "type": "array", "minItems": 1, "maxItems": 1000, "items": reference("ProductUpsert") }
        })),
        "RejectedRow": object(&["row", "code", "message"], json!({
            "row": { "type": "integer", "minimum": 0, "description": "Position in `products` (from 0), or the CSV line (from 1, the header being line 1)." },
            "sku": string(),
            "code": { "type": "string", "enum": ["validation_failed", "duplicate_sku", "ean_taken", "unknown_price_list", "name_required", "conflict", "unavailable"] },
            "field": string(),
            "message": string()
        })),
        "UpsertReport": object(&["created", "updated", "unchanged", "rejected"], json!({
            "created": { "type": "integer", "minimum": 0 },
            "updated": { "type": "integer", "minimum": 0 },
            "unchanged": { "type": "integer", "minimum": 0 },
            "rejected": { "type": "array", "items": reference("RejectedRow") }
        })),
        "ProductChange": object(&["sku", "at", "source", "field"], json!({
            "sku": string(),
            "at": time(),
            "source": { "type": "string", "enum": ["api", "csv_import", "web"] },
            "field": { "type": "string", "enum": ["stock", "price"] },
            "price_list": string(),
            "before": { "nullable": true, "description": "Stock (integer) or price (text) before; `null` when there was none." },
            "after": { "description": "Stock (integer) or price (text) after." }
        })),
        "ProductChangePage": object(&["changes", "next_cursor"], json!({
            "changes": { "type": "array", "items": reference("ProductChange") },
            "next_cursor": nullable_string()
        })),
        "PriceList": object(&["name", "currency"], json!({
            "name": string(),
            "currency": { "type": "string", "pattern": "^[A-Z]{3}$" }
        })),
        "PriceLists": object(&["price_lists"], json!({
            "price_lists": { "type": "array", "items": reference("PriceList") }
        })),
        "NewPriceList": strict(&["name"], json!({
            "name": { "type": "string", "minLength": 1, "maxLength": 40, "description": "No `#` or `:`." },
            "currency": { "type": "string", "description": "ISO 4217 code (default `PLN`)." }
        }))
    })
}
