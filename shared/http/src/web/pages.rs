//! The page handlers: read the form, check its CSRF token, call a core service, then render
//! or redirect (303, with a flash message).

use super::i18n::{Lang, Strings};
use super::notices::{forbidden, not_found};
use super::reply_tools;
use super::ticket_controls::{self, ControlsForm};
use super::ticket_list::{self, ListForm};
use super::views::{self, Draft, SignInPage, TicketsPage};
use super::{
    chosen_lang, cookie, is_local_path, redirect_with_flash, render, take_flash, unavailable,
    Agent, Layout, LANG_COOKIE,
};
use crate::session;
use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Multipart, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use marketdesk_core::ids::{self, MessageId, TicketId};
use marketdesk_core::services::comments::{self, NewComment};
use marketdesk_core::services::people::secrets;
use marketdesk_core::services::people::sessions::{self, SignIn, SignInError};
use marketdesk_core::services::replies::{self, NewAttachment, NewReply};
use marketdesk_core::services::request::RequestError;
use marketdesk_core::services::validation::looks_like_html;
use marketdesk_core::services::views as views_service;
use marketdesk_core::services::workspace;
use secrecy::SecretString;
use serde::Deserialize;
use std::net::SocketAddr;

/// Cookie with the sign-in form's CSRF token (double submit: no session exists yet).
const SIGN_IN_COOKIE: &str = "md_signin";
/// Prefix of the sign-in form's token.
const SIGN_IN_PREFIX: &str = "mdf_";

/// `GET /`: the tickets for people signed in, else the sign-in page.
pub(crate) async fn home(agent: Result<Agent, Response>) -> Response {
    match agent {
        Ok(_) => Redirect::to("/tickets").into_response(),
        Err(_) => Redirect::to("/sign-in").into_response(),
    }
}

