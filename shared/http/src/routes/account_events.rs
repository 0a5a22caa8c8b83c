//! `/v1/integrations/{id}/events` (admin): one account's event log, newest first.

use super::Routes;
use crate::auth::Admin;
use crate::extract::{PathId, QueryParams};
use crate::openapi::generated::{Forbidden, NotFound, ValidationFailed};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use marketdesk_core::ids::IntegrationId;
use marketdesk_core::services::account_log::{self, EventsPage, EventsQuery};

/// Adds the account event log route.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/v1/integrations/{id}/events", list)
}

/// The account's event log, newest first: connected, re-authenticated, disconnected (with the reason), blocked (switched off), token refresh and order journal failures (a repeated failure once an hour). Hidden entries are skipped while paging: a page may be short and still have a `next_cursor`.
#[utoipa::path(
    get,
    path = "/v1/integrations/{id}/events",
    operation_id = "listIntegrationEvents",
    tag = "integrations",
    params(("id" = String, Path, description = "The integration's id."), EventsQuery),
    responses(
        (status = 200, description = "One page.", body = EventsPage),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = ValidationFailed),
    )
)]
async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
    QueryParams(query): QueryParams<EventsQuery>,
) -> Result<Json<EventsPage>, ApiError> {
    let page =
        account_log::list(&state.ports, &caller.tenant_id, &IntegrationId(id), &query).await?;
    Ok(Json(page))
}
