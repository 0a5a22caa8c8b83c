//! The people routes of the OpenAPI document (sign-in, sessions, users, invitations,
//! password resets) and their schemas.

use super::{
    body, enumeration, error, id_parameter, object, ok, protected, reference, strict, string, time,
    with_body_errors,
};
use serde_json::{json, Value};

fn token_parameter(what: &str) -> Value {
    json!({
        "name": "token", "in": "path", "required": true,
        "description": format!("The token from the {what} link (its last path segment)."),
        "schema": { "type": "string" }
    })
}

/// Operations anyone may call: no key, no session.
fn public(mut operation: Value) -> Value {
    operation["security"] = json!([]);
    operation["responses"]["500"] = error("Internal");
    operation["responses"]["503"] = error("Unavailable");
    operation
}

/// The paths.
pub(super) fn paths() -> Value {
    json!({
        "/v1/sessions": {
            "post": public(with_body_errors(json!({
                "operationId": "signIn",
                "summary": "Signs a person in with e-mail and password. The session token is set as the `md_session` cookie (HttpOnly, SameSite=Lax, Path=/, Secure over HTTPS) and never in the body; the body holds the CSRF token to send as `X-CSRF-Token` with every write made with the cookie. A session ends 12 hours after sign-in or after 2 hours without requests (configurable). After 5 failed sign-ins within 15 minutes the address is locked for 15 minutes (429 with Retry-After), whether or not it has an account; many failures from one client address lock that address too.",
                "tags": ["people"],
                "requestBody": body("SignIn"),
                "responses": {
                    "201": {
                        "description": "Signed in; the cookie is set.",
                        "headers": { "Set-Cookie": { "schema": { "type": "string" }, "description": "`md_session=…; HttpOnly; SameSite=Lax; Path=/; Max-Age=…` (plus `Secure` over HTTPS)." } },
                        "content": { "application/json": { "schema": reference("SignedIn") } }
                    },
                    "401": error("InvalidCredentials"),
                    "429": error("TooManyAttempts")
                }
            }))),
            "delete": protected(json!({
                "operationId": "signOutEverywhere",
                "summary": "Ends every session of the signed-in user (all browsers), this one included, and clears the cookie.",
                "tags": ["people"],
                "responses": { "204": { "description": "Signed out everywhere." }, "409": error("WrongState") }
            }), false)
        },
        "/v1/sessions/current": {
            "delete": protected(json!({
                "operationId": "signOut",
                "summary": "Ends this session and clears the cookie.",
                "tags": ["people"],
                "responses": { "204": { "description": "Signed out." }, "409": error("WrongState") }
            }), false)
        },
        "/v1/me": {
            "get": protected(json!({
                "operationId": "me",
                "summary": "Who the caller is: the signed-in user (with the session's CSRF token) or the API key.",
                "tags": ["people"],
                "responses": { "200": ok("The caller.", "Me"), "404": error("NotFound") }
            }), false)
        },
        "/v1/users": {
            "get": protected(json!({
                "operationId": "listUsers",
                "summary": "The tenant's users (never their passwords).",
                "tags": ["people"],
                "responses": { "200": ok("The users.", "UserList") }
            }), true),
            "post": protected(with_body_errors(json!({
                "operationId": "inviteUser",
                "summary": "Invites a person: the user is created without a password and an e-mail with a single-use link (valid 72 hours) goes to the address. The link is never in the answer. An address belongs to one user of one tenant.",
                "tags": ["people"],
                "requestBody": body("NewUser"),
                "responses": {
                    "201": ok("The user and the invitation.", "InvitedUser"),
                    "409": error("WrongState")
                }
            })), true)
        },
        "/v1/users/{id}": {
            "patch": protected(with_body_errors(json!({
                "operationId": "updateUser",
                "summary": "Changes a user's name, role, language or active flag (only the fields given). Deactivating ends the user's sessions and stops their sign-ins. The last active admin can be neither demoted nor deactivated (409 `last_admin`).",
                "tags": ["people"],
                "parameters": [id_parameter("user")],
                "requestBody": body("UserPatch"),
                "responses": {
                    "200": ok("The user as changed.", "User"),
                    "404": error("NotFound"),
                    "409": error("WrongState")
                }
            })), true)
        },
        "/v1/users/{id}/invitation": {
            "post": protected(json!({
                "operationId": "reinviteUser",
                "summary": "Sends a new invitation link to a user who has not accepted yet.",
                "tags": ["people"],
                "parameters": [id_parameter("user")],
                "responses": {
                    "202": ok("The invitation sent.", "InvitedUser"),
                    "404": error("NotFound"),
                    "409": error("WrongState")
                }
            }), true)
        },
        "/v1/invitations/{token}/accept": {
            "post": public(with_body_errors(json!({
                "operationId": "acceptInvitation",
                "summary": "Accepts an invitation: sets the name and the password (at least 10 characters). Works once, within 72 hours; then sign in with `POST /v1/sessions`.",
                "tags": ["people"],
                "parameters": [token_parameter("invitation")],
                "requestBody": body("Acceptance"),
                "responses": { "200": ok("The user.", "User"), "404": error("NotFound"), "409": error("WrongState") }
            })))
        },
        "/v1/password-resets": {
            "post": public(with_body_errors(json!({
                "operationId": "requestPasswordReset",
                "summary": "E-mails a single-use password-reset link (valid 60 minutes) when the address belongs to an active user. Always answers 202, so it never tells whether an account exists.",
                "tags": ["people"],
                "requestBody": body("ResetRequest"),
                "responses": { "202": { "description": "Accepted (whether or not the address has an account)." }, "409": error("WrongState") }
            })))
        },
        "/v1/password-resets/{token}": {
            "post": public(with_body_errors(json!({
                "operationId": "resetPassword",
                "summary": "Sets a new password (at least 10 characters) with a reset link. Works once; ends every session of the user.",
                "tags": ["people"],
                "parameters": [token_parameter("password-reset")],
                "requestBody": body("NewPassword"),
                "responses": { "204": { "description": "The password is changed." }, "404": error("NotFound"), "409": error("WrongState") }
            })))
        }
    })
}

