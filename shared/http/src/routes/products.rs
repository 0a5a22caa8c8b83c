//! `/v1/products` and `/v1/price-lists`: the product catalogue kept in step with the seller's
//! ERP (issue 18). Rules in `core::services::catalogue`.

use super::Routes;
use crate::auth::{Admin, Authenticated};
use crate::extract::{CsvBody, JsonBody, PathSku, QueryParams};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marketdesk_core::domain::product::{ChangeSource, PriceList, Product};
use marketdesk_core::services::catalogue::{
    self, BulkUpsert, ChangePage, ChangeQuery, NewPriceList, PriceLists, ProductPage, ProductQuery,
    UpsertReport,
};

/// Adds the catalogue routes.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/v1/products", list)
        .put("/v1/products", upsert)
        .post("/v1/products/import", import)
        .get("/v1/products/{sku}", get)
        .get("/v1/products/{sku}/changes", changes)
        .get("/v1/price-lists", price_lists)
        .post("/v1/price-lists", create_price_list)
}

async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<ProductQuery>,
) -> Result<Json<ProductPage>, ApiError> {
    Ok(Json(catalogue::list(&state.ports, &caller, &query).await?))
}

async fn upsert(
    State(state): State<AppState>,
    Admin(caller): Admin,
    JsonBody(request): JsonBody<BulkUpsert>,
) -> Result<Json<UpsertReport>, ApiError> {
    Ok(Json(
        catalogue::upsert(&state.ports, &caller, request, ChangeSource::Api).await?,
    ))
}

async fn import(
    State(state): State<AppState>,
    Admin(caller): Admin,
    CsvBody(text): CsvBody,
) -> Result<Json<UpsertReport>, ApiError> {
    Ok(Json(
        catalogue::import_csv(&state.ports, &caller, &text).await?,
    ))
}

async fn get(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathSku(sku): PathSku,
) -> Result<Json<Product>, ApiError> {
    Ok(Json(catalogue::get(&state.ports, &caller, &sku).await?))
}

async fn changes(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathSku(sku): PathSku,
    QueryParams(page): QueryParams<ChangeQuery>,
) -> Result<Json<ChangePage>, ApiError> {
    Ok(Json(
        catalogue::changes(
            &state.ports,
            &caller,
            &sku,
            page.cursor.as_deref(),
            page.limit,
        )
        .await?,
    ))
}

async fn price_lists(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Json<PriceLists>, ApiError> {
    Ok(Json(catalogue::price_lists(&state.ports, &caller).await?))
}

async fn create_price_list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    JsonBody(request): JsonBody<NewPriceList>,
) -> Result<(StatusCode, Json<PriceList>), ApiError> {
    let created = catalogue::create_price_list(&state.ports, &caller, request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
