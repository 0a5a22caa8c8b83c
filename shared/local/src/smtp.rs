//! [`SmtpNotifier`]: notifications sent as plain-text e-mail through an SMTP server, for
//! `marketdesk serve` when `MARKETDESK_SMTP_URL` is set (SES does this on AWS).

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use marketdesk_core::config::{ConfigError, Env};
use marketdesk_core::ports::{Notification, Notifier, NotifyError};
use std::fmt;
use std::time::Duration;

/// The variable naming the SMTP server.
pub const SMTP_URL_VAR: &str = "MARKETDESK_SMTP_URL";
/// The variable naming the sender address.
pub const SMTP_FROM_VAR: &str = "MARKETDESK_SMTP_FROM";

/// How long one conversation with the server may take before the notice counts as failed
/// (and the caller's job is retried), so a silent server never holds a worker.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// What the value of [`SMTP_URL_VAR`] is shown as in errors: it may hold a password.
const REDACTED: &str = "[redacted]";

/// Where and as whom to send e-mail.
#[derive(Clone)]
pub struct SmtpSettings {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// `scheme://host:port` of the server, without credentials: safe to log.
    server: String,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The transport holds the credentials; only the server and the sender are shown.
        f.debug_struct("SmtpSettings")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpSettings {
    /// Reads [`SMTP_URL_VAR`] (`smtp://[user:password@]host[:port][?tls=required|opportunistic]`
    /// or `smtps://[user:password@]host[:port]`) and [`SMTP_FROM_VAR`]; `None` when no server
    /// is configured. Errors never repeat the URL, which may hold a password.
    pub fn from_env(env: &Env) -> Result<Option<Self>, ConfigError> {
        let Some(url) = env.optional(SMTP_URL_VAR) else {
            if env.optional(SMTP_FROM_VAR).is_some() {
                return Err(ConfigError::Missing {
                    var: SMTP_URL_VAR.into(),
                    hint: format!("{SMTP_FROM_VAR} is set, but no SMTP server to send through"),
                });
            }
            return Ok(None);
        };
        let invalid = |reason: &str| ConfigError::Invalid {
            var: SMTP_URL_VAR.into(),
            value: REDACTED.into(),
            reason: reason.into(),
        };
        let server = server_of(url).ok_or_else(|| {
            invalid("expected smtp://[user:password@]host[:port] or smtps://[user:password@]host[:port]")
        })?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|_| {
                invalid("not a usable SMTP URL: expected smtp://[user:password@]host[:port][?tls=required] or smtps://[user:password@]host[:port]")
            })?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from_text = env.required(
            SMTP_FROM_VAR,
            "the sender address of marketdesk's e-mail, e.g. marketdesk@example.com",
        )?;
        let from: Mailbox = from_text.parse().map_err(|_| ConfigError::Invalid {
            var: SMTP_FROM_VAR.into(),
            value: from_text.into(),
            reason: "not an e-mail address (name <address> also works)".into(),
        })?;
        Ok(Some(Self {
            transport,
            from,
            server,
        }))
    }

    /// `scheme://host:port` of the server, without credentials.
    pub fn server(&self) -> &str {
        &self.server
    }
}

/// `scheme://host[:port]` of an `smtp` or `smtps` URL; `None` for anything else.
fn server_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "smtp" && scheme != "smtps" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials end at the last '@' (a password may itself hold one, percent-encoded or not).
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if host.is_empty() {
        return None;
    }
    Some(format!("{scheme}://{host}"))
}

/// The SMTP [`Notifier`]: one plain-text message per notification, every recipient in `To`.
#[derive(Debug, Clone)]
pub struct SmtpNotifier {
    settings: SmtpSettings,
}

impl SmtpNotifier {
    /// A notifier sending through `settings`' server.
    pub fn new(settings: SmtpSettings) -> Self {
        Self { settings }
    }
}

#[async_trait]
impl Notifier for SmtpNotifier {
    async fn notify(&self, notification: &Notification) -> Result<(), NotifyError> {
        notification.validate()?;
        let mut builder = Message::builder()
            .from(self.settings.from.clone())
            .subject(notification.subject.clone())
            .header(ContentType::TEXT_PLAIN);
        for address in &notification.to {
            let mailbox: Mailbox = address
                .parse()
                .map_err(|_| NotifyError::Invalid(format!("not an e-mail address: {address:?}")))?;
            builder = builder.to(mailbox);
        }
        let message = builder
            .body(notification.body.clone())
            .map_err(|e| NotifyError::Invalid(format!("cannot build the message: {e}")))?;
        self.settings.transport.send(message).await.map_err(|e| {
            NotifyError::Unavailable(format!("SMTP server {}: {e}", self.settings.server))
        })?;
        // The body stays out of the log: it may quote a customer's message.
        tracing::info!(
            recipients = notification.to.len(),
            subject = %notification.subject,
            server = %self.settings.server,
            "notification sent by e-mail"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_set_means_no_smtp() {
        assert!(SmtpSettings::from_env(&Env::default())
            .expect("valid")
            .is_none());
    }

    #[test]
    fn the_server_is_shown_without_credentials() {
        let env = Env::from_pairs([
            (SMTP_URL_VAR, "smtps://mailer:s3cr%40t@mail.example.com:465"),
            (SMTP_FROM_VAR, "Marketdesk <desk@example.com>"),
        ]);
        let settings = SmtpSettings::from_env(&env)
            .expect("valid")
            .expect("configured");
        assert_eq!(settings.server(), "smtps://mail.example.com:465");
        let debug = format!("{settings:?}");
        assert!(!debug.contains("s3cr"), "{debug}");
        assert!(debug.contains("desk@example.com"), "{debug}");
    }

    #[test]
    fn bad_values_name_the_variable_and_never_the_password() {
        for (url, from) in [
            ("http://user:hunter22@mail.example.com", "desk@example.com"),
            ("smtp://user:hunter22@", "desk@example.com"),
            ("smtp://user:hunter22@mail.example.com", "not an address"),
        ] {
            let env = Env::from_pairs([(SMTP_URL_VAR, url), (SMTP_FROM_VAR, from)]);
            let error = SmtpSettings::from_env(&env).expect_err(url).to_string();
            assert!(error.starts_with("MARKETDESK_SMTP_"), "{error}");
            assert!(!error.contains("hunter22"), "{error}");
        }
        let only_url = Env::from_pairs([(SMTP_URL_VAR, "smtp://mail.example.com")]);
        let error = SmtpSettings::from_env(&only_url).expect_err("no sender");
        assert!(error.to_string().starts_with(SMTP_FROM_VAR), "{error}");
        let only_from = Env::from_pairs([(SMTP_FROM_VAR, "desk@example.com")]);
        let error = SmtpSettings::from_env(&only_from).expect_err("no server");
        assert!(error.to_string().starts_with(SMTP_URL_VAR), "{error}");
    }
}
