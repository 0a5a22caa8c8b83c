//! Users of a tenant: invited by an admin (a single-use link by e-mail, 72 hours), listed,
//! changed; the first admin is made from the command line.

use super::super::api_keys::validate_tenant_id;
use super::super::audit;
use super::super::caller::Caller;
use super::super::request::RequestError;
use super::secrets::{self, sha256_hex, INVITATION_PREFIX};
use super::{checked_email, checked_name, invalid_link, passwords, PeopleSettings};
use crate::domain::{Actor, Language, Role, Subject, SubjectKind, Tenant, User};
use crate::ids::{TenantId, UserId};
use crate::ports::{Notification, Ports};
use crate::repo::one_time_tokens::{self, StoredToken, TokenPurpose};
use crate::repo::users::{self, StoredUser};
use crate::repo::{is_conflict, tenants, RepoError, Versioned};
use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The body of `POST /v1/users`: whom to invite.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// The person's e-mail address (where the invitation goes; they sign in with it).
    #[cfg_attr(feature = "openapi", schema(format = "email"))]
    pub email: String,
    /// What they may do.
    pub role: Role,
    /// Their name. Default: the address's part before `@`; the person may change it when
    /// accepting.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub name: Option<String>,
    /// Language of their screens and e-mails (default Polish).
    // As its type, `Option` would be a nullable `allOf` wrapper; `null` is refused.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Language))]
    pub language: Option<Language>,
}

/// The body of `PATCH /v1/users/{id}`: only the fields given change.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// A new name.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(nullable = false, max_length = 100))]
    pub name: Option<String>,
    /// A new role.
    // As their types, these `Option`s would be `allOf` wrappers; `null` is refused.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Role))]
    pub role: Option<Role>,
    /// A new language.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Language))]
    pub language: Option<Language>,
    /// `false` deactivates (ends the user's sessions), `true` reactivates.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub active: Option<bool>,
}

/// The body of `POST /v1/invitations/{token}/accept`.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    /// The name colleagues see.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// The password to sign in with: at least 10 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, format = Password, write_only, min_length = 10, max_length = 256)
    )]
    pub password: SecretString,
}

/// A user just invited, with the link to accept (for the command line only; the API sends
/// it by e-mail and never returns it).
pub struct Invited {
    /// The user.
    pub user: User,
    /// The invitation link.
    pub link: SecretString,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
    /// Whether the e-mail with the link was sent.
    pub sent: bool,
}

impl std::fmt::Debug for Invited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invited")
            .field("user", &self.user)
            .field("expires_at", &self.expires_at)
            .field("sent", &self.sent)
            .finish_non_exhaustive()
    }
}

fn default_name(email: &str) -> String {
    email.split('@').next().unwrap_or(email).to_owned()
}

/// Builds a new user from an invitation request.
fn new_user(
    ports: &Ports,
    tenant: &TenantId,
    request: NewUser,
    created_by: Option<Actor>,
) -> Result<StoredUser, RequestError> {
    let email = checked_email("email", &request.email)?;
    let name = match request.name {
        Some(name) => checked_name("name", &name)?,
        None => default_name(&email),
    };
    let now = ports.clock.now();
    Ok(StoredUser {
        user: User {
            id: UserId::generate(),
            tenant_id: tenant.clone(),
            email,
            name,
            role: request.role,
            language: request.language.unwrap_or_default(),
            active: true,
            invitation_pending: true,
            created_at: now,
            updated_at: now,
            created_by: created_by.clone(),
            updated_by: created_by,
        },
        password_hash: None,
        session_generation: 0,
        reset_sent_at: None,
    })
}

async fn store_new(ports: &Ports, stored: &StoredUser) -> Result<(), RequestError> {
    match users::create(&*ports.store, stored).await {
        Ok(()) => Ok(()),
        Err(RepoError::AlreadyExists) => Err(RequestError::Conflict(
            "this e-mail address already has an account".into(),
        )),
        Err(other) => Err(other.into()),
    }
}

