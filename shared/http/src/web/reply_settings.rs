//! The account settings page's reply section: the signature under agents' replies and the
//! SLA targets (`settings.sla`: first and next answer in business hours, the warning before
//! the deadline, the SLA's working days and hours in Warsaw time, holidays off).

use super::i18n::Lang;
use marketdesk_core::domain::{BusinessHours, IntegrationSettings};

/// The words of the section (Polish first).
pub(crate) struct ReplySettingsWords {
    pub section: &'static str,
    pub signature: &'static str,
    pub signature_hint: &'static str,
    pub sla: &'static str,
    pub first_hours: &'static str,
    pub next_hours: &'static str,
    pub warn_minutes: &'static str,
    pub holidays_off: &'static str,
    pub sla_days: &'static str,
    pub sla_start: &'static str,
    pub sla_end: &'static str,
    pub sla_hours_hint: &'static str,
}

static PL: ReplySettingsWords = ReplySettingsWords {
    section: "Odpowiedzi i terminy",
    signature: "Podpis pod odpowiedziami",
    signature_hint: "Zwykły tekst; dodawany pod każdą odpowiedzią agenta (nie pod autoodpowiedzią ani komentarzem).",
    sla: "Terminy odpowiedzi (SLA, godziny robocze)",
    first_hours: "Pierwsza odpowiedź w ciągu (godz.)",
    next_hours: "Kolejna odpowiedź w ciągu (godz.)",
    warn_minutes: "Ostrzeżenie przed terminem (min)",
    holidays_off: "Święta w Polsce to dni wolne",
    sla_days: "Dni robocze (SLA)",
    sla_start: "Początek pracy (SLA)",
    sla_end: "Koniec pracy (SLA)",
    sla_hours_hint: "Czas warszawski, np. 08:00 i 16:00; 00:00 i 24:00 to całą dobę.",
};

static EN: ReplySettingsWords = ReplySettingsWords {
    section: "Replies and deadlines",
    signature: "Signature under replies",
    signature_hint:
        "Plain text; appended to every agent's reply (not to autoresponses or comments).",
    sla: "Answer deadlines (SLA, business hours)",
    first_hours: "First answer within (hours)",
    next_hours: "Next answer within (hours)",
    warn_minutes: "Warning before the deadline (minutes)",
    holidays_off: "Polish public holidays are days off",
    sla_days: "Working days (SLA)",
    sla_start: "Work starts (SLA)",
    sla_end: "Work ends (SLA)",
    sla_hours_hint: "Warsaw time, e.g. 08:00 and 16:00; 00:00 and 24:00 is the whole day.",
};

/// The words in `lang`.
pub(crate) fn words(lang: Lang) -> &'static ReplySettingsWords {
    match lang {
        Lang::Pl => &PL,
        Lang::En => &EN,
    }
}

/// What the section's fields show.
pub(crate) struct ReplySettings {
    pub signature: String,
    pub first_hours: u32,
    pub next_hours: u32,
    pub warn_minutes: u32,
    pub holidays_off: bool,
    /// The SLA's working days: (value 1–7, name, ticked).
    pub days: Vec<(String, &'static str, bool)>,
    pub start: String,
    pub end: String,
}

/// The section's fields of `settings`, day names in `lang`.
pub(crate) fn shown(settings: &IntegrationSettings, lang: Lang) -> ReplySettings {
    let names = super::words::words(lang).days;
    let hours = &settings.sla.business_hours;
    ReplySettings {
        days: (1..=7u8)
            .map(|day| {
                (
                    day.to_string(),
                    names[usize::from(day - 1)],
                    hours.days.contains(&day),
                )
            })
            .collect(),
        start: hours.start.clone(),
        end: hours.end.clone(),
        signature: settings.signature.clone().unwrap_or_default(),
        first_hours: settings.sla.first_response_hours,
        next_hours: settings.sla.next_response_hours,
        warn_minutes: settings.sla.warn_before_minutes,
        holidays_off: settings.sla.holidays_off,
    }
}

/// The SLA's working days and hours as typed, when the form has them (`sla_hours_section`),
/// else `None` (an older form: the stored ones stay).
pub(crate) fn typed_hours(
    section: Option<&str>,
    days: impl Iterator<Item = String>,
    start: String,
    end: String,
) -> Option<BusinessHours> {
    section?;
    Some(BusinessHours {
        days: days.filter_map(|d| d.trim().parse().ok()).collect(),
        start,
        end,
    })
}

/// A number field: the stored value when the form has no such field (an older form), else
/// the number typed, or `Err` with the field's label and what was typed.
pub(crate) fn number(
    typed: Option<&str>,
    stored: u32,
    label: &'static str,
) -> Result<u32, (&'static str, String)> {
    match typed {
        None => Ok(stored),
        Some(text) => text.trim().parse().map_err(|_| (label, text.to_owned())),
    }
}
