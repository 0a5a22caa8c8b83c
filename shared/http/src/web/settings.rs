//! The admins' settings pages: users and invitations (`/settings/users`), marketplace
//! accounts (`/settings/integrations`: connect through Allegro's OAuth redirect or the device
//! flow, rename, switch, delete with a confirmation step, EmpikPlace keys checked with A01),
//! API keys (`/settings/api-keys`: the new key shown once, revoke with a confirmation step),
//! and the first-run page of a tenant with no integration yet.
//!
//! Connecting starts with a link (a GET carrying the session's CSRF token), never a form
//! posting to Allegro: the browser follows a redirect to the marketplace's page. A cookie
//! (`md_oauth`, path `/oauth`) marks the flow as started here, so the OAuth callback sends
//! the admin back to `/settings/integrations` with a flash ([`oauth_landing`]).

use super::format::{source_name, time};
use super::i18n::{Lang, Strings};
use super::notices::{gate, notice, refusal};
use super::words::{self, Words};
use super::{cookie, redirect_with_flash, render, take_flash, unavailable, Agent, Layout, NavLink};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use marketdesk_core::domain::{
    ConnectionState, Environment, Integration, Language, Marketplace, Role,
};
use marketdesk_core::ids::{self, ApiKeyId, IntegrationId, UserId};
use marketdesk_core::ports::ConnectFailure;
use marketdesk_core::services::api_keys::{self, NewApiKey};
use marketdesk_core::services::integrations::{self, IntegrationPatch, NewIntegration};
use marketdesk_core::services::people::users::{self, NewUser, UserPatch};
use marketdesk_core::services::request::RequestError;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Cookie marking an OAuth flow started from these pages.
const OAUTH_COOKIE: &str = "md_oauth";
/// The integrations page.
const INTEGRATIONS: &str = "/settings/integrations";

/// The routes of the settings pages.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/users", get(users_page).post(invite))
        .route("/settings/users/{id}", post(update_user))
        .route("/settings/users/{id}/invitation", post(reinvite))
        .route(
            INTEGRATIONS,
            get(integrations_page).post(create_integration),
        )
        .route(
            "/settings/integrations/{id}",
            get(super::integration_settings::show).post(update_integration),
        )
        .route(
            "/settings/integrations/{id}/settings",
            post(super::integration_settings::save),
        )
        .route("/settings/integrations/{id}/connect", get(connect))
        .route("/settings/integrations/{id}/device", post(device))
        .route(
            "/settings/integrations/{id}/delete",
            get(confirm_delete).post(delete_integration),
        )
        .route("/settings/api-keys", get(keys_page).post(create_key))
        .route(
            "/settings/api-keys/{id}/revoke",
            get(confirm_revoke).post(revoke_key),
        )
}

/// The settings links of the header (admins only).
pub(super) fn nav(lang: Lang) -> Vec<NavLink> {
    let w = words::words(lang);
    vec![
        NavLink {
            href: INTEGRATIONS,
            label: w.integrations,
        },
        NavLink {
            href: "/settings/users",
            label: w.users,
        },
        NavLink {
            href: "/settings/api-keys",
            label: w.api_keys,
        },
        NavLink {
            href: "/settings/saved-replies",
            label: super::saved_replies_page::words(lang).title,
        },
    ]
}

/// Where the OAuth callback sends the browser when the flow was started from these pages:
/// the integrations page with a flash, the marker cookie cleared. `None`: started elsewhere
/// (the JSON API), the callback shows its own page.
pub(crate) fn oauth_landing(headers: &HeaderMap, connected: bool) -> Option<Response> {
    cookie(headers, OAUTH_COOKIE)?;
    let flash = if connected {
        "connected"
    } else {
        "connect_failed"
    };
    let mut response = redirect_with_flash(INTEGRATIONS, flash);
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("md_oauth=; Path=/oauth; Max-Age=0; HttpOnly; SameSite=Lax"),
    );
    Some(response)
}

