//! RE02 `GET /api/reasons/{reason_type}`: the labels of reason codes, e.g. the
//! `ORDER_MESSAGING` codes a customer picks as a thread's topic (`{type: REASON_CODE, value}`).
//! Labels are localised by the `locale` parameter (`pl_PL`, `en_US`, ...; its language part
//! picks the label, English when the shop has none in that language). The list starts with
//! the messaging reasons of Mirakl's published example (codes 20–26, English and Polish);
//! the control API adds or relabels reasons (`POST /__simulator/empik/reasons`).

use super::auth::authenticated;
use super::errors::{bad_request, ApiResult};
use super::params::Params;
use crate::state::SimulatorState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The reason types RE02 knows (its path parameter's enum).
pub const REASON_TYPES: [&str; 9] = [
    "INCIDENT_CLOSE",
    "REFUND",
    "MPS_REFUND",
    "MESSAGING",
    "ORDER_MESSAGING",
    "MPS_ORDER_MESSAGING",
    "MPS_OFFER_MESSAGING",
    "OFFER_MESSAGING",
    "CANCELATION",
];

/// The reason type of order-thread topics.
pub const ORDER_MESSAGING: &str = "ORDER_MESSAGING";

/// Language of a label used when the requested one is missing.
pub const DEFAULT_LANGUAGE: &str = "en";

/// One reason of one type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// One of [`REASON_TYPES`].
    pub reason_type: String,
    /// The code (a thread topic's `value` for `REASON_CODE` topics).
    pub code: String,
    /// Labels by language (`en`, `pl`, ...).
    pub labels: BTreeMap<String, String>,
}

impl Reason {
    /// The label for `locale` (`pl_PL`, `pl`, `en_US`): its language, else English, else any.
    pub fn label(&self, locale: Option<&str>) -> &str {
        let language = locale
            .and_then(|l| l.split(['_', '-']).next())
            .map(str::to_ascii_lowercase);
        language
            .as_deref()
            .and_then(|l| self.labels.get(l))
            .or_else(|| self.labels.get(DEFAULT_LANGUAGE))
            .or_else(|| self.labels.values().next())
            .map_or("", String::as_str)
    }
}

/// The reasons a fresh simulator knows: the messaging reasons of Mirakl's example.
pub fn default_reasons() -> Vec<Reason> {
    [
        ("20", "Question about delivery", "Pytanie o dostawę"),
        ("21", "Cancel the order", "Anulowanie zamówienia"),
        (
            "22",
            "Issue with item received",
            "Problem z otrzymanym produktem",
        ),
        ("23", "Item not received", "Nie otrzymałem produktu"),
        ("24", "Request an invoice", "Prośba o fakturę"),
        ("25", "Information on the product", "Informacje o produkcie"),
        ("26", "Other question", "Inne pytanie"),
    ]
    .into_iter()
    .map(|(code, en, pl)| Reason {
        reason_type: ORDER_MESSAGING.into(),
        code: code.into(),
        labels: BTreeMap::from([("en".into(), en.into()), ("pl".into(), pl.into())]),
    })
    .collect()
}

/// RE02: the reasons of `reason_type` in the order they were defined, labelled for `locale`.
pub async fn list_reasons(
    State(state): State<SimulatorState>,
    Path(reason_type): Path<String>,
    headers: HeaderMap,
    params: Params,
) -> ApiResult<Json<Value>> {
    let (world, _shop_id) = authenticated(&state, &headers, &params)?;
    if !REASON_TYPES.contains(&reason_type.as_str()) {
        return Err(bad_request(format!(
            "Invalid value '{reason_type}' for parameter : reason_type (available: {})",
            REASON_TYPES.join(", ")
        )));
    }
    let locale = params.get("locale");
    let reasons: Vec<Value> = world
        .empik
        .reasons
        .iter()
        .filter(|r| r.reason_type == reason_type)
        .map(|r| json!({ "code": r.code, "label": r.label(locale) }))
        .collect();
    Ok(Json(
        json!({ "reasons": reasons, "total_count": reasons.len() }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_locale_language_then_english() {
        let reason = default_reasons()
            .into_iter()
            .find(|r| r.code == "23")
            .expect("23");
        assert_eq!(reason.label(Some("pl_PL")), "Nie otrzymałem produktu");
        assert_eq!(reason.label(Some("PL")), "Nie otrzymałem produktu");
        assert_eq!(reason.label(Some("de_DE")), "Item not received");
        assert_eq!(reason.label(None), "Item not received");
        let polish_only = Reason {
            labels: BTreeMap::from([("pl".into(), "Tylko po polsku".into())]),
            ..reason
        };
        assert_eq!(polish_only.label(Some("en_US")), "Tylko po polsku");
    }
}
