//! Query parameters and date-times as Mirakl reads and writes them.

use super::errors::{bad_request, ApiError, ApiResult};
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use chrono::{DateTime, SubsecRound, Utc};

/// The query string of one call, in order, repeated names kept.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// The decoded query string, or 400 when it cannot be decoded.
    pub fn from_query(
        query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    ) -> ApiResult<Self> {
        query
            .map(|Query(pairs)| Self(pairs))
            .map_err(|_| bad_request("The query string could not be decoded"))
    }

    /// Pairs given directly (tests).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    /// The first value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every value of a list parameter: repeated (`p=a&p=b`) and comma-separated (`p=a,b`)
    /// forms both count; blanks are dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// An optional non-negative integer parameter; 400 when it is not one.
    pub fn integer(&self, name: &str) -> ApiResult<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(raw) => raw
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|value| *value >= 0)
                .map(Some)
                .ok_or_else(|| {
                    bad_request(format!(
                        "Invalid value '{raw}' for parameter : {name} (a non-negative integer is expected)"
                    ))
                }),
        }
    }

    /// An optional boolean parameter (`true`/`false`, any case); 400 otherwise.
    pub fn boolean(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(raw) if raw.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(raw) if raw.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(raw) => Err(bad_request(format!(
                "Invalid value '{raw}' for parameter : {name} (true or false is expected)"
            ))),
        }
    }

    /// An optional date-time parameter (`YYYY-MM-DDThh:mm:ss[.SSS]` with `Z` or `±hh:mm`);
    /// 400 otherwise.
    pub fn date(&self, name: &str) -> ApiResult<Option<DateTime<Utc>>> {
        match self.get(name) {
            None => Ok(None),
            Some(raw) => parse_date(raw).map(Some).ok_or_else(|| {
                bad_request(format!(
                    "Invalid date '{raw}' for parameter : {name} (expected yyyy-MM-ddTHH:mm:ss[.SSS] with Z or ±hh:mm)"
                ))
            }),
        }
    }
}

/// Handlers take the query as `Params`; a query string that cannot be decoded answers 400.
impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        Self::from_query(Query::from_request_parts(parts, state).await)
    }
}

/// Parses an ISO 8601 date-time with seconds, optional fraction and a `Z` or `±hh:mm` zone.
pub fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw.trim())
        .ok()
        .map(|date| date.with_timezone(&Utc))
}

/// A time as the simulator stores it: whole milliseconds, the precision threads show.
pub fn to_millis(date: DateTime<Utc>) -> DateTime<Utc> {
    date.trunc_subsecs(3)
}

/// `2018-10-02T08:36:36.479Z`, the form thread and message dates take.
pub fn format_millis(date: &DateTime<Utc>) -> String {
    date.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// `2019-04-02T14:18:43Z`, the form order and account dates take.
pub fn format_seconds(date: &DateTime<Utc>) -> String {
    date.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Serde helper writing a date as [`format_millis`] does.
pub mod millis {
    use chrono::{DateTime, Utc};
    use serde::Serializer;

    /// Writes `date` with milliseconds and `Z`.
    pub fn serialize<S: Serializer>(
        date: &DateTime<Utc>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format_millis(date))
    }
}

/// Serde helper writing an optional date as [`format_millis`] does (`null` when absent).
pub mod millis_option {
    use chrono::{DateTime, Utc};
    use serde::Serializer;

    /// Writes `date` with milliseconds and `Z`, or `null`.
    pub fn serialize<S: Serializer>(
        date: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => serializer.serialize_str(&super::format_millis(date)),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_parse_with_z_offsets_and_optional_millis() {
        let base = Utc
            .with_ymd_and_hms(2024, 5, 2, 8, 36, 36)
            .single()
            .expect("date");
        assert_eq!(parse_date("2024-05-02T08:36:36Z"), Some(base));
        assert_eq!(parse_date("2024-05-02T10:36:36+02:00"), Some(base));
        assert_eq!(parse_date("2024-05-02T06:36:36-02:00"), Some(base));
        assert_eq!(
            parse_date("2024-05-02T08:36:36.479Z"),
            Some(base + chrono::Duration::milliseconds(479))
        );
        assert_eq!(parse_date("2024-05-02"), None);
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn lists_accept_commas_and_repeats() {
        let params = Params::from_pairs(&[("id", "a, b"), ("x", "1"), ("id", "c,,")]);
        assert_eq!(params.list("id"), vec!["a", "b", "c"]);
        assert!(params.list("none").is_empty());
    }

    #[test]
    fn numbers_and_booleans_are_checked() {
        let params =
            Params::from_pairs(&[("limit", "x"), ("max", "-1"), ("ok", "TRUE"), ("b", "yes")]);
        assert!(params.integer("limit").is_err());
        assert!(params.integer("max").is_err());
        assert_eq!(params.integer("none").ok(), Some(None));
        assert_eq!(params.boolean("ok").ok(), Some(Some(true)));
        assert!(params.boolean("b").is_err());
    }

    #[test]
    fn dates_are_written_in_both_forms() {
        let date = Utc
            .with_ymd_and_hms(2019, 4, 2, 14, 18, 43)
            .single()
            .expect("date")
            + chrono::Duration::microseconds(479_900);
        assert_eq!(format_millis(&date), "2019-04-02T14:18:43.479Z");
        assert_eq!(format_seconds(&date), "2019-04-02T14:18:43Z");
        assert_eq!(format_millis(&to_millis(date)), "2019-04-02T14:18:43.479Z");
    }
}
