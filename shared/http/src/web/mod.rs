//! The agent web workspace: server-rendered pages (askama templates, checked at compile
//! time) on the same router as the API. Page handlers call `marketdesk-core` services as the
//! JSON routes do; they only read the form, call a service and render or redirect.
//!
//! - Sign-in with the People sessions (`md_session` cookie); the pages of signed-in people
//!   take the [`Agent`] extractor, which sends everyone else to `/sign-in`.
//! - Every form carries a CSRF token in a hidden field, checked before anything is done: the
//!   session's token (`sessions::csrf_token`) on signed-in pages, a double-submit cookie on the
//!   sign-in form (no session exists yet).
//! - Polish by default; English when the user's language is `en` or the `md_lang` cookie
//!   (set by `/language/{code}`) says so ([`i18n`]).
//! - After a POST that changed something: 303 to a page, with a flash message (a cookie
//!   naming one of the fixed messages, shown once).
//! - Content-Security-Policy of pages: [`PAGE_POLICY`] (no inline script or style).

mod account;
mod account_log_section;
mod assets;
mod customers;
mod format;
mod i18n;
mod integration_settings;
mod list_filters;
mod notices;
mod offer_settings_section;
mod offers;
mod orders;
mod pages;
mod product_page;
mod products;
mod refusals;
mod reply_settings;
mod reply_tools;
mod saved_replies_page;
mod settings;
mod ticket_controls;
mod ticket_list;
mod views;
mod words;
mod workflow_form;

pub(crate) use settings::oauth_landing;

use crate::session;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use i18n::{Lang, Strings};
use marketdesk_core::services::caller::Caller;
use marketdesk_core::services::people::{sessions, users};

/// The Content-Security-Policy of the pages: only marketdesk's own files, images also as
/// `data:`, no framing. No `form-action`: connecting an Allegro account leaves for the
/// marketplace's authorization page.
pub const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; frame-ancestors 'none'";

/// Cookie holding the chosen language (`pl`, `en`).
const LANG_COOKIE: &str = "md_lang";
/// Cookie naming the flash message to show once.
const FLASH_COOKIE: &str = "md_flash";

/// The pages' routes (not part of the API's route table or its OpenAPI document).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/sign-in", get(pages::sign_in_form).post(pages::sign_in))
        .route("/sign-out", post(pages::sign_out))
        .route("/language/{code}", get(pages::language))
        .route("/assets/{name}", get(assets::serve))
        .route("/tickets", get(pages::tickets))
        .route("/tickets/rows", get(pages::ticket_rows))
        .route("/tickets/{id}", get(pages::ticket).post(pages::write))
        .route("/tickets/{id}/replies/{rid}/retry", post(pages::retry))
        .route("/tickets/{id}/workflow", post(workflow_form::update))
        .merge(customers::routes())
        .merge(products::routes())
        .merge(product_page::routes())
        .merge(offers::routes())
        .merge(orders::routes())
        .merge(saved_replies_page::routes())
        .merge(account::routes())
        .merge(settings::routes())
}

/// A person signed in with a session, as the pages need them.
pub(crate) struct Agent {
    /// Who they are (tenant, role, actor).
    pub caller: Caller,
    /// Their name, shown in the header.
    pub name: String,
    /// The CSRF token of their session, for the pages' forms.
    pub csrf: String,
    /// The language of their pages.
    pub lang: Lang,
}

impl Agent {
    /// Whether `presented` is this session's CSRF token.
    fn csrf_ok(&self, presented: &str) -> bool {
        marketdesk_core::services::people::secrets::constant_time_eq(&self.csrf, presented)
    }
}

/// The language the request asks for with the `md_lang` cookie, if any.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.trim().to_owned())
}

/// The language chosen with the switch, if any.
fn chosen_lang(headers: &HeaderMap) -> Option<Lang> {
    cookie(headers, LANG_COOKIE).and_then(|code| Lang::from_code(&code))
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let to_sign_in = || Redirect::to("/sign-in").into_response();
        let Some(token) = session::cookie_token(&parts.headers) else {
            return Err(to_sign_in());
        };
        let caller = match sessions::authenticate(&state.ports, &state.people, &token).await {
            Ok(Some(caller)) => caller,
            Ok(None) => {
                let mut response = to_sign_in();
                response.headers_mut().insert(
                    header::SET_COOKIE,
                    session::clearing_cookie(session::is_https(state, &parts.headers)),
                );
                return Err(response);
            }
            Err(error) => return Err(unavailable(chosen_lang(&parts.headers), &error)),
        };
        let user = match caller.actor.user_id() {
            Some(id) => users::get(&state.ports, &caller.tenant_id, id).await.ok(),
            None => None,
        };
        let lang = chosen_lang(&parts.headers)
            .or_else(|| user.as_ref().map(|u| u.language.into()))
            .unwrap_or(Lang::Pl);
        Ok(Agent {
            name: caller.actor.display_name().unwrap_or_default(),
            csrf: sessions::csrf_token(&token),
            caller,
            lang,
        })
    }
}

/// The answer when a backing service failed: a page saying so (details only in the log).
fn unavailable(lang: Option<Lang>, error: &dyn std::fmt::Display) -> Response {
    tracing::warn!(%error, "a page could not be served");
    let t = lang.unwrap_or(Lang::Pl).strings();
    (
        StatusCode::SERVICE_UNAVAILABLE,
        page_headers(),
        Html(format!(
            "<!doctype html><html lang=\"{}\"><meta charset=\"utf-8\"><title>marketdesk</title><p>{}</p></html>",
            t.lang.code(),
            t.unavailable
        )),
    )
        .into_response()
}

