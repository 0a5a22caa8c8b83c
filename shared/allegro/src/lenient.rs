//! Lenient decoding helpers: string enums that keep unknown values, timestamps that keep the
//! raw text when it does not parse, and `null` read as the type's default.
//!
//! Allegro adds enum values without notice and the reference notes mark many fields as
//! unconfirmed, so nothing the client decodes may fail on a value it does not know.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Defines a string enum whose unknown wire values are kept in an `Unknown(String)` variant.
///
/// ```text
/// lenient_enum! {
///     /// Doc of the enum.
///     pub enum Colour {
///         /// Doc of the variant.
///         Red => "RED",
///     }
/// }
/// ```
macro_rules! lenient_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this client does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every value this client knows, in declaration order.
            pub const KNOWN: &'static [&'static str] = &[$($wire),*];

            /// The value as Allegro writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Unknown(other) => other.as_str(),
                }
            }

            /// Reads a wire value; unknown values are kept in `Unknown`.
            pub fn from_wire(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }

            /// Whether this is a value the client knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_wire(value))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from_wire(&value))
            }
        }
    };
}

pub(crate) use lenient_enum;

/// A date-time as Allegro sent it: the raw text and, when it is RFC 3339, the parsed instant.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    raw: String,
    parsed: Option<DateTime<Utc>>,
}

impl Timestamp {
    /// Reads a timestamp; text that is not RFC 3339 is kept without an instant.
    pub fn parse(raw: &str) -> Self {
        let parsed = DateTime::parse_from_rfc3339(raw.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc));
        Self {
            raw: raw.to_owned(),
            parsed,
        }
    }

    /// The instant, when the text was a valid RFC 3339 date-time.
    pub fn as_datetime(&self) -> Option<DateTime<Utc>> {
        self.parsed
    }

    /// The text exactly as received.
    pub fn raw(&self) -> &str {
        &self.raw
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Self {
            raw: at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            parsed: Some(at),
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({:?})", self.raw)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Ok(Self::parse(&raw))
    }
}

/// Reads `null` (or a missing field, with `#[serde(default)]`) as the type's default.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads a string that Allegro may also send as a number (ids, quantities in some payloads).
pub(crate) fn string_or_number<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(
        match Option::<serde_json::Value>::deserialize(deserializer)? {
            Some(serde_json::Value::String(text)) => Some(text),
            Some(serde_json::Value::Number(number)) => Some(number.to_string()),
            Some(serde_json::Value::Bool(flag)) => Some(flag.to_string()),
            _ => None,
        },
    )
}

/// Reads a list of texts leniently: `null` is empty, numbers become text, other entries are
/// skipped.
pub(crate) fn strings<'de, D>(deserializer: D) -> Result<Vec<String>, D::Error>
where
    D: Deserializer<'de>,
{
    let values = Option::<Vec<serde_json::Value>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(values
        .into_iter()
        .filter_map(|value| match value {
            serde_json::Value::String(text) => Some(text),
            serde_json::Value::Number(number) => Some(number.to_string()),
            _ => None,
        })
        .collect())
}

/// Reads a non-negative count that Allegro may send as a number or a numeric string; anything
/// else (negative, fractional, null, text) reads as `None` rather than failing.
pub(crate) fn count<'de, D>(deserializer: D) -> Result<Option<u64>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(
        match Option::<serde_json::Value>::deserialize(deserializer)? {
            Some(serde_json::Value::Number(number)) => number.as_u64(),
            Some(serde_json::Value::String(text)) => text.trim().parse().ok(),
            _ => None,
        },
    )
}

/// Sorts items oldest first by a timestamp; items without a parseable time keep their relative
/// order and come first (stable sort).
pub(crate) fn sort_by_time<T>(items: &mut [T], time: impl Fn(&T) -> Option<DateTime<Utc>>) {
    items.sort_by_key(|item| time(item));
}

#[cfg(test)]
mod tests {
    use super::*;

    lenient_enum! {
        /// A test enum.
        pub enum Colour {
            /// Red.
            Red => "RED",
            /// Dark blue.
            DarkBlue => "DARK_BLUE",
        }
    }

    #[test]
    fn unknown_enum_values_are_kept_and_round_trip() {
        let values: Vec<Colour> =
            serde_json::from_str(r#"["RED", "DARK_BLUE", "MAUVE"]"#).expect("decodes");
        assert_eq!(
            values,
            vec![
                Colour::Red,
                Colour::DarkBlue,
                Colour::Unknown("MAUVE".into())
            ]
        );
        assert!(!values[2].is_known());
        assert_eq!(
            serde_json::to_string(&values).expect("encodes"),
            r#"["RED","DARK_BLUE","MAUVE"]"#
        );
        assert_eq!(Colour::KNOWN, &["RED", "DARK_BLUE"]);
        assert_eq!("RED".parse::<Colour>(), Ok(Colour::Red));
        assert_eq!(Colour::DarkBlue.to_string(), "DARK_BLUE");
    }

    #[test]
    fn timestamps_keep_unparseable_text() {
        let good = Timestamp::parse("2025-06-10T12:12:12.019Z");
        assert_eq!(
            good.as_datetime().map(|t| t.timestamp_millis()),
            Some(1_749_557_532_019)
        );
        let bad = Timestamp::parse("yesterday");
        assert_eq!((bad.as_datetime(), bad.raw()), (None, "yesterday"));
        let offset = Timestamp::parse("2025-06-10T14:12:12+02:00");
        assert_eq!(
            offset.as_datetime(),
            Timestamp::parse("2025-06-10T12:12:12Z").as_datetime()
        );
    }

    #[derive(Debug, Deserialize)]
    struct WithDefaults {
        #[serde(default, deserialize_with = "null_as_default")]
        items: Vec<u32>,
        #[serde(default, deserialize_with = "string_or_number")]
        id: Option<String>,
        #[serde(default, deserialize_with = "count")]
        quantity: Option<u64>,
    }

    #[test]
    fn null_and_missing_read_as_default() {
        let null: WithDefaults = serde_json::from_str(r#"{"items": null}"#).expect("null");
        let missing: WithDefaults = serde_json::from_str("{}").expect("missing");
        assert!(null.items.is_empty() && missing.items.is_empty());
        let numeric: WithDefaults = serde_json::from_str(r#"{"id": 225693}"#).expect("number");
        assert_eq!(numeric.id.as_deref(), Some("225693"));
        let counts: Vec<Option<u64>> = [
            r#"{"quantity": 3}"#,
            r#"{"quantity": "4"}"#,
            r#"{"quantity": -1}"#,
            r#"{"quantity": "x"}"#,
        ]
        .iter()
        .map(|json| {
            serde_json::from_str::<WithDefaults>(json)
                .expect("lenient")
                .quantity
        })
        .collect();
        assert_eq!(counts, [Some(3), Some(4), None, None]);
    }

    #[test]
    fn sorting_is_stable_and_oldest_first() {
        let mut items = vec![
            ("b", Timestamp::parse("2025-01-02T00:00:00Z")),
            ("x", Timestamp::parse("garbage")),
            ("a", Timestamp::parse("2025-01-01T00:00:00Z")),
        ];
        sort_by_time(&mut items, |(_, t)| t.as_datetime());
        let names: Vec<&str> = items.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["x", "a", "b"]);
    }
}
