//! `/settings/saved-replies` (admins): the tenant's saved replies with their language, each
//! editable in place, a form to add one, and deletion after a confirmation. Handlers call
//! `services::saved_replies` as `/v1/saved-replies` does.

use super::i18n::{Lang, Strings};
use super::notices::{gate, refusal};
use super::{redirect_with_flash, render, take_flash, unavailable, Agent, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use marketdesk_core::domain::Language;
use marketdesk_core::ids::{self, SavedReplyId};
use marketdesk_core::services::autoresponder::text::SAVED_REPLY_PLACEHOLDERS;
use marketdesk_core::services::request::RequestError;
use marketdesk_core::services::saved_replies::{
    self, NewSavedReply, SavedReplyPatch, SavedReplyQuery,
};
use serde::Deserialize;

/// The page's address.
const HERE: &str = "/settings/saved-replies";

/// The routes of the page.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(HERE, get(show).post(create))
        .route("/settings/saved-replies/{id}", post(update))
        .route("/settings/saved-replies/{id}/delete", post(delete))
}

/// The words of the page (Polish first).
pub(crate) struct SavedWords {
    pub title: &'static str,
    pub intro: &'static str,
    pub none: &'static str,
    pub reply_title: &'static str,
    pub language: &'static str,
    pub text: &'static str,
    pub add: &'static str,
    pub add_heading: &'static str,
    pub save: &'static str,
    pub delete: &'static str,
    pub confirm_title: &'static str,
    pub confirm_delete: &'static str,
    pub cancel: &'static str,
    pub created: &'static str,
    pub saved: &'static str,
    pub deleted: &'static str,
}

static PL: SavedWords = SavedWords {
    title: "Gotowe odpowiedzi",
    intro: "Zwykły tekst; można użyć pól:",
    none: "Nie ma jeszcze gotowych odpowiedzi.",
    reply_title: "Tytuł",
    language: "Język",
    text: "Treść",
    add: "Dodaj",
    add_heading: "Nowa gotowa odpowiedź",
    save: "Zapisz",
    delete: "Usuń",
    confirm_title: "Usunąć tę gotową odpowiedź?",
    confirm_delete: "Usuń na stałe",
    cancel: "Anuluj",
    created: "Dodano gotową odpowiedź.",
    saved: "Zapisano gotową odpowiedź.",
    deleted: "Usunięto gotową odpowiedź.",
};

static EN: SavedWords = SavedWords {
    title: "Saved replies",
    intro: "Plain text; these fields can be used:",
    none: "No saved replies yet.",
    reply_title: "Title",
    language: "Language",
    text: "Text",
    add: "Add",
    add_heading: "A new saved reply",
    save: "Save",
    delete: "Delete",
    confirm_title: "Delete this saved reply?",
    confirm_delete: "Delete for good",
    cancel: "Cancel",
    created: "The saved reply was added.",
    saved: "The saved reply was saved.",
    deleted: "The saved reply was deleted.",
};

/// The words in `lang`.
pub(crate) fn words(lang: Lang) -> &'static SavedWords {
    match lang {
        Lang::Pl => &PL,
        Lang::En => &EN,
    }
}

/// The page's flash messages.
pub(crate) fn flash(lang: Lang, code: &str) -> Option<&'static str> {
    let w = words(lang);
    match code {
        "saved_reply_created" => Some(w.created),
        "saved_reply_saved" => Some(w.saved),
        "saved_reply_deleted" => Some(w.deleted),
        _ => None,
    }
}

/// A saved reply's form (also the new one's, with an empty `id`).
#[derive(Deserialize, Default, Clone)]
struct ReplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    text: String,
    /// `1` on the delete button's confirmation form.
    #[serde(default)]
    confirmed: String,
}

impl ReplyForm {
    fn language(&self) -> Language {
        if self.language == "en" {
            Language::En
        } else {
            Language::Pl
        }
    }
}

/// One saved reply as the page shows it.
struct Row {
    id: String,
    title: String,
    english: bool,
    text: String,
    /// Whether this one's deletion waits for a confirmation.
    confirming: bool,
}

/// The page.
#[derive(Template)]
#[template(path = "saved_replies.html")]
struct Page {
    l: Layout,
    t: &'static Strings,
    sw: &'static SavedWords,
    csrf: String,
    placeholders: String,
    rows: Vec<Row>,
    new_reply: Row,
}

