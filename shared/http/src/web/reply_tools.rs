//! What the reply box offers beside the text: the tenant's saved replies in the agent's
//! language (a GET form: "use" shows the ticket again with the reply filled in by
//! `services::saved_replies::preview`, so it works without JavaScript) and the account's
//! signature, shown as what will be appended.

use super::i18n::Lang;
use super::Agent;
use crate::AppState;
use marketdesk_core::domain::{Language, SavedReply};
use marketdesk_core::ids::{SavedReplyId, TicketId};
use marketdesk_core::services::request::RequestError;
use marketdesk_core::services::saved_replies::{self, SavedReplyQuery};

/// The words of the saved replies and the signature (Polish first).
pub(crate) struct ToolWords {
    pub saved_reply: &'static str,
    pub use_saved: &'static str,
    pub no_saved: &'static str,
    pub saved_missing: &'static str,
    pub signature: &'static str,
}

static PL: ToolWords = ToolWords {
    saved_reply: "Gotowa odpowiedź",
    use_saved: "Wstaw do treści",
    no_saved: "Brak gotowych odpowiedzi w tym języku.",
    saved_missing: "Tej gotowej odpowiedzi już nie ma.",
    signature: "Pod odpowiedzią zostanie dodany podpis konta:",
};

static EN: ToolWords = ToolWords {
    saved_reply: "Saved reply",
    use_saved: "Put in the text",
    no_saved: "No saved replies in this language.",
    saved_missing: "This saved reply no longer exists.",
    signature: "The account's signature will be appended to the reply:",
};

/// The words in `lang`.
pub(crate) fn words(lang: Lang) -> &'static ToolWords {
    match lang {
        Lang::Pl => &PL,
        Lang::En => &EN,
    }
}

/// One saved reply of the select.
pub(crate) struct SavedChoice {
    pub id: String,
    pub title: String,
    pub selected: bool,
}

/// The reply box's saved replies and signature.
pub(crate) struct ReplyTools {
    pub w: &'static ToolWords,
    /// Where "use" goes (the ticket page, GET).
    pub action: String,
    pub saved: Vec<SavedChoice>,
    /// The account's signature, appended when the reply is stored.
    pub signature: Option<String>,
}

/// The tenant's saved replies in the agent's language.
pub(crate) async fn saved_replies(
    state: &AppState,
    agent: &Agent,
) -> Result<Vec<SavedReply>, RequestError> {
    let language = match agent.lang {
        Lang::Pl => Language::Pl,
        Lang::En => Language::En,
    };
    let query = SavedReplyQuery {
        language: Some(language),
    };
    Ok(saved_replies::list(&state.ports, &agent.caller, &query)
        .await?
        .saved_replies)
}

/// The saved reply `id` filled in for the ticket and agent; `Err` with the refusal to show
/// when it does not exist (`None` when the service failed).
pub(crate) async fn fill(
    state: &AppState,
    agent: &Agent,
    ticket: &TicketId,
    id: &str,
) -> Result<String, Option<String>> {
    let missing = || Some(words(agent.lang).saved_missing.to_owned());
    if !marketdesk_core::ids::is_well_formed(id) {
        return Err(missing());
    }
    let id = SavedReplyId(id.to_owned());
    match saved_replies::preview(&state.ports, &agent.caller, ticket, &id).await {
        Ok(preview) => Ok(preview.text),
        Err(RequestError::NotFound(_)) => Err(missing()),
        Err(error) => {
            tracing::warn!(%error, "a saved reply could not be filled in");
            Err(None)
        }
    }
}

/// The tools of the ticket `ticket`, `chosen` selected.
pub(crate) fn tools(
    lang: Lang,
    ticket: &TicketId,
    saved: Vec<SavedReply>,
    chosen: Option<&str>,
    signature: Option<String>,
) -> ReplyTools {
    ReplyTools {
        w: words(lang),
        action: format!("/tickets/{ticket}"),
        saved: saved
            .into_iter()
            .map(|r| SavedChoice {
                selected: chosen == Some(r.id.as_str()),
                id: r.id.to_string(),
                title: r.title,
            })
            .collect(),
        signature,
    }
}
