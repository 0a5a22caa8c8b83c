//! Sign-in and sessions (`/v1/sessions`, `/v1/me`), invitation acceptance and password
//! resets. Signing in, accepting and resetting need no credentials; the rest does.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId};
use crate::openapi::generated::{
    Internal, InvalidCredentials, NotFound, TooManyAttempts, Unavailable, WrongState,
};
use crate::session::{self, SessionToken};
use crate::{ApiError, AppState};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use marketdesk_core::domain::{Actor, Role, User};
use marketdesk_core::ids::TenantId;
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
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SignedIn {
    /// The user signed in.
    user: User,
    /// Send as `X-CSRF-Token` with every write made with the session cookie.
    csrf_token: String,
    /// The session's absolute end (the idle timeout may end it sooner).
    expires_at: DateTime<Utc>,
}

/// Signs a person in with e-mail and password.
///
/// The session token is set as the `md_session` cookie (HttpOnly, SameSite=Lax, Path=/, Secure
/// over HTTPS) and never in the body; the body holds the CSRF token to send as `X-CSRF-Token`
/// with every write made with the cookie. A session ends 12 hours after sign-in or after 2
/// hours without requests (configurable). After 5 failed sign-ins within 15 minutes the address
/// is locked for 15 minutes (429 with Retry-After), whether or not it has an account; many
/// failures from one client address lock that address too.
#[utoipa::path(
    post,
    path = "/v1/sessions",
    operation_id = "signIn",
    tag = "people",
    security(()),
    request_body = SignIn,
    responses(
        (
            status = 201,
            description = "Signed in; the cookie is set.",
            body = SignedIn,
            headers(("Set-Cookie" = String, description = "`md_session=…; HttpOnly; SameSite=Lax; Path=/; Max-Age=…` (plus `Secure` over HTTPS)."))
        ),
        (status = 401, response = InvalidCredentials),
        (status = 429, response = TooManyAttempts),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]

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

/// Ends this session and clears the cookie.
#[utoipa::path(
    delete,
    path = "/v1/sessions/current",
    operation_id = "signOut",
    tag = "people",
    responses(
        (status = 204, description = "Signed out."),
        (status = 409, response = WrongState),
    )
)]
async fn sign_out(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    sessions::sign_out(&state.ports, &caller).await?;
    Ok(signed_out(&state, &headers))
}

/// Ends every session of the signed-in user (all browsers), this one included, and clears the cookie.
#[utoipa::path(
    delete,
    path = "/v1/sessions",
    operation_id = "signOutEverywhere",
    tag = "people",
    responses(
        (status = 204, description = "Signed out everywhere."),
        (status = 409, response = WrongState),
    )
)]
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
// The fields of `Me` written out: utoipa writes a `serde(flatten)` field as `allOf`.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MeAnswer {
    /// The caller's tenant.
    #[schema(value_type = String)]
    tenant_id: TenantId,
    /// What the caller may do.
    role: Role,
    /// Who the caller acts as.
    actor: Actor,
    /// The signed-in user; null for API keys.
    #[schema(required = true)]
    user: Option<User>,
    /// Sessions only: the CSRF token for writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    csrf_token: Option<String>,
}

/// Who the caller is: the signed-in user (with the session's CSRF token) or the API key.
#[utoipa::path(
    get,
    path = "/v1/me",
    operation_id = "me",
    tag = "people",
    responses(
        (status = 200, description = "The caller.", body = MeAnswer),
        (status = 404, response = NotFound),
    )
)]

async fn me(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    session: Option<Extension<SessionToken>>,
) -> Result<Json<MeAnswer>, ApiError> {
    let me = sessions::me(&state.ports, &caller).await?;
    let csrf_token = session.map(|Extension(SessionToken(token))| sessions::csrf_token(&token));
    let Me {
        tenant_id,
        role,
        actor,
        user,
    } = me;
    Ok(Json(MeAnswer {
        tenant_id,
        role,
        actor,
        user,
        csrf_token,
    }))
}

/// Accepts an invitation: sets the name and the password (at least 10 characters).
///
/// Works once, within 72 hours; then sign in with `POST /v1/sessions`.
#[utoipa::path(
    post,
    path = "/v1/invitations/{token}/accept",
    operation_id = "acceptInvitation",
    tag = "people",
    security(()),
    params(("token" = String, Path, description = "The token from the invitation link (its last path segment).")),
    request_body = Acceptance,
    responses(
        (status = 200, description = "The user.", body = User),
        (status = 404, response = NotFound),
        (status = 409, response = WrongState),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]
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

/// E-mails a single-use password-reset link (valid 60 minutes) when the address belongs to an active user.
///
/// Always answers 202, so it never tells whether an account exists.
#[utoipa::path(
    post,
    path = "/v1/password-resets",
    operation_id = "requestPasswordReset",
    tag = "people",
    security(()),
    request_body = ResetRequest,
    responses(
        (status = 202, description = "Accepted (whether or not the address has an account)."),
        (status = 409, response = WrongState),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]
async fn request_reset(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<ResetRequest>,
) -> Result<StatusCode, ApiError> {
    checked_email("email", &request.email)?;
    resets::request(&state.ports, &state.people, request).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Sets a new password (at least 10 characters) with a reset link.
///
/// Works once; ends every session of the user.
#[utoipa::path(
    post,
    path = "/v1/password-resets/{token}",
    operation_id = "resetPassword",
    tag = "people",
    security(()),
    params(("token" = String, Path, description = "The token from the password-reset link (its last path segment).")),
    request_body = NewPassword,
    responses(
        (status = 204, description = "The password is changed."),
        (status = 404, response = NotFound),
        (status = 409, response = WrongState),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    )
)]
async fn complete_reset(
    State(state): State<AppState>,
    PathId(token): PathId,
    JsonBody(password): JsonBody<NewPassword>,
) -> Result<StatusCode, ApiError> {
    let token = SecretString::from(token);
    resets::complete(&state.ports, &token, password).await?;
    Ok(StatusCode::NO_CONTENT)
}
