//! `/v1/audit` (admin): the tenant's audit log, newest first, filtered and cursor-paged.

use super::Routes;
use crate::auth::Admin;
use crate::extract::QueryParams;
use crate::openapi::generated::{Forbidden, ValidationFailed};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use marketdesk_core::services::audit::{self, AuditPage, AuditQuery};

/// Adds the audit route.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/v1/audit", list)
}

/// The tenant's audit log, newest first.
///
/// Every change a person or API key made (replies, comments, integrations and their settings,
/// API keys, users, webhooks, ticket changes), with the actor, the time and the states before
/// and after (secrets redacted). Entries are kept for a year. One subject's or one actor's
/// history is read from its own index; other filters are applied while paging, reading at most
/// 1000 entries a request, so a rare filter may give a short page with a `next_cursor`.
#[utoipa::path(
    get,
    path = "/v1/audit",
    operation_id = "listAudit",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries.", body = AuditPage),
        (status = 403, response = Forbidden),
        (status = 422, response = ValidationFailed),
    )
)]
async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    QueryParams(query): QueryParams<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    Ok(Json(
        audit::list(&state.ports, &caller.tenant_id, &query).await?,
    ))
}
