//! `/v1/users` (admin): invite, list, change people of the tenant.

use super::Routes;
use crate::auth::Admin;
use crate::extract::{JsonBody, PathId};
use crate::openapi::generated::{Forbidden, NotFound, WrongState};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use marketdesk_core::domain::User;
use marketdesk_core::ids::UserId;
use marketdesk_core::services::people::users::{self, Invited, NewUser, UserPatch};
use serde::Serialize;

/// Adds the user routes.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/v1/users", list)
        .post("/v1/users", invite)
        .patch("/v1/users/{id}", update)
        .post("/v1/users/{id}/invitation", reinvite)
}

/// The tenant's users.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct UserList {
    /// The users (never their passwords).
    users: Vec<User>,
}

/// An invitation sent (its link goes only to the invitee's mailbox).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Invitation {
    /// When the link stops working.
    expires_at: DateTime<Utc>,
    /// Whether the e-mail went out; if not, send the invitation again.
    sent: bool,
}

/// A user invited.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct InvitedAnswer {
    /// The user.
    user: User,
    /// The invitation.
    invitation: Invitation,
}

impl From<Invited> for InvitedAnswer {
    fn from(invited: Invited) -> Self {
        Self {
            user: invited.user,
            invitation: Invitation {
                expires_at: invited.expires_at,
                sent: invited.sent,
            },
        }
    }
}

/// The tenant's users (never their passwords).
#[utoipa::path(
    get,
    path = "/v1/users",
    operation_id = "listUsers",
    tag = "people",
    responses(
        (status = 200, description = "The users.", body = UserList),
        (status = 403, response = Forbidden),
    )
)]
async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Json<UserList>, ApiError> {
    let users = users::list(&state.ports, &caller.tenant_id).await?;
    Ok(Json(UserList { users }))
}

/// Invites a person: the user is created without a password and an e-mail with a single-use link (valid 72 hours) goes to the address.
///
/// The link is never in the answer. An address belongs to one user of one tenant.
#[utoipa::path(
    post,
    path = "/v1/users",
    operation_id = "inviteUser",
    tag = "people",
    request_body = NewUser,
    responses(
        (status = 201, description = "The user and the invitation.", body = InvitedAnswer),
        (status = 403, response = Forbidden),
        (status = 409, response = WrongState),
    )
)]
async fn invite(
    State(state): State<AppState>,
    Admin(caller): Admin,
    JsonBody(request): JsonBody<NewUser>,
) -> Result<(StatusCode, Json<InvitedAnswer>), ApiError> {
    let invited = users::invite(&state.ports, &state.people, &caller, request).await?;
    Ok((StatusCode::CREATED, Json(invited.into())))
}

/// Sends a new invitation link to a user who has not accepted yet.
#[utoipa::path(
    post,
    path = "/v1/users/{id}/invitation",
    operation_id = "reinviteUser",
    tag = "people",
    params(("id" = String, Path, description = "The user's id.")),
    responses(
        (status = 202, description = "The invitation sent.", body = InvitedAnswer),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = WrongState),
    )
)]
async fn reinvite(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<(StatusCode, Json<InvitedAnswer>), ApiError> {
    let invited = users::reinvite(&state.ports, &state.people, &caller, &UserId(id)).await?;
    Ok((StatusCode::ACCEPTED, Json(invited.into())))
}

/// Changes a user's name, role, language or active flag (only the fields given).
///
/// Deactivating ends the user's sessions and stops their sign-ins. The last active admin can
/// be neither demoted nor deactivated (409 `last_admin`).
#[utoipa::path(
    patch,
    path = "/v1/users/{id}",
    operation_id = "updateUser",
    tag = "people",
    params(("id" = String, Path, description = "The user's id.")),
    request_body = UserPatch,
    responses(
        (status = 200, description = "The user as changed.", body = User),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = WrongState),
    )
)]
async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
    JsonBody(patch): JsonBody<UserPatch>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(
        users::update(&state.ports, &caller, &UserId(id), patch).await?,
    ))
}
