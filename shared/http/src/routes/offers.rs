//! `/v1/integrations/{id}/offers` and `/v1/products/{sku}/offers`: an Allegro account's offers
//! as last read, and an agent's link, unlink and per-offer switches (issue 18). Rules in
//! `core::services::offer_desk`.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId, PathIds, PathSku, QueryParams};
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

async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
    QueryParams(query): QueryParams<OfferQuery>,
) -> Result<Json<OfferPage>, ApiError> {
    let page = offer_desk::list(&state.ports, &caller, &IntegrationId(id), &query).await?;
    Ok(Json(page))
}

async fn get(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathIds(id, offer_id): PathIds,
) -> Result<Json<MarketOffer>, ApiError> {
    let offer = offer_desk::get(&state.ports, &caller, &IntegrationId(id), &offer_id).await?;
    Ok(Json(offer))
}

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

async fn unlink(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathIds(id, offer_id): PathIds,
) -> Result<Json<MarketOffer>, ApiError> {
    let offer = offer_desk::unlink(&state.ports, &caller, &IntegrationId(id), &offer_id).await?;
    Ok(Json(offer))
}

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