/// One choice of a select.
struct Opt {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

fn role_options(w: &Words, role: Role) -> Vec<Opt> {
    vec![
        Opt {
            value: "agent",
            label: w.role_agent,
            selected: role == Role::Agent,
        },
        Opt {
            value: "admin",
            label: w.role_admin,
            selected: role == Role::Admin,
        },
    ]
}

fn language_options(language: Language) -> Vec<Opt> {
    vec![
        Opt {
            value: "pl",
            label: "Polski",
            selected: language == Language::Pl,
        },
        Opt {
            value: "en",
            label: "English",
            selected: language == Language::En,
        },
    ]
}

fn parse_role(value: &str) -> Option<Role> {
    match value {
        "agent" => Some(Role::Agent),
        "admin" => Some(Role::Admin),
        _ => None,
    }
}

fn parse_language(value: &str) -> Option<Language> {
    match value {
        "pl" => Some(Language::Pl),
        "en" => Some(Language::En),
        _ => None,
    }
}

// ------------------------------------------------------------------ users

/// A user's row.
struct UserRow {
    id: String,
    name: String,
    email: String,
    roles: Vec<Opt>,
    languages: Vec<Opt>,
    active: bool,
    pending: bool,
}

/// `/settings/users`.
#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    l: Layout,
    t: &'static Strings,
    w: &'static Words,
    csrf: String,
    users: Vec<UserRow>,
    roles: Vec<Opt>,
    languages: Vec<Opt>,
}

/// The users page, with `error` when a change was refused.
async fn show_users(
    state: &AppState,
    agent: &Agent,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let (t, w) = (agent.lang.strings(), words::words(agent.lang));
    let list = match users::list(&state.ports, &agent.caller.tenant_id).await {
        Ok(list) => list,
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let flash = take_flash(headers, t);
    let mut l = Layout::new(agent.lang, w.users, "/settings/users", Some(agent));
    l.flash = flash;
    l.error = error;
    let page = UsersPage {
        l,
        t,
        w,
        csrf: agent.csrf.clone(),
        users: list
            .into_iter()
            .map(|u| UserRow {
                id: u.id.to_string(),
                roles: role_options(w, u.role),
                languages: language_options(u.language),
                name: u.name,
                email: u.email,
                active: u.active,
                pending: u.invitation_pending,
            })
            .collect(),
        roles: role_options(w, Role::Agent),
        languages: language_options(Language::Pl),
    };
    render(page.render(), status, flash.is_some())
}

async fn users_page(State(state): State<AppState>, agent: Agent, headers: HeaderMap) -> Response {
    if let Some(refused) = gate(&agent, None) {
        return refused;
    }
    show_users(&state, &agent, &headers, StatusCode::OK, None).await
}

/// The invitation form and the user rows' form.
#[derive(Deserialize, Default)]
struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    language: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    active: Option<String>,
}

/// After a change of users: a flash, or the page again with the refusal.
async fn after_user_change<T>(
    state: &AppState,
    agent: &Agent,
    headers: &HeaderMap,
    outcome: Result<T, RequestError>,
    flash: impl FnOnce(&T) -> &'static str,
) -> Response {
    match outcome {
        Ok(done) => redirect_with_flash("/settings/users", flash(&done)),
        Err(RequestError::NotFound(_)) => {
            notice(agent, StatusCode::NOT_FOUND, agent.lang.strings().not_found)
        }
        Err(error) => match refusal(agent.lang, &error) {
            Some(message) => {
                let status = match error {
                    RequestError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                    _ => StatusCode::CONFLICT,
                };
                show_users(state, agent, headers, status, Some(message)).await
            }
            None => unavailable(Some(agent.lang), &error),
        },
    }
}

/// `POST /settings/users`: invites a person.
async fn invite(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Form(form): Form<UserForm>,
) -> Response {
    if let Some(refused) = gate(&agent, Some(&form.csrf)) {
        return refused;
    }
    let request = NewUser {
        email: form.email,
        role: parse_role(&form.role).unwrap_or(Role::Agent),
        name: Some(form.name).filter(|n| !n.trim().is_empty()),
        language: parse_language(&form.language),
    };
    let outcome = users::invite(&state.ports, &state.people, &agent.caller, request).await;
    after_user_change(&state, &agent, &headers, outcome, |invited| {
        if invited.sent {
            "user_invited"
        } else {
            "invitation_not_sent"
        }
    })
    .await
}