/// Invites a person to the caller's tenant: stores the user (no password yet) and e-mails a
/// single-use link valid for 72 hours. A notifier failure is logged and reported as
/// `sent: false`; the admin can send the invitation again.
pub async fn invite(
    ports: &Ports,
    settings: &PeopleSettings,
    caller: &Caller,
    request: NewUser,
) -> Result<Invited, RequestError> {
    let public_url = settings.public_url()?.to_owned();
    let stored = new_user(
        ports,
        &caller.tenant_id,
        request,
        Some(caller.actor.clone()),
    )?;
    store_new(ports, &stored).await?;
    tracing::info!(tenant = %caller.tenant_id, user = %stored.user.id, "user invited");
    record(
        ports,
        Some(&caller.actor),
        audit::actions::USER_INVITED,
        None,
        Some(&stored.user),
    )
    .await;
    send_invitation(ports, &public_url, &stored.user, Some(&caller.actor)).await
}

/// Sends a new invitation link to a user who has not accepted yet (earlier links keep
/// working until they expire or one is used).
pub async fn reinvite(
    ports: &Ports,
    settings: &PeopleSettings,
    caller: &Caller,
    id: &UserId,
) -> Result<Invited, RequestError> {
    let public_url = settings.public_url()?.to_owned();
    let user = get(ports, &caller.tenant_id, id).await?;
    if !user.invitation_pending {
        return Err(RequestError::WrongState {
            code: "invitation_accepted",
            message: "this user has accepted the invitation already".into(),
        });
    }
    if !user.active {
        return Err(RequestError::WrongState {
            code: "user_inactive",
            message: "this user is deactivated; reactivate them first".into(),
        });
    }
    record(
        ports,
        Some(&caller.actor),
        audit::actions::USER_REINVITED,
        None,
        Some(&user),
    )
    .await;
    send_invitation(ports, &public_url, &user, Some(&caller.actor)).await
}

/// Records a change of `after` (or `before`) in the audit log; never the password hash.
async fn record(
    ports: &Ports,
    actor: Option<&Actor>,
    action: &str,
    before: Option<&User>,
    after: Option<&User>,
) {
    let Some(user) = after.or(before) else {
        return;
    };
    audit::record(
        ports,
        &user.tenant_id,
        actor,
        action,
        Subject::new(SubjectKind::User, &user.id),
        before.and_then(audit::state),
        after.and_then(audit::state),
    )
    .await;
}

/// Makes the invitation token, stores its hash and e-mails the link.
async fn send_invitation(
    ports: &Ports,
    public_url: &str,
    user: &User,
    by: Option<&Actor>,
) -> Result<Invited, RequestError> {
    let token = secrets::generate(INVITATION_PREFIX)?;
    let expires_at = ports.clock.now() + Duration::hours(super::INVITATION_HOURS);
    one_time_tokens::put(
        &*ports.store,
        &sha256_hex(&token),
        &StoredToken {
            purpose: TokenPurpose::Invitation,
            tenant_id: user.tenant_id.clone(),
            user_id: user.id.clone(),
            expires_at,
            created_by: by.cloned(),
        },
    )
    .await?;
    let link = format!("{public_url}/invitations/{token}");
    let inviter = by.and_then(Actor::display_name);
    let notification = invitation_mail(user, &link, inviter.as_deref());
    let sent = match ports.notifier.notify(&notification).await {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(tenant = %user.tenant_id, user = %user.id, %error, "invitation e-mail not sent");
            false
        }
    };
    Ok(Invited {
        user: user.clone(),
        link: SecretString::from(link),
        expires_at,
        sent,
    })
}

