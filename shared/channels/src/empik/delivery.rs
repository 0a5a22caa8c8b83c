//! Replies to EmpikPlace threads (the core's `ReplyChannel` port) through the Mirakl seller
//! API: M10 reads the thread, M12 posts the reply to its CUSTOMER participant, M13 downloads
//! buyers' files.
//!
//! The reply goes to the thread's buyer only: the CUSTOMER participant of M10 (authorized
//! participants first), never the operator, so Empik's staff is not written to by mistake.
//! The Mirakl client never repeats an M12 that failed after it was sent (5xx, timeout): that
//! becomes `Unavailable`, and the sender looks for the message with `find_delivered` before
//! it posts again. When M12's answer lacks the message id (or cannot be read after a 2xx), the
//! new message is found in M10: the newest shop message with this body that was not in the
//! thread before posting.

use super::access::EmpikAccess;
use super::errors::to_marketplace_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketdesk_core::domain::{Attachment, Integration, Ticket};
use marketdesk_core::ports::{
    Delivered, FetchedFile, MarketplaceError, OutgoingReply, ReplyChannel,
};
use marketdesk_mirakl::{Message, MiraklClient, MiraklError, ReplyFile, Thread};
use std::collections::HashSet;

/// How the EmpikPlace source names a Mirakl attachment in the messages it imports
/// (`mirakl-attachment:<attachment id>`): M13 downloads by that id.
pub const ATTACHMENT_URL_PREFIX: &str = "mirakl-attachment:";

/// Media type of a file whose type neither Mirakl nor the stored message tells.
const UNKNOWN_TYPE: &str = "application/octet-stream";

/// Posts replies into EmpikPlace threads (channel `empik_threads`).
#[derive(Clone)]
pub struct EmpikThreadReplies {
    access: EmpikAccess,
    base_url: String,
    user_agent: String,
    max_answer_bytes: u64,
}

impl EmpikThreadReplies {
    /// A reply channel calling EmpikPlace at `base_url` (the simulator's address in tests).
    pub fn new(
        access: EmpikAccess,
        base_url: impl Into<String>,
        user_agent: impl Into<String>,
    ) -> Self {
        Self {
            access,
            base_url: base_url.into(),
            max_answer_bytes: marketdesk_mirakl::DEFAULT_MAX_ANSWER_BYTES,
            user_agent: user_agent.into(),
        }
    }

    /// The same channel with another cap on Mirakl answers (`MARKETDESK_MAX_ANSWER_BYTES`).
    pub fn with_max_answer_bytes(mut self, limit: u64) -> Self {
        self.max_answer_bytes = limit;
        self
    }

    /// A client with the integration's API key, read from the secrets port as the source
    /// reads it.
    async fn client(&self, integration: &Integration) -> Result<MiraklClient, MarketplaceError> {
        let key = self.access.api_key(integration).await?;
        self.access.client_with(
            integration,
            &key,
            &self.base_url,
            &self.user_agent,
            self.max_answer_bytes,
        )
    }
}

/// M10: the ticket's thread with all its messages.
async fn read_thread(client: &MiraklClient, thread_id: &str) -> Result<Thread, MarketplaceError> {
    client.thread(thread_id).await.map_err(thread_error)
}

/// A failed M10 or M12: a thread gone or a reply refused is final; the rest as the source
/// maps it (401/403 dead key, 429 wait, 5xx and network retried).
fn thread_error(error: MiraklError) -> MarketplaceError {
    match error {
        MiraklError::NotFound { .. } => {
            MarketplaceError::Refused("the thread no longer exists on EmpikPlace".into())
        }
        MiraklError::Rejected { status, message } => {
            MarketplaceError::Refused(format!("EmpikPlace answered {status}: {message}"))
        }
        other => to_marketplace_error(other),
    }
}

/// Whether two bodies say the same: blanks around them ignored, and Mirakl's `<br />` line
/// breaks (its bodies may carry them) read as the newlines marketdesk sent.
fn same_body(stored: &str, sent: &str) -> bool {
    normalize(stored) == normalize(sent)
}

fn normalize(body: &str) -> String {
    body.replace("\r\n", "\n")
        .replace("<br />", "\n")
        .replace("<br/>", "\n")
        .replace("<br>", "\n")
        .trim()
        .to_owned()
}

