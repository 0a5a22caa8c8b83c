//! The autoresponse's words: business hours in Europe/Warsaw pick the text, placeholders are
//! filled in.

use crate::domain::{AutoresponderSettings, BusinessHours};
use chrono::{DateTime, Datelike, NaiveTime, Utc};
use chrono_tz::Europe::Warsaw;

/// The placeholders an autoresponse may use.
pub const PLACEHOLDERS: &[&str] = &["buyer_login", "order_id", "shop_name"];

/// The placeholders a saved reply may use: the autoresponse's, plus the buyer's name and the
/// name of the agent sending it.
pub const SAVED_REPLY_PLACEHOLDERS: &[&str] = &[
    "buyer_login",
    "buyer_name",
    "order_id",
    "shop_name",
    "agent_name",
];

/// What the placeholders stand for in one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Values<'a> {
    /// The buyer's login (Allegro) or customer id (EmpikPlace).
    pub buyer_login: &'a str,
    /// The order's id, when the conversation has one.
    pub order_id: Option<&'a str>,
    /// The integration's display name.
    pub shop_name: &'a str,
}

/// The text to send for a buyer message written at `written_at`.
pub fn choose(settings: &AutoresponderSettings, written_at: DateTime<Utc>) -> &str {
    match (&settings.business_hours, &settings.out_of_hours_text) {
        (Some(hours), Some(out_of_hours))
            if !out_of_hours.trim().is_empty() && !within(hours, written_at) =>
        {
            out_of_hours
        }
        _ => &settings.text,
    }
}

/// Fills the placeholders in; an absent order id becomes "-".
pub fn render(template: &str, values: &Values<'_>) -> String {
    fill(
        template,
        &[
            ("buyer_login", values.buyer_login),
            ("order_id", values.order_id.unwrap_or("-")),
            ("shop_name", values.shop_name),
        ],
    )
}

/// Replaces each `{name}` of `values` in one pass over the template, so a value that itself
/// contains a placeholder (a buyer login such as `{shop_name}`) is inserted as written.
/// Braces that name nothing in `values` stay as they are.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, value)| (*value, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Placeholders in `template` that are not [`PLACEHOLDERS`] (e.g. `{buyer}`).
pub fn unknown_placeholders(template: &str) -> Vec<String> {
    unknown_placeholders_among(template, PLACEHOLDERS)
}

/// Placeholders in `template` (`{word}`) that are not among `known`.
pub fn unknown_placeholders_among(template: &str, known: &[&str]) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                let is_word =
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if is_word && !known.contains(&name) {
                    unknown.push(format!("{{{name}}}"));
                }
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    unknown
}

/// Whether `at` falls within the business hours (Europe/Warsaw local time).
pub fn within(hours: &BusinessHours, at: DateTime<Utc>) -> bool {
    let local = at.with_timezone(&Warsaw);
    let day = local.weekday().number_from_monday();
    let (Some(start), Some(end)) = (parse_time(&hours.start), parse_time(&hours.end)) else {
        return true;
    };
    let time = local.time();
    hours.days.iter().any(|d| u32::from(*d) == day) && time >= start && time < end
}

/// `HH:MM` as a time of day.
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn office() -> BusinessHours {
        BusinessHours {
            days: vec![1, 2, 3, 4, 5],
            start: "08:00".into(),
            end: "16:00".into(),
        }
    }

    #[test]
    fn business_hours_follow_warsaw_time_across_daylight_saving() {
        // Winter: CET = UTC+1. 07:30 UTC is 08:30 in Warsaw on Monday 2026-11-23.
        assert!(within(&office(), at("2026-11-23T07:30:00Z")));
        assert!(
            !within(&office(), at("2026-11-23T06:30:00Z")),
            "07:30 local"
        );
        assert!(
            !within(&office(), at("2026-11-23T15:00:00Z")),
            "16:00 local is closed"
        );
        // Summer: CEST = UTC+2. 06:30 UTC is 08:30 in Warsaw on Monday 2026-06-15.
        assert!(within(&office(), at("2026-06-15T06:30:00Z")));
        assert!(
            !within(&office(), at("2026-06-15T14:30:00Z")),
            "16:30 local"
        );
        // Saturday.
        assert!(!within(&office(), at("2026-11-21T10:00:00Z")));
    }

    #[test]
    fn the_out_of_hours_text_is_chosen_outside_business_hours() {
        let settings = AutoresponderSettings {
            enabled: true,
            text: "W godzinach".into(),
            business_hours: Some(office()),
            out_of_hours_text: Some("Poza godzinami".into()),
            ..AutoresponderSettings::default()
        };
        assert_eq!(choose(&settings, at("2026-11-23T09:00:00Z")), "W godzinach");
        assert_eq!(
            choose(&settings, at("2026-11-23T20:00:00Z")),
            "Poza godzinami"
        );
        let no_hours = AutoresponderSettings {
            business_hours: None,
            ..settings
        };
        assert_eq!(choose(&no_hours, at("2026-11-23T20:00:00Z")), "W godzinach");
    }

    #[test]
    fn placeholders_are_filled_and_unknown_ones_found() {
        let values = Values {
            buyer_login: "jan_k",
            order_id: None,
            shop_name: "Sklep",
        };
        assert_eq!(
            render("Cześć {buyer_login}, {shop_name} ({order_id})", &values),
            "Cześć jan_k, Sklep (-)"
        );
        assert_eq!(
            unknown_placeholders("Hi {buyer} {order_id} {x-y} {}"),
            vec!["{buyer}"]
        );
        assert_eq!(
            unknown_placeholders("{agent_name}"),
            vec!["{agent_name}"],
            "autoresponses have no agent"
        );
        assert!(unknown_placeholders_among("{agent_name}", SAVED_REPLY_PLACEHOLDERS).is_empty());
    }

    #[test]
    fn values_holding_placeholders_are_inserted_as_written() {
        let values = Values {
            buyer_login: "{shop_name}",
            order_id: Some("{order_id}"),
            shop_name: "Sklep",
        };
        assert_eq!(
            render("{buyer_login}/{order_id}/{shop_name} {x} {", &values),
            "{shop_name}/{order_id}/Sklep {x} {"
        );
    }
}
