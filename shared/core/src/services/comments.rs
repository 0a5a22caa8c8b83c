//! Internal comments: notes agents leave on a ticket, stored as messages and never sent.

use super::request::RequestError;
use super::validation;
use crate::domain::{Actor, AuthorKind, Message, Subject, SubjectKind};
use crate::ids::{MessageId, TenantId, TicketId};
use crate::ports::Ports;
use crate::repo::tickets;
use serde::Deserialize;

/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 20000;

/// The body of `POST /v1/tickets/{id}/comments`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// Plain text; HTML is refused. At most 20 000 characters, not blank.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 20000,
            pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
        )
    )]
    pub text: String,
}

/// Adds an internal comment to a ticket of the tenant, written by `actor` (whose name is
/// the comment's author name). Closed conversations take comments too.
/// The ticket itself is left alone: a comment is not buyer-visible activity.
pub async fn add(
    ports: &Ports,
    tenant: &TenantId,
    ticket: &TicketId,
    actor: Option<&Actor>,
    comment: NewComment,
) -> Result<Message, RequestError> {
    validation::plain_text("text", &comment.text, MAX_COMMENT_CHARS)?;
    let store = &*ports.store;
    if tickets::get(store, tenant, ticket).await?.is_none() {
        return Err(RequestError::NotFound("ticket"));
    }
    let message = Message {
        id: MessageId::generate(),
        ticket_id: ticket.clone(),
        external_id: None,
        author: AuthorKind::InternalComment,
        author_name: actor.and_then(Actor::display_name),
        text: comment.text,
        attachments: Vec::new(),
        created_at: ports.clock.now(),
        delivery: None,
        actor: actor.cloned(),
    };
    let unique = format!("C{}", message.id);
    if !tickets::add_message(store, tenant, &message, &unique).await? {
        return Err(RequestError::Conflict("the comment exists already".into()));
    }
    super::audit::record(
        ports,
        tenant,
        actor,
        super::audit::actions::COMMENT_ADDED,
        Subject::new(SubjectKind::Ticket, ticket),
        None,
        super::audit::state(&message),
    )
    .await;
    Ok(message)
}
