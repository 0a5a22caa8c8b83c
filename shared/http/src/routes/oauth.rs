//! Connecting Allegro accounts: `POST /v1/integrations/{id}/oauth/start` and `.../oauth/device`
//! (admin), and the browser's return to `GET /oauth/allegro/callback` (public: the `state`
//! is the credential).

use super::Routes;
use crate::auth::Admin;
use crate::extract::PathId;
use crate::openapi::generated::{
    Forbidden, MarketplaceRefused, NotConfigured, NotFound, ValidationFailed,
};
use crate::{ApiError, AppState};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use marketdesk_core::domain::{Integration, Marketplace};
use marketdesk_core::ids::{IntegrationId, TenantId};
use marketdesk_core::ports::{ConnectFailure, DeviceAuthorizationInfo};
use marketdesk_core::services::integrations;
use serde::{Deserialize, Serialize};

/// Adds the admin OAuth routes (behind the API key).
pub(crate) fn protected(routes: Routes) -> Routes {
    routes
        .post("/v1/integrations/{id}/oauth/start", start)
        .post("/v1/integrations/{id}/oauth/device", device)
}

/// Adds the browser callback (no API key).
pub(crate) fn public(routes: Routes) -> Routes {
    routes.get("/oauth/allegro/callback", callback)
}

/// The answer of `oauth/start`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AuthorizeUrl {
    /// The Allegro authorization page to open in the admin's browser.
    authorize_url: String,
}

fn failure(error: ConnectFailure) -> ApiError {
    match error {
        ConnectFailure::NotConfigured | ConnectFailure::NoCallbackUrl => {
            ApiError::new(StatusCode::CONFLICT, "not_configured", error.to_string())
        }
        ConnectFailure::NotApplicable => ApiError::validation("kind", error.to_string()),
        ConnectFailure::UnknownState => ApiError::validation("state", error.to_string()),
        ConnectFailure::Refused(_) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "marketplace_refused",
            error.to_string(),
        ),
        ConnectFailure::Unavailable(reason) => {
            tracing::warn!(%reason, "OAuth step failed");
            ApiError::unavailable()
        }
    }
}

async fn allegro_integration(
    state: &AppState,
    tenant: &TenantId,
    id: String,
) -> Result<Integration, ApiError> {
    let integration = integrations::get(&state.ports, tenant, &IntegrationId(id)).await?;
    if integration.kind != Marketplace::Allegro {
        return Err(ApiError::validation(
            "kind",
            "only Allegro accounts connect through OAuth; EmpikPlace uses an API key",
        ));
    }
    Ok(integration)
}

/// The Allegro authorization page to open in the admin's browser (the sandbox host for test-mode integrations), with a single-use state and PKCE.
///
/// Re-authentication is the same call.
#[utoipa::path(
    post,
    path = "/v1/integrations/{id}/oauth/start",
    operation_id = "startAllegroAuthorization",
    tag = "oauth",
    params(("id" = String, Path, description = "The integration's id.")),
    responses(
        (status = 200, description = "Where to send the browser.", body = AuthorizeUrl),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = NotConfigured),
        (status = 422, response = ValidationFailed),
        (status = 502, response = MarketplaceRefused),
    )
)]
async fn start(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<Json<AuthorizeUrl>, ApiError> {
    let integration = allegro_integration(&state, &caller.tenant_id, id).await?;
    let authorize_url = state
        .connector
        .authorize_url(&state.ports, &integration)
        .await
        .map_err(failure)?;
    Ok(Json(AuthorizeUrl { authorize_url }))
}

/// Starts Allegro's device flow for setups without a public callback URL: confirm the user code on the verification page; the grant completes in the background within a minute.
#[utoipa::path(
    post,
    path = "/v1/integrations/{id}/oauth/device",
    operation_id = "startAllegroDeviceAuthorization",
    tag = "oauth",
    params(("id" = String, Path, description = "The integration's id.")),
    responses(
        (status = 200, description = "The code to confirm.", body = DeviceAuthorizationInfo),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = NotConfigured),
        (status = 422, response = ValidationFailed),
        (status = 502, response = MarketplaceRefused),
    )
)]
async fn device(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<Json<DeviceAuthorizationInfo>, ApiError> {
    let integration = allegro_integration(&state, &caller.tenant_id, id).await?;
    let info = state
        .connector
        .start_device(&state.ports, &integration)
        .await
        .map_err(failure)?;
    Ok(Json(info))
}

/// What Allegro sends back to the redirect URI.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CallbackQuery {
    /// The authorization code.
    code: Option<String>,
    /// The state sent with the authorization request.
    state: Option<String>,
    /// Set by Allegro when access was not granted.
    error: Option<String>,
    /// Allegro's explanation.
    error_description: Option<String>,
}

