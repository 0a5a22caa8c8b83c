//! Reading configuration from environment variables, with errors that name the variable.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

/// A configuration value that is missing or unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is not set.
    #[error("{var} is not set: {hint}")]
    Missing {
        /// The variable's name.
        var: String,
        /// What it should hold.
        hint: String,
    },
    /// A variable is set to something unusable.
    #[error("{var}={value:?} is invalid: {reason}")]
    Invalid {
        /// The variable's name.
        var: String,
        /// The value found.
        value: String,
        /// What was expected.
        reason: String,
    },
}

/// A snapshot of environment variables to read configuration from.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    /// The process environment.
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars().collect(),
        }
    }

    /// An environment from explicit pairs (tests).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    /// The variable's value; unset and empty are the same.
    pub fn optional(&self, var: &str) -> Option<&str> {
        self.vars
            .get(var)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// The variable's value, or an error saying what it should hold.
    pub fn required(&self, var: &str, hint: &str) -> Result<&str, ConfigError> {
        self.optional(var).ok_or_else(|| ConfigError::Missing {
            var: var.to_owned(),
            hint: hint.to_owned(),
        })
    }

    /// The variable parsed with `FromStr`, or `None` when unset.
    pub fn parse<T>(&self, var: &str) -> Result<Option<T>, ConfigError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        self.optional(var)
            .map(|value| {
                value.trim().parse::<T>().map_err(|e| ConfigError::Invalid {
                    var: var.to_owned(),
                    value: value.to_owned(),
                    reason: e.to_string(),
                })
            })
            .transpose()
    }

    /// The variable as a duration (`90`, `90s`, `5m`, `1h`, `250ms`), or `None` when unset.
    pub fn duration(&self, var: &str) -> Result<Option<Duration>, ConfigError> {
        self.optional(var)
            .map(|value| {
                parse_duration(value).map_err(|reason| ConfigError::Invalid {
                    var: var.to_owned(),
                    value: value.to_owned(),
                    reason,
                })
            })
            .transpose()
    }

    /// The variable as a boolean (`true/false`, `1/0`, `yes/no`, `on/off`), or `None` when unset.
    pub fn flag(&self, var: &str) -> Result<Option<bool>, ConfigError> {
        self.optional(var)
            .map(|value| match value.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(ConfigError::Invalid {
                    var: var.to_owned(),
                    value: value.to_owned(),
                    reason: "expected true or false".into(),
                }),
            })
            .transpose()
    }
}

/// Parses `90`, `90s`, `5m`, `1h` or `250ms` (a bare number means seconds); zero is refused.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let amount: u64 = number
        .parse()
        .map_err(|_| "expected a duration such as 60s, 5m, 1h or 250ms".to_string())?;
    let duration = match unit.trim() {
        "" | "s" => Duration::from_secs(amount),
        "ms" => Duration::from_millis(amount),
        "m" => Duration::from_secs(amount.saturating_mul(60)),
        "h" => Duration::from_secs(amount.saturating_mul(3600)),
        other => return Err(format!("unknown unit {other:?}; use ms, s, m or h")),
    };
    if duration.is_zero() {
        return Err("must be greater than zero".into());
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_common_units() {
        assert_eq!(parse_duration("60"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 weeks").is_err());
    }

    #[test]
    fn errors_name_the_variable() {
        let env = Env::from_pairs([
            ("MARKETDESK_POLL_INTERVAL", "often"),
            ("MARKETDESK_X", "maybe"),
        ]);
        let err = env
            .duration("MARKETDESK_POLL_INTERVAL")
            .expect_err("invalid");
        assert!(
            err.to_string()
                .starts_with("MARKETDESK_POLL_INTERVAL=\"often\" is invalid"),
            "{err}"
        );
        let err = env.flag("MARKETDESK_X").expect_err("invalid");
        assert!(err.to_string().contains("MARKETDESK_X"));
        let err = env
            .required("MARKETDESK_TABLE_NAME", "the DynamoDB table")
            .expect_err("missing");
        assert_eq!(
            err.to_string(),
            "MARKETDESK_TABLE_NAME is not set: the DynamoDB table"
        );
        let err = env.parse::<u16>("MARKETDESK_X").expect_err("not a number");
        assert!(err.to_string().contains("MARKETDESK_X"));
    }

    #[test]
    fn empty_means_unset() {
        let env = Env::from_pairs([("A", "  ")]);
        assert_eq!(env.optional("A"), None);
        assert_eq!(env.duration("A"), Ok(None));
    }
}
