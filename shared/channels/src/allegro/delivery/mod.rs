//! Replies to Allegro conversations (the core's `ReplyChannel` port): post-purchase issues
//! ([`AllegroIssueReplies`]) and Message Center threads ([`AllegroThreadReplies`]).
//!
//! Both post with the account's access token the way the sources read: `access::with_token`
//! refreshes a refused token and tries once more, which is safe for a POST because a 401 means
//! Allegro did not take it. A 5xx or a timeout after the request was sent is never repeated
//! (the client only retries POSTs whose connection never opened): it becomes `Unavailable`,
//! and the sender looks for the message with `find_delivered` before it posts again. An
//! attachment is uploaded first (declare → PUT → reference), with its own token round, so a
//! refused token while posting does not upload the file twice.

mod issues;
mod threads;

pub use issues::AllegroIssueReplies;
pub use threads::AllegroThreadReplies;

use super::access::{self, AllegroAccess};
use super::client::AllegroClients;
use super::errors::to_marketplace_error;
use chrono::{DateTime, Utc};
use marketdesk_allegro::{AllegroClient, AllegroError, Timestamp};
use marketdesk_core::domain::{Attachment, Integration};
use marketdesk_core::ports::{Delivered, FetchedFile, MarketplaceError};
use std::future::Future;
use std::time::Duration;

/// Allegro takes one message per second from a seller (allegro-api.md §4.2); the 100 ms margin
/// keeps clock jitter between our hosts and Allegro from tripping the limit (a 429 there costs
/// a 60 s wait).
pub const POSTING_INTERVAL: Duration = Duration::from_millis(1100);

/// What agents read when Allegro no longer takes messages in the conversation.
pub const CLOSED: &str = "the conversation is closed on Allegro";

/// Media type of a file whose type neither Allegro nor the stored message tells.
const UNKNOWN_TYPE: &str = "application/octet-stream";

/// How far before the POST a message found by text may be dated (our clock against Allegro's)
/// when the answer to the POST could not be read.
const LOOKUP_SKEW: chrono::Duration = chrono::Duration::seconds(30);

/// The clients and the core's access both reply channels share.
#[derive(Clone)]
struct AllegroAccount {
    access: AllegroAccess,
    clients: AllegroClients,
}

impl AllegroAccount {
    fn new(access: AllegroAccess, clients: AllegroClients) -> Self {
        Self { access, clients }
    }

    fn client(&self, integration: &Integration) -> &AllegroClient {
        self.clients.for_integration(integration)
    }

    /// Runs `call` with the account's token, a refused token refreshed once; every failure
    /// except that first 401 comes back as Allegro's error for the caller to judge (a POST
    /// needs its own reading of 409 and 422).
    async fn call<T, F, Fut>(
        &self,
        integration: &Integration,
        call: F,
    ) -> Result<Result<T, AllegroError>, MarketplaceError>
    where
        F: Fn(marketdesk_allegro::AccessToken) -> Fut,
        Fut: Future<Output = Result<T, AllegroError>>,
    {
        access::with_token(&self.access, integration, |token| {
            let attempt = call(token);
            async move {
                match attempt.await {
                    // Only a refused token goes to `with_token`, which refreshes and retries.
                    Err(error @ AllegroError::Unauthorized { .. }) => Err(error),
                    other => Ok(other),
                }
            }
        })
        .await
    }

    /// Downloads `attachment.url` with the account's token. The client sends the token only
    /// to Allegro's own hosts, so a URL pointing elsewhere is refused, never followed.
    async fn fetch(
        &self,
        integration: &Integration,
        attachment: &Attachment,
    ) -> Result<FetchedFile, MarketplaceError> {
        let client = self.client(integration);
        let url = attachment.url.as_str();
        let download = self
            .call(integration, |token| async move {
                client.open_attachment(&token, url).await
            })
            .await?
            .map_err(|error| match error {
                AllegroError::NotFound { .. } => {
                    MarketplaceError::Refused("the file is no longer available on Allegro".into())
                }
                other => to_marketplace_error(other),
            })?;
        let content_type = download
            .content_type
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .or(attachment.content_type.as_deref())
            .unwrap_or(UNKNOWN_TYPE)
            .to_owned();
        let filename = Some(attachment.filename.trim())
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .or(download.file_name)
            .unwrap_or_else(|| "attachment".to_owned());
        let body = futures_util::TryStreamExt::map_err(download.body, |error| {
            std::io::Error::other(error.to_string())
        });
        Ok(FetchedFile {
            filename,
            content_type,
            length: download.length,
            body: Box::pin(body),
        })
    }
}

