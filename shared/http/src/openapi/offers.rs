//! The offer routes of the OpenAPI document (issue 18): an Allegro account's offers as last
//! read, linking them to catalogue products, their own switches, and a product's offers.

use super::{
    body, error, id_parameter, id_schema, nullable_string, object, ok, paging_parameters,
    protected, query, reference, strict, string, time, with_body_errors,
};
use serde_json::{json, Value};

fn offer_parameter() -> Value {
    json!({
        "name": "offer_id", "in": "path", "required": true,
        "description": "Allegro's offer number.",
        "schema": id_schema()
    })
}

/// The paths.
pub(super) fn paths() -> Value {
    let mut list_parameters = vec![
        id_parameter("integration"),
        query(
            "status",
            "Only offers in this publication status; `ARCHIVED`: those Allegro archived (the others leave archived offers out only when a status is given).",
            json!({ "type": "string", "enum": ["ACTIVE", "ACTIVATING", "INACTIVE", "ENDED", "ARCHIVED"] }),
        ),
        query(
            "linked",
            "Only offers linked to a product (`true`) or not linked (`false`).",
            json!({ "type": "boolean" }),
        ),
        query(
            "q",
            "Words of the name, the offer number or the EAN (every word). Applied while paging: a page may be short and still have a `next_cursor`.",
            json!({ "type": "string" }),
        ),
    ];
    list_parameters.extend(paging_parameters());
    let mut product_parameters = vec![json!({
        "name": "sku", "in": "path", "required": true,
        "description": "The product's SKU, percent-encoded.",
        "schema": { "type": "string", "minLength": 1 }
    })];
    product_parameters.extend(paging_parameters());
    let one = [id_parameter("integration"), offer_parameter()];
    json!({
        "/v1/integrations/{id}/offers": {
            "get": protected(json!({
                "operationId": "listOffers",
                "summary": "The Allegro account's offers as last read (`settings.offers.enabled`: read on connect, kept current through the offer journal, read again daily), by offer number. marketdesk does not create offers.",
                "tags": ["offers"],
                "parameters": list_parameters,
                "responses": { "200": ok("One page.", "OfferPage"), "404": error("NotFound"), "422": error("ValidationFailed") }
            }), false)
        },
        "/v1/integrations/{id}/offers/{offer_id}": {
            "get": protected(json!({
                "operationId": "getOffer",
                "summary": "One offer as last read, with its link and switches.",
                "tags": ["offers"],
                "parameters": one,
                "responses": { "200": ok("The offer.", "Offer"), "404": error("NotFound") }
            }), false),
            "patch": protected(with_body_errors(json!({
                "operationId": "updateOffer",
                "summary": "Changes the offer's own switches. Recorded in the audit log as `offer.updated` (subject: the integration).",
                "tags": ["offers"],
                "parameters": one,
                "requestBody": body("OfferPatch"),
                "responses": { "200": ok("The offer.", "Offer"), "404": error("NotFound"), "409": error("Conflict") }
            })), false)
        },
        "/v1/integrations/{id}/offers/{offer_id}/link": {
            "put": protected(with_body_errors(json!({
                "operationId": "linkOffer",
                "summary": "Links the offer to a catalogue product by hand (in place of any other link; linking to the same product again changes nothing). The offer gets price sync when the account's price sync was already on. Recorded in the audit log as `offer.linked`.",
                "tags": ["offers"],
                "parameters": one,
                "requestBody": body("OfferLink"),
                "responses": { "200": ok("The offer.", "Offer"), "404": error("NotFound"), "409": error("Conflict") }
            })), false),
            "delete": protected(json!({
                "operationId": "unlinkOffer",
                "summary": "Unlinks the offer (its switches stay). Recorded in the audit log as `offer.unlinked`.",
                "tags": ["offers"],
                "parameters": one,
                "responses": { "200": ok("The offer.", "Offer"), "404": error("NotFound"), "409": error("Conflict") }
            }), false)
        },
        "/v1/products/{sku}/offers": {
            "get": protected(json!({
                "operationId": "listProductOffers",
                "summary": "The offers linked to the product, in every Allegro account of the tenant.",
                "tags": ["offers"],
                "parameters": product_parameters,
                "responses": { "200": ok("One page.", "ProductOfferPage"), "404": error("NotFound"), "422": error("ValidationFailed") }
            }), false)
        }
    })
}

/// The schemas.
pub(super) fn schemas() -> Value {
    let nullable_time = json!({ "type": "string", "format": "date-time", "nullable": true });
    json!({
        "Offer": object(&["id", "integration_id", "name", "status", "format", "stock", "archived", "no_auto_renew", "price_sync", "read_at"], json!({
            "id": { "type": "string", "description": "Allegro's offer number (`https://allegro.pl/oferta/<id>`)." },
            "integration_id": string(),
            "name": string(),
            "status": { "type": "string", "enum": ["INACTIVE", "ACTIVATING", "ACTIVE", "ENDED"] },
            "format": { "type": "string", "enum": ["BUY_NOW", "AUCTION", "ADVERTISEMENT"] },
            "stock": { "type": "integer", "minimum": 0 },
            "price": { "type": "string", "nullable": true, "description": "Buy-now price, decimal text." },
            "currency": nullable_string(),
            "ean": { "type": "string", "nullable": true, "description": "The GTIN parameter (225693), read with the offer in full." },
            "image_url": nullable_string(),
            "ended_at": nullable_time.clone(),
            "archived": { "type": "boolean", "description": "Allegro archived it (60 days after ending); it is never renewed." },
            "product_sku": { "type": "string", "nullable": true, "description": "The catalogue product it is linked to." },
            "linked_at": nullable_time,
            "no_auto_renew": { "type": "boolean", "description": "\"Do not renew automatically\": on by default, as in the source." },
            "price_sync": { "type": "boolean", "description": "Whether the product's price changes reach the offer." },
            "read_at": time()
        })),
        "OfferPage": object(&["offers", "next_cursor"], json!({
            "offers": { "type": "array", "items": reference("Offer") },
            "next_cursor": nullable_string()
        })),
        "ProductOfferPage": object(&["offers", "next_cursor"], json!({
            "offers": { "type": "array", "items": reference("Offer") },
            "next_cursor": nullable_string()
        })),
        "OfferLink": strict(&["sku"], json!({
            "sku": { "type": "string", "minLength": 1, "description": "The product's SKU; an unknown one answers 404." }
        })),
        "OfferPatch": strict(&[], json!({
            "no_auto_renew": { "type": "boolean" },
            "price_sync": { "type": "boolean" }
        }))
    })
}