fn password() -> Value {
    json!({ "type": "string", "format": "password", "writeOnly": true, "minLength": 10, "maxLength": 256, "description": "At least 10 characters." })
}

/// The schemas.
pub(super) fn schemas() -> Value {
    json!({
        "Language": enumeration(&["pl", "en"]),
        "Actor": object(&["kind", "id"], json!({
            "kind": enumeration(&["user", "api_key"]),
            "id": string(),
            "name": { "type": "string", "nullable": true, "description": "The user's name, or the API key's label." }
        })),
        "User": object(&["id", "tenant_id", "email", "name", "role", "language", "active", "invitation_pending", "created_at", "updated_at"], json!({
            "id": string(),
            "tenant_id": string(),
            "email": { "type": "string", "format": "email" },
            "name": string(),
            "role": reference("Role"),
            "language": reference("Language"),
            "active": { "type": "boolean", "description": "Deactivated users cannot sign in." },
            "invitation_pending": { "type": "boolean", "description": "Invited, not accepted yet (no password)." },
            "created_at": time(),
            "updated_at": time(),
            "created_by": { "allOf": [reference("Actor")], "nullable": true },
            "updated_by": { "allOf": [reference("Actor")], "nullable": true }
        })),
        "UserList": object(&["users"], json!({ "users": { "type": "array", "items": reference("User") } })),
        "NewUser": strict(&["email", "role"], json!({
            "email": { "type": "string", "format": "email" },
            "role": reference("Role"),
            "name": { "type": "string", "maxLength": 100, "nullable": true, "description": "Default: the address's part before `@`; the person may change it when accepting." },
            "language": reference("Language")
        })),
        "UserPatch": strict(&[], json!({
            "name": { "type": "string", "maxLength": 100 },
            "role": reference("Role"),
            "language": reference("Language"),
            "active": { "type": "boolean" }
        })),
        "Invitation": object(&["expires_at", "sent"], json!({
            "expires_at": time(),
            "sent": { "type": "boolean", "description": "Whether the e-mail went out; if not, send the invitation again." }
        })),
        "InvitedUser": object(&["user", "invitation"], json!({
            "user": reference("User"),
            "invitation": reference("Invitation")
        })),
        "SignIn": strict(&["email", "password"], json!({
            "email": { "type": "string", "format": "email" },
            "password": { "type": "string", "format": "password", "writeOnly": true }
        })),
        "SignedIn": object(&["user", "csrf_token", "expires_at"], json!({
            "user": reference("User"),
            "csrf_token": { "type": "string", "description": "Send as `X-CSRF-Token` with every write made with the session cookie." },
            "expires_at": { "type": "string", "format": "date-time", "description": "The session's absolute end (the idle timeout may end it sooner)." }
        })),
        "Me": object(&["tenant_id", "role", "actor", "user"], json!({
            "tenant_id": string(),
            "role": reference("Role"),
            "actor": reference("Actor"),
            "user": { "allOf": [reference("User")], "nullable": true, "description": "The signed-in user; null for API keys." },
            "csrf_token": { "type": "string", "description": "Sessions only: the CSRF token for writes." }
        })),
        "Acceptance": strict(&["name", "password"], json!({
            "name": { "type": "string", "minLength": 1, "maxLength": 100 },
            "password": password()
        })),
        "ResetRequest": strict(&["email"], json!({
            "email": { "type": "string", "format": "email" }
        })),
        "NewPassword": strict(&["password"], json!({ "password": password() }))
    })
}
