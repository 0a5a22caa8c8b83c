//! Lenient reading of token responses: only `access_token` is required; `expires_in` may be a
//! number or a numeric string, `scope` a space-separated string or an array.

use super::errors::OAuthError;
use crate::token::{AccessToken, RefreshToken, TokenSet};
use serde_json::Value;
use std::time::Duration;

/// Reads a token endpoint's success body.
pub(crate) fn token_set(body: &[u8]) -> Result<TokenSet, OAuthError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| OAuthError::Decode {
        message: format!("the token response is not JSON ({})", e.classify_name()),
    })?;
    let text = |name: &str| {
        value
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let access_token = text("access_token").ok_or_else(|| OAuthError::Decode {
        message: "the token response has no access_token".into(),
    })?;
    Ok(TokenSet {
        access_token: AccessToken::new(access_token),
        refresh_token: text("refresh_token").map(RefreshToken::new),
        expires_in: value.get("expires_in").and_then(seconds),
        scopes: value.get("scope").map(scopes).unwrap_or_default(),
        token_type: text("token_type"),
        jti: text("jti"),
    })
}

/// A number of seconds given as a number or a numeric string.
pub(crate) fn seconds(value: &Value) -> Option<Duration> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
    .map(Duration::from_secs)
}

fn scopes(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// Names the kind of a JSON error without quoting the body.
trait Classify {
    fn classify_name(&self) -> &'static str;
}

impl Classify for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected shape",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allegros_token_response_parses() {
        let body = br#"{"access_token":"a1","token_type":"bearer","refresh_token":"r1","expires_in":43199,"scope":"allegro:api:orders:read allegro:api:messaging","allegro_api":true,"jti":"j"}"#;
        let set = token_set(body).expect("parses");
        assert_eq!(set.access_token.expose(), "a1");
        assert_eq!(set.refresh_token.as_ref().map(|r| r.expose()), Some("r1"));
        assert_eq!(set.expires_in, Some(Duration::from_secs(43199)));
        assert_eq!(
            set.scopes,
            ["allegro:api:orders:read", "allegro:api:messaging"]
        );
        assert_eq!(set.jti.as_deref(), Some("j"));
    }

    #[test]
    fn odd_but_usable_responses_parse() {
        let set = token_set(
            br#"{"access_token":"a","expires_in":"3600","scope":["x","y"],"refresh_token":null}"#,
        )
        .expect("parses");
        assert_eq!(set.expires_in, Some(Duration::from_secs(3600)));
        assert_eq!(set.scopes, ["x", "y"]);
        assert!(set.refresh_token.is_none());
    }

    #[test]
    fn unusable_responses_are_decode_errors_without_the_body() {
        for body in [
            &br#"{"token_type":"bearer"}"#[..],
            b"{\"access_token\": \"sec",
            b"<html>",
        ] {
            let error = token_set(body).expect_err("refused");
            assert!(matches!(error, OAuthError::Decode { .. }));
            assert!(!error.to_string().contains("sec"), "{error}");
        }
    }
}
