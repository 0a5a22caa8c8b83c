//! Allegro OAuth 2.0 for sellers through the `oauth2` crate: the authorization-code flow with
//! state and PKCE S256, the code exchange, refresh with rotation, and the device flow. The
//! crate builds the requests (form bodies, HTTP Basic client authentication, as Allegro
//! requires since 2025-09-23); Allegro's specifics plug into its extension points: the
//! transport ([`transport`]: Allegro's error answers, the shared HTTP pool), a lenient token
//! response type ([`response`]) and the device endpoint's answer ([`device`]).

mod device;
mod errors;
mod response;
mod transport;

pub use device::{DeviceAuthorization, DevicePoll};
pub use errors::OAuthError;

use crate::client::AllegroClient;
use crate::http::Retry;
use crate::token::{PkceVerifier, RefreshToken, TokenSet};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, DeviceAuthorizationUrl,
    EndpointNotSet, EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardRevocableToken, TokenUrl,
};
use response::AllegroTokenResponse;
use std::borrow::Cow;
use transport::{from_request_error, Transport};
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

/// The crate's client with Allegro's endpoints (authorize, device, token) and token answers.
type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    AllegroTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

impl AllegroClient {
    /// The browser URL of the authorization-code flow with a fresh `state` and PKCE S256
    /// challenge; `scopes` empty asks for every scope the application has.
    pub fn authorization_request(
        &self,
        redirect_uri: &str,
        scopes: &[&str],
    ) -> Result<AuthorizationRequest, OAuthError> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = self.oauth_client()?;
        let (url, state) = client
            .authorize_url(CsrfToken::new_random)
            .set_redirect_uri(Cow::Owned(redirect_url(redirect_uri)?))
            .set_pkce_challenge(challenge)
            .add_scopes(to_scopes(scopes))
            .url();
        Ok(AuthorizationRequest {
            url,
            state: state.into_secret(),
            pkce_verifier: PkceVerifier::new(verifier.into_secret()),
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
        let client = self.oauth_client()?;
        let secrets = [code, pkce_verifier.map_or("", |v| v.expose())];
        let transport = Transport::new(self, Retry::OnlyUnsent, &secrets);
        let mut request = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_redirect_uri(Cow::Owned(redirect_url(redirect_uri)?));
        if let Some(verifier) = pkce_verifier {
            request =
                request.set_pkce_verifier(PkceCodeVerifier::new(verifier.expose().to_owned()));
        }
        request
            .request_async(&transport)
            .await
            .map(TokenSet::from)
            .map_err(from_request_error)
    }

    /// Refreshes: Allegro rotates the pair, so store both returned tokens at once (the old
    /// refresh token dies 60 s later). `OAuthError::InvalidGrant` means the seller must
    /// authorize again: mark the account disconnected instead of retrying.
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenSet, OAuthError> {
        let client = self.oauth_client()?;
        // A lost answer is covered by the old token's 60 s grace, so retrying is safe.
        let transport = Transport::new(self, Retry::Safe, &[refresh_token.expose()]);
        let token = oauth2::RefreshToken::new(refresh_token.expose().to_owned());
        client
            .exchange_refresh_token(&token)
            .request_async(&transport)
            .await
            .map(TokenSet::from)
            .map_err(from_request_error)
    }

    /// The crate's client for this application: Allegro's three OAuth endpoints under the
    /// configured OAuth host, Basic client authentication (the crate's default).
    fn oauth_client(&self) -> Result<OAuthClient, OAuthError> {
        let http = self.http();
        let endpoint = |name: &str| http.auth_url(&["auth", "oauth", name]);
        Ok(
            oauth2::Client::new(ClientId::new(self.config().client_id.clone()))
                .set_client_secret(ClientSecret::new(
                    secrecy::ExposeSecret::expose_secret(&self.config().client_secret).to_owned(),
                ))
                .set_auth_uri(AuthUrl::from_url(endpoint("authorize")?))
                .set_device_authorization_url(DeviceAuthorizationUrl::from_url(endpoint("device")?))
                .set_token_uri(TokenUrl::from_url(endpoint("token")?)),
        )
    }
}

/// The redirect URI as the crate takes it (an absolute URL).
fn redirect_url(redirect_uri: &str) -> Result<RedirectUrl, OAuthError> {
    RedirectUrl::new(redirect_uri.to_owned()).map_err(|e| OAuthError::InvalidUrl {
        reason: format!("redirect URI: {e}"),
    })
}

/// Scope names as the crate takes them.
fn to_scopes(scopes: &[&str]) -> Vec<Scope> {
    scopes
        .iter()
        .map(|scope| Scope::new((*scope).to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AllegroConfig;

    #[test]
    fn authorization_states_are_fresh_url_safe_and_as_long_as_before() {
        let client = AllegroClient::new(AllegroConfig::new(
            crate::config::Hosts::for_environment(crate::config::Environment::Sandbox),
            "id",
            secrecy::SecretString::from("secret".to_owned()),
            "marketdesk-test/1.0",
        ))
        .expect("client");
        let first = client
            .authorization_request("http://localhost/cb", &[])
            .expect("request");
        let second = client
            .authorization_request("http://localhost/cb", &[])
            .expect("request");
        // 16 random bytes, base64url without padding, as stored states were.
        assert_eq!(first.state.len(), 22);
        assert!(first
            .state
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_ne!(first.state, second.state);
        assert_eq!(first.pkce_verifier.expose().len(), 43);
        assert_ne!(first.pkce_verifier.expose(), second.pkce_verifier.expose());
        assert!(!first.url.query().unwrap_or_default().contains("scope="));
    }
}
