//! `/v1/users` (admin): invite, list, change people of the tenant.

use super::Routes;
use crate::auth::Admin;
use crate::extract::{JsonBody, PathId};
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
#[derive(Serialize)]
struct UserList {
    users: Vec<User>,
}

/// An invitation sent (its link goes only to the invitee's mailbox).
#[derive(Serialize)]
struct Invitation {
    expires_at: DateTime<Utc>,
    /// Whether the e-mail went out; if not, send the invitation again.
    sent: bool,
}

/// A user invited.
#[derive(Serialize)]
struct InvitedAnswer {
    user: User,
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

async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Json<UserList>, ApiError> {
    let users = users::list(&state.ports, &caller.tenant_id).await?;
    Ok(Json(UserList { users }))
}

async fn invite(
    State(state): State<AppState>,
    Admin(caller): Admin,
    JsonBody(request): JsonBody<NewUser>,
) -> Result<(StatusCode, Json<InvitedAnswer>), ApiError> {
    let invited = users::invite(&state.ports, &state.people, &caller, request).await?;
    Ok((StatusCode::CREATED, Json(invited.into())))
}

async fn reinvite(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<(StatusCode, Json<InvitedAnswer>), ApiError> {
    let invited = users::reinvite(&state.ports, &state.people, &caller, &UserId(id)).await?;
    Ok((StatusCode::ACCEPTED, Json(invited.into())))
}

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
