//! Allegro OAuth 2.0 for sellers: the authorization-code flow with state and PKCE S256, the
//! code exchange, refresh with rotation, and the device flow. Token requests are POSTs with a
//! form body and HTTP Basic client authentication, as Allegro requires since 2025-09-23.

mod device;
mod errors;
mod response;

pub use device::{DeviceAuthorization, DevicePoll};
pub use errors::OAuthError;

use crate::client::AllegroClient;
use crate::http::{Body, Call, Media, Retry};
use crate::token::{PkceVerifier, RefreshToken, TokenSet};
use base64::Engine;
use reqwest::Method;
use url::form_urlencoded;
use url::Url;

/// What the caller needs to start the authorization-code flow and to finish it later.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// Where to send the seller's browser.
    pub url: Url,
    /// The `state` sent along; compare it with the one coming back to the redirect URI.
    pub state: String,
    /// The PKCE verifier to pass to [`AllegroClient::exchange_code`].
    pub pkce_verifier: PkceVerifier,
}

/// The grant type of the device flow's token polls.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

impl AllegroClient {
    /// The browser URL of the authorization-code flow with a fresh `state` and PKCE S256
    /// challenge; `scopes` empty asks for every scope the application has.
    pub fn authorization_request(
        &self,
        redirect_uri: &str,
        scopes: &[&str],
    ) -> Result<AuthorizationRequest, OAuthError> {
        let state = random_token(16);
        let pkce_verifier = PkceVerifier::random();
        let mut url = self.http().auth_url(&["auth", "oauth", "authorize"])?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.config().client_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("state", &state)
                .append_pair("code_challenge_method", "S256")
                .append_pair("code_challenge", &pkce_verifier.challenge());
            if !scopes.is_empty() {
                query.append_pair("scope", &scopes.join(" "));
            }
        }
        Ok(AuthorizationRequest {
            url,
            state,
            pkce_verifier,
        })
    }

    /// Exchanges an authorization code (with the PKCE verifier of its request) for tokens.
    /// Retried only when the request could not be sent: a code works once.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
        pkce_verifier: Option<&PkceVerifier>,
    ) -> Result<TokenSet, OAuthError> {
        // The serializer is not Send: finish it before any await.
        let body = {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "authorization_code")
                .append_pair("code", code)
                .append_pair("redirect_uri", redirect_uri);
            if let Some(verifier) = pkce_verifier {
                form.append_pair("code_verifier", verifier.expose());
            }
            form.finish()
        };
        let secrets = [code, pkce_verifier.map_or("", |v| v.expose())];
        self.token_request(body, Retry::OnlyUnsent, &secrets).await
    }

    /// Refreshes: Allegro rotates the pair, so store both returned tokens at once (the old
    /// refresh token dies 60 s later). `OAuthError::InvalidGrant` means the seller must
    /// authorize again: mark the account disconnected instead of retrying.
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenSet, OAuthError> {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", refresh_token.expose())
            .finish();
        // A lost answer is covered by the old token's 60 s grace, so retrying is safe.
        self.token_request(form, Retry::Safe, &[refresh_token.expose()])
            .await
    }

    /// POSTs a form to the token endpoint and reads the token set.
    async fn token_request(
        &self,
        form: String,
        retry: Retry,
        secrets: &[&str],
    ) -> Result<TokenSet, OAuthError> {
        let raw = self.oauth_post(&["token"], form, retry).await?;
        if raw.status.is_success() {
            response::token_set(&raw.body)
        } else {
            Err(errors::from_answer(&raw, &self.config().retry, secrets))
        }
    }

    /// POSTs a form with Basic client authentication to `/auth/oauth/<endpoint>`.
    pub(crate) async fn oauth_post(
        &self,
        endpoint: &[&str],
        form: String,
        retry: Retry,
    ) -> Result<crate::http::Raw, OAuthError> {
        let mut segments = vec!["auth", "oauth"];
        segments.extend_from_slice(endpoint);
        let call = Call {
            method: Method::POST,
            url: self.http().auth_url(&segments)?,
            media: Media::Json,
            token: None,
            basic: true,
            body: Some(Body::Form(form)),
            retry,
        };
        Ok(self.http().send(&call).await?)
    }
}

/// `bytes` random bytes (from the OS generator behind UUID v4, 122 random bits per 16 bytes),
/// base64url without padding.
pub(crate) fn random_token(bytes: usize) -> String {
    let mut data = Vec::with_capacity(bytes + 16);
    while data.len() < bytes {
        data.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    data.truncate(bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_are_url_safe_and_distinct() {
        let a = random_token(32);
        assert_eq!(a.len(), 43);
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_ne!(a, random_token(32));
        assert_eq!(random_token(16).len(), 22);
    }
}
