//! `/v1/integrations/{id}/offer-commands` (admin): one Allegro account's offer commands (stock
//! control, price sync, renewal), newest first, with their state and each offer's outcome.

use super::Routes;
use crate::auth::Admin;
use crate::extract::{PathId, QueryParams};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use marketdesk_core::ids::IntegrationId;
use marketdesk_core::services::offer_commands::{self, CommandsPage, CommandsQuery};

/// Adds the offer command list route.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/v1/integrations/{id}/offer-commands", list)
}

async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
    QueryParams(query): QueryParams<CommandsQuery>,
) -> Result<Json<CommandsPage>, ApiError> {
    let page =
        offer_commands::list(&state.ports, &caller.tenant_id, &IntegrationId(id), &query).await?;
    Ok(Json(page))
}
