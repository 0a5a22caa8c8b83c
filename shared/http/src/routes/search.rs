//! `/v1/search` (agents and admins): the one search box over the tenant's tickets.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::QueryParams;
use crate::openapi::generated::ValidationFailed;
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use marketdesk_core::services::search::{self, SearchQuery, SearchResults};

/// Adds the search route.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/v1/search", run)
}

/// The one search box over the tenant's tickets.
///
/// A ticket id, a marketplace conversation id, an order id (Allegro checkout form, Mirakl order
/// id or commercial id), a buyer login, an EmpikPlace customer id or an e-mail (whole, any case;
/// from 3 characters also their start), a customer's name (words or their starts; the buyer's
/// name as the marketplace gave it, or the CRM customer's name by its start), or words of the
/// subjects and messages (every word, any case, Polish diacritics optional). Identifiers, names
/// and e-mails give the same answers on both backends; words are ranked by SQLite FTS5 on the
/// embedded backend and newest first on AWS.
#[utoipa::path(
    get,
    path = "/v1/search",
    operation_id = "search",
    tag = "tickets",
    params(SearchQuery),
    responses(
        (status = 200, description = "The tickets found (one page: refine the query for others).", body = SearchResults),
        (status = 422, response = ValidationFailed),
    )
)]
async fn run(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    Ok(Json(
        search::search(&state.ports, &caller.tenant_id, &query).await?,
    ))
}
