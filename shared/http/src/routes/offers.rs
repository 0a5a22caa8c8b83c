//! `/v1/integrations/{id}/offers` and `/v1/products/{sku}/offers`: an Allegro account's offers
//! as last read, and an agent's link, unlink and per-offer switches (issue 18). Rules in
//! `core::services::offer_desk`.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId, PathIds, PathSku, QueryParams};
use crate::openapi::generated::{Conflict, NotFound, ValidationFailed};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use marketdesk_core::domain::offer::MarketOffer;
use marketdesk_core::ids::IntegrationId;
use marketdesk_core::services::catalogue::ChangeQuery;
use marketdesk_core::services::offer_desk::{
    self, LinkRequest, OfferPage, OfferPatch, OfferQuery, ProductOffers,
};

/// Adds the offer routes.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/v1/integrations/{id}/offers", list)
        .get("/v1/integrations/{id}/offers/{offer_id}", get)
        .patch("/v1/integrations/{id}/offers/{offer_id}", update)
        .put("/v1/integrations/{id}/offers/{offer_id}/link", link)
        .delete("/v1/integrations/{id}/offers/{offer_id}/link", unlink)
        .get("/v1/products/{sku}/offers", for_product)
}

/// The Allegro account's offers as last read, by offer number.
///
/// `settings.offers.enabled`: read on connect, kept current through the offer journal, read
/// again daily. marketdesk does not create offers.
#[utoipa::path(
    get,
    path = "/v1/integrations/{id}/offers",
    operation_id = "listOffers",
    tag = "offers",
    params(("id" = String, Path, description = "The integration's id."), OfferQuery),
    responses(
        (status = 200, description = "One page.", body = OfferPage),
        (status = 404, response = NotFound),
        (status = 422, response = ValidationFailed),
    )
)]
async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
    QueryParams(query): QueryParams<OfferQuery>,
) -> Result<Json<OfferPage>, ApiError> {
    let page = offer_desk::list(&state.ports, &caller, &IntegrationId(id), &query).await?;
    Ok(Json(page))
}

/// One offer as last read, with its link and switches.
#[utoipa::path(
    get,
    path = "/v1/integrations/{id}/offers/{offer_id}",
    operation_id = "getOffer",
    tag = "offers",
    params(
        ("id" = String, Path, description = "The integration's id."),
        ("offer_id" = String, Path, description = "Allegro's offer number."),
    ),
    responses(
        (status = 200, description = "The offer.", body = MarketOffer),
        (status = 404, response = NotFound),
    )
)]
async fn get(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathIds(id, offer_id): PathIds,
) -> Result<Json<MarketOffer>, ApiError> {
    let offer = offer_desk::get(&state.ports, &caller, &IntegrationId(id), &offer_id).await?;
    Ok(Json(offer))
}

/// Changes the offer's own switches.
///
/// Recorded in the audit log as `offer.updated` (subject: the integration).
#[utoipa::path(
    patch,
    path = "/v1/integrations/{id}/offers/{offer_id}",
    operation_id = "updateOffer",
    tag = "offers",
    params(
        ("id" = String, Path, description = "The integration's id."),
        ("offer_id" = String, Path, description = "Allegro's offer number."),
    ),
    request_body = OfferPatch,
    responses(
        (status = 200, description = "The offer.", body = MarketOffer),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn update(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathIds(id, offer_id): PathIds,
    JsonBody(patch): JsonBody<OfferPatch>,
) -> Result<Json<MarketOffer>, ApiError> {
    let offer =
        offer_desk::update(&state.ports, &caller, &IntegrationId(id), &offer_id, patch).await?;
    Ok(Json(offer))
}

/// Links the offer to a catalogue product by hand.
///
/// In place of any other link; linking to the same product again changes nothing. The offer
/// gets price sync when the account's price sync was already on. Recorded in the audit log as
/// `offer.linked`.
#[utoipa::path(
    put,
    path = "/v1/integrations/{id}/offers/{offer_id}/link",
    operation_id = "linkOffer",
    tag = "offers",
    params(
        ("id" = String, Path, description = "The integration's id."),
        ("offer_id" = String, Path, description = "Allegro's offer number."),
    ),
    request_body = LinkRequest,
    responses(
        (status = 200, description = "The offer.", body = MarketOffer),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn link(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathIds(id, offer_id): PathIds,
    JsonBody(request): JsonBody<LinkRequest>,
) -> Result<Json<MarketOffer>, ApiError> {
    let offer = offer_desk::link(
        &state.ports,
        &caller,
        &IntegrationId(id),
        &offer_id,
        request,
    )
    .await?;
    Ok(Json(offer))
}

/// Unlinks the offer (its switches stay).
///
/// Recorded in the audit log as `offer.unlinked`.
#[utoipa::path(
    delete,
    path = "/v1/integrations/{id}/offers/{offer_id}/link",
    operation_id = "unlinkOffer",
    tag = "offers",
    params(
        ("id" = String, Path, description = "The integration's id."),
        ("offer_id" = String, Path, description = "Allegro's offer number."),
    ),
    responses(
        (status = 200, description = "The offer.", body = MarketOffer),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn unlink(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathIds(id, offer_id): PathIds,
) -> Result<Json<MarketOffer>, ApiError> {
    let offer = offer_desk::unlink(&state.ports, &caller, &IntegrationId(id), &offer_id).await?;
    Ok(Json(offer))
}

/// The offers linked to the product, in every Allegro account of the tenant.
#[utoipa::path(
    get,
    path = "/v1/products/{sku}/offers",
    operation_id = "listProductOffers",
    tag = "offers",
    params(
        ("sku" = String, Path, description = "The product's SKU, percent-encoded.", min_length = 1),
        ChangeQuery,
    ),
    responses(
        (status = 200, description = "One page.", body = ProductOffers),
        (status = 404, response = NotFound),
        (status = 422, response = ValidationFailed),
    )
)]
async fn for_product(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathSku(sku): PathSku,
    QueryParams(page): QueryParams<ChangeQuery>,
) -> Result<Json<ProductOffers>, ApiError> {
    let offers = offer_desk::for_product(
        &state.ports,
        &caller,
        &sku,
        page.cursor.as_deref(),
        page.limit,
    )
    .await?;
    Ok(Json(offers))
}