/// A message of a conversation as `find_delivered` compares it.
struct Seen<'a> {
    id: &'a str,
    text: &'a str,
    at: Option<DateTime<Utc>>,
    by_seller: bool,
}

/// The earliest seller message with `text` (blanks around it ignored) written at or after
/// `since`. A message without a readable time is passed over: it cannot be placed after the
/// attempt.
fn earliest_match<'a>(
    messages: impl IntoIterator<Item = Seen<'a>>,
    text: &str,
    since: DateTime<Utc>,
) -> Option<Delivered> {
    let wanted = text.trim();
    messages
        .into_iter()
        .filter(|m| m.by_seller && !m.id.is_empty() && m.text.trim() == wanted)
        .filter_map(|m| Some((m.at.filter(|at| *at >= since)?, m.id)))
        .min_by_key(|(at, _)| *at)
        .map(|(at, id)| Delivered {
            external_id: id.to_owned(),
            created_at: at,
        })
}

/// A message time as sent, if readable.
fn time(at: Option<&Timestamp>) -> Option<DateTime<Utc>> {
    at.and_then(Timestamp::as_datetime)
}

/// An upload refused by Allegro (size, type) is final; 5xx and 429 pass as they are.
fn upload_error(error: AllegroError) -> MarketplaceError {
    match to_marketplace_error(error) {
        MarketplaceError::Refused(reason) => {
            MarketplaceError::Refused(format!("Allegro refused the attachment: {reason}"))
        }
        other => other,
    }
}

/// What the sender hears when Allegro took the POST but its answer gave no message id and the
/// message could not be found yet: retried, and the next attempt looks for it first.
fn unread_answer() -> MarketplaceError {
    MarketplaceError::Unavailable(
        "Allegro took the message but its answer could not be read; it is looked for before \
         any new attempt"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration as ChronoDuration;

    fn seen<'a>(id: &'a str, text: &'a str, at: DateTime<Utc>, by_seller: bool) -> Seen<'a> {
        Seen {
            id,
            text,
            at: Some(at),
            by_seller,
        }
    }

    #[test]
    fn the_earliest_seller_message_with_the_text_since_the_attempt_is_found() {
        let t0 = Utc::now();
        let later = t0 + ChronoDuration::seconds(3);
        let messages = vec![
            seen("old", "Dzień dobry", t0 - ChronoDuration::seconds(1), true),
            seen("buyer", "Dzień dobry", t0, false),
            seen("second", "Dzień dobry", later, true),
            seen(
                "first",
                " Dzień dobry\n",
                t0 + ChronoDuration::seconds(1),
                true,
            ),
            seen("other", "Inny tekst", t0, true),
            Seen {
                id: "undated",
                text: "Dzień dobry",
                at: None,
                by_seller: true,
            },
        ];
        let found = earliest_match(messages, "Dzień dobry ", t0).expect("found");
        assert_eq!(found.external_id, "first");
        assert_eq!(found.created_at, t0 + ChronoDuration::seconds(1));
        assert_eq!(
            earliest_match(vec![seen("b", "x", t0, false)], "x", t0),
            None
        );
    }

    #[test]
    fn refused_uploads_say_it_was_the_file() {
        let refused = upload_error(AllegroError::Validation {
            status: 413,
            errors: vec![],
            trace_id: None,
        });
        assert!(
            matches!(&refused, MarketplaceError::Refused(m) if m.starts_with("Allegro refused the attachment")),
            "{refused:?}"
        );
        let busy = upload_error(AllegroError::Server {
            status: 503,
            errors: vec![],
            trace_id: None,
        });
        assert!(matches!(busy, MarketplaceError::Unavailable(_)));
    }
}
