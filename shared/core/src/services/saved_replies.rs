//! Saved replies as agents use them (list, read, preview for a ticket) and admins keep them
//! (create, change, delete). Texts are plain text with placeholders, filled for one ticket
//! and the agent sending it by [`preview`].

use super::autoresponder::text;
use super::caller::Caller;
use super::request::RequestError;
use super::validation;
use crate::domain::{Actor, Language, SavedReply};
use crate::ids::{SavedReplyId, TicketId};
use crate::ports::Ports;
use crate::repo::{customers, integrations, is_conflict, saved_replies, tickets};
use serde::{Deserialize, Serialize};

/// Longest title.
pub const MAX_TITLE_CHARS: usize = 100;
/// Longest text (Allegro issues' limit; shorter conversations check their own on sending).
pub const MAX_TEXT_CHARS: usize = 20000;
/// Most saved replies of one tenant (keeps the list one bounded read).
pub const MAX_SAVED_REPLIES: usize = 500;
/// How often a lost optimistic-update race is retried before answering 409.
const ATTEMPTS: usize = 5;

/// The body of `POST /v1/saved-replies`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewSavedReply {
    /// Short title.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub title: String,
    /// `pl` (default) or `en`.
    #[serde(default)]
    pub language: Language,
    /// Plain text (HTML is refused) with the placeholders `{buyer_login}`, `{buyer_name}`,
    /// `{order_id}`, `{shop_name}`, `{agent_name}`; any other `{word}` is refused.
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

/// The body of `PATCH /v1/saved-replies/{id}`: only what is given changes.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SavedReplyPatch {
    /// New title.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            nullable = false,
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub title: Option<String>,
    /// New language.
    // As its type, `Option` would be an `allOf` wrapper around the `$ref`; absent is allowed
    // (`serde(default)`), `null` is not.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Language))]
    pub language: Option<Language>,
    /// New text: plain text (HTML is refused) with the placeholders `{buyer_login}`,
    /// `{buyer_name}`, `{order_id}`, `{shop_name}`, `{agent_name}`; any other `{word}` is refused.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            nullable = false,
            min_length = 1,
            max_length = 20000,
            pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
        )
    )]
    pub text: Option<String>,
}

/// The query of `GET /v1/saved-replies`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct SavedReplyQuery {
    /// Only saved replies in this language.
    #[serde(default)]
    pub language: Option<Language>,
}

/// The tenant's saved replies.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedReplyList {
    /// By title.
    pub saved_replies: Vec<SavedReply>,
}

/// A saved reply filled in for one ticket and agent.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preview {
    /// The saved reply's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub saved_reply_id: SavedReplyId,
    /// The text with every placeholder filled, ready to edit and send.
    pub text: String,
}

fn check_title(title: &str) -> Result<String, RequestError> {
    validation::label("title", title, MAX_TITLE_CHARS)?;
    Ok(title.trim().to_owned())
}

