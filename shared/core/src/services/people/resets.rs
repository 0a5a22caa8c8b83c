//! Password reset by e-mail: a single-use link valid for an hour. Asking always succeeds
//! the same way, whether or not the address has an account.

use super::super::request::RequestError;
use super::secrets::{self, sha256_hex, RESET_PREFIX};
use super::{invalid_link, normalize_email, passwords, PeopleSettings, RESET_MINUTES};
use crate::domain::{Actor, Language, Subject, SubjectKind, User};
use crate::ports::{Notification, Ports};
use crate::repo::one_time_tokens::{self, StoredToken, TokenPurpose};
use crate::repo::{is_conflict, users};
use chrono::Duration;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// A second reset e-mail to the same user within this time is not sent (mail bombing).
const RESEND_AFTER_SECONDS: i64 = 60;

/// The body of `POST /v1/password-resets`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// The address of the account.
    #[cfg_attr(feature = "openapi", schema(format = "email"))]
    pub email: String,
}

/// The body of `POST /v1/password-resets/{token}`.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    /// The new password: at least 10 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, format = Password, write_only, min_length = 10, max_length = 256)
    )]
    pub password: SecretString,
}

/// Sends a reset link when the address belongs to an active user who has accepted their
/// invitation; otherwise does nothing. The caller answers the same in both cases.
pub async fn request(
    ports: &Ports,
    settings: &PeopleSettings,
    request: ResetRequest,
) -> Result<(), RequestError> {
    let public_url = settings.public_url()?.to_owned();
    let email = normalize_email(&request.email);
    let Some(read) = users::find_by_email(&*ports.store, &email).await? else {
        return Ok(());
    };
    let now = ports.clock.now();
    let user = &read.value;
    if !user.user.active
        || user.user.invitation_pending
        || user
            .reset_sent_at
            .is_some_and(|at| now - at < Duration::seconds(RESEND_AFTER_SECONDS))
    {
        return Ok(());
    }
    let mut next = user.clone();
    next.reset_sent_at = Some(now);
    match users::update(&*ports.store, &next, read.version, None).await {
        Ok(()) => {}
        // A concurrent request for the same user sends the e-mail.
        Err(error) if is_conflict(&error) => return Ok(()),
        Err(error) => return Err(error.into()),
    }
    let token = secrets::generate(RESET_PREFIX)?;
    one_time_tokens::put(
        &*ports.store,
        &sha256_hex(&token),
        &StoredToken {
            purpose: TokenPurpose::PasswordReset,
            tenant_id: user.user.tenant_id.clone(),
            user_id: user.user.id.clone(),
            expires_at: now + Duration::minutes(RESET_MINUTES),
            created_by: None,
        },
    )
    .await?;
    let link = format!("{public_url}/password-resets/{token}");
    if let Err(error) = ports.notifier.notify(&reset_mail(&user.user, &link)).await {
        tracing::warn!(tenant = %user.user.tenant_id, user = %user.user.id, %error, "password-reset e-mail not sent");
    } else {
        tracing::info!(tenant = %user.user.tenant_id, user = %user.user.id, "password-reset e-mail sent");
    }
    Ok(())
}

fn reset_mail(user: &User, link: &str) -> Notification {
    let (subject, body) = match user.language {
        Language::Pl => (
            "Zmiana hasła w marketdesk",
            format!("Dzień dobry,\n\nktoś (zapewne Ty) poprosił o zmianę hasła do marketdesk.\n\nAby ustawić nowe hasło, otwórz link (ważny {RESET_MINUTES} minut, działa raz):\n{link}\n\nJeśli to nie Ty, zignoruj tę wiadomość: hasło się nie zmieni.\n"),
        ),
        Language::En => (
            "Resetting your marketdesk password",
            format!("Hello,\n\nsomeone (probably you) asked to reset your marketdesk password.\n\nTo choose a new password, open this link (valid for {RESET_MINUTES} minutes, works once):\n{link}\n\nIf it was not you, ignore this message: your password stays as it is.\n"),
        ),
    };
    Notification {
        to: vec![user.email.clone()],
        subject: subject.to_owned(),
        body,
    }
}

/// Sets a new password with a reset link. Ends every session of the user and lifts a
/// lockout of the address.
pub async fn complete(
    ports: &Ports,
    token: &SecretString,
    new_password: NewPassword,
) -> Result<(), RequestError> {
    passwords::check_policy("password", &new_password.password)?;
    let token = token.expose_secret();
    if !secrets::well_formed(RESET_PREFIX, token) {
        return Err(invalid_link());
    }
    let now = ports.clock.now();
    let taken = one_time_tokens::take(
        &*ports.store,
        TokenPurpose::PasswordReset,
        &sha256_hex(token),
        now,
    )
    .await?
    .ok_or_else(invalid_link)?;
    let hash = passwords::hash(&new_password.password).await?;
    for _ in 0..3 {
        let read = users::get(&*ports.store, &taken.tenant_id, &taken.user_id)
            .await?
            .ok_or_else(invalid_link)?;
        if !read.value.user.active {
            return Err(invalid_link());
        }
        let mut next = read.value.clone();
        next.password_hash = Some(hash.clone());
        next.session_generation += 1;
        next.user.updated_at = now;
        next.user.updated_by = Some(Actor::User {
            id: next.user.id.clone(),
            name: next.user.name.clone(),
        });
        match users::update(&*ports.store, &next, read.version, None).await {
            Ok(()) => {
                super::throttle::clear(
                    ports,
                    &super::throttle::Attempt::new(&next.user.email, None),
                )
                .await?;
                tracing::info!(tenant = %next.user.tenant_id, user = %next.user.id, "password reset");
                // The states differ in the password only, which is never recorded.
                super::super::audit::record(
                    ports,
                    &next.user.tenant_id,
                    next.user.updated_by.as_ref(),
                    super::super::audit::actions::USER_PASSWORD_RESET,
                    Subject::new(SubjectKind::User, &next.user.id),
                    None,
                    None,
                )
                .await;
                return Ok(());
            }
            Err(error) if is_conflict(&error) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(RequestError::Conflict(
        "the user kept changing meanwhile; try again".into(),
    ))
}
