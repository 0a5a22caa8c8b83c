//! The rules of an integration's settings: limits, a patch applied and the whole checked,
//! what only one kind of account may have, autoresponse texts and business hours.

use super::requests::SettingsPatch;
use crate::domain::integration::all_kinds;
use crate::domain::{BusinessHours, IntegrationKind, IntegrationSettings};
use crate::services::request::RequestError;
use crate::services::validation::clock_time;
use crate::services::{autoresponder, validation};

/// Longest CRM field, queue or category name.
pub const MAX_LABEL_CHARS: usize = 100;
/// Latest the autoresponder may answer after the buyer's first message (the promise is 60).
pub const MAX_AUTORESPONDER_DELAY_MINUTES: u32 = 55;
/// Longest autoresponse: Allegro Message Center's limit, the strictest channel.
pub const MAX_AUTORESPONSE_CHARS: usize = 2000;
/// Longest closure message (sent with an Allegro dispute's END_REQUEST).
pub const MAX_CLOSURE_MESSAGE_CHARS: usize = 20000;
/// Longest signature under agents' replies (Allegro Message Center takes 2000 characters in
/// all; the reply's limit counts the signature).
pub const MAX_SIGNATURE_CHARS: usize = 2000;
/// Most notification or alert addresses.
pub const MAX_ADDRESSES: usize = 10;
/// The CRM field a new integration matches buyers by, unless the admin names another.
pub fn default_crm_field(kind: IntegrationKind) -> &'static str {
    match kind {
        IntegrationKind::Allegro => "Allegro login",
        IntegrationKind::Empikplace => "Empik ID",
    }
}

fn trimmed_label(field: &str, text: &str) -> Result<String, RequestError> {
    validation::label(field, text, MAX_LABEL_CHARS)?;
    Ok(text.trim().to_owned())
}

