//! The catalogue routes of the OpenAPI document (products, price lists; issue 18). Generated
//! from the handlers in `routes/products.rs` and the types of `core::domain::product` and
//! `core::services::catalogue`, but for `ProductChange` (below).

use super::generated::generated;
use super::{object, string, time};
use crate::routes::products;
use marketdesk_core::domain::product::{PriceList, Product};
use marketdesk_core::services::catalogue::{
    BulkUpsert, ChangePage, NewPriceList, PriceLists, ProductPage, ProductUpsert, RejectedRow,
    UpsertReport,
};
use serde_json::{json, Value};

/// The catalogue operations and the schemas they use.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        products::list,
        products::upsert,
        products::import,
        products::get,
        products::changes,
        products::price_lists,
        products::create_price_list
    ),
    components(schemas(
        Product,
        ProductPage,
        ProductUpsert,
        BulkUpsert,
        RejectedRow,
        UpsertReport,
        ChangePage,
        PriceList,
        PriceLists,
        NewPriceList
    ))
)]
struct CatalogueApi;

/// The document's names of the Rust types.
const RENAMES: &[(&str, &str)] = &[("ChangePage", "ProductChangePage")];

/// The paths.
pub(super) fn paths() -> Value {
    generated::<CatalogueApi>(RENAMES).0
}

/// The schemas.
pub(super) fn schemas() -> Value {
    let mut schemas = generated::<CatalogueApi>(RENAMES).1;
    // Written by hand: the change is a flattened internally tagged enum, which utoipa 4 makes
    // an `allOf` with a `oneOf` part that the answer checker cannot see properties through.
    schemas["ProductChange"] = object(
        &["sku", "at", "source", "field"],
        json!({
            "sku": string(),
            "at": time(),
            "source": { "type": "string", "enum": ["api", "csv_import", "web"] },
            "field": { "type": "string", "enum": ["stock", "price"] },
            "price_list": string(),
            "before": { "nullable": true, "description": "Stock (integer) or price (text) before; `null` when there was none." },
            "after": { "description": "Stock (integer) or price (text) after." }
        }),
    );
    schemas
}
