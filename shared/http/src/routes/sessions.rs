//! Sign-in and sessions (`/v1/sessions`, `/v1/me`), invitation acceptance and password
//! resets. Signing in, accepting and resetting need no credentials; the rest does.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId};
use crate::session::{self, SessionToken};
use crate::{ApiError, AppState};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use marketdesk_core::domain::User;
use marketdesk_core::services::people::checked_email;
use marketdesk_core::services::people::resets::{self, NewPassword, ResetRequest};
use marketdesk_core::services::people::sessions::{self, Me, SignIn, SignInError};
use marketdesk_core::services::people::users::{self, Acceptance};
use secrecy::SecretString;
use serde::Serialize;
use std::net::SocketAddr;

/// Adds the routes anyone may call.
pub(crate) fn public(routes: Routes) -> Routes {
    routes
        .post("/v1/sessions", sign_in)
        .post("/v1/invitations/{token}/accept", accept_invitation)
        .post("/v1/password-resets", request_reset)
        .post("/v1/password-resets/{token}", complete_reset)
}

/// Adds the routes of signed-in callers.
pub(crate) fn protected(routes: Routes) -> Routes {
    routes
        .delete("/v1/sessions/current", sign_out)
        .delete("/v1/sessions", sign_out_everywhere)
        .get("/v1/me", me)
}

/// The answer to a sign-in (the session token itself is only in the cookie).
#[derive(Serialize)]
struct SignedIn {
    user: User,
    /// Send it as `X-CSRF-Token` with every write.
    csrf_token: String,
    expires_at: DateTime<Utc>,
}

async fn sign_in(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<SignIn>,
) -> Result<Response, ApiError> {
    let client = session::client_address(&headers, peer.as_ref().map(|Extension(info)| info));
    match sessions::sign_in(&state.ports, &state.people, request, client.as_deref()).await {
        Ok(opened) => {
            let max_age = state.people.session_lifetime.num_seconds();
            let cookie = session::session_cookie(
                &opened.token,
                max_age,
                session::is_https(&state, &headers),
            );
            let body = SignedIn {
                user: opened.user,
                csrf_token: opened.csrf_token,
                expires_at: opened.expires_at,
            };
            Ok((
                StatusCode::CREATED,
                [(header::SET_COOKIE, cookie)],
                Json(body),
            )
                .into_response())
        }
        Err(SignInError::Rejected) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "the e-mail address or the password is wrong",
        )),
        Err(SignInError::Throttled { retry_after }) => {
            // Whole seconds, rounded up: trying again a moment early would fail.
            let seconds = ((retry_after.num_milliseconds() + 999) / 1000).max(1);
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!(
                    "too many failed sign-ins; try again in {} minutes",
                    (seconds + 59) / 60
                ),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            Ok(response)
        }
        Err(SignInError::Request(error)) => Err(error.into()),
    }
}

async fn sign_out(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    sessions::sign_out(&state.ports, &caller).await?;
    Ok(signed_out(&state, &headers))
}

async fn sign_out_everywhere(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    sessions::sign_out_everywhere(&state.ports, &caller).await?;
    Ok(signed_out(&state, &headers))
}

fn signed_out(state: &AppState, headers: &HeaderMap) -> Response {
    let cookie = session::clearing_cookie(session::is_https(state, headers));
    (StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response()
}

/// `GET /v1/me`: who the caller is, and the CSRF token for a session.
#[derive(Serialize)]
struct MeAnswer {
    #[serde(flatten)]
    me: Me,
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<String>,
}

async fn me(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    session: Option<Extension<SessionToken>>,
) -> Result<Json<MeAnswer>, ApiError> {
    let me = sessions::me(&state.ports, &caller).await?;
    let csrf_token = session.map(|Extension(SessionToken(token))| sessions::csrf_token(&token));
    Ok(Json(MeAnswer { me, csrf_token }))
}

async fn accept_invitation(
    State(state): State<AppState>,
    PathId(token): PathId,
    JsonBody(acceptance): JsonBody<Acceptance>,
) -> Result<Json<User>, ApiError> {
    let token = SecretString::from(token);
    Ok(Json(
        users::accept_invitation(&state.ports, &token, acceptance).await?,
    ))
}

async fn request_reset(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<ResetRequest>,
) -> Result<StatusCode, ApiError> {
    checked_email("email", &request.email)?;
    resets::request(&state.ports, &state.people, request).await?;
    Ok(StatusCode::ACCEPTED)
}

async fn complete_reset(
    State(state): State<AppState>,
    PathId(token): PathId,
    JsonBody(password): JsonBody<NewPassword>,
) -> Result<StatusCode, ApiError> {
    let token = SecretString::from(token);
    resets::complete(&state.ports, &token, password).await?;
    Ok(StatusCode::NO_CONTENT)
}
