//! Replies to post-purchase issues: `POST /sale/issues/{id}/message` (beta), `END_REQUEST`
//! when the agent asks the buyer to confirm a dispute is solved.

use super::{
    earliest_match, time, unread_answer, upload_error, AllegroAccount, Seen, CLOSED, LOOKUP_SKEW,
};
use crate::allegro::access::AllegroAccess;
use crate::allegro::client::AllegroClients;
use crate::allegro::errors::to_marketplace_error;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketdesk_allegro::issues::{ChatMessage, IssueAuthorRole, IssueMessageType, NewIssueMessage};
use marketdesk_allegro::AllegroError;
use marketdesk_core::domain::{Attachment, Integration, Ticket};
use marketdesk_core::ports::{
    Delivered, FetchedFile, MarketplaceError, OutgoingReply, ReplyChannel,
};

/// Posts replies into Allegro disputes and claims (channel `allegro_issues`).
#[derive(Clone)]
pub struct AllegroIssueReplies {
    account: AllegroAccount,
}

impl AllegroIssueReplies {
    /// A reply channel using the core's clock and access tokens and the Allegro clients.
    pub fn new(access: AllegroAccess, clients: AllegroClients) -> Self {
        Self {
            account: AllegroAccount::new(access, clients),
        }
    }

    /// The issue's chat, oldest first.
    async fn chat(
        &self,
        integration: &Integration,
        issue_id: &str,
    ) -> Result<Vec<ChatMessage>, MarketplaceError> {
        let client = self.account.client(integration);
        self.account
            .call(integration, |token| async move {
                client.full_issue_chat(&token, issue_id).await
            })
            .await?
            .map_err(to_marketplace_error)
    }

    /// The seller message with `text` written at or after `since`, if the chat shows one.
    async fn find(
        &self,
        integration: &Integration,
        issue_id: &str,
        text: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Delivered>, MarketplaceError> {
        let chat = self.chat(integration, issue_id).await?;
        Ok(earliest_match(chat.iter().map(seen), text, since))
    }
}

/// A chat message as `find_delivered` compares it: the seller's own (from marketdesk or
/// Allegro's site) are the candidates.
fn seen(message: &ChatMessage) -> Seen<'_> {
    Seen {
        id: &message.id,
        text: message.text.as_deref().unwrap_or_default(),
        at: time(message.created_at.as_ref()),
        by_seller: message.role() == Some(&IssueAuthorRole::Seller),
    }
}

/// A refused post: a closed dispute (409, `DISPUTE_ALREADY_RESOLVED`) in agents' words,
/// anything else as the client error maps.
fn post_error(error: AllegroError) -> MarketplaceError {
    let closed = matches!(error, AllegroError::Conflict { .. })
        || (matches!(error, AllegroError::Validation { .. })
            && error.has_code("DISPUTE_ALREADY_RESOLVED"));
    if closed {
        MarketplaceError::Refused(CLOSED.into())
    } else {
        to_marketplace_error(error)
    }
}

#[async_trait]
impl ReplyChannel for AllegroIssueReplies {
    async fn deliver(
        &self,
        integration: &Integration,
        ticket: &Ticket,
        reply: &OutgoingReply,
    ) -> Result<Delivered, MarketplaceError> {
        let issue_id = ticket.conversation.external_id.as_str();
        let client = self.account.client(integration);
        let started = self.account.access.clock.now();
        let mut attachments = Vec::new();
        if let Some(file) = &reply.attachment {
            let id = self
                .account
                .call(integration, |token| async move {
                    client
                        .upload_issue_attachment(
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
        let message = NewIssueMessage {
            text: reply.text.clone(),
            attachments,
            message_type: if reply.ask_to_confirm {
                IssueMessageType::EndRequest
            } else {
                IssueMessageType::Regular
            },
        };
        let message = &message;
        let posted = self
            .account
            .call(integration, |token| async move {
                client.post_issue_message(&token, issue_id, message).await
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
                .find(integration, issue_id, &reply.text, started - LOOKUP_SKEW)
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

    // No send slot: Allegro's one-post-per-second-per-user limit covers only the
    // /messaging posts (allegro-api.md §4.2); /sale/issues messages are not limited so.
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_allegro::ApiError;

    fn entry(code: &str) -> Vec<ApiError> {
        vec![ApiError {
            code: code.into(),
            ..ApiError::default()
        }]
    }

    #[test]
    fn a_closed_dispute_is_refused_in_agents_words() {
        for closed in [
            AllegroError::Conflict {
                code: "DISPUTE_ALREADY_RESOLVED".into(),
                errors: entry("DISPUTE_ALREADY_RESOLVED"),
                trace_id: None,
            },
            AllegroError::Validation {
                status: 422,
                errors: entry("DISPUTE_ALREADY_RESOLVED"),
                trace_id: None,
            },
        ] {
            assert_eq!(post_error(closed), MarketplaceError::Refused(CLOSED.into()));
        }
        let other = post_error(AllegroError::Validation {
            status: 422,
            errors: entry("VALIDATION_ERROR"),
            trace_id: None,
        });
        assert!(matches!(&other, MarketplaceError::Refused(m) if m.contains("VALIDATION_ERROR")));
        let busy = post_error(AllegroError::Server {
            status: 500,
            errors: vec![],
            trace_id: None,
        });
        assert!(matches!(busy, MarketplaceError::Unavailable(_)));
    }
}
