//! `/v1/search` (agents and admins): the one search box over the tenant's tickets.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::QueryParams;
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use marketdesk_core::services::search::{self, SearchQuery, SearchResults};

/// Adds the search route.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/v1/search", run)
}

async fn run(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    Ok(Json(
        search::search(&state.ports, &caller.tenant_id, &query).await?,
    ))
}