/// The sign-in page with `error`, its CSRF token (the cookie's, or a new one set here).
fn sign_in_page(
    headers: &HeaderMap,
    state: &AppState,
    status: StatusCode,
    email: String,
    error: Option<&'static str>,
) -> Response {
    let lang = chosen_lang(headers).unwrap_or(Lang::Pl);
    let t = lang.strings();
    let existing =
        cookie(headers, SIGN_IN_COOKIE).filter(|token| secrets::well_formed(SIGN_IN_PREFIX, token));
    let (csrf, fresh) = match existing {
        Some(token) => (token, false),
        None => match secrets::generate(SIGN_IN_PREFIX) {
            Ok(token) => (token, true),
            Err(error) => return unavailable(Some(lang), &error),
        },
    };
    let flash = take_flash(headers, t);
    let mut l = Layout::new(lang, t.sign_in_title, "/sign-in", None);
    l.flash = flash;
    l.error = error.map(str::to_owned);
    let page = SignInPage {
        l,
        t,
        w: super::words::words(lang),
        csrf: csrf.clone(),
        email,
    };
    let mut response = render(page.render(), status, flash.is_some());
    if fresh {
        let secure = if session::is_https(state, headers) {
            "; Secure"
        } else {
            ""
        };
        if let Ok(value) = HeaderValue::from_str(&format!(
            "{SIGN_IN_COOKIE}={csrf}; Path=/sign-in; HttpOnly; SameSite=Strict{secure}"
        )) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// `GET /sign-in`.
pub(crate) async fn sign_in_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    sign_in_page(&headers, &state, StatusCode::OK, String::new(), None)
}

/// The sign-in form.
#[derive(Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `POST /sign-in`: opens a session and goes to the tickets.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let t = chosen_lang(&headers).unwrap_or(Lang::Pl).strings();
    let expected = cookie(&headers, SIGN_IN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !secrets::constant_time_eq(&expected, &form.csrf) {
        return sign_in_page(
            &headers,
            &state,
            StatusCode::FORBIDDEN,
            form.email,
            Some(t.form_expired),
        );
    }
    let client = session::client_address(&headers, peer.as_ref().map(|Extension(info)| info));
    let request = SignIn {
        email: form.email.clone(),
        password: SecretString::from(form.password),
    };
    match sessions::sign_in(&state.ports, &state.people, request, client.as_deref()).await {
        Ok(opened) => {
            let cookie = session::session_cookie(
                &opened.token,
                state.people.session_lifetime.num_seconds(),
                session::is_https(&state, &headers),
            );
            let mut response = Redirect::to("/tickets").into_response();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Err(SignInError::Rejected) | Err(SignInError::Request(RequestError::Invalid { .. })) => {
            sign_in_page(
                &headers,
                &state,
                StatusCode::UNAUTHORIZED,
                form.email,
                Some(t.sign_in_rejected),
            )
        }
        Err(SignInError::Throttled { .. }) => sign_in_page(
            &headers,
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            form.email,
            Some(t.sign_in_throttled),
        ),
        Err(SignInError::Request(error)) => unavailable(chosen_lang(&headers), &error),
    }
}

/// A form whose only field is the CSRF token.
#[derive(Deserialize)]
pub(crate) struct TokenForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /sign-out`.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    if !agent.csrf_ok(&form.csrf) {
        return forbidden(&agent);
    }
    if let Err(error) = sessions::sign_out(&state.ports, &agent.caller).await {
        return unavailable(Some(agent.lang), &error);
    }
    let mut response = redirect_with_flash("/sign-in", "signed_out");
    response.headers_mut().append(
        header::SET_COOKIE,
        session::clearing_cookie(session::is_https(&state, &headers)),
    );
    response
}

/// `GET /language/{code}?back=/path`: keeps the choice in a cookie and goes back.
pub(crate) async fn language(Path(code): Path<String>, RawQuery(query): RawQuery) -> Response {
    let back = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == "back")
        .map(|(_, value)| value.into_owned())
        .filter(|path| is_local_path(path))
        .unwrap_or_else(|| "/".to_owned());
    let mut response = Redirect::to(&back).into_response();
    if let Some(lang) = Lang::from_code(&code) {
        if let Ok(value) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        )) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// One page of the list's rows as shown, the accounts for the filter, or the answer to give
/// instead (a redirect when the cursor or view came from elsewhere, or a failure).
async fn list_rows(
    state: &AppState,
    agent: &Agent,
    form: &ListForm,
) -> Result<(Vec<views::RowView>, Option<String>, Vec<(String, String)>), Response> {
    let t = agent.lang.strings();
    let query = form.query();
    let page = match workspace::rows(&state.ports, &agent.caller, &query, form.search()).await {
        Ok(page) => page,
        // A cursor from elsewhere: the first page; an unknown view or a search with nothing to
        // search for: the same list without it.
        Err(RequestError::Invalid { field, .. }) => {
            let mut fixed = ListForm {
                cursor: String::new(),
                ..form.clone()
            };
            match field.as_str() {
                "cursor" if !form.cursor.is_empty() => {}
                "q" if !form.q.is_empty() => fixed.q.clear(),
                "view" if !form.view.is_empty() => fixed.view.clear(),
                _ => fixed = ListForm::default(),
            }
            return Err(Redirect::to(&fixed.href(None)).into_response());
        }
        Err(error) => return Err(unavailable(Some(agent.lang), &error)),
    };
    let people = ticket_controls::people(state, agent)
        .await
        .map_err(|error| unavailable(Some(agent.lang), &error))?;
    let now = state.ports.clock.now();
    let next = page.next_cursor.as_deref().map(|c| form.href(Some(c)));
    let rows = page
        .rows
        .into_iter()
        .map(|r| views::row(t, r, now, &people))
        .collect();
    Ok((rows, next, page.accounts))
}

/// `GET /tickets`: the views with their counts, the search box, the filters and the list.
pub(crate) async fn tickets(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let form: ListForm =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let t = agent.lang.strings();
    let (rows, next_href, accounts) = match list_rows(&state, &agent, &form).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    // A tenant with no tickets and no integration yet: the first-run page instead.
    if rows.is_empty() && form.href(None) == "/tickets" && form.cursor.is_empty() {
        if let Some(first_run) = super::settings::first_run(&state, &agent).await {
            return first_run;
        }
    }
    let counts = match views_service::list(&state.ports, &agent.caller).await {
        Ok(list) => list.views,
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let people = match ticket_controls::people(&state, &agent).await {
        Ok(people) => people,
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let flash = take_flash(&headers, t);
    let mut l = Layout::new(agent.lang, t.tickets, &form.href(None), Some(&agent));
    l.flash = flash;
    let query = form.query();
    let [sources, statuses, needs_reply, last_author, delivery] = views::filter_choices(t, &query);
    let view = Some(form.view.as_str()).filter(|v| !v.is_empty());
    let more = super::list_filters::more(agent.lang, &form, &accounts, &people, &counts);
    let html = TicketsPage {
        l,
        t,
        sources,
        statuses,
        needs_reply,
        last_author,
        delivery,
        rows,
        next_href,
        lw: ticket_list::words(agent.lang),
        view_links: ticket_list::nav(agent.lang, &counts, view, |name| {
            ListForm {
                view: name.unwrap_or_default().to_owned(),
                cursor: String::new(),
                ..form.clone()
            }
            .href(None)
        }),
        sort_links: super::list_filters::sorts(agent.lang, &form),
        q: form.q.clone(),
        more,
        rows_href: form.href_at(
            "/tickets/rows",
            Some(&form.cursor)
                .filter(|c| !c.is_empty())
                .map(|c| c.as_str()),
        ),
    }
    .render();
    render(html, StatusCode::OK, flash.is_some())
}

/// `GET /tickets/rows`: the rows of the same list alone, for the page's live update.
pub(crate) async fn ticket_rows(
    State(state): State<AppState>,
    agent: Agent,
    RawQuery(raw): RawQuery,
) -> Response {
    let form: ListForm =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let (rows, _, _) = match list_rows(&state, &agent, &form).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let t = agent.lang.strings();
    let mut response = render(
        views::RowsFragment { t, rows }.render(),
        StatusCode::OK,
        false,
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The ticket page with `draft` in its reply box.
async fn ticket_page(
    state: &AppState,
    agent: &Agent,
    headers: &HeaderMap,
    id: &TicketId,
    draft: Draft,
    status: StatusCode,
) -> Response {
    ticket_page_with(state, agent, headers, id, draft, None, status).await
}

/// The ticket page with `draft` in its reply box and, after a refused change of the
/// workflow controls, what was typed there with the refusal.
pub(crate) async fn ticket_page_with(
    state: &AppState,
    agent: &Agent,
    headers: &HeaderMap,
    id: &TicketId,
    draft: Draft,
    typed: Option<(ControlsForm, String)>,
    status: StatusCode,
) -> Response {
    let t = agent.lang.strings();
    let loaded = workspace::ticket(&state.ports, &agent.caller.tenant_id, id).await;
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(RequestError::NotFound(_)) => return not_found(agent),
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let people = match ticket_controls::people(state, agent).await {
        Ok(people) => people,
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let controls = ticket_controls::controls(
        agent.lang,
        &loaded.detail.ticket,
        &people,
        state.ports.clock.now(),
        typed,
    );
    let saved = match reply_tools::saved_replies(state, agent).await {
        Ok(saved) => saved,
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let flash = take_flash(headers, t);
    let mut l = Layout::new(
        agent.lang,
        loaded.detail.ticket.subject.clone(),
        &format!("/tickets/{id}"),
        Some(agent),
    );
    l.flash = flash;
    let page = views::ticket_page(l, t, agent.csrf.clone(), loaded, draft, controls, saved);
    render(page.render(), status, flash.is_some())
}

/// `GET /tickets/{id}`; with `?saved=<saved reply id>` the reply box holds that saved reply
/// filled in for this ticket (nothing is stored).
pub(crate) async fn ticket(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if !ids::is_well_formed(&id) {
        return not_found(&agent);
    }
    let id = TicketId(id);
    let chosen = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == "saved")
        .map(|(_, value)| value.into_owned())
        .filter(|value| !value.is_empty());
    let (draft, status) = match chosen {
        None => (Draft::default(), StatusCode::OK),
        Some(saved) => match reply_tools::fill(&state, &agent, &id, &saved).await {
            Ok(text) => (
                Draft {
                    text,
                    saved_reply: Some(saved),
                    ..Draft::default()
                },
                StatusCode::OK,
            ),
            Err(Some(message)) => (
                Draft {
                    error: Some(message),
                    ..Draft::default()
                },
                StatusCode::NOT_FOUND,
            ),
            Err(None) => return unavailable(Some(agent.lang), &"saved reply preview"),
        },
    };
    ticket_page(&state, &agent, &headers, &id, draft, status).await
}

/// What the reply box sent.
#[derive(Default)]
struct Written {
    csrf: String,
    comment: bool,
    text: String,
    ask_to_confirm: bool,
    file: Option<NewAttachment>,
}

/// Reads the reply box's multipart form.
async fn read_written(
    mut multipart: Multipart,
) -> Result<Written, axum::extract::multipart::MultipartError> {
    let mut written = Written::default();
    while let Some(field) = multipart.next_field().await? {
        match field.name().unwrap_or_default() {
            "csrf" => written.csrf = field.text().await?,
            "mode" => written.comment = field.text().await? == "comment",
            "text" => written.text = field.text().await?,
            "ask_to_confirm" => written.ask_to_confirm = !field.text().await?.is_empty(),
            "attachment" => {
                let filename = field.file_name().unwrap_or_default().to_owned();
                let content_type = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                let data = field.bytes().await?;
                // A file input left empty sends a part without a name or bytes.
                if !filename.is_empty() && !data.is_empty() {
                    written.file = Some(NewAttachment {
                        filename,
                        content_type,
                        data_base64: STANDARD.encode(&data),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(written)
}

/// Why a write was refused, in the page's language, or `None` when it is no refusal (a
/// failure of the service).
fn refusal(t: &Strings, error: &RequestError, text: &str) -> Option<String> {
    match error {
        RequestError::Invalid { field, .. } if field == "text" && looks_like_html(text) => {
            Some(t.html_refused.to_owned())
        }
        RequestError::Invalid { field, .. } if field == "text" && text.trim().is_empty() => {
            Some(t.text_empty.to_owned())
        }
        other => super::refusals::explain(t.lang, other)
            .map(|reason| format!("{}: {reason}", t.not_sent)),
    }
}

/// `POST /tickets/{id}`: a reply to the buyer (with at most one file) or an internal comment.
pub(crate) async fn write(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    if !ids::is_well_formed(&id) {
        return not_found(&agent);
    }
    let Ok(multipart) = multipart else {
        return forbidden(&agent);
    };
    let written = match read_written(multipart).await {
        Ok(written) => written,
        Err(error) => {
            tracing::info!(%error, "an unreadable reply form");
            return forbidden(&agent);
        }
    };
    if !agent.csrf_ok(&written.csrf) {
        return forbidden(&agent);
    }
    let ticket_id = TicketId(id);
    let tenant = &agent.caller.tenant_id;
    let actor = Some(&agent.caller.actor);
    let outcome = if written.comment {
        let comment = NewComment {
            text: written.text.clone(),
        };
        comments::add(&state.ports, tenant, &ticket_id, actor, comment)
            .await
            .map(|_| "comment_added")
    } else {
        let reply = NewReply {
            text: written.text.clone(),
            attachment: written.file,
            ask_to_confirm: written.ask_to_confirm,
        };
        replies::submit(&state.ports, tenant, &ticket_id, actor, reply)
            .await
            .map(|_| "reply_queued")
    };
    match outcome {
        Ok(flash) => redirect_with_flash(&format!("/tickets/{ticket_id}"), flash),
        Err(RequestError::NotFound(_)) => not_found(&agent),
        Err(error) => match refusal(agent.lang.strings(), &error, &written.text) {
            Some(message) => {
                let draft = Draft {
                    text: written.text,
                    comment: written.comment,
                    error: Some(message),
                    saved_reply: None,
                };
                ticket_page(
                    &state,
                    &agent,
                    &headers,
                    &ticket_id,
                    draft,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => unavailable(Some(agent.lang), &error),
        },
    }
}

/// `POST /tickets/{id}/replies/{rid}/retry`: sends a failed reply again.
pub(crate) async fn retry(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path((id, rid)): Path<(String, String)>,
    Form(form): Form<TokenForm>,
) -> Response {
    if !ids::is_well_formed(&id) || !ids::is_well_formed(&rid) {
        return not_found(&agent);
    }
    if !agent.csrf_ok(&form.csrf) {
        return forbidden(&agent);
    }
    let ticket_id = TicketId(id);
    let retried = replies::retry(
        &state.ports,
        &agent.caller.tenant_id,
        &ticket_id,
        Some(&agent.caller.actor),
        &MessageId(rid),
    )
    .await;
    match retried {
        Ok(_) => redirect_with_flash(&format!("/tickets/{ticket_id}"), "retry_queued"),
        Err(RequestError::NotFound(_)) => not_found(&agent),
        Err(error) => match refusal(agent.lang.strings(), &error, "") {
            Some(message) => {
                let draft = Draft {
                    error: Some(message),
                    ..Draft::default()
                };
                ticket_page(
                    &state,
                    &agent,
                    &headers,
                    &ticket_id,
                    draft,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => unavailable(Some(agent.lang), &error),
        },
    }
}
