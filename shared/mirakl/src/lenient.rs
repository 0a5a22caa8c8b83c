//! Lenient decoding: Mirakl may add enum values, omit "required" fields, send `null`, numbers
//! as strings or dates with or without milliseconds. These helpers accept all of that.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// An open enum over wire strings: known values as variants, anything else kept in `Other`.
macro_rules! lenient_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this client does not know, kept as sent (empty when absent).
            Other(String),
        }

        impl $name {
            /// The wire name.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(raw) => raw,
                }
            }

            /// Reads a wire name (case-insensitive); unknown names become `Other`.
            pub fn parse(raw: &str) -> Self {
                let trimmed = raw.trim();
                $( if trimmed.eq_ignore_ascii_case($wire) { return Self::$variant; } )+
                Self::Other(trimmed.to_owned())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::Other(String::new())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Ok(Self::parse(&$crate::lenient::string(deserializer)?))
            }
        }
    };
}
pub(crate) use lenient_enum;

/// A string from a string, number or bool; `null`, objects and arrays read as "".
pub(crate) fn string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(opt_string(deserializer)?.unwrap_or_default())
}

/// A string from a string, number or bool; anything else (or blank) is `None`.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(s) if !s.trim().is_empty() => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// A value whose `null` means the type's default (an empty list, mostly).
pub(crate) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// An integer from a number (whole) or a numeric string; anything else is `None`.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A number from a number or a numeric string; anything else is `None`.
pub(crate) fn opt_f64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A date-time: RFC 3339 (`Z` or `±hh:mm`, optional fraction), or without a zone (read as
/// UTC); anything else is `None`.
pub(crate) fn opt_date<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(s) => parse_date(&s),
        _ => None,
    })
}

/// Parses a Mirakl date-time leniently (see [`opt_date`]).
pub fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    DateTime::parse_from_rfc3339(raw)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|naive| naive.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    lenient_enum! {
        /// Test enum.
        Color { /// Red.
            Red = "RED", /// Dark blue.
            DarkBlue = "DARK_BLUE" }
    }

    #[derive(Debug, Deserialize)]
    struct Sample {
        #[serde(default)]
        color: Color,
        #[serde(default, deserialize_with = "opt_string")]
        id: Option<String>,
        #[serde(default, deserialize_with = "opt_i64")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "opt_f64")]
        price: Option<f64>,
        #[serde(default, deserialize_with = "opt_date")]
        date: Option<DateTime<Utc>>,
        #[serde(default, deserialize_with = "null_default")]
        list: Vec<u8>,
    }

    fn sample(json: &str) -> Sample {
        serde_json::from_str(json).expect("lenient")
    }

    #[test]
    fn enums_keep_unknown_values() {
        assert_eq!(Color::parse("RED"), Color::Red);
        assert_eq!(Color::parse("dark_blue"), Color::DarkBlue);
        assert_eq!(Color::parse("GREEN"), Color::Other("GREEN".into()));
        assert_eq!(Color::Other("GREEN".into()).as_str(), "GREEN");
        assert_eq!(
            serde_json::to_string(&Color::DarkBlue).expect("json"),
            "\"DARK_BLUE\""
        );
        assert_eq!(sample(r#"{"color":null}"#).color, Color::default());
        assert_eq!(sample(r#"{"color":7}"#).color, Color::Other("7".into()));
    }

    #[test]
    fn scalars_accept_other_shapes() {
        let s = sample(r#"{"id":2000,"n":"42","price":"9.99","list":null}"#);
        assert_eq!(s.id.as_deref(), Some("2000"));
        assert_eq!(s.n, Some(42));
        assert_eq!(s.price, Some(9.99));
        assert!(s.list.is_empty());
        let s = sample(r#"{"id":"  ","n":1.5,"price":{},"date":12}"#);
        assert_eq!((s.id, s.n, s.price, s.date), (None, None, None, None));
        let s = sample(r#"{"n":3.0}"#);
        assert_eq!(s.n, Some(3));
    }

    #[test]
    fn dates_with_or_without_millis_zone_or_offset() {
        let base = Utc
            .with_ymd_and_hms(2024, 5, 2, 8, 36, 36)
            .single()
            .expect("date");
        let millis = base + chrono::Duration::milliseconds(479);
        assert_eq!(parse_date("2024-05-02T08:36:36Z"), Some(base));
        assert_eq!(parse_date("2024-05-02T08:36:36.479Z"), Some(millis));
        assert_eq!(parse_date("2024-05-02T10:36:36.479+02:00"), Some(millis));
        assert_eq!(parse_date("2024-05-02T08:36:36"), Some(base));
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(
            sample(r#"{"date":"2024-05-02T08:36:36Z"}"#).date,
            Some(base)
        );
        assert_eq!(sample(r#"{"date":"garbage"}"#).date, None);
    }
}
