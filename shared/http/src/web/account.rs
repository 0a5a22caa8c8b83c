//! The pages people open from their e-mail or before signing in: accepting an invitation
//! (`/invitations/{token}`, the link `services::people::users` sends), asking for a password
//! reset (`/password-reset`, always the same answer) and choosing the new password
//! (`/password-resets/{token}`, the link `services::people::resets` sends).
//!
//! No session exists yet, so the forms' CSRF token is a double-submit cookie (`md_form`).

use super::i18n::{Lang, Strings};
use super::words::{self, Words};
use super::{chosen_lang, cookie, redirect_with_flash, render, take_flash, unavailable, Layout};
use crate::session;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use marketdesk_core::services::people::resets::{self, NewPassword, ResetRequest};
use marketdesk_core::services::people::secrets;
use marketdesk_core::services::people::users::{self, Acceptance};
use marketdesk_core::services::request::RequestError;
use secrecy::SecretString;
use serde::Deserialize;

/// Cookie with the public forms' CSRF token.
const FORM_COOKIE: &str = "md_form";
/// Prefix of that token.
const FORM_PREFIX: &str = "mdp_";

/// The routes of these pages (no session needed).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/invitations/{token}", get(invitation_form).post(accept))
        .route("/password-reset", get(reset_form).post(request_reset))
        .route(
            "/password-resets/{token}",
            get(new_password_form).post(set_password),
        )
}

/// Which of the three forms a page shows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Name and password.
    Invitation,
    /// E-mail address.
    ResetRequest,
    /// New password.
    NewPassword,
}

/// One of the public forms.
#[derive(Template)]
#[template(path = "account.html")]
pub(crate) struct AccountPage {
    pub l: Layout,
    pub t: &'static Strings,
    pub w: &'static Words,
    pub kind: Kind,
    /// Where the form posts.
    pub action: String,
    pub csrf: String,
    /// The name typed before (invitation).
    pub name: String,
    /// The address typed before (reset request).
    pub email: String,
}

impl AccountPage {
    fn is_invitation(&self) -> bool {
        self.kind == Kind::Invitation
    }
    fn is_reset_request(&self) -> bool {
        self.kind == Kind::ResetRequest
    }
}

/// What the forms send.
#[derive(Deserialize, Default)]
pub(crate) struct AccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Shows a form (`error`: why the last attempt failed), setting a fresh CSRF cookie if the
/// browser has none.
fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    kind: Kind,
    action: String,
    status: StatusCode,
    typed: &AccountForm,
    error: Option<String>,
) -> Response {
    let lang = chosen_lang(headers).unwrap_or(Lang::Pl);
    let (t, w) = (lang.strings(), words::words(lang));
    let existing =
        cookie(headers, FORM_COOKIE).filter(|token| secrets::well_formed(FORM_PREFIX, token));
    let (csrf, fresh) = match existing {
        Some(token) => (token, false),
        None => match secrets::generate(FORM_PREFIX) {
            Ok(token) => (token, true),
            Err(error) => return unavailable(Some(lang), &error),
        },
    };
    let title = match kind {
        Kind::Invitation => w.invitation_title,
        Kind::ResetRequest => w.reset_title,
        Kind::NewPassword => w.new_password_title,
    };
    // The language switch comes back to this page (the link's token is in its path already).
    let flash = take_flash(headers, t);
    let mut l = Layout::new(lang, title, &action, None);
    l.flash = flash;
    l.error = error;
    let page = AccountPage {
        l,
        t,
        w,
        kind,
        action,
        csrf: csrf.clone(),
        name: typed.name.clone(),
        email: typed.email.clone(),
    };
    let mut response = render(page.render(), status, flash.is_some());
    if fresh {
        let secure = if session::is_https(state, headers) {
            "; Secure"
        } else {
            ""
        };
        if let Ok(value) = HeaderValue::from_str(&format!(
            "{FORM_COOKIE}={csrf}; Path=/; HttpOnly; SameSite=Strict{secure}"
        )) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Whether the form carries the token of the browser's cookie.
fn csrf_ok(headers: &HeaderMap, form: &AccountForm) -> bool {
    let expected = cookie(headers, FORM_COOKIE).unwrap_or_default();
    !expected.is_empty() && secrets::constant_time_eq(&expected, &form.csrf)
}

/// The message for a refused form: a broken rule in words, a dead link, or `None` (a
/// failure of the service).
fn refusal(lang: Lang, error: &RequestError) -> Option<String> {
    let w = words::words(lang);
    match error {
        RequestError::Invalid { field, .. } if field == "password" => {
            Some(format!("{}: {}", w.not_saved, w.password_rule))
        }
        RequestError::Invalid { field, .. } if field == "token" || field == "link" => {
            Some(w.link_invalid.to_owned())
        }
        invalid @ RequestError::Invalid { .. } => super::refusals::explain(lang, invalid)
            .map(|reason| format!("{}: {reason}", w.not_saved)),
        RequestError::NotFound(_) | RequestError::WrongState { .. } => {
            Some(w.link_invalid.to_owned())
        }
        _ => None,
    }
}

/// `GET /invitations/{token}`.
async fn invitation_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let action = format!("/invitations/{}", encode(&token));
    let typed = AccountForm::default();
    form_page(
        &state,
        &headers,
        Kind::Invitation,
        action,
        StatusCode::OK,
        &typed,
        None,
    )
}

/// `POST /invitations/{token}`: sets the name and password, then to the sign-in page.
async fn accept(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<AccountForm>,
) -> Response {
    let lang = chosen_lang(&headers).unwrap_or(Lang::Pl);
    let action = format!("/invitations/{}", encode(&token));
    if !csrf_ok(&headers, &form) {
        let error = Some(lang.strings().form_expired.to_owned());
        return form_page(
            &state,
            &headers,
            Kind::Invitation,
            action,
            StatusCode::FORBIDDEN,
            &form,
            error,
        );
    }
    let acceptance = Acceptance {
        name: form.name.clone(),
        password: SecretString::from(form.password.clone()),
    };
    match users::accept_invitation(&state.ports, &SecretString::from(token), acceptance).await {
        Ok(_) => redirect_with_flash("/sign-in", "invitation_accepted"),
        Err(error) => match refusal(lang, &error) {
            Some(message) => form_page(
                &state,
                &headers,
                Kind::Invitation,
                action,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                Some(message),
            ),
            None => unavailable(Some(lang), &error),
        },
    }
}

/// `GET /password-reset`.
async fn reset_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    form_page(
        &state,
        &headers,
        Kind::ResetRequest,
        "/password-reset".into(),
        StatusCode::OK,
        &AccountForm::default(),
        None,
    )
}

