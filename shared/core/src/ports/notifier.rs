//! Notifier port: messages to people (e-mail on AWS, a recorded log line locally).

use async_trait::async_trait;

/// A plain-text message to one or more e-mail addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Recipient e-mail addresses; at least one.
    pub to: Vec<String>,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// Why a notification could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The notification itself is unusable (no recipient, bad address).
    #[error("invalid notification: {0}")]
    Invalid(String),
    /// The delivery service failed; the caller may retry.
    #[error("notifier unavailable: {0}")]
    Unavailable(String),
}

impl Notification {
    /// Checks that there is at least one plausible recipient and a subject.
    pub fn validate(&self) -> Result<(), NotifyError> {
        if self.to.is_empty() {
            return Err(NotifyError::Invalid("no recipient".into()));
        }
        if let Some(bad) = self.to.iter().find(|a| !looks_like_email(a)) {
            return Err(NotifyError::Invalid(format!(
                "not an e-mail address: {bad:?}"
            )));
        }
        if self.subject.trim().is_empty() {
            return Err(NotifyError::Invalid("empty subject".into()));
        }
        Ok(())
    }
}

/// A deliberately loose check: one `@` with something on both sides and a dot in the domain.
pub fn looks_like_email(address: &str) -> bool {
    match address.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !address.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

/// Sends notifications to people.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Sends one notification; implementations call [`Notification::validate`] first.
    async fn notify(&self, notification: &Notification) -> Result<(), NotifyError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_problem() {
        let mut n = Notification {
            to: vec!["ops@example.com".into()],
            subject: "Autoresponse sent".into(),
            body: "…".into(),
        };
        assert!(n.validate().is_ok());
        n.to = vec!["not-an-address".into()];
        assert!(
            matches!(n.validate(), Err(NotifyError::Invalid(m)) if m.contains("not-an-address"))
        );
        n.to.clear();
        assert!(n.validate().is_err());
    }
}
