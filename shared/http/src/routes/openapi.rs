//! `GET /v1/openapi.json`: the API described as OpenAPI 3.0.

use super::Routes;
use crate::auth::Authenticated;
use axum::Json;

/// Adds the OpenAPI route.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/v1/openapi.json", document)
}

async fn document(_caller: Authenticated) -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}