/// `POST /settings/users/{id}`: role, language, active.
async fn update_user(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<UserForm>,
) -> Response {
    if let Some(refused) = gate(&agent, Some(&form.csrf)) {
        return refused;
    }
    if !ids::is_well_formed(&id) {
        return notice(
            &agent,
            StatusCode::NOT_FOUND,
            agent.lang.strings().not_found,
        );
    }
    let patch = UserPatch {
        role: parse_role(&form.role),
        language: parse_language(&form.language),
        active: Some(form.active.is_some()),
        ..UserPatch::default()
    };
    let outcome = users::update(&state.ports, &agent.caller, &UserId(id), patch).await;
    after_user_change(&state, &agent, &headers, outcome, |_| "user_saved").await
}

/// A form whose only field is the CSRF token.
#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /settings/users/{id}/invitation`: sends the invitation again (a new link).
async fn reinvite(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> Response {
    if let Some(refused) = gate(&agent, Some(&form.csrf)) {
        return refused;
    }
    if !ids::is_well_formed(&id) {
        return notice(
            &agent,
            StatusCode::NOT_FOUND,
            agent.lang.strings().not_found,
        );
    }
    let outcome = users::reinvite(&state.ports, &state.people, &agent.caller, &UserId(id)).await;
    after_user_change(&state, &agent, &headers, outcome, |invited| {
        if invited.sent {
            "invitation_resent"
        } else {
            "invitation_not_sent"
        }
    })
    .await
}

// ------------------------------------------------------------------ integrations

/// An integration's row.
struct IntegrationRow {
    id: String,
    name: String,
    kind: &'static str,
    environment: &'static str,
    active: bool,
    is_allegro: bool,
    connection: &'static str,
    connection_class: &'static str,
    /// Why it is disconnected, and since when.
    disconnected: Option<(String, String)>,
    connect_href: String,
    connected: bool,
}

/// `/settings/integrations`.
#[derive(Template)]
#[template(path = "integrations.html")]
struct IntegrationsPage {
    l: Layout,
    t: &'static Strings,
    w: &'static Words,
    csrf: String,
    integrations: Vec<IntegrationRow>,
}

fn integration_row(t: &Strings, w: &Words, csrf: &str, i: Integration) -> IntegrationRow {
    let (connection, connection_class, disconnected) = match &i.connection {
        ConnectionState::Pending => (w.pending, "pending", None),
        ConnectionState::Connected => (w.connected, "connected", None),
        ConnectionState::Disconnected { reason, since } => (
            w.disconnected,
            "disconnected",
            Some((reason.clone(), time(t, *since).0)),
        ),
    };
    IntegrationRow {
        connect_href: format!(
            "{INTEGRATIONS}/{}/connect?{}",
            i.id,
            form_urlencoded::Serializer::new(String::new())
                .append_pair("csrf", csrf)
                .finish()
        ),
        id: i.id.to_string(),
        name: i.display_name,
        kind: source_name(i.kind),
        environment: match i.environment {
            Environment::Production => w.production,
            Environment::Sandbox => w.sandbox,
        },
        active: i.active,
        is_allegro: i.kind == Marketplace::Allegro,
        connected: i.connection == ConnectionState::Connected,
        connection,
        connection_class,
        disconnected,
    }
}

/// The integrations page, with `error` when something was refused.
async fn show_integrations(
    state: &AppState,
    agent: &Agent,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let (t, w) = (agent.lang.strings(), words::words(agent.lang));
    let list = match integrations::list(&state.ports, &agent.caller.tenant_id).await {
        Ok(list) => list,
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let flash = take_flash(headers, t);
    let mut l = Layout::new(agent.lang, w.integrations, INTEGRATIONS, Some(agent));
    l.flash = flash;
    l.error = error;
    let page = IntegrationsPage {
        l,
        t,
        w,
        csrf: agent.csrf.clone(),
        integrations: list
            .into_iter()
            .map(|i| integration_row(t, w, &agent.csrf, i))
            .collect(),
    };
    render(page.render(), status, flash.is_some())
}

async fn integrations_page(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = gate(&agent, None) {
        return refused;
    }
    show_integrations(&state, &agent, &headers, StatusCode::OK, None).await
}

/// After a change of integrations: a flash, or the page again with the refusal.
async fn after_integration_change<T>(
    state: &AppState,
    agent: &Agent,
    headers: &HeaderMap,
    outcome: Result<T, RequestError>,
    flash: &'static str,
) -> Response {
    match outcome {
        Ok(_) => redirect_with_flash(INTEGRATIONS, flash),
        Err(RequestError::NotFound(_)) => {
            notice(agent, StatusCode::NOT_FOUND, agent.lang.strings().not_found)
        }
        Err(error) => match refusal(agent.lang, &error) {
            Some(message) => {
                let status = match error {
                    RequestError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                    _ => StatusCode::CONFLICT,
                };
                show_integrations(state, agent, headers, status, Some(message)).await
            }
            None => unavailable(Some(agent.lang), &error),
        },
    }
}

/// The forms of the integrations page.
#[derive(Deserialize, Default)]
struct IntegrationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    environment: String,
    #[serde(default)]
    api_key: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    active: Option<String>,
}

/// `POST /settings/integrations`: adds an account (an EmpikPlace key is checked first).
async fn create_integration(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Form(form): Form<IntegrationForm>,
) -> Response {
    if let Some(refused) = gate(&agent, Some(&form.csrf)) {
        return refused;
    }
    let kind = match form.kind.as_str() {
        "empikplace" => Marketplace::Empik,
        _ => Marketplace::Allegro,
    };
    let request = NewIntegration {
        kind,
        display_name: form.display_name,
        environment: match form.environment.as_str() {
            "sandbox" => Environment::Sandbox,
            _ => Environment::Production,
        },
        active: true,
        settings: Default::default(),
        api_key: Some(form.api_key)
            .filter(|key| !key.trim().is_empty())
            .map(SecretString::from),
    };
    let outcome = integrations::create(
        &state.ports,
        &*state.credential_check,
        &agent.caller.tenant_id,
        Some(&agent.caller.actor),
        request,
    )
    .await;
    after_integration_change(&state, &agent, &headers, outcome, "integration_created").await
}

/// `POST /settings/integrations/{id}`: rename and the on/off switch.
async fn update_integration(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<IntegrationForm>,
) -> Response {
    if let Some(refused) = gate(&agent, Some(&form.csrf)) {
        return refused;
    }
    if !ids::is_well_formed(&id) {
        return notice(
            &agent,
            StatusCode::NOT_FOUND,
            agent.lang.strings().not_found,
        );
    }
    let patch = IntegrationPatch {
        display_name: Some(form.display_name),
        active: Some(form.active.is_some()),
        ..IntegrationPatch::default()
    };
    let outcome = integrations::update(
        &state.ports,
        &*state.credential_check,
        &agent.caller.tenant_id,
        Some(&agent.caller.actor),
        &IntegrationId(id),
        patch,
    )
    .await;
    after_integration_change(&state, &agent, &headers, outcome, "integration_saved").await
}

/// The Allegro integration `id` of the admin's tenant, or the answer saying why not.
async fn allegro_integration(
    state: &AppState,
    agent: &Agent,
    id: String,
) -> Result<Integration, Response> {
    if !ids::is_well_formed(&id) {
        return Err(notice(
            agent,
            StatusCode::NOT_FOUND,
            agent.lang.strings().not_found,
        ));
    }
    match integrations::get(&state.ports, &agent.caller.tenant_id, &IntegrationId(id)).await {
        Ok(i) if i.kind == Marketplace::Allegro => Ok(i),
        Ok(_) | Err(RequestError::NotFound(_)) => Err(notice(
            agent,
            StatusCode::NOT_FOUND,
            agent.lang.strings().not_found,
        )),
        Err(error) => Err(unavailable(Some(agent.lang), &error)),
    }
}

/// The words of a failed connection step.
fn connect_failure(w: &Words, failure: &ConnectFailure) -> String {
    match failure {
        ConnectFailure::NotConfigured | ConnectFailure::NoCallbackUrl => {
            w.not_configured.to_owned()
        }
        other => format!("{} ({other})", w.connect_failed),
    }
}

/// `GET /settings/integrations/{id}/connect?csrf=…`: to Allegro's authorization page.
async fn connect(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let csrf = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == "csrf")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    if let Some(refused) = gate(&agent, Some(&csrf)) {
        return refused;
    }
    let integration = match allegro_integration(&state, &agent, id).await {
        Ok(integration) => integration,
        Err(answer) => return answer,
    };
    match state
        .connector
        .authorize_url(&state.ports, &integration)
        .await
    {
        Ok(url) => {
            let mut response = Redirect::to(&url).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                HeaderValue::from_static(
                    "md_oauth=web; Path=/oauth; Max-Age=900; HttpOnly; SameSite=Lax",
                ),
            );
            response
        }
        Err(ConnectFailure::Unavailable(reason)) => unavailable(Some(agent.lang), &reason),
        Err(failure) => {
            let message = connect_failure(words::words(agent.lang), &failure);
            show_integrations(
                &state,
                &agent,
                &headers,
                StatusCode::CONFLICT,
                Some(message),
            )
            .await
        }
    }
}

