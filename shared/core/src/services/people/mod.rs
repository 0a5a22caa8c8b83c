//! People: the users of a tenant, how they sign in, and their sessions.
//!
//! - [`users`]: invite, list, change (role, name, language, active), accept an invitation,
//!   the first admin from the command line. The last active admin of a tenant cannot be
//!   demoted or deactivated.
//! - [`sessions`]: password sign-in (Argon2id), server-side sessions with an absolute
//!   lifetime and an idle timeout, sign out and sign out everywhere, the CSRF token.
//! - [`throttle`]: failed sign-ins lock an e-mail address (5 in 15 minutes → 15 minutes) and
//!   slow a client address, stored so it holds across processes.
//! - [`resets`]: password reset by an e-mailed single-use link.
//!
//! Secrets (passwords, tokens) are [`SecretString`](secrecy::SecretString)s and only their
//! Argon2id hash or SHA-256 is stored.

pub mod passwords;
pub mod resets;
pub mod secrets;
pub mod sessions;
pub mod throttle;
pub mod users;

use super::request::RequestError;
use super::validation;
use crate::config::{ConfigError, Env};
use chrono::Duration;

/// How long an invitation link works.
pub const INVITATION_HOURS: i64 = 72;
/// How long a password-reset link works.
pub const RESET_MINUTES: i64 = 60;
/// Longest user name.
pub const MAX_NAME_CHARS: usize = 100;

/// Settings of sign-in and sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleSettings {
    /// Public base URL of marketdesk, for the links in invitation and reset e-mails
    /// (`MARKETDESK_PUBLIC_URL`, without a trailing slash).
    pub public_url: Option<String>,
    /// A session ends this long after sign-in (`MARKETDESK_SESSION_LIFETIME`, default 12 h).
    pub session_lifetime: Duration,
    /// A session ends after this long without a request (`MARKETDESK_SESSION_IDLE`, default 2 h).
    pub session_idle: Duration,
    /// Mark the session cookie `Secure` even when the request does not say it came over
    /// HTTPS (`MARKETDESK_SECURE_COOKIES`).
    pub secure_cookies: bool,
    /// Limits on failed sign-ins.
    pub lockout: throttle::LockoutPolicy,
}

impl Default for PeopleSettings {
    fn default() -> Self {
        Self {
            public_url: None,
            session_lifetime: Duration::hours(12),
            session_idle: Duration::hours(2),
            secure_cookies: false,
            lockout: throttle::LockoutPolicy::default(),
        }
    }
}

impl PeopleSettings {
    /// Reads the settings from `MARKETDESK_*` variables; unset ones keep their defaults.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let mut settings = Self::default();
        if let Some(url) = env.optional("MARKETDESK_PUBLIC_URL") {
            let url = url.trim().trim_end_matches('/');
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(ConfigError::Invalid {
                    var: "MARKETDESK_PUBLIC_URL".into(),
                    value: url.to_owned(),
                    reason: "expected an http:// or https:// URL".into(),
                });
            }
            settings.public_url = Some(url.to_owned());
        }
        let duration = |var: &str| -> Result<Option<Duration>, ConfigError> {
            Ok(env.duration(var)?.and_then(|d| Duration::from_std(d).ok()))
        };
        if let Some(lifetime) = duration("MARKETDESK_SESSION_LIFETIME")? {
            settings.session_lifetime = lifetime;
        }
        if let Some(idle) = duration("MARKETDESK_SESSION_IDLE")? {
            settings.session_idle = idle;
        }
        if let Some(secure) = env.flag("MARKETDESK_SECURE_COOKIES")? {
            settings.secure_cookies = secure;
        }
        Ok(settings)
    }

    /// Uses `url` as the public URL when none is configured (`marketdesk serve`: itself).
    pub fn with_default_public_url(mut self, url: impl Into<String>) -> Self {
        if self.public_url.is_none() {
            self.public_url = Some(url.into().trim_end_matches('/').to_owned());
        }
        self
    }

    /// The public URL, or a 409 `not_configured` saying which variable sets it.
    fn public_url(&self) -> Result<&str, RequestError> {
        self.public_url
            .as_deref()
            .ok_or_else(|| RequestError::WrongState {
                code: "not_configured",
                message: "no public URL is configured (MARKETDESK_PUBLIC_URL) for the links in invitation and password-reset e-mails".into(),
            })
    }
}

/// An e-mail address as stored and looked up: trimmed and in lower case.
pub fn normalize_email(address: &str) -> String {
    address.trim().to_lowercase()
}

/// Checks and normalizes an e-mail address given in `field`.
pub fn checked_email(field: &str, address: &str) -> Result<String, RequestError> {
    let normalized = normalize_email(address);
    validation::email(field, &normalized)?;
    Ok(normalized)
}

/// Checks a user name and returns it trimmed.
pub fn checked_name(field: &str, name: &str) -> Result<String, RequestError> {
    validation::label(field, name, MAX_NAME_CHARS)?;
    Ok(name.trim().to_owned())
}

/// The answer for a link that is unknown, used already or expired.
fn invalid_link() -> RequestError {
    RequestError::WrongState {
        code: "invalid_link",
        message: "this link is unknown, used already or expired; ask for a new one".into(),
    }
}

impl From<secrets::RandomError> for RequestError {
    fn from(error: secrets::RandomError) -> Self {
        RequestError::Internal(error.to_string())
    }
}
