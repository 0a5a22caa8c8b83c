//! Password sign-in and server-side sessions.
//!
//! A session token (`mds_…`, 256 random bits) goes to the browser in an HttpOnly cookie; the
//! store keeps only its SHA-256, with the user, the user's session generation, the sign-in
//! time and the last request. A session ends at its absolute lifetime, after the idle
//! timeout, at sign-out, and when the user's generation moves on (sign out everywhere,
//! deactivation, password reset). Every request re-reads the user, so a role change or a
//! deactivation takes effect at once.

use super::super::audit;
use super::super::caller::Caller;
use super::super::request::RequestError;
use super::secrets::{self, sha256_hex, SESSION_PREFIX};
use super::throttle::{self, Attempt};
use super::{checked_email, passwords, PeopleSettings};
use crate::domain::{Actor, Role, Subject, SubjectKind, User};
use crate::ids::TenantId;
use crate::ports::Ports;
use crate::repo::sessions::{self, StoredSession};
use crate::repo::users;
use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Activity is written back at most this often (a write per request would be wasteful).
const TOUCH_EVERY_SECONDS: i64 = 60;

/// The body of `POST /v1/sessions`.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// The user's e-mail address.
    #[cfg_attr(feature = "openapi", schema(format = "email"))]
    pub email: String,
    /// The user's password.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, format = Password, write_only)
    )]
    pub password: SecretString,
}

