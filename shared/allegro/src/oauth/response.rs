//! Allegro's token answer as the `oauth2` crate reads it ([`oauth2::TokenResponse`] is its
//! extension point for providers off the standard): only `access_token` is required;
//! `expires_in` may be a number or a numeric string, `scope` a space-separated string or an
//! array, `token_type` anything; `jti` is kept.

use crate::token::{AccessToken, RefreshToken, TokenSet};
use oauth2::Scope;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// The token endpoint's success body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "Value")]
pub(crate) struct AllegroTokenResponse {
    access_token: oauth2::AccessToken,
    token_type: AllegroTokenType,
    expires_in: Option<u64>,
    refresh_token: Option<oauth2::RefreshToken>,
    scope: Option<Vec<Scope>>,
    jti: Option<String>,
}

/// `token_type` as sent (Allegro: `bearer`); absent is allowed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AllegroTokenType(Option<String>);

impl oauth2::TokenType for AllegroTokenType {}

impl oauth2::TokenResponse for AllegroTokenResponse {
    type TokenType = AllegroTokenType;

    fn access_token(&self) -> &oauth2::AccessToken {
        &self.access_token
    }

    fn token_type(&self) -> &AllegroTokenType {
        &self.token_type
    }

    fn expires_in(&self) -> Option<Duration> {
        self.expires_in.map(Duration::from_secs)
    }

    fn refresh_token(&self) -> Option<&oauth2::RefreshToken> {
        self.refresh_token.as_ref()
    }

    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scope.as_ref()
    }
}

impl TryFrom<Value> for AllegroTokenResponse {
    type Error = String;

    fn try_from(value: Value) -> Result<Self, String> {
        let text = |name: &str| {
            value
                .get(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let access_token = text("access_token").ok_or("the token response has no access_token")?;
        Ok(Self {
            access_token: oauth2::AccessToken::new(access_token),
            token_type: AllegroTokenType(text("token_type")),
            expires_in: value
                .get("expires_in")
                .and_then(seconds)
                .map(|d| d.as_secs()),
            refresh_token: text("refresh_token").map(oauth2::RefreshToken::new),
            scope: value
                .get("scope")
                .map(|v| scopes(v).into_iter().map(Scope::new).collect()),
            jti: text("jti"),
        })
    }
}

impl From<AllegroTokenResponse> for TokenSet {
    fn from(answer: AllegroTokenResponse) -> Self {
        TokenSet {
            access_token: AccessToken::new(answer.access_token.into_secret()),
            refresh_token: answer
                .refresh_token
                .map(|token| RefreshToken::new(token.into_secret())),
            expires_in: answer.expires_in.map(Duration::from_secs),
            scopes: answer
                .scope
                .unwrap_or_default()
                .into_iter()
                .map(|scope| scope.to_string())
                .collect(),
            token_type: answer.token_type.0,
            jti: answer.jti,
        }
    }
}

/// Reads a token endpoint's success body as the crate does (the unit tests' entry).
#[cfg(test)]
pub(crate) fn token_set(body: &[u8]) -> Result<TokenSet, super::OAuthError> {
    serde_json::from_slice::<AllegroTokenResponse>(body)
        .map(TokenSet::from)
        .map_err(|e| super::transport::unreadable(&e))
}

/// Whole seconds from a number or a numeric string.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::OAuthError;

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
