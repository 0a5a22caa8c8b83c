//! `/v1/audit` (admin): the tenant's audit log, newest first, filtered and cursor-paged.

use super::Routes;
use crate::auth::Admin;
use crate::extract::QueryParams;
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use marketdesk_core::services::audit::{self, AuditPage, AuditQuery};

/// Adds the audit route.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/v1/audit", list)
}

async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    QueryParams(query): QueryParams<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    Ok(Json(
        audit::list(&state.ports, &caller.tenant_id, &query).await?,
    ))
}