fn invitation_mail(user: &User, link: &str, inviter: Option<&str>) -> Notification {
    let (subject, body) = match user.language {
        Language::Pl => (
            "Zaproszenie do marketdesk".to_owned(),
            format!(
                "Dzień dobry,\n\n{} zaprasza Cię do obsługi klientów w marketdesk.\n\nAby ustawić hasło i zacząć, otwórz link (ważny 72 godziny, działa raz):\n{link}\n\nJeśli nie spodziewasz się tego zaproszenia, zignoruj tę wiadomość.\n",
                inviter.unwrap_or("Administrator"),
            ),
        ),
        Language::En => (
            "Your invitation to marketdesk".to_owned(),
            format!(
                "Hello,\n\n{} invites you to answer customers in marketdesk.\n\nTo set your password and start, open this link (valid for 72 hours, works once):\n{link}\n\nIf you did not expect this invitation, ignore this message.\n",
                inviter.unwrap_or("An administrator"),
            ),
        ),
    };
    Notification {
        to: vec![user.email.clone()],
        subject,
        body,
    }
}

/// Accepts an invitation: sets the name and the password. The link works once and for 72
/// hours; a deactivated user's link is refused.
pub async fn accept_invitation(
    ports: &Ports,
    token: &SecretString,
    acceptance: Acceptance,
) -> Result<User, RequestError> {
    let name = checked_name("name", &acceptance.name)?;
    passwords::check_policy("password", &acceptance.password)?;
    let token = token.expose_secret();
    if !secrets::well_formed(INVITATION_PREFIX, token) {
        return Err(invalid_link());
    }
    let now = ports.clock.now();
    let Some(taken) = one_time_tokens::take(
        &*ports.store,
        TokenPurpose::Invitation,
        &sha256_hex(token),
        now,
    )
    .await?
    else {
        return Err(invalid_link());
    };
    let hash = passwords::hash(&acceptance.password).await?;
    let read = users::get(&*ports.store, &taken.tenant_id, &taken.user_id)
        .await?
        .ok_or_else(invalid_link)?;
    if !read.value.user.active || !read.value.user.invitation_pending {
        return Err(invalid_link());
    }
    let mut next = read.value.clone();
    next.user.name = name;
    next.user.invitation_pending = false;
    next.user.updated_at = now;
    next.user.updated_by = Some(Actor::User {
        id: next.user.id.clone(),
        name: next.user.name.clone(),
    });
    next.password_hash = Some(hash);
    users::update(&*ports.store, &next, read.version, None).await?;
    tracing::info!(tenant = %next.user.tenant_id, user = %next.user.id, "invitation accepted");
    record(
        ports,
        next.user.updated_by.as_ref(),
        audit::actions::USER_INVITATION_ACCEPTED,
        Some(&read.value.user),
        Some(&next.user),
    )
    .await;
    Ok(next.user)
}