/// The headers every page carries (the edge layer adds the rest).
fn page_headers() -> [(header::HeaderName, HeaderValue); 1] {
    [(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    )]
}

/// What the frame of every page shows: title, language switch, the signed-in person.
pub(crate) struct Layout {
    /// `<html lang>`.
    pub lang: &'static str,
    /// The page's title.
    pub title: String,
    /// The stylesheet's path.
    pub css: String,
    /// The script's path.
    pub js: String,
    /// The signed-in person's name (none on the sign-in page).
    pub user: Option<String>,
    /// The CSRF token for the sign-out form (none on the sign-in page).
    pub csrf: Option<String>,
    /// Where the language switch goes.
    pub switch_href: String,
    /// The other language's code.
    pub other_lang: &'static str,
    /// The other language's name, in that language.
    pub other_lang_name: &'static str,
    /// A message about what was just done.
    pub flash: Option<&'static str>,
    /// A message about what could not be done.
    pub error: Option<String>,
    /// The settings pages' links (admins only).
    pub settings_links: Vec<NavLink>,
    /// What the link to the customers says (signed-in people only).
    pub customers_link: Option<&'static str>,
    /// What the link to the products says (signed-in people only).
    pub products_link: Option<&'static str>,
    /// What the link to the orders says (signed-in people only).
    pub orders_link: Option<&'static str>,
    /// What the link to the offers says (signed-in people only).
    pub offers_link: Option<&'static str>,
}

/// A link of the navigation.
pub(crate) struct NavLink {
    /// Where it goes.
    pub href: &'static str,
    /// What it says.
    pub label: &'static str,
}

impl Layout {
    /// The frame for `lang`, signed in as `agent` (if any), coming back to `here` after a
    /// language switch.
    fn new(lang: Lang, title: impl Into<String>, here: &str, agent: Option<&Agent>) -> Self {
        let other = lang.other();
        Self {
            lang: lang.code(),
            title: title.into(),
            css: assets::CSS.path(),
            js: assets::JS.path(),
            user: agent.map(|a| a.name.clone()),
            csrf: agent.map(|a| a.csrf.clone()),
            switch_href: format!(
                "/language/{}?back={}",
                other.code(),
                form_urlencoded::byte_serialize(here.as_bytes()).collect::<String>()
            ),
            other_lang: other.code(),
            other_lang_name: other.strings().language_name,
            flash: None,
            error: None,
            customers_link: agent.map(|_| customers::words(lang).customers),
            products_link: agent.map(|_| products::words(lang).products),
            orders_link: agent.map(|_| orders::words(lang).orders),
            offers_link: agent.map(|_| offers::words(lang).offers),
            settings_links: match agent {
                Some(agent) if agent.caller.role.is_admin() => settings::nav(lang),
                _ => Vec::new(),
            },
        }
    }
}

/// The flash messages, by the code kept in the cookie.
fn flash_text(t: &'static Strings, code: &str) -> Option<&'static str> {
    match code {
        "reply_queued" => Some(t.reply_queued),
        "comment_added" => Some(t.comment_added),
        "retry_queued" => Some(t.retry_queued),
        "signed_out" => Some(t.signed_out),
        _ => words::flash(t.lang, code)
            .or_else(|| ticket_controls::flash(t.lang, code))
            .or_else(|| customers::flash(t.lang, code))
            .or_else(|| orders::flash(t.lang, code))
            .or_else(|| offers::flash(t.lang, code))
            .or_else(|| saved_replies_page::flash(t.lang, code)),
    }
}

/// The flash message of the request (shown once: the answer clears the cookie).
fn take_flash(headers: &HeaderMap, t: &'static Strings) -> Option<&'static str> {
    cookie(headers, FLASH_COOKIE).and_then(|code| flash_text(t, &code))
}

/// A page: its HTML, the page policy and, when a flash was shown, the cookie cleared.
fn render(html: Result<String, askama::Error>, status: StatusCode, flash_shown: bool) -> Response {
    match html {
        Ok(html) => {
            let mut response = (status, page_headers(), Html(html)).into_response();
            if flash_shown {
                response.headers_mut().append(
                    header::SET_COOKIE,
                    HeaderValue::from_static(
                        "md_flash=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
                    ),
                );
            }
            response
        }
        Err(error) => {
            tracing::error!(%error, "a page template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// 303 to `to` with the flash message `code`.
fn redirect_with_flash(to: &str, code: &'static str) -> Response {
    let mut response = Redirect::to(to).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={code}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax"
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// One parameter of a query string, trimmed; empty when absent.
pub(crate) fn query_param(raw: Option<&str>, name: &str) -> String {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.trim().to_owned())
        .unwrap_or_default()
}

/// Whether `path` is a path of this site (so a redirect to it cannot leave the site).
fn is_local_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.contains(['\\', '\r', '\n'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_local() {
        assert!(is_local_path("/tickets?source=allegro"));
        assert!(!is_local_path("//evil.example/"));
        assert!(!is_local_path("https://evil.example/"));
        assert!(!is_local_path("/\\evil.example"));
        assert!(!is_local_path(""));
    }

    #[test]
    fn unknown_flash_codes_show_nothing() {
        let t = Lang::Pl.strings();
        assert_eq!(flash_text(t, "reply_queued"), Some(t.reply_queued));
        assert_eq!(flash_text(t, "<script>"), None);
    }
}
