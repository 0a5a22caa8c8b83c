//! `/v1/integrations/{id}/offer-commands` (admin): one Allegro account's offer commands (stock
//! control, price sync, renewal), newest first, with their state and each offer's outcome.

use super::Routes;
use crate::auth::Admin;
use crate::extract::{PathId, QueryParams};
use crate::openapi::generated::{Forbidden, NotFound, ValidationFailed};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use marketdesk_core::ids::IntegrationId;
use marketdesk_core::services::offer_commands::{self, CommandsPage, CommandsQuery};

/// Adds the offer command list route.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/v1/integrations/{id}/offer-commands", list)
}

/// The account's offer commands to Allegro, newest first.
///
/// Stock pushed to linked offers (stock control), prices (price sync) and renewals, each with
/// its state, attempts and every offer's outcome. Test-mode accounts have none.
#[utoipa::path(
    get,
    path = "/v1/integrations/{id}/offer-commands",
    operation_id = "listOfferCommands",
    tag = "integrations",
    params(("id" = String, Path, description = "The integration's id."), CommandsQuery),
    responses(
        (status = 200, description = "One page.", body = CommandsPage),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = ValidationFailed),
    )
)]
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
