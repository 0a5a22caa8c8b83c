//! The offer routes of the OpenAPI document (issue 18): an Allegro account's offers as last
//! read, linking them to catalogue products, their own switches, and a product's offers.
//! Generated from the handlers in `routes/offers.rs` and the types of `core::services::offer_desk`.

use super::generated::generated;
use crate::routes::offers;
use marketdesk_core::domain::offer::MarketOffer;
use marketdesk_core::services::offer_desk::{LinkRequest, OfferPage, OfferPatch, ProductOffers};
use serde_json::Value;

/// The offer operations and the schemas they use.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        offers::list,
        offers::get,
        offers::update,
        offers::link,
        offers::unlink,
        offers::for_product
    ),
    components(schemas(MarketOffer, OfferPage, ProductOffers, LinkRequest, OfferPatch))
)]
struct OffersApi;

/// The document's names of the Rust types.
const RENAMES: &[(&str, &str)] = &[
    ("MarketOffer", "Offer"),
    ("ProductOffers", "ProductOfferPage"),
    ("LinkRequest", "OfferLink"),
];

/// The paths.
pub(super) fn paths() -> Value {
    generated::<OffersApi>(RENAMES).0
}

/// The schemas.
pub(super) fn schemas() -> Value {
    generated::<OffersApi>(RENAMES).1
}
