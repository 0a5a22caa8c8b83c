//! Replies in Message Center threads: `POST /messaging/threads/{id}/messages` (beta.v1), for
//! purchase problems and buyers' questions alike.

use super::{
    earliest_match, time, unread_answer, upload_error, AllegroAccount, Seen, CLOSED, LOOKUP_SKEW,
    POSTING_INTERVAL,
};
use crate::allegro::access::AllegroAccess;
use crate::allegro::client::AllegroClients;
use crate::allegro::errors::to_marketplace_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketdesk_allegro::messaging::{Message, MessageAuthorRole};
use marketdesk_allegro::AllegroError;
use marketdesk_core::domain::{Attachment, Integration, Ticket};
use marketdesk_core::ports::{
    Delivered, FetchedFile, MarketplaceError, OutgoingReply, ReplyChannel,
};
use std::time::Duration;

/// Posts replies into Allegro Message Center threads (channel `allegro_messaging`).
#[derive(Clone)]
pub struct AllegroThreadReplies {
    account: AllegroAccount,
}

impl AllegroThreadReplies {
    /// A reply channel using the core's clock and access tokens and the Allegro clients.
    pub fn new(access: AllegroAccess, clients: AllegroClients) -> Self {
        Self {
            account: AllegroAccount::new(access, clients),
        }
    }

    /// The seller message with `text` written at or after `since`, if the thread shows one.
    async fn find(
        &self,
        integration: &Integration,
        thread_id: &str,
        text: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Delivered>, MarketplaceError> {
        let client = self.account.client(integration);
        let messages = self
            .account
            .call(integration, |token| async move {
                client
                    .thread_messages_since(&token, thread_id, Some(since))
                    .await
            })
            .await?
            .map_err(to_marketplace_error)?;
        let wanted = text.trim();
        // A `COMMON` thread names both sides `USER`: only the seller's login tells them apart,
        // and it is asked for only when such a message carries the text.
        let needs_login = messages.iter().any(|m| {
            m.role() == Some(&MessageAuthorRole::User)
                && m.text.as_deref().unwrap_or_default().trim() == wanted
        });
        let seller_login = if needs_login {
            self.account
                .call(integration, |token| async move { client.me(&token).await })
                .await?
                .map_err(to_marketplace_error)?
                .login
                .filter(|login| !login.trim().is_empty())
        } else {
            None
        };
        Ok(earliest_match(
            messages.iter().map(|m| seen(m, seller_login.as_deref())),
            text,
            since,
        ))
    }
}

/// A thread message as `find_delivered` compares it: `SELLER`, or in a `COMMON` thread the
/// `USER` whose login is the seller's.
fn seen<'a>(message: &'a Message, seller_login: Option<&str>) -> Seen<'a> {
    let by_seller = match message.role() {
        Some(MessageAuthorRole::Seller) => true,
        Some(MessageAuthorRole::User) => {
            let login = message.author.as_ref().and_then(|a| a.login.as_deref());
            matches!((login, seller_login), (Some(l), Some(s)) if l.eq_ignore_ascii_case(s))
        }
        _ => false,
    };
    Seen {
        id: &message.id,
        text: message.text.as_deref().unwrap_or_default(),
        at: time(message.created_at.as_ref()),
        by_seller,
    }
}

/// A refused post: a closed thread (422 `THREAD_CLOSED`) in agents' words, anything else as
/// the client error maps.
fn post_error(error: AllegroError) -> MarketplaceError {
    if error.has_code("THREAD_CLOSED") {
        MarketplaceError::Refused(CLOSED.into())
    } else {
        to_marketplace_error(error)
    }
}

#[async_trait]
impl ReplyChannel for AllegroThreadReplies {
    async fn deliver(
        &self,
        integration: &Integration,
        ticket: &Ticket,
        reply: &OutgoingReply,
    ) -> Result<Delivered, MarketplaceError> {
        let thread_id = ticket.conversation.external_id.as_str();
        let client = self.account.client(integration);
        let started = self.account.access.clock.now();
        let mut attachments = Vec::new();
        if let Some(file) = &reply.attachment {
            let id = self
                .account
                .call(integration, |token| async move {
                    client
                        .upload_message_attachment(
                            &token,
                            &file.filename,
                            &file.content_type,
                            file.data.clone(),
                        )
                        .await
                })
                .await?
                .map_err(upload_error)?;
            attachments.push(id);
        }
        let (text, attachments) = (reply.text.as_str(), attachments.as_slice());
        let posted = self
            .account
            .call(integration, |token| async move {
                client
                    .post_thread_message(&token, thread_id, text, attachments)
                    .await
            })
            .await?;
        match posted {
            Ok(posted) if !posted.id.is_empty() => Ok(Delivered {
                created_at: time(posted.created_at.as_ref())
                    .unwrap_or_else(|| self.account.access.clock.now()),
                external_id: posted.id,
            }),
            // Allegro answered 2xx, so the message is there; find it by its text.
            Ok(_) | Err(AllegroError::Decode { .. }) => self
                .find(integration, thread_id, text, started - LOOKUP_SKEW)
                .await?
                .ok_or_else(unread_answer),
            Err(error) => Err(post_error(error)),
        }
    }

    async fn find_delivered(
        &self,
        integration: &Integration,
        ticket: &Ticket,
        text: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Delivered>, MarketplaceError> {
        self.find(integration, &ticket.conversation.external_id, text, since)
            .await
    }

    async fn fetch_attachment(
        &self,
        integration: &Integration,
        _ticket: &Ticket,
        attachment: &Attachment,
    ) -> Result<FetchedFile, MarketplaceError> {
        self.account.fetch(integration, attachment).await
    }

    fn min_interval(&self) -> Option<Duration> {
        Some(POSTING_INTERVAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(json: &str) -> Message {
        serde_json::from_str(json).expect("message")
    }

    #[test]
    fn seller_messages_are_told_apart_in_both_kinds_of_thread() {
        let seller = message(r#"{"id":"1","author":{"role":"SELLER","login":"sklep"},"text":"t"}"#);
        assert!(seen(&seller, None).by_seller);
        let user = message(r#"{"id":"2","author":{"role":"USER","login":"Sklep"},"text":"t"}"#);
        assert!(seen(&user, Some("sklep")).by_seller);
        assert!(!seen(&user, Some("kupujacy")).by_seller);
        assert!(!seen(&user, None).by_seller);
        let buyer = message(r#"{"id":"3","author":{"role":"BUYER","login":"k"},"text":"t"}"#);
        assert!(!seen(&buyer, Some("k")).by_seller);
    }

    #[test]
    fn only_a_closed_thread_is_refused_as_closed() {
        let closed = AllegroError::Validation {
            status: 422,
            errors: vec![marketdesk_allegro::ApiError {
                code: "THREAD_CLOSED".into(),
                ..Default::default()
            }],
            trace_id: None,
        };
        assert_eq!(post_error(closed), MarketplaceError::Refused(CLOSED.into()));
        let limited = post_error(AllegroError::RateLimited {
            retry_after: Duration::from_secs(60),
            retry_after_header: Some(Duration::from_secs(1)),
            trace_id: None,
        });
        assert_eq!(
            limited,
            MarketplaceError::RateLimited {
                retry_after: Duration::from_secs(60)
            }
        );
    }
}