fn addresses(field: &str, list: &[String]) -> Result<Vec<String>, RequestError> {
    if list.len() > MAX_ADDRESSES {
        return Err(RequestError::invalid(
            field,
            format!("at most {MAX_ADDRESSES} addresses"),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, address)| {
            let address = address.trim();
            validation::email(&format!("{field}[{i}]"), address)?;
            Ok(address.to_owned())
        })
        .collect()
}

/// Applies a settings patch, then checks the whole result.
pub fn apply_settings(
    settings: &mut IntegrationSettings,
    patch: SettingsPatch,
) -> Result<(), RequestError> {
    if let Some(field) = patch.crm_field {
        settings.crm_field = if field.trim().is_empty() {
            String::new()
        } else {
            trimmed_label("settings.crm_field", &field)?
        };
    }
    if let Some(queue) = patch.ticket_queue {
        settings.ticket_queue = queue
            .map(|q| trimmed_label("settings.ticket_queue", &q))
            .transpose()?;
    }
    if let Some(category) = patch.ticket_category {
        settings.ticket_category = category
            .map(|c| trimmed_label("settings.ticket_category", &c))
            .transpose()?;
    }
    if let Some(mapping) = patch.status_mapping {
        let target = &mut settings.status_mapping;
        let entries = [
            (mapping.open, &mut target.open),
            (mapping.resolved, &mut target.resolved),
            (mapping.unresolved, &mut target.unresolved),
            (mapping.claim_accepted, &mut target.claim_accepted),
            (mapping.claim_rejected, &mut target.claim_rejected),
        ];
        for (new, slot) in entries {
            if let Some(status) = new {
                *slot = status;
            }
        }
    }
    if let Some(message) = patch.closure_message {
        settings.closure_message = message;
    }
    if let Some(auto) = patch.autoresponder {
        let target = &mut settings.autoresponder;
        if let Some(enabled) = auto.enabled {
            target.enabled = enabled;
        }
        if let Some(text) = auto.text {
            target.text = text;
        }
        if let Some(delay) = auto.delay_minutes {
            target.delay_minutes = delay;
        }
        if let Some(notify) = auto.notify {
            target.notify = notify;
        }
        if let Some(hours) = auto.business_hours {
            target.business_hours = hours;
        }
        if let Some(text) = auto.out_of_hours_text {
            target.out_of_hours_text = text;
        }
        if let Some(kinds) = auto.kinds {
            target.kinds = kinds;
        }
    }
    if let Some(alerts) = patch.alert_emails {
        settings.alert_emails = alerts;
    }
    if let Some(shop) = patch.shop_id {
        settings.shop_id = shop;
    }
    if let Some(signature) = patch.signature {
        settings.signature = signature;
    }
    if let Some(sla) = patch.sla {
        crate::services::sla::apply_patch(&mut settings.sla, sla);
    }
    if let Some(orders) = patch.orders {
        let target = &mut settings.orders;
        if let Some(enabled) = orders.enabled {
            target.enabled = enabled;
        }
        if let Some(automatically) = orders.create_automatically {
            target.create_automatically = automatically;
        }
        if let Some(from) = orders.from {
            target.from = from;
        }
    }
    if let Some(customers) = patch.erp.and_then(|erp| erp.customers) {
        settings.erp.customers = customers;
    }
    if let Some(offers) = patch.offers {
        crate::services::offer_settings::apply(&mut settings.offers, offers)?;
    }
    validate_settings(settings)
}

/// Checks settings as a whole (also normalises address lists).
pub fn validate_settings(settings: &mut IntegrationSettings) -> Result<(), RequestError> {
    if !settings.crm_field.is_empty() {
        validation::label("settings.crm_field", &settings.crm_field, MAX_LABEL_CHARS)?;
    }
    if let Some(message) = &settings.closure_message {
        validation::plain_text(
            "settings.closure_message",
            message,
            MAX_CLOSURE_MESSAGE_CHARS,
        )?;
    }
    if let Some(signature) = &settings.signature {
        validation::plain_text("settings.signature", signature, MAX_SIGNATURE_CHARS)?;
    }
    let auto = &mut settings.autoresponder;
    if auto.delay_minutes > MAX_AUTORESPONDER_DELAY_MINUTES {
        return Err(RequestError::invalid(
            "settings.autoresponder.delay_minutes",
            format!(
                "must be between 0 and {MAX_AUTORESPONDER_DELAY_MINUTES}: buyers are promised an answer within 60 minutes"
            ),
        ));
    }
    if auto.enabled || !auto.text.is_empty() {
        validation::plain_text(
            "settings.autoresponder.text",
            &auto.text,
            MAX_AUTORESPONSE_CHARS,
        )
        .map_err(|e| match e {
            RequestError::Invalid { field, message }
                if auto.enabled && auto.text.trim().is_empty() =>
            {
                RequestError::Invalid {
                    field,
                    message: format!("{message} when the autoresponder is enabled"),
                }
            }
            other => other,
        })?;
    }
    check_autoresponse_text("settings.autoresponder.text", &auto.text)?;
    if let Some(text) = &auto.out_of_hours_text {
        validation::plain_text(
            "settings.autoresponder.out_of_hours_text",
            text,
            MAX_AUTORESPONSE_CHARS,
        )?;
        check_autoresponse_text("settings.autoresponder.out_of_hours_text", text)?;
    }
    if let Some(hours) = &auto.business_hours {
        check_business_hours(hours)?;
    }
    auto.kinds
        .sort_by_key(|k| all_kinds().iter().position(|a| a == k));
    auto.kinds.dedup();
    auto.notify = addresses("settings.autoresponder.notify", &auto.notify)?;
    settings.alert_emails = addresses("settings.alert_emails", &settings.alert_emails)?;
    crate::services::sla::validate(&settings.sla)?;
    if settings.shop_id.is_some_and(|id| id <= 0) {
        return Err(RequestError::invalid(
            "settings.shop_id",
            "must be a positive Mirakl shop id",
        ));
    }
    Ok(())
}

/// Checks the settings that only one kind of account has.
pub(super) fn validate_for_kind(
    kind: IntegrationKind,
    settings: &IntegrationSettings,
) -> Result<(), RequestError> {
    if kind != IntegrationKind::Empikplace && settings.shop_id.is_some() {
        return Err(RequestError::invalid(
            "settings.shop_id",
            "only EmpikPlace accounts have a shop id",
        ));
    }
    let orders = &settings.orders;
    let any_orders = orders.enabled || orders.create_automatically || orders.from.is_some();
    if kind != IntegrationKind::Allegro && any_orders {
        return Err(RequestError::invalid(
            "settings.orders",
            "only Allegro accounts read orders",
        ));
    }
    if kind != IntegrationKind::Allegro
        && settings.erp.customers != crate::domain::erp::ErpCustomers::None
    {
        return Err(RequestError::invalid(
            "settings.erp.customers",
            "only Allegro accounts have orders for an ERP; leave it `none`",
        ));
    }
    if kind != IntegrationKind::Allegro
        && settings.offers != crate::domain::offer::OfferSettings::default()
    {
        return Err(RequestError::invalid(
            "settings.offers",
            "only Allegro accounts have offers",
        ));
    }
    Ok(())
}

/// Placeholders in an autoresponse text must be known ones.
fn check_autoresponse_text(field: &str, text: &str) -> Result<(), RequestError> {
    let unknown = autoresponder::text::unknown_placeholders(text);
    if unknown.is_empty() {
        return Ok(());
    }
    Err(RequestError::invalid(
        field,
        format!(
            "unknown placeholder {}; use {}",
            unknown.join(", "),
            autoresponder::text::PLACEHOLDERS
                .iter()
                .map(|p| format!("{{{p}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

/// Business hours: known days, `HH:MM` times, opening before closing.
fn check_business_hours(hours: &BusinessHours) -> Result<(), RequestError> {
    let field = "settings.autoresponder.business_hours";
    if hours.days.is_empty() || hours.days.iter().any(|d| !(1..=7).contains(d)) {
        return Err(RequestError::invalid(
            format!("{field}.days"),
            "must list working days as numbers 1 (Monday) to 7 (Sunday)",
        ));
    }
    let start = clock_time(&hours.start).ok_or_else(|| {
        RequestError::invalid(format!("{field}.start"), "must be a time such as 08:00")
    })?;
    let end = clock_time(&hours.end).ok_or_else(|| {
        RequestError::invalid(format!("{field}.end"), "must be a time such as 16:00")
    })?;
    if end <= start {
        return Err(RequestError::invalid(
            format!("{field}.end"),
            "must be after the start (Europe/Warsaw time)",
        ));
    }
    Ok(())
}
