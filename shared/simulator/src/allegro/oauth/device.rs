//! Device flow: `POST /auth/oauth/device` hands out a device code and a user code; the user
//! confirms on `/skojarz-aplikacje` (a small page approving as the signed-in seller), or a test
//! approves through `POST /__simulator/allegro/device/{user_code}/approve`, or the control API's
//! auto-approval does it at the first poll.

use super::{
    basic_client, escape_html, grant_scopes, html_page, oauth_error, parse_form, random_code,
    unauthorized_client, DEVICE_CODE_LIFETIME, DEVICE_POLL_INTERVAL, VERIFICATION_PATH,
};
use crate::allegro::accounts::Accounts;
use crate::allegro::grants::DeviceAuthorization;
use crate::state::SimulatorState;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::json;

/// The device routes.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/auth/oauth/device", post(device))
        .route(VERIFICATION_PATH, get(verification_page).post(confirm))
}

/// Why a device approval failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceApprovalError {
    /// No pending device authorization has this user code (or it expired).
    #[error("no pending device authorization has the user code {0}")]
    UnknownUserCode(String),
    /// The named seller does not exist.
    #[error("unknown seller {0}")]
    UnknownSeller(String),
    /// No seller was named and none is signed in.
    #[error("no seller given and no seller is signed in")]
    NoSeller,
}

/// Approves the pending device authorization with `user_code` as `seller_id` (the signed-in
/// seller when `None`); returns the approving seller's id.
pub fn approve_device(
    accounts: &mut Accounts,
    user_code: &str,
    seller_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String, DeviceApprovalError> {
    let seller_id = match seller_id {
        Some(id) if accounts.sellers.contains_key(id) => id.to_owned(),
        Some(id) => return Err(DeviceApprovalError::UnknownSeller(id.to_owned())),
        None => accounts
            .signed_in_seller
            .clone()
            .filter(|id| accounts.sellers.contains_key(id))
            .ok_or(DeviceApprovalError::NoSeller)?,
    };
    let device = accounts
        .oauth
        .devices
        .values_mut()
        .find(|d| d.user_code.eq_ignore_ascii_case(user_code) && now < d.expires_at)
        .ok_or_else(|| DeviceApprovalError::UnknownUserCode(user_code.to_owned()))?;
    device.approved_by = Some(seller_id.clone());
    Ok(seller_id)
}

async fn device(
    State(state): State<SimulatorState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut params = parse_form(query.unwrap_or_default().as_bytes());
    for (name, value) in parse_form(&body) {
        params.entry(name).or_insert(value);
    }
    let mut world = state.lock();
    let now = world.clock.now();
    let accounts = &mut world.allegro.accounts;
    let Some(client_id) = basic_client(&headers, &accounts.app) else {
        return unauthorized_client();
    };
    match params.get("client_id").filter(|id| !id.is_empty()) {
        None => return oauth_error("invalid_request", "OAuth 2.0 Parameter: client_id"),
        Some(id) if *id != client_id => return unauthorized_client(),
        Some(_) => {}
    }
    let scopes = match grant_scopes(params.get("scope").map(String::as_str)) {
        Ok(scopes) => scopes,
        Err(unknown) => return oauth_error("invalid_scope", &format!("Invalid scope: {unknown}")),
    };

    let device_code = random_code(40);
    let user_code = random_code(8).to_ascii_lowercase();
    accounts.oauth.devices.insert(
        device_code.clone(),
        DeviceAuthorization {
            user_code: user_code.clone(),
            client_id,
            scopes,
            expires_at: now + DEVICE_CODE_LIFETIME,
            approved_by: None,
        },
    );
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("allegro.pl");
    let verification_uri = format!("http://{host}{VERIFICATION_PATH}");
    let body = json!({
        "device_code": device_code,
        "expires_in": DEVICE_CODE_LIFETIME.num_seconds(),
        "user_code": user_code,
        "interval": DEVICE_POLL_INTERVAL,
        "verification_uri_complete": format!("{verification_uri}?code={user_code}"),
        "verification_uri": verification_uri,
    });
    (StatusCode::OK, Json(body)).into_response()
}

/// `GET /skojarz-aplikacje?code=…`: asks the signed-in seller to confirm.
async fn verification_page(RawQuery(query): RawQuery) -> Response {
    let params = parse_form(query.unwrap_or_default().as_bytes());
    let code = escape_html(params.get("code").map(String::as_str).unwrap_or(""));
    html_page(
        StatusCode::OK,
        "Powiąż aplikację",
        &format!(
            "<form method=\"post\" action=\"{VERIFICATION_PATH}\">\
             <label>Kod: <input name=\"code\" value=\"{code}\"></label> \
             <button type=\"submit\">Potwierdź</button></form>"
        ),
    )
}

/// `POST /skojarz-aplikacje` (form `code=…`): approves as the signed-in seller.
async fn confirm(State(state): State<SimulatorState>, body: Bytes) -> Response {
    let params = parse_form(&body);
    let code = params.get("code").map(String::as_str).unwrap_or("");
    let mut world = state.lock();
    let now = world.clock.now();
    match approve_device(&mut world.allegro.accounts, code, None, now) {
        Ok(_) => html_page(
            StatusCode::OK,
            "Aplikacja powiązana",
            "<p>The application may now use your account. You can close this page.</p>",
        ),
        Err(error) => html_page(
            StatusCode::BAD_REQUEST,
            "Nie udało się powiązać aplikacji",
            &format!("<p>{}</p>", escape_html(&error.to_string())),
        ),
    }
}