/// A session just opened. The token is for the cookie only.
pub struct OpenedSession {
    /// The session token (cookie value).
    pub token: SecretString,
    /// The CSRF token to send with cookie-authenticated writes (`X-CSRF-Token`).
    pub csrf_token: String,
    /// The signed-in user.
    pub user: User,
    /// The absolute end of the session.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for OpenedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedSession")
            .field("user", &self.user)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Why a sign-in was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Wrong address or password, or a deactivated or not yet accepted account: one answer
    /// for all, so it never tells whether an account exists.
    #[error("the e-mail address or the password is wrong")]
    Rejected,
    /// Too many failed sign-ins for this address or from this client.
    #[error("too many failed sign-ins; try again later")]
    Throttled {
        /// When to try again.
        retry_after: Duration,
    },
    /// The request is malformed or a backing service failed.
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl From<crate::repo::RepoError> for SignInError {
    fn from(error: crate::repo::RepoError) -> Self {
        SignInError::Request(error.into())
    }
}

/// Signs a user in with e-mail and password. `client` is the caller's network address, for
/// per-address throttling.
pub async fn sign_in(
    ports: &Ports,
    settings: &PeopleSettings,
    request: SignIn,
    client: Option<&str>,
) -> Result<OpenedSession, SignInError> {
    let email = checked_email("email", &request.email)?;
    if request.password.expose_secret().chars().count() > passwords::MAX_PASSWORD_CHARS {
        // Never hash unbounded input; no account has such a password.
        return Err(SignInError::Rejected);
    }
    let attempt = Attempt::new(&email, client);
    if let Some(retry_after) = throttle::locked_for(ports, &attempt).await? {
        return Err(SignInError::Throttled { retry_after });
    }
    let found = users::find_by_email(&*ports.store, &email).await?;
    let hash = found
        .as_ref()
        .and_then(|read| read.value.password_hash.as_deref());
    let matches = passwords::verify(&request.password, hash).await?;
    let user = match found {
        Some(read) if matches && read.value.user.active => read.value,
        _ => {
            throttle::record_failure(ports, &settings.lockout, &attempt).await?;
            tracing::info!("sign-in refused");
            return Err(SignInError::Rejected);
        }
    };
    throttle::clear(ports, &attempt).await?;
    let token = secrets::generate(SESSION_PREFIX).map_err(RequestError::from)?;
    let now = ports.clock.now();
    let expires_at = now + settings.session_lifetime;
    sessions::create(
        &*ports.store,
        &sha256_hex(&token),
        &StoredSession {
            tenant_id: user.user.tenant_id.clone(),
            user_id: user.user.id.clone(),
            generation: user.session_generation,
            created_at: now,
            last_seen_at: now,
            expires_at,
        },
    )
    .await?;
    tracing::info!(tenant = %user.user.tenant_id, user = %user.user.id, "signed in");
    let actor = Actor::User {
        id: user.user.id.clone(),
        name: user.user.name.clone(),
    };
    audit::record(
        ports,
        &user.user.tenant_id,
        Some(&actor),
        audit::actions::USER_SIGNED_IN,
        Subject::new(SubjectKind::User, &user.user.id),
        None,
        Some(serde_json::json!({ "session_expires_at": expires_at })),
    )
    .await;
    Ok(OpenedSession {
        csrf_token: secrets::csrf_token(&token),
        token: SecretString::from(token),
        user: user.user,
        expires_at,
    })
}

/// The caller presenting session `token`, or `None` when it is unknown, expired, idle too
/// long, signed out, or its user is deactivated.
pub async fn authenticate(
    ports: &Ports,
    settings: &PeopleSettings,
    token: &SecretString,
) -> Result<Option<Caller>, RequestError> {
    let token = token.expose_secret();
    if !secrets::well_formed(SESSION_PREFIX, token) {
        return Ok(None);
    }
    let hash = sha256_hex(token);
    let Some(read) = sessions::get(&*ports.store, &hash).await? else {
        return Ok(None);
    };
    let now = ports.clock.now();
    let session = &read.value;
    if session.expires_at <= now || session.last_seen_at + settings.session_idle <= now {
        sessions::delete(&*ports.store, &hash).await?;
        return Ok(None);
    }
    let user = users::get(&*ports.store, &session.tenant_id, &session.user_id).await?;
    let Some(user) =
        user.filter(|u| u.value.user.active && u.value.session_generation == session.generation)
    else {
        sessions::delete(&*ports.store, &hash).await?;
        return Ok(None);
    };
    if now - session.last_seen_at >= Duration::seconds(TOUCH_EVERY_SECONDS) {
        sessions::touch(&*ports.store, &hash, &read, now).await?;
    }
    let user = user.value.user;
    Ok(Some(Caller {
        tenant_id: user.tenant_id,
        role: user.role,
        actor: Actor::User {
            id: user.id,
            name: user.name,
        },
        session: Some(hash),
    }))
}

/// Whether `presented` is the CSRF token of session `token`.
pub fn csrf_matches(token: &SecretString, presented: &str) -> bool {
    secrets::constant_time_eq(&secrets::csrf_token(token.expose_secret()), presented)
}

/// The CSRF token of session `token` (for `GET /v1/me`).
pub fn csrf_token(token: &SecretString) -> String {
    secrets::csrf_token(token.expose_secret())
}

fn not_a_session() -> RequestError {
    RequestError::WrongState {
        code: "not_signed_in",
        message: "this route is for a person signed in with a session; API keys have none".into(),
    }
}

/// Ends the caller's session.
pub async fn sign_out(ports: &Ports, caller: &Caller) -> Result<(), RequestError> {
    let hash = caller.session.as_deref().ok_or_else(not_a_session)?;
    sessions::delete(&*ports.store, hash).await?;
    tracing::info!(tenant = %caller.tenant_id, "signed out");
    if let Some(user) = caller.actor.user_id() {
        audit::record(
            ports,
            &caller.tenant_id,
            Some(&caller.actor),
            audit::actions::USER_SIGNED_OUT,
            Subject::new(SubjectKind::User, user),
            None,
            None,
        )
        .await;
    }
    Ok(())
}

/// Ends every session of the caller's user, this one included.
pub async fn sign_out_everywhere(ports: &Ports, caller: &Caller) -> Result<(), RequestError> {
    let hash = caller.session.as_deref().ok_or_else(not_a_session)?;
    let user_id = caller.actor.user_id().ok_or_else(not_a_session)?;
    end_all_sessions(ports, &caller.tenant_id, user_id).await?;
    sessions::delete(&*ports.store, hash).await?;
    tracing::info!(tenant = %caller.tenant_id, user = %user_id, "signed out everywhere");
    audit::record(
        ports,
        &caller.tenant_id,
        Some(&caller.actor),
        audit::actions::USER_SIGNED_OUT_EVERYWHERE,
        Subject::new(SubjectKind::User, user_id),
        None,
        None,
    )
    .await;
    Ok(())
}

/// Moves the user's session generation on, which ends every session of the user.
pub(crate) async fn end_all_sessions(
    ports: &Ports,
    tenant: &TenantId,
    user_id: &crate::ids::UserId,
) -> Result<(), RequestError> {
    for _ in 0..3 {
        let read = users::get(&*ports.store, tenant, user_id)
            .await?
            .ok_or(RequestError::NotFound("user"))?;
        let mut next = read.value.clone();
        next.session_generation += 1;
        match users::update(&*ports.store, &next, read.version, None).await {
            Ok(()) => return Ok(()),
            Err(error) if crate::repo::is_conflict(&error) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(RequestError::Conflict(
        "the user kept changing meanwhile; try again".into(),
    ))
}

/// Who the caller is (`GET /v1/me`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Me {
    /// The caller's tenant.
    pub tenant_id: TenantId,
    /// What the caller may do.
    pub role: Role,
    /// Who the caller acts as.
    pub actor: Actor,
    /// The signed-in user (`None` for API keys).
    pub user: Option<User>,
}

/// Who the caller is, with the user's current profile for sessions.
pub async fn me(ports: &Ports, caller: &Caller) -> Result<Me, RequestError> {
    let user = match caller.actor.user_id() {
        Some(id) => Some(super::users::get(ports, &caller.tenant_id, id).await?),
        None => None,
    };
    Ok(Me {
        tenant_id: caller.tenant_id.clone(),
        role: caller.role,
        actor: caller.actor.clone(),
        user,
    })
}
