//! `GET /v1/openapi.json`: the API described as OpenAPI 3.0.

use super::Routes;
use crate::auth::Authenticated;
use axum::Json;

/// Adds the OpenAPI route.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/v1/openapi.json", document)
}

/// This document.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    operation_id = "openapi",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.0 document.", body = Object))
)]
async fn document(_caller: Authenticated) -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}