/// `POST /password-reset`: the same answer whether the address has an account or not.
async fn request_reset(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<AccountForm>,
) -> Response {
    let lang = chosen_lang(&headers).unwrap_or(Lang::Pl);
    if !csrf_ok(&headers, &form) {
        let error = Some(lang.strings().form_expired.to_owned());
        return form_page(
            &state,
            &headers,
            Kind::ResetRequest,
            "/password-reset".into(),
            StatusCode::FORBIDDEN,
            &form,
            error,
        );
    }
    let request = ResetRequest {
        email: form.email.clone(),
    };
    match resets::request(&state.ports, &state.people, request).await {
        // A malformed address gets the same answer as an unknown one.
        Ok(()) | Err(RequestError::Invalid { .. }) => {
            redirect_with_flash("/password-reset", "reset_requested")
        }
        Err(error) => unavailable(Some(lang), &error),
    }
}

/// `GET /password-resets/{token}`.
async fn new_password_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    form_page(
        &state,
        &headers,
        Kind::NewPassword,
        format!("/password-resets/{}", encode(&token)),
        StatusCode::OK,
        &AccountForm::default(),
        None,
    )
}

/// `POST /password-resets/{token}`: sets the password, then to the sign-in page.
async fn set_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<AccountForm>,
) -> Response {
    let lang = chosen_lang(&headers).unwrap_or(Lang::Pl);
    let action = format!("/password-resets/{}", encode(&token));
    if !csrf_ok(&headers, &form) {
        let error = Some(lang.strings().form_expired.to_owned());
        return form_page(
            &state,
            &headers,
            Kind::NewPassword,
            action,
            StatusCode::FORBIDDEN,
            &form,
            error,
        );
    }
    let password = NewPassword {
        password: SecretString::from(form.password.clone()),
    };
    match resets::complete(&state.ports, &SecretString::from(token), password).await {
        Ok(()) => redirect_with_flash("/sign-in", "password_changed"),
        Err(error) => match refusal(lang, &error) {
            Some(message) => form_page(
                &state,
                &headers,
                Kind::NewPassword,
                action,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                Some(message),
            ),
            None => unavailable(Some(lang), &error),
        },
    }
}

/// A path segment as it may stand in an address (the token comes from the URL).
fn encode(segment: &str) -> String {
    form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}