/// A message's time, else `fallback` (Mirakl always sends one; the fallback only keeps a
/// found message usable).
fn delivered(message: &Message, fallback: DateTime<Utc>) -> Delivered {
    Delivered {
        external_id: message.id.clone(),
        created_at: message.date_created.unwrap_or(fallback),
    }
}

/// The earliest shop message with `body` written at or after `since` (undated messages cannot
/// be placed after the attempt and are passed over).
fn earliest_shop_message<'a>(
    thread: &'a Thread,
    body: &str,
    since: DateTime<Utc>,
) -> Option<&'a Message> {
    thread
        .messages
        .iter()
        .filter(|m| m.is_from_shop() && !m.id.is_empty() && same_body(&m.body, body))
        .filter(|m| m.date_created.is_some_and(|at| at >= since))
        .min_by_key(|m| m.date_created)
}

/// The newest shop message with `body` that was not in the thread before posting.
fn newest_new_shop_message<'a>(
    thread: &'a Thread,
    body: &str,
    before: &HashSet<String>,
) -> Option<&'a Message> {
    thread
        .messages
        .iter()
        .filter(|m| m.is_from_shop() && !m.id.is_empty() && !before.contains(&m.id))
        .filter(|m| same_body(&m.body, body))
        // Messages are oldest first; the last of equal dates is the newest.
        .max_by_key(|m| m.date_created)
}

/// The attachment id in a URL the source built (`mirakl-attachment:<id>`).
fn attachment_id(url: &str) -> Option<&str> {
    url.strip_prefix(ATTACHMENT_URL_PREFIX)
        .map(str::trim)
        .filter(|id| !id.is_empty())
}

#[async_trait]
impl ReplyChannel for EmpikThreadReplies {
    async fn deliver(
        &self,
        integration: &Integration,
        ticket: &Ticket,
        reply: &OutgoingReply,
    ) -> Result<Delivered, MarketplaceError> {
        let client = self.client(integration).await?;
        let thread = read_thread(&client, &ticket.conversation.external_id).await?;
        if thread.customer().is_none() {
            return Err(MarketplaceError::Refused(
                "the EmpikPlace thread has no customer to answer".into(),
            ));
        }
        let before: HashSet<String> = thread.messages.iter().map(|m| m.id.clone()).collect();
        let files: Vec<ReplyFile> = reply
            .attachment
            .iter()
            .map(|f| ReplyFile::new(&f.filename, &f.content_type, f.data.clone()))
            .collect();
        let posted = client.reply_to_customer(&thread, &reply.text, &files).await;
        let now = self.access.clock.now();
        match posted {
            Ok(created) if !created.message_id.trim().is_empty() => Ok(Delivered {
                external_id: created.message_id,
                created_at: now,
            }),
            // A 2xx without a readable id: the message is there, M10 shows which it is.
            Ok(_) | Err(MiraklError::Decode { .. }) => {
                let after = read_thread(&client, &thread.id).await?;
                newest_new_shop_message(&after, &reply.text, &before)
                    .map(|m| delivered(m, now))
                    .ok_or_else(|| {
                        MarketplaceError::Unavailable(
                            "EmpikPlace took the reply but did not say which message it is; \
                             it is looked for before any new attempt"
                                .into(),
                        )
                    })
            }
            Err(MiraklError::BadRequest { message } | MiraklError::InvalidInput { message }) => {
                Err(MarketplaceError::Refused(message))
            }
            Err(error) => Err(thread_error(error)),
        }
    }