/// The page, `typed` (id or empty for the new one, form) shown in place of what is stored.
async fn page(
    state: &AppState,
    agent: &Agent,
    headers: &HeaderMap,
    typed: Option<(String, ReplyForm)>,
    confirming: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let stored =
        match saved_replies::list(&state.ports, &agent.caller, &SavedReplyQuery::default()).await {
            Ok(list) => list.saved_replies,
            Err(error) => return unavailable(Some(agent.lang), &error),
        };
    let (t, sw) = (agent.lang.strings(), words(agent.lang));
    let flash = take_flash(headers, t);
    let mut l = Layout::new(agent.lang, sw.title, HERE, Some(agent));
    l.flash = flash;
    l.error = error;
    let shown = |id: &str, form: &ReplyForm| Row {
        id: id.to_owned(),
        title: form.title.clone(),
        english: form.language() == Language::En,
        text: form.text.clone(),
        confirming: confirming.as_deref() == Some(id) && !id.is_empty(),
    };
    let rows = stored
        .into_iter()
        .map(|r| match &typed {
            Some((id, form)) if *id == r.id.as_str() => shown(id, form),
            _ => Row {
                confirming: confirming.as_deref() == Some(r.id.as_str()),
                id: r.id.to_string(),
                title: r.title,
                english: r.language == Language::En,
                text: r.text,
            },
        })
        .collect();
    let new_reply = match &typed {
        Some((id, form)) if id.is_empty() => shown("", form),
        _ => shown(
            "",
            &ReplyForm {
                language: if agent.lang == Lang::En { "en" } else { "pl" }.to_owned(),
                ..ReplyForm::default()
            },
        ),
    };
    let html = Page {
        l,
        t,
        sw,
        csrf: agent.csrf.clone(),
        placeholders: SAVED_REPLY_PLACEHOLDERS
            .iter()
            .map(|p| format!("{{{p}}}"))
            .collect::<Vec<_>>()
            .join(", "),
        rows,
        new_reply,
    }
    .render();
    render(html, status, flash.is_some())
}

/// `GET /settings/saved-replies` (`?delete=<id>` asks to confirm a deletion).
async fn show(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Some(refused) = gate(&agent, None) {
        return refused;
    }
    let confirming = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "delete")
        .map(|(_, v)| v.into_owned());
    page(
        &state,
        &agent,
        &headers,
        None,
        confirming,
        None,
        StatusCode::OK,
    )
    .await
}

/// The page again after a refused change, or the failure.
async fn refused(
    state: &AppState,
    agent: &Agent,
    headers: &HeaderMap,
    typed: (String, ReplyForm),
    error: RequestError,
) -> Response {
    match (&error, refusal(agent.lang, &error)) {
        (RequestError::NotFound(_), _) => {
            let message = agent.lang.strings().not_found.to_owned();
            page(
                state,
                agent,
                headers,
                None,
                None,
                Some(message),
                StatusCode::NOT_FOUND,
            )
            .await
        }
        (_, Some(message)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(
                state,
                agent,
                headers,
                Some(typed),
                None,
                Some(message),
                status,
            )
            .await
        }
        (_, None) => unavailable(Some(agent.lang), &error),
    }
}

/// `POST /settings/saved-replies`: adds one.
async fn create(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Form(form): Form<ReplyForm>,
) -> Response {
    if let Some(refused) = gate(&agent, Some(&form.csrf)) {
        return refused;
    }
    let request = NewSavedReply {
        title: form.title.clone(),
        language: form.language(),
        text: form.text.clone(),
    };
    match saved_replies::create(&state.ports, &agent.caller, request).await {
        Ok(_) => redirect_with_flash(HERE, "saved_reply_created"),
        Err(error) => refused(&state, &agent, &headers, (String::new(), form), error).await,
    }
}

/// `POST /settings/saved-replies/{id}`: saves one.
async fn update(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ReplyForm>,
) -> Response {
    if let Some(refused) = gate(&agent, Some(&form.csrf)) {
        return refused;
    }
    if !ids::is_well_formed(&id) {
        return super::notices::not_found(&agent);
    }
    let patch = SavedReplyPatch {
        title: Some(form.title.clone()),
        language: Some(form.language()),
        text: Some(form.text.clone()),
    };
    let saved_id = SavedReplyId(id.clone());
    match saved_replies::update(&state.ports, &agent.caller, &saved_id, patch).await {
        Ok(_) => redirect_with_flash(HERE, "saved_reply_saved"),
        Err(error) => refused(&state, &agent, &headers, (id, form), error).await,
    }
}

/// `POST /settings/saved-replies/{id}/delete`: without `confirmed=1` the page asks first.
async fn delete(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ReplyForm>,
) -> Response {
    if let Some(refused) = gate(&agent, Some(&form.csrf)) {
        return refused;
    }
    if !ids::is_well_formed(&id) {
        return super::notices::not_found(&agent);
    }
    if form.confirmed != "1" {
        return page(
            &state,
            &agent,
            &headers,
            None,
            Some(id),
            None,
            StatusCode::OK,
        )
        .await;
    }
    let saved_id = SavedReplyId(id.clone());
    match saved_replies::delete(&state.ports, &agent.caller, &saved_id).await {
        Ok(()) => redirect_with_flash(HERE, "saved_reply_deleted"),
        Err(error) => refused(&state, &agent, &headers, (id, form), error).await,
    }
}
