//! [`AllegroTokenRefresher`]: the core's `TokenRefresher` over Allegro's refresh grant. The
//! core holds the lease and stores the pair; this only talks to Allegro.

use super::client::AllegroClients;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use marketdesk_allegro::{OAuthError, RefreshToken};
use marketdesk_core::domain::Integration;
use marketdesk_core::ports::{Clock, RefreshError, TokenRefresher, TokenSet};
use secrecy::SecretString;
use std::sync::Arc;

/// Access-token lifetime assumed when Allegro does not say (it says 43199 s: 12 h).
pub const DEFAULT_ACCESS_LIFETIME: Duration = Duration::hours(12);

/// Refreshes Allegro token pairs with the client of the integration's environment.
#[derive(Clone)]
pub struct AllegroTokenRefresher {
    clients: AllegroClients,
    clock: Arc<dyn Clock>,
}

impl AllegroTokenRefresher {
    /// A refresher stamping expiry times with `clock` (the ports' clock).
    pub fn new(clients: AllegroClients, clock: Arc<dyn Clock>) -> Self {
        Self { clients, clock }
    }
}

#[async_trait]
impl TokenRefresher for AllegroTokenRefresher {
    async fn refresh(
        &self,
        integration: &Integration,
        refresh_token: &SecretString,
    ) -> Result<TokenSet, RefreshError> {
        let client = self.clients.for_integration(integration);
        let answer = client
            .refresh(&RefreshToken::from(refresh_token.clone()))
            .await
            .map_err(refresh_error)?;
        Ok(token_set(&answer, refresh_token, self.clock.now()))
    }
}

/// A refresh failure in the core's terms: a dead grant is final, anything else passes.
pub fn refresh_error(error: OAuthError) -> RefreshError {
    if error.requires_reauthorization() {
        RefreshError::Rejected(error.to_string())
    } else {
        RefreshError::Unavailable(error.to_string())
    }
}

/// Allegro's answer as the pair the core stores: expiry counted from `now`, and the old
/// refresh token kept when the answer carries none.
pub fn token_set(
    answer: &marketdesk_allegro::TokenSet,
    previous_refresh: &SecretString,
    now: DateTime<Utc>,
) -> TokenSet {
    TokenSet {
        access_token: SecretString::from(answer.access_token.expose().to_owned()),
        refresh_token: answer.refresh_token.as_ref().map_or_else(
            || previous_refresh.clone(),
            |t| SecretString::from(t.expose().to_owned()),
        ),
        access_expires_at: answer
            .expires_at(now)
            .unwrap_or(now + DEFAULT_ACCESS_LIFETIME),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_allegro::AccessToken;
    use secrecy::ExposeSecret;

    fn answer(refresh: Option<&str>, expires_in: Option<u64>) -> marketdesk_allegro::TokenSet {
        marketdesk_allegro::TokenSet {
            access_token: AccessToken::new("access-new"),
            refresh_token: refresh.map(RefreshToken::new),
            expires_in: expires_in.map(std::time::Duration::from_secs),
            scopes: vec![],
            token_type: Some("bearer".into()),
            jti: None,
        }
    }

    #[test]
    fn answers_become_pairs_keeping_the_old_refresh_token_when_none_came() {
        let now = Utc::now();
        let old = SecretString::from("refresh-old".to_owned());
        let rotated = token_set(&answer(Some("refresh-new"), Some(43_199)), &old, now);
        assert_eq!(rotated.access_token.expose_secret(), "access-new");
        assert_eq!(rotated.refresh_token.expose_secret(), "refresh-new");
        assert_eq!(rotated.access_expires_at, now + Duration::seconds(43_199));
        let kept = token_set(&answer(None, None), &old, now);
        assert_eq!(kept.refresh_token.expose_secret(), "refresh-old");
        assert_eq!(kept.access_expires_at, now + DEFAULT_ACCESS_LIFETIME);
    }

    #[test]
    fn only_a_dead_grant_is_final() {
        let dead = OAuthError::InvalidGrant {
            description: Some("Invalid refresh token".into()),
        };
        assert!(matches!(refresh_error(dead), RefreshError::Rejected(_)));
        let busy = OAuthError::Server { status: 503 };
        assert!(matches!(refresh_error(busy), RefreshError::Unavailable(_)));
    }
}
