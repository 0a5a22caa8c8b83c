//! `/v1/integrations/{id}/events` (admin): one account's event log, newest first.

use super::Routes;
use crate::auth::Admin;
use crate::extract::{PathId, QueryParams};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use marketdesk_core::ids::IntegrationId;
use marketdesk_core::services::account_log::{self, EventsPage, EventsQuery};

/// Adds the account event log route.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/v1/integrations/{id}/events", list)
}

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
