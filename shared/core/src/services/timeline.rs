//! A ticket's timeline: the stored messages (read from the marketplace, internal comments)
//! merged with the outbox replies, and the ticket summary derived from it.
//!
//! A sent reply comes back from the marketplace as a seller message with the same id when the
//! conversation is read again; the timeline shows it once, as the reply (so it keeps its
//! author, an agent or the autoresponder).

use crate::domain::{
    Attachment, Delivery, Message, Reply, ReplyState, StatusMapping, Ticket, Turn,
};
use crate::ids::{TenantId, TicketId};
use crate::ports::Store;
use crate::repo::{replies, tickets, RepoError};
use crate::status;
use chrono::{DateTime, Utc};
use std::collections::HashSet;

/// Every entry of a ticket, oldest first.
pub async fn load(
    store: &dyn Store,
    tenant: &TenantId,
    ticket: &TicketId,
) -> Result<Vec<Message>, RepoError> {
    Ok(load_with_replies(store, tenant, ticket).await?.0)
}

/// Every entry of a ticket, oldest first, and its replies as stored (what [`summarize`] needs).
pub async fn load_with_replies(
    store: &dyn Store,
    tenant: &TenantId,
    ticket: &TicketId,
) -> Result<(Vec<Message>, Vec<Reply>), RepoError> {
    let messages = tickets::messages(store, tenant, ticket).await?;
    let replies = replies::of_ticket(store, tenant, ticket).await?;
    Ok((merge(messages, &replies), replies))
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
                link: None,
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

/// Sets the ticket's preview of the latest public message (for lists), last author, latest reply delivery, whether it needs a person, its
/// status (when the integration's `mapping` is known) and its latest activity from the
/// timeline and the ticket's `replies`, by the rules of `crate::status` (the table in
/// `docs/architecture.md`):
///
/// - the latest message the buyer can see that counts decides whose turn it is (automatic
///   marketplace notices do not count); in a decided case only messages written after the
///   decision was seen count, earlier ones are answered by it;
/// - a failed latest reply (by when it was written) needs a person too, unless a seller
///   answer reached the buyer after it was written;
/// - a conversation closed for replies needs nobody.
pub fn summarize(
    ticket: &mut Ticket,
    timeline: &[Message],
    replies: &[Reply],
    mapping: Option<&StatusMapping>,
) {
    ticket.preview = super::preview::preview_of(timeline);
    let visible: Vec<&Message> = timeline.iter().filter(|m| reached_the_buyer(m)).collect();
    if let Some(last) = visible.iter().max_by_key(|m| m.created_at) {
        ticket.last_author = Some(last.author);
        ticket.updated_at = ticket.updated_at.max(last.created_at);
    }
    let decided_at = ticket
        .decided_at
        .filter(|_| status::is_decided(&ticket.marketplace_status));
    let latest_turn = visible
        .iter()
        .filter(|m| m.author.turn() != Turn::Unchanged)
        .filter(|m| decided_at.is_none_or(|decided| m.created_at > decided))
        .max_by_key(|m| m.created_at)
        .map(|m| m.author.turn());
    let latest_reply = replies
        .iter()
        .filter(|r| r.state != ReplyState::Cancelled)
        .max_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    ticket.delivery = latest_reply.map(|r| r.state);
    let reply_failed = latest_reply.is_some_and(|failed| {
        failed.state == ReplyState::Failed && !answered_since(&visible, replies, failed.created_at)
    });
    ticket.needs_reply = status::needs_reply(ticket.open_for_replies, latest_turn, reply_failed);
    if let Some(mapping) = mapping {
        ticket.status =
            status::shown_status(&ticket.marketplace_status, ticket.needs_reply, mapping);
    }
}

/// Whether a seller answer reached the buyer after `since`: a reply sent that was written
/// later, or a message the seller wrote on the marketplace's site later.
fn answered_since(visible: &[&Message], replies: &[Reply], since: DateTime<Utc>) -> bool {
    replies
        .iter()
        .any(|r| r.state == ReplyState::Sent && r.created_at > since)
        || visible
            .iter()
            .any(|m| m.delivery.is_none() && m.author.is_seller_answer() && m.created_at > since)
}

/// Download ids and marketdesk's links for every file of the timeline, the buyer's and the
/// replies' alike: `<message id>-<position>`, `/v1/tickets/{id}/attachments/{aid}`.
pub fn number_attachments(timeline: &mut [Message]) {
    for message in timeline.iter_mut() {
        for (position, attachment) in message.attachments.iter_mut().enumerate() {
            let aid = format!("{}-{position}", message.id);
            attachment.link = Some(format!(
                "/v1/tickets/{}/attachments/{aid}",
                message.ticket_id
            ));
            attachment.id = Some(aid);
        }
    }
}

/// The entry with the attachment `aid` (`<message id>-<position>`) and the position.
pub fn find_attachment<'a>(timeline: &'a [Message], aid: &str) -> Option<(&'a Message, usize)> {
    let (message_id, position) = aid.rsplit_once('-')?;
    let position: usize = position.parse().ok()?;
    let message = timeline.iter().find(|m| m.id.as_str() == message_id)?;
    (position < message.attachments.len()).then_some((message, position))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AuthorKind, ConversationKind, ConversationRef, Marketplace, TicketStatus};
    use crate::ids::MessageId;
    use chrono::Duration;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T09:00:00Z")
            .expect("time")
            .with_timezone(&Utc)
            + Duration::minutes(minute)
    }

    fn message(author: AuthorKind, minute: i64) -> Message {
        Message {
            id: MessageId(format!("m{minute}")),
            ticket_id: TicketId::from("t"),
            external_id: Some(format!("x{minute}")),
            author,
            author_name: None,
            text: "…".into(),
            attachments: Vec::new(),
            created_at: at(minute),
            delivery: None,
            actor: None,
        }
    }

    fn reply(state: ReplyState, minute: i64) -> Reply {
        Reply {
            id: MessageId(format!("r{minute}")),
            ticket_id: TicketId::from("t"),
            author: AuthorKind::SellerViaMarketdesk,
            author_name: None,
            actor: None,
            text: "Odpowiedź".into(),
            attachment: None,
            ask_to_confirm: false,
            state,
            external_id: (state == ReplyState::Sent).then(|| format!("sent{minute}")),
            failure: (state == ReplyState::Failed).then(|| "HTTP 422".into()),
            attempts: 1,
            first_attempt_at: Some(at(minute)),
            attempt_started_at: None,
            attempt_job: None,
            not_after: None,
            created_at: at(minute),
            sent_at: (state == ReplyState::Sent).then(|| at(minute)),
            failure_reported: false,
        }
    }

    /// A claim in `marketplace_status`, decided (if at all) at minute 10.
    fn ticket(marketplace_status: &str, open_for_replies: bool) -> Ticket {
        serde_json::from_value(serde_json::json!({
            "id": "t", "tenant_id": "t1", "integration_id": "i1",
            "conversation": ConversationRef { kind: ConversationKind::AllegroClaim, external_id: "c".into() },
            "source": Marketplace::Allegro, "subject": "Reklamacja", "status": "open",
            "marketplace_status": marketplace_status, "open_for_replies": open_for_replies,
            "queue": null, "category": null, "buyer_login": "kupujacy", "customer_id": null,
            "order_id": null, "last_author": null, "needs_reply": false,
            "created_at": at(0), "updated_at": at(0),
            "decided_at": crate::status::is_decided(marketplace_status).then(|| at(10)),
        }))
        .expect("ticket")
    }

    /// (status, needs_reply) after `messages` and `replies`.
    fn state(
        marketplace_status: &str,
        open: bool,
        messages: Vec<Message>,
        replies: Vec<Reply>,
    ) -> (TicketStatus, bool) {
        let mut t = ticket(marketplace_status, open);
        let timeline = merge(messages, &replies);
        summarize(&mut t, &timeline, &replies, Some(&StatusMapping::default()));
        (t.status, t.needs_reply)
    }

    #[test]
    fn the_ticket_state_table() {
        use AuthorKind::*;
        use TicketStatus::*;
        // Columns: ongoing; decided (claim accepted at minute 10) but still taking messages,
        // for a message before and after the decision; closed for replies.
        let rows: [(AuthorKind, [(TicketStatus, bool); 4]); 6] = [
            (
                Buyer,
                [(Open, true), (Solved, false), (Open, true), (Solved, false)],
            ),
            (
                MarketplaceForBuyer,
                [(Open, true), (Solved, false), (Open, true), (Solved, false)],
            ),
            (
                Autoresponder,
                [(Open, true), (Solved, false), (Open, true), (Solved, false)],
            ),
            (
                MarketplaceStaff,
                [(Open, true), (Solved, false), (Open, true), (Solved, false)],
            ),
            (
                SellerViaMarketplace,
                [
                    (Open, false),
                    (Solved, false),
                    (Solved, false),
                    (Solved, false),
                ],
            ),
            (
                InternalComment,
                [
                    (Open, false),
                    (Solved, false),
                    (Solved, false),
                    (Solved, false),
                ],
            ),
        ];
        for (author, expected) in rows {
            let cells = [
                state("CLAIM_SUBMITTED", true, vec![message(author, 5)], vec![]),
                state("CLAIM_ACCEPTED", true, vec![message(author, 5)], vec![]),
                state("CLAIM_ACCEPTED", true, vec![message(author, 15)], vec![]),
                state("CLAIM_ACCEPTED", false, vec![message(author, 15)], vec![]),
            ];
            assert_eq!(cells, expected, "{author:?}");
        }
        // An agent's reply that reached the buyer answers; one still sending does not yet.
        assert_eq!(
            state(
                "CLAIM_SUBMITTED",
                true,
                vec![message(Buyer, 1)],
                vec![reply(ReplyState::Sent, 5)]
            ),
            (Open, false)
        );
        assert_eq!(
            state(
                "CLAIM_SUBMITTED",
                true,
                vec![message(Buyer, 1)],
                vec![reply(ReplyState::Sending, 5)]
            ),
            (Open, true)
        );
        // Automatic marketplace notices change nothing: the turn stays where it was.
        assert_eq!(
            state(
                "CLAIM_SUBMITTED",
                true,
                vec![message(Buyer, 1), message(MarketplaceSystem, 2)],
                vec![]
            ),
            (Open, true)
        );
        assert_eq!(
            state(
                "CLAIM_SUBMITTED",
                true,
                vec![
                    message(Buyer, 1),
                    message(SellerViaMarketplace, 2),
                    message(MarketplaceSystem, 3)
                ],
                vec![]
            ),
            (Open, false)
        );
        assert_eq!(
            state("CLAIM_SUBMITTED", true, vec![], vec![]),
            (Open, false)
        );
        // A failed latest reply needs a person, until a seller answer reaches the buyer after it;
        // not when the conversation is closed.
        let answered = vec![message(Buyer, 1), message(SellerViaMarketplace, 2)];
        assert_eq!(
            state(
                "CLAIM_SUBMITTED",
                true,
                answered.clone(),
                vec![reply(ReplyState::Failed, 5)]
            ),
            (Open, true)
        );
        assert_eq!(
            state(
                "CLAIM_ACCEPTED",
                true,
                answered.clone(),
                vec![reply(ReplyState::Failed, 5)]
            ),
            (Open, true)
        );
        assert_eq!(
            state(
                "CLAIM_ACCEPTED",
                false,
                answered.clone(),
                vec![reply(ReplyState::Failed, 5)]
            ),
            (Solved, false)
        );
        let mut later = answered.clone();
        later.push(message(SellerViaMarketplace, 7));
        assert_eq!(
            state(
                "CLAIM_SUBMITTED",
                true,
                later,
                vec![reply(ReplyState::Failed, 5)]
            ),
            (Open, false)
        );
        assert_eq!(
            state(
                "CLAIM_SUBMITTED",
                true,
                answered,
                vec![reply(ReplyState::Failed, 5), reply(ReplyState::Sent, 6)]
            ),
            (Open, false)
        );
    }

    #[test]
    fn the_latest_reply_by_writing_time_gives_the_delivery_and_cancelled_ones_never_count() {
        let mut t = ticket("CLAIM_SUBMITTED", true);
        let replies = vec![
            reply(ReplyState::Failed, 5),
            reply(ReplyState::Sent, 3),
            reply(ReplyState::Cancelled, 9),
        ];
        let timeline = merge(vec![message(AuthorKind::Buyer, 1)], &replies);
        summarize(&mut t, &timeline, &replies, None);
        assert_eq!(t.delivery, Some(ReplyState::Failed));
        assert_eq!(t.last_author, Some(AuthorKind::SellerViaMarketdesk));
        assert!(t.needs_reply);
        assert_eq!(t.status, TicketStatus::Open, "unchanged without a mapping");
    }

    #[test]
    fn every_file_gets_an_id_and_a_link_both_directions() {
        let mut buyer = message(AuthorKind::Buyer, 1);
        buyer.attachments.push(Attachment {
            id: None,
            link: None,
            filename: "a.png".into(),
            content_type: None,
            url: "https://api.allegro.pl/sale/issues/attachments/1".into(),
        });
        let mut sent = reply(ReplyState::Sent, 2);
        sent.id = MessageId("auto-t-1".into());
        sent.attachment = Some(crate::domain::FileRef {
            filename: "b.pdf".into(),
            content_type: "application/pdf".into(),
            size: 3,
            chunks: 1,
        });
        let mut timeline = merge(vec![buyer], &[sent]);
        number_attachments(&mut timeline);
        let links: Vec<_> = timeline
            .iter()
            .flat_map(|m| m.attachments.iter())
            .map(|a| {
                (
                    a.id.clone().unwrap_or_default(),
                    a.link.clone().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            links,
            [
                (
                    "m1-0".to_owned(),
                    "/v1/tickets/t/attachments/m1-0".to_owned()
                ),
                (
                    "auto-t-1-0".to_owned(),
                    "/v1/tickets/t/attachments/auto-t-1-0".to_owned()
                )
            ]
        );
        let (found, position) = find_attachment(&timeline, "auto-t-1-0").expect("found");
        assert_eq!((found.id.as_str(), position), ("auto-t-1", 0));
        assert!(find_attachment(&timeline, "auto-t-1-1").is_none());
        assert!(find_attachment(&timeline, "m1").is_none());
    }
}