/// Where Allegro sends the admin's browser back after authorization.
///
/// Checks the single-use `state`, exchanges the code, stores the token pair and answers with
/// an HTML page saying whether the account is connected. When the flow was started from the
/// web workspace (cookie `md_oauth`), answers 303 to `/settings/integrations` with a flash
/// instead (a flow started through the API gets the page). Needs no key.
#[utoipa::path(
    get,
    path = "/oauth/allegro/callback",
    operation_id = "allegroCallback",
    tag = "oauth",
    security(()),
    params(CallbackQuery),
    responses(
        (status = 200, description = "The account is connected (HTML page).", body = String, content_type = "text/html"),
        (status = 303, description = "Started from the web workspace: back to its integrations page, with a flash saying whether the account is connected."),
        (status = 400, description = "Unknown, used or expired state, or access not granted (HTML page).", body = String, content_type = "text/html"),
        (status = 502, description = "Allegro refused the code (HTML page).", body = String, content_type = "text/html"),
        (status = 503, description = "Allegro or a backing service is unavailable (HTML page).", body = String, content_type = "text/html"),
    )
)]
async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let page = outcome(&state, query).await;
    let connected = page.0 == StatusCode::OK;
    crate::web::oauth_landing(&headers, connected).unwrap_or_else(|| page.into_response())
}

/// Completes the authorization, and the page saying how it went.
async fn outcome(state: &AppState, query: CallbackQuery) -> Page {
    if let Some(error) = query.error {
        let detail = query.error_description.unwrap_or(error);
        return page(
            StatusCode::BAD_REQUEST,
            false,
            &format!("Allegro did not grant access: {detail}."),
        );
    }
    let (Some(code), Some(oauth_state)) = (query.code, query.state) else {
        return page(
            StatusCode::BAD_REQUEST,
            false,
            "The link is incomplete: it carries no code or state.",
        );
    };
    match state
        .connector
        .complete_authorization(&state.ports, &oauth_state, &code)
        .await
    {
        Ok(integration) => page(
            StatusCode::OK,
            true,
            &format!(
                "The Allegro account \"{}\" is connected. marketdesk starts importing its conversations within a minute; you can close this page.",
                integration.display_name
            ),
        ),
        Err(error) => {
            let status = match error {
                ConnectFailure::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                ConnectFailure::Refused(_) => StatusCode::BAD_GATEWAY,
                _ => StatusCode::BAD_REQUEST,
            };
            page(status, false, &error.to_string())
        }
    }
}

/// The page's policy: its inline style and nothing else; never framed (clickjacking).
const PAGE_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/// A page for the admin's browser.
type Page = (
    StatusCode,
    [(header::HeaderName, &'static str); 1],
    Html<String>,
);

/// A small self-contained page for the admin's browser.
fn page(status: StatusCode, success: bool, message: &str) -> Page {
    let title = if success {
        "Account connected"
    } else {
        "Connection failed"
    };
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    (
        status,
        [(header::CONTENT_SECURITY_POLICY, PAGE_POLICY)],
        Html(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>marketdesk: {title}</title></head>\
             <body style=\"font-family: sans-serif; max-width: 40em; margin: 4em auto\"><h1>{title}</h1><p>{escaped}</p></body></html>"
        )),
    )
}
