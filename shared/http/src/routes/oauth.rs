//! Connecting Allegro accounts: `POST /v1/integrations/{id}/oauth/start` and `.../oauth/device`
//! (admin), and the browser's return to `GET /oauth/allegro/callback` (public: the `state`
//! is the credential).

use super::Routes;
use crate::auth::Admin;
use crate::extract::PathId;
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
#[derive(Serialize)]
struct AuthorizeUrl {
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
#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /oauth/allegro/callback`: a flow started from the settings pages goes back there
/// with a flash; one started through the API gets a small page of its own.
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
