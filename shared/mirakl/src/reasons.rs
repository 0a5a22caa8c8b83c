//! RE02 `GET /api/reasons/{reason_type}`: the labels of reason codes, such as the
//! `ORDER_MESSAGING` codes a customer picks as a thread topic (`{type: REASON_CODE, value}`).
//! Labels are set per platform by the operator and change rarely; cache them.

use crate::client::MiraklClient;
use crate::error::{MiraklError, MiraklResult};
use crate::http::Call;
use crate::lenient;
use serde::{Deserialize, Serialize};

/// Reason type of order-thread topics.
pub const REASONS_ORDER_MESSAGING: &str = "ORDER_MESSAGING";

/// One reason: a code and its label in the asked locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The code (a thread topic's `value`).
    #[serde(default, deserialize_with = "lenient::string")]
    pub code: String,
    /// Its label.
    #[serde(default, deserialize_with = "lenient::string")]
    pub label: String,
}

/// The RE02 answer.
#[derive(Debug, Deserialize)]
struct ReasonList {
    #[serde(default, deserialize_with = "lenient::null_default")]
    reasons: Vec<Reason>,
}

impl MiraklClient {
    /// RE02: the reasons of `reason_type` (e.g. [`REASONS_ORDER_MESSAGING`]), labelled in
    /// `locale` (e.g. `pl_PL`) when given; reasons without a code are dropped.
    pub async fn reasons(
        &self,
        reason_type: &str,
        locale: Option<&str>,
    ) -> MiraklResult<Vec<Reason>> {
        if reason_type.trim().is_empty() {
            return Err(MiraklError::invalid("empty reason type"));
        }
        let mut call = Call::get("RE02 list reasons", &["reasons", reason_type]);
        if let Some(locale) = locale.filter(|l| !l.trim().is_empty()) {
            call = call.query("locale", locale);
        }
        let list: ReasonList = self.http.json(call).await?;
        Ok(list
            .reasons
            .into_iter()
            .filter(|r| !r.code.trim().is_empty())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_decode_leniently() {
        let list: ReasonList = serde_json::from_str(
            r#"{"reasons":[{"code":23,"label":"Item not received"},{"code":"24"},{"label":"x"}],"total_count":3,"extra":1}"#,
        )
        .expect("list");
        assert_eq!(list.reasons[0].code, "23");
        assert_eq!(list.reasons[1].label, "");
        assert_eq!(list.reasons[2].code, "");
        let empty: ReasonList = serde_json::from_str(r#"{"reasons":null}"#).expect("null");
        assert!(empty.reasons.is_empty());
    }
}
