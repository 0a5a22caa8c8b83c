//! Injected faults: the next N calls to a path answer 429, 500, hang, or send malformed JSON
//! without reaching the handler, or reach it and lose its answer (500 after the change was
//! made: what a client sees when a gateway fails after the marketplace acted). Control calls
//! (`/__simulator/...`) are never faulted.

pub mod injection;

use serde::{Deserialize, Serialize};

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 with the marketplace's body and a `Retry-After` header.
    TooManyRequests {
        /// Seconds in `Retry-After`.
        #[serde(default = "default_retry_after")]
        retry_after_seconds: u64,
    },
    /// 500 with the marketplace's body.
    ServerError,
    /// The request is handled (a message is posted, a file stored), then its answer is
    /// replaced by a 500 with the marketplace's body: the client cannot tell it went through.
    ServerErrorAfterProcessing,
    /// No answer for this long, then 504 (the client should have timed out first).
    Timeout {
        /// How long to hang.
        #[serde(default = "default_hang")]
        hang_ms: u64,
    },
    /// 200 with a JSON content type and a truncated body.
    MalformedJson,
}

fn default_retry_after() -> u64 {
    60
}

fn default_hang() -> u64 {
    30_000
}

/// One armed fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Requests whose path starts with this are affected.
    pub path_prefix: String,
    /// Only this HTTP method (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// How many more calls it affects.
    pub remaining: u32,
    /// What it does.
    #[serde(flatten)]
    pub kind: FaultKind,
}

/// Armed faults, first match wins.
#[derive(Debug, Default)]
pub struct Faults {
    /// The rules, in the order they were armed.
    pub rules: Vec<FaultRule>,
}

impl Faults {
    /// Takes one use of the first rule matching the request, if any.
    pub fn take(&mut self, method: &str, path: &str) -> Option<FaultKind> {
        let position = self.rules.iter().position(|rule| {
            rule.remaining > 0
                && path.starts_with(&rule.path_prefix)
                && rule
                    .method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
        })?;
        let rule = &mut self.rules[position];
        rule.remaining -= 1;
        let kind = rule.kind.clone();
        if rule.remaining == 0 {
            self.rules.remove(position);
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_fire_the_given_number_of_times_for_matching_requests() {
        let mut faults = Faults::default();
        faults.rules.push(FaultRule {
            path_prefix: "/sale/issues".into(),
            method: Some("GET".into()),
            remaining: 2,
            kind: FaultKind::ServerError,
        });
        assert_eq!(
            faults.take("POST", "/sale/issues/1/message"),
            None,
            "other method"
        );
        assert_eq!(faults.take("GET", "/messaging/threads"), None, "other path");
        assert_eq!(
            faults.take("GET", "/sale/issues"),
            Some(FaultKind::ServerError)
        );
        assert_eq!(
            faults.take("get", "/sale/issues/9"),
            Some(FaultKind::ServerError)
        );
        assert_eq!(faults.take("GET", "/sale/issues"), None, "used up");
        assert!(faults.rules.is_empty());
    }

    #[test]
    fn kinds_read_from_the_control_api() {
        let rule: FaultRule = serde_json::from_value(json!({
            "path_prefix": "/api/inbox", "method": "POST", "remaining": 1,
            "kind": "server_error_after_processing"
        }))
        .expect("rule");
        assert_eq!(rule.kind, FaultKind::ServerErrorAfterProcessing);
        let rule: FaultRule = serde_json::from_value(json!({
            "path_prefix": "/", "remaining": 1, "kind": "too_many_requests"
        }))
        .expect("rule");
        assert_eq!(
            rule.kind,
            FaultKind::TooManyRequests {
                retry_after_seconds: 60
            }
        );
    }
}
