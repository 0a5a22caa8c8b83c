//! `/v1/products` and `/v1/price-lists`: the product catalogue kept in step with the seller's
//! ERP (issue 18). Rules in `core::services::catalogue`.

use super::Routes;
use crate::auth::{Admin, Authenticated};
use crate::extract::{CsvBody, JsonBody, PathSku, QueryParams};
use crate::openapi::generated::{Forbidden, NotFound, ValidationFailed};
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

/// The product catalogue by SKU, or the products answering `q`.
#[utoipa::path(
    get,
    path = "/v1/products",
    operation_id = "listProducts",
    tag = "catalogue",
    params(ProductQuery),
    responses(
        (status = 200, description = "One page.", body = ProductPage),
        (status = 422, response = ValidationFailed),
    )
)]
async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<ProductQuery>,
) -> Result<Json<ProductPage>, ApiError> {
    Ok(Json(catalogue::list(&state.ports, &caller, &query).await?))
}

/// Creates or changes up to 1000 products by SKU, as an ERP keeps them in step: only the fields given change, a row equal to what is stored writes nothing, a refused row changes nothing and the others apply. Every stock or price change is recorded with source `api`.
#[utoipa::path(
    put,
    path = "/v1/products",
    operation_id = "upsertProducts",
    tag = "catalogue",
    request_body = BulkUpsert,
    responses(
        (status = 200, description = "What was done: counts, and the refused rows with their reasons (they changed nothing).", body = UpsertReport),
        (status = 403, response = Forbidden),
    )
)]
async fn upsert(
    State(state): State<AppState>,
    Admin(caller): Admin,
    JsonBody(request): JsonBody<BulkUpsert>,
) -> Result<Json<UpsertReport>, ApiError> {
    Ok(Json(
        catalogue::upsert(&state.ports, &caller, request, ChangeSource::Api).await?,
    ))
}

/// Imports a CSV file (UTF-8, `;` or `,` as the header row uses): a header row naming the columns `sku` (required), `name`, `ean`, `stock`, `unit` (`unit`/`szt.`, `pair`/`para`, `set`/`kpl.`), `image_url`, `price` (the Default list) and `price:<list>`; an empty cell leaves the field as stored; rows as in `PUT /v1/products`, numbered by their line (the header is line 1). Changes are recorded with source `csv_import`.
#[utoipa::path(
    post,
    path = "/v1/products/import",
    operation_id = "importProducts",
    tag = "catalogue",
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, description = "What was done: counts, and the refused rows with their reasons (they changed nothing).", body = UpsertReport),
        (status = 403, response = Forbidden),
    )
)]
async fn import(
    State(state): State<AppState>,
    Admin(caller): Admin,
    CsvBody(text): CsvBody,
) -> Result<Json<UpsertReport>, ApiError> {
    Ok(Json(
        catalogue::import_csv(&state.ports, &caller, &text).await?,
    ))
}

/// One product.
#[utoipa::path(
    get,
    path = "/v1/products/{sku}",
    operation_id = "getProduct",
    tag = "catalogue",
    params(("sku" = String, Path, description = "The product's SKU, percent-encoded (1 to 64 characters, no `#`); another answers 404.", min_length = 1)),
    responses(
        (status = 200, description = "The product.", body = Product),
        (status = 404, response = NotFound),
    )
)]
async fn get(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathSku(sku): PathSku,
) -> Result<Json<Product>, ApiError> {
    Ok(Json(catalogue::get(&state.ports, &caller, &sku).await?))
}

/// The product's recorded stock and price changes, newest first, with their source and time.
#[utoipa::path(
    get,
    path = "/v1/products/{sku}/changes",
    operation_id = "listProductChanges",
    tag = "catalogue",
    params(("sku" = String, Path, description = "The product's SKU, percent-encoded (1 to 64 characters, no `#`); another answers 404.", min_length = 1), ChangeQuery),
    responses(
        (status = 200, description = "One page.", body = ChangePage),
        (status = 404, response = NotFound),
        (status = 422, response = ValidationFailed),
    )
)]
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

/// The tenant's price lists, `Default` (PLN, always there) first.
#[utoipa::path(
    get,
    path = "/v1/price-lists",
    operation_id = "listPriceLists",
    tag = "catalogue",
    responses((status = 200, description = "The price lists.", body = PriceLists))
)]
async fn price_lists(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Json<PriceLists>, ApiError> {
    Ok(Json(catalogue::price_lists(&state.ports, &caller).await?))
}

/// Creates a named price list (at most 20 besides Default).
#[utoipa::path(
    post,
    path = "/v1/price-lists",
    operation_id = "createPriceList",
    tag = "catalogue",
    request_body = NewPriceList,
    responses(
        (status = 201, description = "The price list was created.", body = PriceList),
        (status = 403, response = Forbidden),
        (status = 409, description = "A list of that name exists (code `price_list_exists`), or there are 20 (code `too_many_price_lists`).", body = Error),
    )
)]
async fn create_price_list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    JsonBody(request): JsonBody<NewPriceList>,
) -> Result<(StatusCode, Json<PriceList>), ApiError> {
    let created = catalogue::create_price_list(&state.ports, &caller, request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