/// Plain text whose placeholders are all known; unknown ones are named.
fn check_text(text: &str) -> Result<(), RequestError> {
    validation::plain_text("text", text, MAX_TEXT_CHARS)?;
    let unknown = text::unknown_placeholders_among(text, text::SAVED_REPLY_PLACEHOLDERS);
    if unknown.is_empty() {
        return Ok(());
    }
    Err(RequestError::invalid(
        "text",
        format!(
            "unknown placeholder {}; use {}",
            unknown.join(", "),
            text::SAVED_REPLY_PLACEHOLDERS
                .iter()
                .map(|p| format!("{{{p}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

/// Creates a saved reply of the caller's tenant.
pub async fn create(
    ports: &Ports,
    caller: &Caller,
    request: NewSavedReply,
) -> Result<SavedReply, RequestError> {
    let title = check_title(&request.title)?;
    check_text(&request.text)?;
    let store = &*ports.store;
    if saved_replies::list(store, &caller.tenant_id).await?.len() >= MAX_SAVED_REPLIES {
        return Err(RequestError::WrongState {
            code: "too_many_saved_replies",
            message: format!(
                "a tenant keeps at most {MAX_SAVED_REPLIES} saved replies; delete unused ones"
            ),
        });
    }
    let now = ports.clock.now();
    let reply = SavedReply {
        id: SavedReplyId::generate(),
        tenant_id: caller.tenant_id.clone(),
        title,
        language: request.language,
        text: request.text,
        created_at: now,
        created_by: Some(caller.actor.clone()),
        updated_at: now,
        updated_by: Some(caller.actor.clone()),
    };
    saved_replies::create(store, &reply).await?;
    // change committed: saved_reply.created
    Ok(reply)
}

/// The tenant's saved replies by title, optionally of one language.
pub async fn list(
    ports: &Ports,
    caller: &Caller,
    query: &SavedReplyQuery,
) -> Result<SavedReplyList, RequestError> {
    let mut all = saved_replies::list(&*ports.store, &caller.tenant_id).await?;
    all.retain(|r| query.language.is_none_or(|language| r.language == language));
    all.sort_by(|a, b| {
        a.title
            .to_lowercase()
            .cmp(&b.title.to_lowercase())
            .then_with(|| a.id.as_str().cmp(b.id.as_str()))
    });
    Ok(SavedReplyList { saved_replies: all })
}

/// One saved reply of the tenant.
pub async fn get(
    ports: &Ports,
    caller: &Caller,
    id: &SavedReplyId,
) -> Result<SavedReply, RequestError> {
    saved_replies::get(&*ports.store, &caller.tenant_id, id)
        .await?
        .map(|v| v.value)
        .ok_or(RequestError::NotFound("saved reply"))
}

/// Changes a saved reply.
pub async fn update(
    ports: &Ports,
    caller: &Caller,
    id: &SavedReplyId,
    patch: SavedReplyPatch,
) -> Result<SavedReply, RequestError> {
    let title = patch.title.as_deref().map(check_title).transpose()?;
    if let Some(text) = &patch.text {
        check_text(text)?;
    }
    let store = &*ports.store;
    for _ in 0..ATTEMPTS {
        let stored = saved_replies::get(store, &caller.tenant_id, id)
            .await?
            .ok_or(RequestError::NotFound("saved reply"))?;
        let mut next = stored.value.clone();
        if let Some(title) = &title {
            next.title = title.clone();
        }
        if let Some(language) = patch.language {
            next.language = language;
        }
        if let Some(text) = &patch.text {
            next.text = text.clone();
        }
        if next == stored.value {
            return Ok(next);
        }
        next.updated_at = ports.clock.now();
        next.updated_by = Some(caller.actor.clone());
        match saved_replies::update(store, &next, stored.version).await {
            // change committed: saved_reply.updated (before: stored.value, after: next)
            Ok(()) => return Ok(next),
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(RequestError::Conflict(
        "the saved reply kept changing; try again".into(),
    ))
}

/// Deletes a saved reply.
pub async fn delete(ports: &Ports, caller: &Caller, id: &SavedReplyId) -> Result<(), RequestError> {
    let store = &*ports.store;
    for _ in 0..ATTEMPTS {
        let stored = saved_replies::get(store, &caller.tenant_id, id)
            .await?
            .ok_or(RequestError::NotFound("saved reply"))?;
        match saved_replies::delete(store, &caller.tenant_id, id, stored.version).await {
            // change committed: saved_reply.deleted (before: stored.value)
            Ok(()) => return Ok(()),
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(RequestError::Conflict(
        "the saved reply kept changing; try again".into(),
    ))
}

/// The saved reply filled in for a ticket and the caller: the buyer's login, the linked
/// customer's name (else the login), the order id, the integration's display name and the
/// caller's name; what is not known becomes "-".
pub async fn preview(
    ports: &Ports,
    caller: &Caller,
    ticket_id: &TicketId,
    id: &SavedReplyId,
) -> Result<Preview, RequestError> {
    let store = &*ports.store;
    let tenant = &caller.tenant_id;
    let ticket = tickets::get(store, tenant, ticket_id)
        .await?
        .ok_or(RequestError::NotFound("ticket"))?
        .value;
    let saved = get(ports, caller, id).await?;
    let shop_name = integrations::get(store, tenant, &ticket.integration_id)
        .await?
        .map(|v| v.value.display_name)
        .unwrap_or_else(|| "-".into());
    let customer_name = match &ticket.customer_id {
        Some(customer) => customers::get(store, tenant, customer)
            .await?
            .map(|v| v.value.name)
            .filter(|name| !name.trim().is_empty()),
        None => None,
    };
    let buyer_name = customer_name.unwrap_or_else(|| ticket.buyer_login.clone());
    let agent_name = Actor::display_name(&caller.actor).unwrap_or_else(|| "-".into());
    let filled = text::fill(
        &saved.text,
        &[
            ("buyer_login", ticket.buyer_login.as_str()),
            ("buyer_name", buyer_name.as_str()),
            ("order_id", ticket.order_id.as_deref().unwrap_or("-")),
            ("shop_name", shop_name.as_str()),
            ("agent_name", agent_name.as_str()),
        ],
    );
    Ok(Preview {
        saved_reply_id: saved.id,
        text: filled,
    })
}
