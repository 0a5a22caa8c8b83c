//! A ticket's timeline: the stored messages (read from the marketplace, internal comments)
//! merged with the outbox replies, and the ticket summary derived from it.
//!
//! A sent reply comes back from the marketplace as a seller message with the same id when the
//! conversation is read again; the timeline shows it once, as the reply (so it keeps its
//! author, an agent or the autoresponder).

use crate::domain::{Attachment, AuthorKind, Delivery, Message, Reply, ReplyState, Ticket};
use crate::ids::{TenantId, TicketId};
use crate::ports::Store;
use crate::repo::{replies, tickets, RepoError};
use std::collections::HashSet;

/// Every entry of a ticket, oldest first.
pub async fn load(
    store: &dyn Store,
    tenant: &TenantId,
    ticket: &TicketId,
) -> Result<Vec<Message>, RepoError> {
    let messages = tickets::messages(store, tenant, ticket).await?;
    let replies = replies::of_ticket(store, tenant, ticket).await?;
    Ok(merge(messages, &replies))
}

/// Merges stored messages and replies: a reply's marketplace copy is dropped.
pub fn merge(messages: Vec<Message>, replies: &[Reply]) -> Vec<Message> {
    let sent: HashSet<&str> = replies
        .iter()
        .filter_map(|r| r.external_id.as_deref())
        .collect();
    let mut all: Vec<Message> = messages
        .into_iter()
        .filter(|m| m.external_id.as_deref().is_none_or(|id| !sent.contains(id)))
        .collect();
    all.extend(replies.iter().map(reply_message));
    all.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    all
}

/// A reply as a message of the timeline.
fn reply_message(reply: &Reply) -> Message {
    Message {
        id: reply.id.clone(),
        ticket_id: reply.ticket_id.clone(),
        external_id: reply.external_id.clone(),
        author: reply.author,
        author_name: reply.author_name.clone(),
        actor: reply.actor.clone(),
        text: reply.text.clone(),
        attachments: reply
            .attachment
            .iter()
            .map(|file| Attachment {
                id: None,
                filename: file.filename.clone(),
                content_type: Some(file.content_type.clone()),
                url: String::new(),
            })
            .collect(),
        created_at: reply.sent_at.unwrap_or(reply.created_at),
        delivery: Some(Delivery {
            reply_id: reply.id.clone(),
            state: reply.state,
            failure: reply.failure.clone(),
            ask_to_confirm: reply.ask_to_confirm,
        }),
    }
}

/// Whether an entry is something the buyer sees: marketplace messages and delivered replies.
fn reached_the_buyer(message: &Message) -> bool {
    message.author.is_public()
        && message
            .delivery
            .as_ref()
            .is_none_or(|d| d.state == ReplyState::Sent)
}

/// Sets the ticket's last author, whether it needs a person, and its latest activity from
/// the timeline. A ticket last answered by the autoresponder still needs a person.
pub fn summarize(ticket: &mut Ticket, timeline: &[Message]) {
    if let Some(last) = timeline
        .iter()
        .filter(|m| reached_the_buyer(m))
        .max_by_key(|m| m.created_at)
    {
        ticket.last_author = Some(last.author);
        ticket.needs_reply = ticket.open_for_replies
            && matches!(last.author, AuthorKind::Buyer | AuthorKind::Autoresponder);
        ticket.updated_at = ticket.updated_at.max(last.created_at);
    } else {
        ticket.needs_reply = false;
    }
}

/// Download ids for the attachments of marketplace messages: `<message id>-<position>`.
pub fn number_attachments(timeline: &mut [Message]) {
    for message in timeline.iter_mut().filter(|m| m.delivery.is_none()) {
        for (position, attachment) in message.attachments.iter_mut().enumerate() {
            attachment.id = Some(format!("{}-{position}", message.id));
        }
    }
}

/// The attachment with download id `aid` in the timeline.
pub fn find_attachment<'a>(timeline: &'a [Message], aid: &str) -> Option<&'a Attachment> {
    let (message_id, position) = aid.rsplit_once('-')?;
    let position: usize = position.parse().ok()?;
    timeline
        .iter()
        .filter(|m| m.delivery.is_none())
        .find(|m| m.id.as_str() == message_id)?
        .attachments
        .get(position)
}
