//! The people routes of the OpenAPI document (sign-in, sessions, users, invitations,
//! password resets) and their schemas. Generated from the handlers in `routes/sessions.rs`
//! and `routes/users.rs` and the types of `core::services::people`.

use super::generated::{describe_refs, generated};
use crate::routes::sessions::{self, MeAnswer, SignedIn};
use crate::routes::users::{self, Invitation, InvitedAnswer, UserList};
use marketdesk_core::domain::{Actor, Language, User};
use marketdesk_core::services::people::resets::{NewPassword, ResetRequest};
use marketdesk_core::services::people::sessions::SignIn;
use marketdesk_core::services::people::users::{Acceptance, NewUser, UserPatch};
use serde_json::Value;

/// The people operations and the schemas they use.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        sessions::sign_in,
        sessions::sign_out_everywhere,
        sessions::sign_out,
        sessions::me,
        users::list,
        users::invite,
        users::update,
        users::reinvite,
        sessions::accept_invitation,
        sessions::request_reset,
        sessions::complete_reset
    ),
    components(schemas(
        Language,
        Actor,
        User,
        UserList,
        NewUser,
        UserPatch,
        Invitation,
        InvitedAnswer,
        SignIn,
        SignedIn,
        MeAnswer,
        Acceptance,
        ResetRequest,
        NewPassword
    ))
)]
struct PeopleApi;

/// The document's names of the Rust types.
const RENAMES: &[(&str, &str)] = &[("InvitedAnswer", "InvitedUser"), ("MeAnswer", "Me")];

/// The paths.
pub(super) fn paths() -> Value {
    generated::<PeopleApi>(RENAMES).0
}

/// Descriptions of fields that are a `$ref`, which utoipa 4 drops (see `describe_refs`).
const REF_DESCRIPTIONS: &[(&str, &str, &str)] =
    &[("Me", "user", "The signed-in user; null for API keys.")];

/// The schemas.
pub(super) fn schemas() -> Value {
    let mut schemas = generated::<PeopleApi>(RENAMES).1;
    describe_refs(&mut schemas, REF_DESCRIPTIONS);
    schemas
}