/// Creates the tenant when it does not exist yet.
async fn ensure_tenant(ports: &Ports, tenant: &str) -> Result<TenantId, RequestError> {
    validate_tenant_id("tenant", tenant)?;
    let tenant_id = TenantId::from(tenant);
    if tenants::get(&*ports.store, &tenant_id).await?.is_none() {
        let fresh = Tenant {
            id: tenant_id.clone(),
            name: tenant.to_owned(),
            created_at: ports.clock.now(),
        };
        match tenants::create(&*ports.store, &fresh).await {
            Ok(()) | Err(RepoError::AlreadyExists) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(tenant_id)
}

/// `marketdesk user create` with a password: the user can sign in at once. Creates the
/// tenant if needed.
pub async fn create_with_password(
    ports: &Ports,
    tenant: &str,
    request: NewUser,
    password: &SecretString,
) -> Result<User, RequestError> {
    passwords::check_policy("password", password)?;
    let tenant_id = ensure_tenant(ports, tenant).await?;
    let mut stored = new_user(ports, &tenant_id, request, None)?;
    stored.password_hash = Some(passwords::hash(password).await?);
    stored.user.invitation_pending = false;
    store_new(ports, &stored).await?;
    tracing::info!(tenant = %tenant_id, user = %stored.user.id, "user created with a password");
    record(
        ports,
        None,
        audit::actions::USER_CREATED,
        None,
        Some(&stored.user),
    )
    .await;
    Ok(stored.user)
}

/// `marketdesk user create` without a password: the user and an invitation link (the
/// e-mail is sent too when a notifier is configured). Creates the tenant if needed.
pub async fn create_invited(
    ports: &Ports,
    public_url: &str,
    tenant: &str,
    request: NewUser,
) -> Result<Invited, RequestError> {
    let tenant_id = ensure_tenant(ports, tenant).await?;
    let stored = new_user(ports, &tenant_id, request, None)?;
    store_new(ports, &stored).await?;
    tracing::info!(tenant = %tenant_id, user = %stored.user.id, "user invited");
    record(
        ports,
        None,
        audit::actions::USER_INVITED,
        None,
        Some(&stored.user),
    )
    .await;
    send_invitation(ports, public_url.trim_end_matches('/'), &stored.user, None).await
}

/// The tenant's users, oldest first.
pub async fn list(ports: &Ports, tenant: &TenantId) -> Result<Vec<User>, RequestError> {
    Ok(users::list(&*ports.store, tenant)
        .await?
        .into_iter()
        .map(|read| read.value.user)
        .collect())
}

/// One user of the tenant.
pub async fn get(ports: &Ports, tenant: &TenantId, id: &UserId) -> Result<User, RequestError> {
    users::get(&*ports.store, tenant, id)
        .await?
        .map(|read| read.value.user)
        .ok_or(RequestError::NotFound("user"))
}

/// Whether a user is an admin who can sign in and administer the tenant (an invitation
/// not yet accepted does not count).
fn is_active_admin(user: &User) -> bool {
    user.active && user.role.is_admin() && !user.invitation_pending
}

/// Changes a user. Deactivating ends their sessions; the last active admin can be neither
/// demoted nor deactivated (409 `last_admin`).
pub async fn update(
    ports: &Ports,
    caller: &Caller,
    id: &UserId,
    patch: UserPatch,
) -> Result<User, RequestError> {
    let name = patch
        .name
        .as_deref()
        .map(|name| checked_name("name", name))
        .transpose()?;
    // Optimistic updates: re-read and retry when the user (or the other admin) changed.
    for _ in 0..3 {
        let read = users::get(&*ports.store, &caller.tenant_id, id)
            .await?
            .ok_or(RequestError::NotFound("user"))?;
        let mut next = read.value.clone();
        if let Some(name) = &name {
            next.user.name = name.clone();
        }
        if let Some(role) = patch.role {
            next.user.role = role;
        }
        if let Some(language) = patch.language {
            next.user.language = language;
        }
        if let Some(active) = patch.active {
            if read.value.user.active && !active {
                // Deactivation ends every session of the user.
                next.session_generation += 1;
            }
            next.user.active = active;
        }
        if next == read.value {
            return Ok(next.user);
        }
        next.user.updated_at = ports.clock.now();
        next.user.updated_by = Some(caller.actor.clone());
        let other_admin = if is_active_admin(&read.value.user) && !is_active_admin(&next.user) {
            Some(another_active_admin(ports, &caller.tenant_id, id).await?)
        } else {
            None
        };
        let unchanged = other_admin
            .as_ref()
            .map(|other| (&other.value.user.id, other.version));
        match users::update(&*ports.store, &next, read.version, unchanged).await {
            Ok(()) => {
                tracing::info!(tenant = %caller.tenant_id, user = %id, active = next.user.active, role = next.user.role.as_str(), "user changed");
                record(
                    ports,
                    Some(&caller.actor),
                    audit::actions::USER_UPDATED,
                    Some(&read.value.user),
                    Some(&next.user),
                )
                .await;
                return Ok(next.user);
            }
            Err(error) if is_conflict(&error) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(RequestError::Conflict(
        "the user kept changing meanwhile; try again".into(),
    ))
}

/// Another active admin of the tenant, or 409 `last_admin`.
async fn another_active_admin(
    ports: &Ports,
    tenant: &TenantId,
    except: &UserId,
) -> Result<Versioned<StoredUser>, RequestError> {
    users::list(&*ports.store, tenant)
        .await?
        .into_iter()
        .find(|read| &read.value.user.id != except && is_active_admin(&read.value.user))
        .ok_or_else(|| RequestError::WrongState {
            code: "last_admin",
            message: "this is the tenant's last active admin: make someone else an admin first"
                .into(),
        })
}
