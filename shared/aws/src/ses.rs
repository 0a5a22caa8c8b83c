//! [`SesNotifier`]: the notifier port on Amazon SES (API v2), plain-text UTF-8 e-mail.

use crate::sdk_error;
use async_trait::async_trait;
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use aws_sdk_sesv2::Client;
use marketdesk_core::ports::{Notification, Notifier, NotifyError};

/// Sends notifications with SES `SendEmail` from one verified sender address.
#[derive(Debug, Clone)]
pub struct SesNotifier {
    client: Client,
    from: String,
}

impl SesNotifier {
    /// A notifier sending from `from_address` (an SES-verified identity).
    pub fn new(client: Client, from_address: impl Into<String>) -> Self {
        Self {
            client,
            from: from_address.into(),
        }
    }

    /// The sender address.
    pub fn from_address(&self) -> &str {
        &self.from
    }
}

fn utf8(text: &str) -> Result<Content, NotifyError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|err| NotifyError::Unavailable(format!("could not build the e-mail: {err}")))
}

#[async_trait]
impl Notifier for SesNotifier {
    async fn notify(&self, notification: &Notification) -> Result<(), NotifyError> {
        notification.validate()?;
        let message = Message::builder()
            .subject(utf8(&notification.subject)?)
            .body(Body::builder().text(utf8(&notification.body)?).build())
            .build();
        self.client
            .send_email()
            .from_email_address(&self.from)
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(notification.to.clone()))
                    .build(),
            )
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(|err| match err.as_service_error() {
                // SES refused this message (bad address, unverified recipient in the sandbox,
                // content); sending it again would not help.
                Some(
                    SendEmailError::BadRequestException(_) | SendEmailError::MessageRejected(_),
                ) => NotifyError::Invalid(sdk_error::describe("SendEmail", &err)),
                _ => NotifyError::Unavailable(sdk_error::describe("SendEmail", &err)),
            })?;
        Ok(())
    }
}
