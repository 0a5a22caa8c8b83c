//! Pages of one sentence that answer instead of the page asked for: not found, a form whose
//! CSRF token expired, a refusal for non-admins, and the words of a refused change.

use super::i18n::{Lang, Strings};
use super::words;
use super::{refusals, render, Agent, Layout};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use marketdesk_core::services::request::RequestError;

/// A page with one sentence (forbidden, not found, a refusal).
#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage {
    pub l: Layout,
    pub t: &'static Strings,
    pub text: String,
}

/// `status` with a page saying `text`.
pub(crate) fn notice(agent: &Agent, status: StatusCode, text: &str) -> Response {
    let t = agent.lang.strings();
    let page = MessagePage {
        l: Layout::new(agent.lang, text, "/tickets", Some(agent)),
        t,
        text: text.to_owned(),
    };
    render(page.render(), status, false)
}

/// The refusal of a non-admin, or of a form without the session's CSRF token.
pub(crate) fn gate(agent: &Agent, csrf: Option<&str>) -> Option<Response> {
    if !agent.caller.role.is_admin() {
        let w = words::words(agent.lang);
        return Some(notice(agent, StatusCode::FORBIDDEN, w.admins_only));
    }
    match csrf {
        Some(presented) if !agent.csrf_ok(presented) => Some(notice(
            agent,
            StatusCode::FORBIDDEN,
            agent.lang.strings().form_expired,
        )),
        _ => None,
    }
}

/// The words of a refused change: the last-admin rules in plain words, other rules with
/// the service's message; `None` for a failure of the service.
pub(crate) fn refusal(lang: Lang, error: &RequestError) -> Option<String> {
    let w = words::words(lang);
    match error {
        RequestError::WrongState {
            code: "last_admin", ..
        } => Some(w.last_admin.to_owned()),
        RequestError::WrongState {
            code: "last_admin_key",
            ..
        } => Some(w.last_admin_key.to_owned()),
        other => refusals::explain(lang, other).map(|reason| format!("{}: {reason}", w.not_saved)),
    }
}

/// The answer to a form whose CSRF token is wrong: nothing was done.
pub(crate) fn forbidden(agent: &Agent) -> Response {
    let t = agent.lang.strings();
    let page = MessagePage {
        l: Layout::new(agent.lang, t.not_sent, "/tickets", Some(agent)),
        t,
        text: t.form_expired.to_owned(),
    };
    render(page.render(), StatusCode::FORBIDDEN, false)
}

/// The page saying a ticket does not exist.
pub(crate) fn not_found(agent: &Agent) -> Response {
    let t = agent.lang.strings();
    let page = MessagePage {
        l: Layout::new(agent.lang, t.not_found, "/tickets", Some(agent)),
        t,
        text: t.not_found.to_owned(),
    };
    render(page.render(), StatusCode::NOT_FOUND, false)
}
