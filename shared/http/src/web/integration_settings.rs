//! One account's settings page (`/settings/integrations/{id}`): queue, category, CRM field,
//! status mapping, closure message, alert e-mails, the autoresponder (on/off, text, text out
//! of hours, delay, business hours, kinds, notification e-mails) with a preview of its text
//! for a sample buyer, and a replacement EmpikPlace key (checked with A01 before it is kept);
//! below the form, the account's event log (`account_log_section`).
//!
//! The form is read into a copy of the saved settings, so a refused or previewed form shows
//! what was typed; saving sends every field to `integrations::update`, which validates.

use super::i18n::Strings;
use super::offer_settings_section;
use super::words::{self, Words};
use super::{redirect_with_flash, render, take_flash, unavailable, Agent, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use marketdesk_core::domain::{
    BusinessHours, ConversationKind, Integration, IntegrationSettings, Marketplace, TicketStatus,
};
use marketdesk_core::ids::{self, IntegrationId};
use marketdesk_core::services::autoresponder::text::{render as fill, Values};
use marketdesk_core::services::integrations::{
    self, AutoresponderPatch, IntegrationPatch, SettingsPatch, StatusMappingPatch,
};
use marketdesk_core::services::request::RequestError;
use marketdesk_core::services::sla::SlaPatch;
use secrecy::SecretString;

/// The conversation kinds, in the order shown, with their form values.
const KINDS: [(ConversationKind, &str); 5] = [
    (ConversationKind::AllegroDispute, "allegro_dispute"),
    (ConversationKind::AllegroClaim, "allegro_claim"),
    (
        ConversationKind::AllegroPurchaseProblem,
        "allegro_purchase_problem",
    ),
    (
        ConversationKind::AllegroCommonThread,
        "allegro_common_thread",
    ),
    (ConversationKind::EmpikThread, "empik_thread"),
];

/// The ticket statuses a mapping may choose.
const STATUSES: [TicketStatus; 4] = [
    TicketStatus::Open,
    TicketStatus::Pending,
    TicketStatus::Solved,
    TicketStatus::Closed,
];

/// One choice of a select.
struct Opt {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// One checkbox of a group.
struct Check {
    value: String,
    label: &'static str,
    checked: bool,
}

/// One line of the status mapping.
struct MappingRow {
    field: &'static str,
    label: &'static str,
    options: Vec<Opt>,
}

/// The page.
#[derive(Template)]
#[template(path = "integration_settings.html")]
struct SettingsPage {
    l: Layout,
    t: &'static Strings,
    w: &'static Words,
    csrf: String,
    action: String,
    is_empik: bool,
    queue: String,
    category: String,
    crm_field: String,
    mapping: Vec<MappingRow>,
    closure_message: String,
    alert_emails: String,
    ar_enabled: bool,
    ar_text: String,
    ar_out_of_hours: String,
    ar_delay: u32,
    hours_enabled: bool,
    days: Vec<Check>,
    start: String,
    end: String,
    kinds: Vec<Check>,
    notify: String,
    preview: String,
    preview_out: Option<String>,
    /// The words of the signature and SLA section.
    rw: &'static super::reply_settings::ReplySettingsWords,
    /// The signature and SLA targets shown.
    rs: super::reply_settings::ReplySettings,
    /// The words of the event log section.
    ew: &'static super::account_log_section::AccountLogWords,
    /// The account's newest events.
    events: super::account_log_section::AccountLogSection,
    /// The words of the offer section.
    ow: &'static offer_settings_section::OfferSettingsWords,
    /// The offer section (Allegro accounts only).
    offers: Option<offer_settings_section::OfferSection>,
}

/// The page for `integration` showing `settings` (saved or typed) and its newest events.
async fn page(
    state: &AppState,
    agent: &Agent,
    integration: &Integration,
    settings: &IntegrationSettings,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let (t, w) = (agent.lang.strings(), words::words(agent.lang));
    let here = format!("/settings/integrations/{}", integration.id);
    let flash = take_flash(headers, t);
    let mut l = Layout::new(
        agent.lang,
        format!("{}: {}", w.account_settings, integration.display_name),
        &here,
        Some(agent),
    );
    l.flash = flash;
    l.error = error;
    let m = &settings.status_mapping;
    let mapping = [
        ("map_open", w.map_open, &m.open),
        ("map_resolved", w.map_resolved, &m.resolved),
        ("map_unresolved", w.map_unresolved, &m.unresolved),
        (
            "map_claim_accepted",
            w.map_claim_accepted,
            &m.claim_accepted,
        ),
        (
            "map_claim_rejected",
            w.map_claim_rejected,
            &m.claim_rejected,
        ),
    ]
    .into_iter()
    .map(|(field, label, current)| MappingRow {
        field,
        label,
        options: STATUSES
            .iter()
            .map(|s| Opt {
                value: s.as_str(),
                label: t.status(s),
                selected: s == current,
            })
            .collect(),
    })
    .collect();
    let ar = &settings.autoresponder;
    let sample = Values {
        buyer_login: "jan_kowalski",
        order_id: Some("29f4c7a0-5e2b-11ef-a1b2-0242ac120002"),
        shop_name: &integration.display_name,
    };
    let page = SettingsPage {
        l,
        t,
        w,
        csrf: agent.csrf.clone(),
        action: format!("{here}/settings"),
        is_empik: integration.kind == Marketplace::Empik,
        queue: settings.ticket_queue.clone().unwrap_or_default(),
        category: settings.ticket_category.clone().unwrap_or_default(),
        crm_field: settings.crm_field.clone(),
        mapping,
        closure_message: settings.closure_message.clone().unwrap_or_default(),
        alert_emails: settings.alert_emails.join("\n"),
        ar_enabled: ar.enabled,
        ar_text: ar.text.clone(),
        ar_out_of_hours: ar.out_of_hours_text.clone().unwrap_or_default(),
        ar_delay: ar.delay_minutes,
        hours_enabled: ar.business_hours.is_some(),
        days: (1..=7u8)
            .map(|day| Check {
                value: day.to_string(),
                label: w.days[usize::from(day - 1)],
                checked: ar
                    .business_hours
                    .as_ref()
                    .map_or(day <= 5, |h| h.days.contains(&day)),
            })
            .collect(),
        start: ar
            .business_hours
            .as_ref()
            .map_or_else(|| "08:00".to_owned(), |h| h.start.clone()),
        end: ar
            .business_hours
            .as_ref()
            .map_or_else(|| "16:00".to_owned(), |h| h.end.clone()),
        kinds: KINDS
            .iter()
            .zip(w.conversation_kinds)
            .map(|((kind, value), label)| Check {
                value: (*value).to_owned(),
                label,
                checked: ar.kinds.contains(kind),
            })
            .collect(),
        notify: ar.notify.join("\n"),
        preview: fill(&ar.text, &sample),
        preview_out: ar
            .out_of_hours_text
            .as_deref()
            .filter(|text| !text.trim().is_empty() && ar.business_hours.is_some())
            .map(|text| fill(text, &sample)),
        rw: super::reply_settings::words(agent.lang),
        rs: super::reply_settings::shown(settings, agent.lang),
        ew: super::account_log_section::words(agent.lang),
        events: super::account_log_section::load(state, agent.lang, integration).await,
        ow: offer_settings_section::words(agent.lang),
        offers: if integration.kind == Marketplace::Allegro {
            Some(
                offer_settings_section::load(
                    state,
                    &agent.caller,
                    t,
                    integration,
                    &settings.offers,
                )
                .await,
            )
        } else {
            None
        },
    };
    render(page.render(), status, flash.is_some())
}

/// The admin's integration `id`, or the answer saying why not.
async fn load(state: &AppState, agent: &Agent, id: &str) -> Result<Integration, Response> {
    let not_found =
        || super::notices::notice(agent, StatusCode::NOT_FOUND, agent.lang.strings().not_found);
    if !ids::is_well_formed(id) {
        return Err(not_found());
    }
    match integrations::get(
        &state.ports,
        &agent.caller.tenant_id,
        &IntegrationId(id.into()),
    )
    .await
    {
        Ok(integration) => Ok(integration),
        Err(RequestError::NotFound(_)) => Err(not_found()),
        Err(error) => Err(unavailable(Some(agent.lang), &error)),
    }
}

/// `GET /settings/integrations/{id}`.
pub(super) async fn show(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = super::notices::gate(&agent, None) {
        return refused;
    }
    match load(&state, &agent, &id).await {
        Ok(integration) => {
            page(
                &state,
                &agent,
                &integration,
                &integration.settings,
                &headers,
                StatusCode::OK,
                None,
            )
            .await
        }
        Err(answer) => answer,
    }
}

/// The form's fields (check boxes repeat their name).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(body: &str) -> Self {
        Self(
            form_urlencoded::parse(body.as_bytes())
                .into_owned()
                .collect(),
        )
    }
    fn one(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
    fn text(&self, name: &str) -> String {
        self.one(name).unwrap_or_default().to_owned()
    }
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
    fn ticked(&self, name: &str) -> bool {
        self.one(name).is_some()
    }
}

/// Addresses typed one per line (or separated by commas).
fn addresses(text: &str) -> Vec<String> {
    text.split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `Some(text)`, or `None` when only blanks were typed.
fn optional(text: String) -> Option<String> {
    Some(text).filter(|t| !t.trim().is_empty())
}

fn status_named(value: &str) -> Option<TicketStatus> {
    STATUSES.into_iter().find(|s| s.as_str() == value)
}

/// The typed values over the saved settings; `Err` names (by its label) a field the service
/// cannot be given (a number that is not one) and what was typed.
fn typed(
    saved: &IntegrationSettings,
    f: &Fields,
    lang: super::i18n::Lang,
) -> Result<IntegrationSettings, (&'static str, String)> {
    let mut s = saved.clone();
    let rw = super::reply_settings::words(lang);
    // The signature and SLA section (absent from older forms: the stored values stay).
    if f.one("reply_section").is_some() {
        s.signature = optional(f.text("signature"));
        let sla = &mut s.sla;
        sla.first_response_hours = super::reply_settings::number(
            f.one("sla_first"),
            sla.first_response_hours,
            rw.first_hours,
        )?;
        sla.next_response_hours = super::reply_settings::number(
            f.one("sla_next"),
            sla.next_response_hours,
            rw.next_hours,
        )?;
        sla.warn_before_minutes = super::reply_settings::number(
            f.one("sla_warn"),
            sla.warn_before_minutes,
            rw.warn_minutes,
        )?;
        sla.holidays_off = f.ticked("sla_holidays_off");
        if let Some(hours) = super::reply_settings::typed_hours(
            f.one("sla_hours_section"),
            f.all("sla_day").map(str::to_owned),
            f.text("sla_start"),
            f.text("sla_end"),
        ) {
            sla.business_hours = hours;
        }
    }
    s.ticket_queue = optional(f.text("queue"));
    s.ticket_category = optional(f.text("category"));
    s.crm_field = f.text("crm_field").trim().to_owned();
    let m = &mut s.status_mapping;
    for (field, slot) in [
        ("map_open", &mut m.open),
        ("map_resolved", &mut m.resolved),
        ("map_unresolved", &mut m.unresolved),
        ("map_claim_accepted", &mut m.claim_accepted),
        ("map_claim_rejected", &mut m.claim_rejected),
    ] {
        if let Some(status) = f.one(field).and_then(status_named) {
            *slot = status;
        }
    }
    s.closure_message = optional(f.text("closure_message"));
    s.alert_emails = addresses(&f.text("alert_emails"));
    let ar = &mut s.autoresponder;
    ar.enabled = f.ticked("ar_enabled");
    ar.text = f.text("ar_text");
    ar.out_of_hours_text = optional(f.text("ar_out_of_hours"));
    let delay = f.text("ar_delay");
    ar.delay_minutes = delay
        .trim()
        .parse()
        .map_err(|_| (words::words(lang).ar_delay, delay.clone()))?;
    ar.business_hours = f.ticked("hours_enabled").then(|| BusinessHours {
        days: f.all("day").filter_map(|d| d.parse().ok()).collect(),
        start: f.text("start"),
        end: f.text("end"),
    });
    ar.kinds = KINDS
        .iter()
        .filter(|(_, value)| f.all("kind").any(|v| v == *value))
        .map(|(kind, _)| *kind)
        .collect();
    ar.notify = addresses(&f.text("ar_notify"));
    Ok(s)
}

/// Every field of `s` as a patch (the service validates them all).
fn patch_of(s: &IntegrationSettings) -> SettingsPatch {
    let m = &s.status_mapping;
    let ar = &s.autoresponder;
    SettingsPatch {
        crm_field: Some(s.crm_field.clone()),
        ticket_queue: Some(s.ticket_queue.clone()),
        ticket_category: Some(s.ticket_category.clone()),
        status_mapping: Some(StatusMappingPatch {
            open: Some(m.open.clone()),
            resolved: Some(m.resolved.clone()),
            unresolved: Some(m.unresolved.clone()),
            claim_accepted: Some(m.claim_accepted.clone()),
            claim_rejected: Some(m.claim_rejected.clone()),
        }),
        closure_message: Some(s.closure_message.clone()),
        autoresponder: Some(AutoresponderPatch {
            enabled: Some(ar.enabled),
            text: Some(ar.text.clone()),
            delay_minutes: Some(ar.delay_minutes),
            notify: Some(ar.notify.clone()),
            business_hours: Some(ar.business_hours.clone()),
            out_of_hours_text: Some(ar.out_of_hours_text.clone()),
            kinds: Some(ar.kinds.clone()),
        }),
        alert_emails: Some(s.alert_emails.clone()),
        signature: Some(s.signature.clone()),
        sla: Some(SlaPatch {
            first_response_hours: Some(s.sla.first_response_hours),
            next_response_hours: Some(s.sla.next_response_hours),
            warn_before_minutes: Some(s.sla.warn_before_minutes),
            business_hours: Some(s.sla.business_hours.clone()),
            holidays_off: Some(s.sla.holidays_off),
        }),
        shop_id: None,
        // Not on this form: the stored order and ERP settings stay; the offer section's patch
        // is set by `save` (only what the form showed is sent).
        orders: None,
        offers: None,
        erp: None,
    }
}

/// `POST /settings/integrations/{id}/settings`: saves, or (`action=preview`) shows the typed
/// text filled in without saving.
pub(super) async fn save(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: String,
) -> Response {
    let f = Fields::parse(&body);
    if let Some(refused) = super::notices::gate(&agent, Some(f.one("csrf").unwrap_or_default())) {
        return refused;
    }
    let integration = match load(&state, &agent, &id).await {
        Ok(integration) => integration,
        Err(answer) => return answer,
    };
    let w = words::words(agent.lang);
    let offers_patch = offer_settings_section::patch(
        integration.kind == Marketplace::Allegro && f.one("offers_section").is_some(),
        offer_settings_section::test_mode(&integration),
        |name| f.ticked(name),
        |name| f.text(name),
    );
    let mut settings = match typed(&integration.settings, &f, agent.lang) {
        Ok(settings) => settings,
        Err((label, value)) => {
            let message = format!("{}: {label}: „{value}”", w.not_saved);
            tracing::debug!(label, "a settings form with a malformed number");
            return page(
                &state,
                &agent,
                &integration,
                &integration.settings,
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
            )
            .await;
        }
    };
    settings.offers = offer_settings_section::typed(&settings.offers, offers_patch.as_ref());
    if f.one("action") == Some("preview") {
        return page(
            &state,
            &agent,
            &integration,
            &settings,
            &headers,
            StatusCode::OK,
            None,
        )
        .await;
    }
    let mut settings_patch = patch_of(&settings);
    settings_patch.offers = offers_patch;
    let patch = IntegrationPatch {
        settings: Some(settings_patch),
        api_key: optional(f.text("api_key")).map(SecretString::from),
        ..IntegrationPatch::default()
    };
    let outcome = integrations::update(
        &state.ports,
        &*state.credential_check,
        &agent.caller.tenant_id,
        Some(&agent.caller.actor),
        &integration.id,
        patch,
    )
    .await;
    match outcome {
        Ok(_) => redirect_with_flash(
            &format!("/settings/integrations/{}", integration.id),
            "integration_saved",
        ),
        Err(error) => match super::notices::refusal(agent.lang, &error) {
            Some(message) => {
                page(
                    &state,
                    &agent,
                    &integration,
                    &settings,
                    &headers,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(message),
                )
                .await
            }
            None => unavailable(Some(agent.lang), &error),
        },
    }
}