/// The device flow's page: the code and where to enter it.
#[derive(Template)]
#[template(path = "device.html")]
struct DevicePage {
    l: Layout,
    t: &'static Strings,
    w: &'static Words,
    name: String,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: Option<String>,
    expires: String,
}

/// `POST /settings/integrations/{id}/device`: a code to confirm on Allegro's page.
async fn device(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> Response {
    if let Some(refused) = gate(&agent, Some(&form.csrf)) {
        return refused;
    }
    let integration = match allegro_integration(&state, &agent, id).await {
        Ok(integration) => integration,
        Err(answer) => return answer,
    };
    let (t, w) = (agent.lang.strings(), words::words(agent.lang));
    match state
        .connector
        .start_device(&state.ports, &integration)
        .await
    {
        Ok(info) => {
            let page = DevicePage {
                l: Layout::new(agent.lang, w.device_title, INTEGRATIONS, Some(&agent)),
                t,
                w,
                name: integration.display_name,
                user_code: info.user_code,
                verification_uri: info.verification_uri,
                verification_uri_complete: info.verification_uri_complete,
                expires: time(t, info.expires_at).0,
            };
            render(page.render(), StatusCode::OK, false)
        }
        Err(ConnectFailure::Unavailable(reason)) => unavailable(Some(agent.lang), &reason),
        Err(failure) => {
            let message = connect_failure(w, &failure);
            show_integrations(
                &state,
                &agent,
                &headers,
                StatusCode::CONFLICT,
                Some(message),
            )
            .await
        }
    }
}

/// A confirmation step before deleting or revoking.
#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    l: Layout,
    t: &'static Strings,
    w: &'static Words,
    csrf: String,
    subject: String,
    text: &'static str,
    action: String,
    button: &'static str,
    cancel: &'static str,
}