    async fn find_delivered(
        &self,
        integration: &Integration,
        ticket: &Ticket,
        text: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Delivered>, MarketplaceError> {
        let client = self.client(integration).await?;
        let thread = read_thread(&client, &ticket.conversation.external_id).await?;
        let now = self.access.clock.now();
        Ok(earliest_shop_message(&thread, text, since).map(|m| delivered(m, now)))
    }

    async fn fetch_attachment(
        &self,
        integration: &Integration,
        _ticket: &Ticket,
        attachment: &Attachment,
    ) -> Result<FetchedFile, MarketplaceError> {
        let id = attachment_id(&attachment.url).ok_or_else(|| {
            MarketplaceError::Refused("the file is not an EmpikPlace attachment".into())
        })?;
        let client = self.client(integration).await?;
        let file = client
            .open_attachment(id)
            .await
            .map_err(|error| match error {
                MiraklError::NotFound { .. } => MarketplaceError::Refused(
                    "the file is no longer available on EmpikPlace".into(),
                ),
                other => to_marketplace_error(other),
            })?;
        // The client reports a missing type as octet-stream; the stored type may know better.
        let content_type = if file.content_type == UNKNOWN_TYPE {
            attachment
                .content_type
                .clone()
                .filter(|t| !t.trim().is_empty())
                .unwrap_or(file.content_type)
        } else {
            file.content_type
        };
        let filename = Some(attachment.filename.trim())
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .or(file.file_name)
            .unwrap_or_else(|| "attachment".to_owned());
        let body = futures_util::TryStreamExt::map_err(file.body, |error| {
            std::io::Error::other(error.to_string())
        });
        Ok(FetchedFile {
            filename,
            content_type,
            length: file.length,
            body: Box::pin(body),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread() -> Thread {
        serde_json::from_str(
            r#"{"id":"t","messages":[
              {"id":"m1","body":"Dziękujemy","date_created":"2026-01-01T10:00:00Z","from":{"type":"SHOP_USER"}},
              {"id":"m2","body":"Dziękujemy","date_created":"2026-01-01T10:00:05Z","from":{"type":"CUSTOMER_USER"}},
              {"id":"m3","body":"Linia 1<br />Linia 2","date_created":"2026-01-01T10:00:10Z","from":{"type":"SHOP_USER"}},
              {"id":"m4","body":"Dziękujemy ","date_created":"2026-01-01T10:00:20Z","from":{"type":"SHOP_USER"}},
              {"id":"m5","body":"Dziękujemy","from":{"type":"SHOP_USER"}}]}"#,
        )
        .expect("thread")
    }

    fn at(raw: &str) -> DateTime<Utc> {
        raw.parse().expect("date")
    }

    #[test]
    fn an_earlier_attempt_is_the_first_shop_message_with_the_body_since_it() {
        let thread = thread();
        let found = earliest_shop_message(&thread, "Dziękujemy", at("2026-01-01T10:00:01Z"));
        assert_eq!(found.map(|m| m.id.as_str()), Some("m4"));
        let found = earliest_shop_message(&thread, "Dziękujemy", at("2026-01-01T09:00:00Z"));
        assert_eq!(found.map(|m| m.id.as_str()), Some("m1"));
        let found = earliest_shop_message(&thread, "Linia 1\nLinia 2", at("2026-01-01T09:00:00Z"));
        assert_eq!(
            found.map(|m| m.id.as_str()),
            Some("m3"),
            "<br /> is a newline"
        );
        assert!(earliest_shop_message(&thread, "Nigdy", at("2026-01-01T09:00:00Z")).is_none());
    }

    #[test]
    fn a_reply_without_an_id_is_the_newest_new_shop_message_with_its_body() {
        let thread = thread();
        let before: HashSet<String> = ["m1".to_owned(), "m2".to_owned()].into();
        let found = newest_new_shop_message(&thread, "Dziękujemy", &before);
        assert_eq!(found.map(|m| m.id.as_str()), Some("m4"));
        let all: HashSet<String> = thread.messages.iter().map(|m| m.id.clone()).collect();
        assert!(newest_new_shop_message(&thread, "Dziękujemy", &all).is_none());
    }

    #[test]
    fn attachment_urls_name_the_mirakl_id() {
        assert_eq!(attachment_id("mirakl-attachment:abc-1"), Some("abc-1"));
        assert_eq!(attachment_id("mirakl-attachment: "), None);
        assert_eq!(attachment_id("https://example.com/abc"), None);
    }

    #[test]
    fn a_gone_thread_and_refusals_are_final() {
        let gone = thread_error(MiraklError::NotFound {
            message: String::new(),
        });
        assert!(matches!(gone, MarketplaceError::Refused(_)));
        let refused = thread_error(MiraklError::Rejected {
            status: 422,
            message: "closed".into(),
        });
        assert!(matches!(refused, MarketplaceError::Refused(m) if m.contains("422")));
        let busy = thread_error(MiraklError::Server {
            status: 500,
            message: String::new(),
        });
        assert!(matches!(busy, MarketplaceError::Unavailable(_)));
        let limited = thread_error(MiraklError::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(9)),
        });
        assert_eq!(
            limited,
            MarketplaceError::RateLimited {
                retry_after: std::time::Duration::from_secs(9)
            }
        );
    }
}