/// `GET /settings/integrations/{id}/delete`: are you sure?
async fn confirm_delete(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = gate(&agent, None) {
        return refused;
    }
    if !ids::is_well_formed(&id) {
        return notice(
            &agent,
            StatusCode::NOT_FOUND,
            agent.lang.strings().not_found,
        );
    }
    let integration =
        match integrations::get(&state.ports, &agent.caller.tenant_id, &IntegrationId(id)).await {
            Ok(integration) => integration,
            Err(RequestError::NotFound(_)) => {
                return notice(
                    &agent,
                    StatusCode::NOT_FOUND,
                    agent.lang.strings().not_found,
                )
            }
            Err(error) => return unavailable(Some(agent.lang), &error),
        };
    let (t, w) = (agent.lang.strings(), words::words(agent.lang));
    let page = ConfirmPage {
        l: Layout::new(
            agent.lang,
            w.delete_integration_title,
            INTEGRATIONS,
            Some(&agent),
        ),
        t,
        w,
        csrf: agent.csrf.clone(),
        subject: integration.display_name,
        text: w.delete_integration_text,
        action: format!("{INTEGRATIONS}/{}/delete", integration.id),
        button: w.confirm_delete,
        cancel: INTEGRATIONS,
    };
    render(page.render(), StatusCode::OK, false)
}

/// `POST /settings/integrations/{id}/delete`.
async fn delete_integration(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> Response {
    if let Some(refused) = gate(&agent, Some(&form.csrf)) {
        return refused;
    }
    if !ids::is_well_formed(&id) {
        return notice(
            &agent,
            StatusCode::NOT_FOUND,
            agent.lang.strings().not_found,
        );
    }
    let outcome = integrations::delete(
        &state.ports,
        &agent.caller.tenant_id,
        Some(&agent.caller.actor),
        &IntegrationId(id),
    )
    .await;
    after_integration_change(&state, &agent, &headers, outcome, "integration_deleted").await
}

// ------------------------------------------------------------------ API keys

/// A key's row.
struct KeyRow {
    id: String,
    name: String,
    role: &'static str,
    hint: String,
    created: String,
}

/// `/settings/api-keys`.
#[derive(Template)]
#[template(path = "api_keys.html")]
struct KeysPage {
    l: Layout,
    t: &'static Strings,
    w: &'static Words,
    csrf: String,
    keys: Vec<KeyRow>,
    roles: Vec<Opt>,
    /// A key just created (shown this once).
    created_key: Option<String>,
}

/// The keys page, with a key just created or a refusal.
async fn show_keys(
    state: &AppState,
    agent: &Agent,
    headers: &HeaderMap,
    status: StatusCode,
    created_key: Option<String>,
    error: Option<String>,
) -> Response {
    let (t, w) = (agent.lang.strings(), words::words(agent.lang));
    let list = match api_keys::list(&state.ports, &agent.caller.tenant_id).await {
        Ok(list) => list,
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let flash = take_flash(headers, t);
    let mut l = Layout::new(agent.lang, w.api_keys, "/settings/api-keys", Some(agent));
    l.flash = flash.or(created_key.as_ref().map(|_| w.key_created));
    l.error = error;
    let page = KeysPage {
        l,
        t,
        w,
        csrf: agent.csrf.clone(),
        keys: list
            .into_iter()
            .map(|k| KeyRow {
                id: k.id.to_string(),
                name: k.name.unwrap_or_default(),
                role: match k.role {
                    Role::Admin => w.role_admin,
                    Role::Agent => w.role_agent,
                },
                hint: k.hint,
                created: time(t, k.created_at).0,
            })
            .collect(),
        roles: role_options(w, Role::Agent),
        created_key,
    };
    let mut response = render(page.render(), status, flash.is_some());
    // The page may hold a secret: never keep it in a cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn keys_page(State(state): State<AppState>, agent: Agent, headers: HeaderMap) -> Response {
    if let Some(refused) = gate(&agent, None) {
        return refused;
    }
    show_keys(&state, &agent, &headers, StatusCode::OK, None, None).await
}

/// The key creation form.
#[derive(Deserialize)]
struct KeyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

/// `POST /settings/api-keys`: creates a key and shows it once (no redirect: the secret is
/// kept nowhere to show it again).
async fn create_key(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Form(form): Form<KeyForm>,
) -> Response {
    if let Some(refused) = gate(&agent, Some(&form.csrf)) {
        return refused;
    }
    let request = NewApiKey {
        role: parse_role(&form.role).unwrap_or(Role::Agent),
        name: Some(form.name).filter(|n| !n.trim().is_empty()),
    };
    match api_keys::create(
        &state.ports,
        &agent.caller.tenant_id,
        Some(&agent.caller.actor),
        request,
    )
    .await
    {
        Ok(created) => {
            let secret = created.secret.expose_secret().to_owned();
            show_keys(
                &state,
                &agent,
                &headers,
                StatusCode::CREATED,
                Some(secret),
                None,
            )
            .await
        }
        Err(error) => match refusal(agent.lang, &error) {
            Some(message) => {
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                show_keys(&state, &agent, &headers, status, None, Some(message)).await
            }
            None => unavailable(Some(agent.lang), &error),
        },
    }
}

/// `GET /settings/api-keys/{id}/revoke`: are you sure?
async fn confirm_revoke(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = gate(&agent, None) {
        return refused;
    }
    let keys = match api_keys::list(&state.ports, &agent.caller.tenant_id).await {
        Ok(keys) => keys,
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let Some(key) = keys.into_iter().find(|k| k.id.to_string() == id) else {
        return notice(
            &agent,
            StatusCode::NOT_FOUND,
            agent.lang.strings().not_found,
        );
    };
    let (t, w) = (agent.lang.strings(), words::words(agent.lang));
    let page = ConfirmPage {
        l: Layout::new(
            agent.lang,
            w.revoke_title,
            "/settings/api-keys",
            Some(&agent),
        ),
        t,
        w,
        csrf: agent.csrf.clone(),
        subject: match key.name {
            Some(name) => format!("{name} ({}…)", key.hint),
            None => format!("{}…", key.hint),
        },
        text: w.revoke_text,
        action: format!("/settings/api-keys/{}/revoke", key.id),
        button: w.revoke,
        cancel: "/settings/api-keys",
    };
    render(page.render(), StatusCode::OK, false)
}

/// `POST /settings/api-keys/{id}/revoke`.
async fn revoke_key(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> Response {
    if let Some(refused) = gate(&agent, Some(&form.csrf)) {
        return refused;
    }
    if !ids::is_well_formed(&id) {
        return notice(
            &agent,
            StatusCode::NOT_FOUND,
            agent.lang.strings().not_found,
        );
    }
    match api_keys::revoke(
        &state.ports,
        &agent.caller.tenant_id,
        Some(&agent.caller.actor),
        &ApiKeyId(id),
    )
    .await
    {
        Ok(()) => redirect_with_flash("/settings/api-keys", "key_revoked"),
        Err(RequestError::NotFound(_)) => notice(
            &agent,
            StatusCode::NOT_FOUND,
            agent.lang.strings().not_found,
        ),
        Err(error) => match refusal(agent.lang, &error) {
            Some(message) => {
                let status = StatusCode::CONFLICT;
                show_keys(&state, &agent, &headers, status, None, Some(message)).await
            }
            None => unavailable(Some(agent.lang), &error),
        },
    }
}

// ------------------------------------------------------------------ first run

/// The first-run page: admins are walked to connecting an account, agents told to ask.
#[derive(Template)]
#[template(path = "first_run.html")]
struct FirstRunPage {
    l: Layout,
    t: &'static Strings,
    w: &'static Words,
    admin: bool,
}

/// The first-run page when the tenant has no integration yet; `None` when it has one.
pub(super) async fn first_run(state: &AppState, agent: &Agent) -> Option<Response> {
    match integrations::list(&state.ports, &agent.caller.tenant_id).await {
        Ok(list) if list.is_empty() => {}
        Ok(_) => return None,
        Err(error) => return Some(unavailable(Some(agent.lang), &error)),
    }
    let (t, w) = (agent.lang.strings(), words::words(agent.lang));
    let page = FirstRunPage {
        l: Layout::new(agent.lang, w.first_run_title, "/tickets", Some(agent)),
        t,
        w,
        admin: agent.caller.role.is_admin(),
    };
    Some(render(page.render(), StatusCode::OK, false))
}
