//! Sellers, the registered application, token pairs, and the per-client-id rate window.
//!
//! Token rules (allegro-api.md §2.2): access tokens live 12 h, refresh tokens 3 months; a
//! refresh rotates the pair, the old access token dies at once and the old refresh token keeps
//! working for 60 s (grace for a lost answer), then gives `invalid_grant`.

use crate::config::SandboxConfig;
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashMap};

/// Access-token lifetime (Allegro answers `expires_in: 43199`).
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::seconds(43_199);
/// Refresh-token lifetime: 3 months.
pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::days(90);
/// How long a rotated refresh token keeps working.
pub const REFRESH_GRACE: Duration = Duration::seconds(60);
/// Requests per minute per client id before Allegro blocks it.
pub const CLIENT_RATE_LIMIT: u32 = 9000;
/// How long a client id stays blocked after exceeding the limit.
pub const CLIENT_BLOCK: Duration = Duration::seconds(60);

/// Every scope the simulator knows (a token gets all of them unless fewer are asked for).
pub const ALL_SCOPES: &[&str] = &[
    "allegro:api:profile:read",
    "allegro:api:disputes",
    "allegro:api:messaging",
    "allegro:api:orders:read",
    "allegro:api:sale:offers:read",
];

/// A seller account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seller {
    /// Allegro user id (digits).
    pub id: String,
    /// Login.
    pub login: String,
    /// E-mail.
    pub email: String,
    /// Company name, if any.
    pub company_name: Option<String>,
}

/// The registered application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// Registered redirect URIs; empty accepts any http(s) URI.
    pub redirect_uris: Vec<String>,
}

/// An issued access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The seller it acts for.
    pub seller_id: String,
    /// The application it was issued to.
    pub client_id: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

/// An issued refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    /// The seller it acts for.
    pub seller_id: String,
    /// The application it was issued to.
    pub client_id: String,
    /// Granted scopes (carried over to the next pair).
    pub scopes: Vec<String>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// When it was used to refresh; it keeps working [`REFRESH_GRACE`] after that.
    pub rotated_at: Option<DateTime<Utc>>,
    /// The access token issued with it (killed when this refresh token is used).
    pub access_token: String,
}

/// An access + refresh token pair as issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPair {
    /// The access token.
    pub access_token: String,
    /// The refresh token.
    pub refresh_token: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
}

/// Requests counted for one client id in the current minute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateWindow {
    /// Start of the current one-minute window.
    pub window_start: Option<DateTime<Utc>>,
    /// Requests in it.
    pub count: u32,
    /// Blocked until then (429 for every request).
    pub blocked_until: Option<DateTime<Utc>>,
}

/// Sellers, the app, tokens and rate windows.
#[derive(Debug)]
pub struct Accounts {
    /// The registered application.
    pub app: App,
    /// Sellers by id.
    pub sellers: BTreeMap<String, Seller>,
    /// The seller who approves authorization requests (the one "logged in" in the browser).
    pub signed_in_seller: Option<String>,
    /// Live access tokens.
    pub access_tokens: HashMap<String, AccessToken>,
    /// Live refresh tokens.
    pub refresh_tokens: HashMap<String, RefreshToken>,
    /// Rate windows by client id.
    pub rate: HashMap<String, RateWindow>,
    /// Extra state of the OAuth flows (authorization and device codes), owned by `oauth`.
    pub oauth: crate::allegro::oauth::OAuthState,
}

impl Accounts {
    /// Accounts with the configured application and no sellers.
    pub fn new(config: &SandboxConfig) -> Self {
        Self {
            app: App {
                client_id: config.allegro_client_id.clone(),
                client_secret: config.allegro_client_secret.clone(),
                redirect_uris: config.allegro_redirect_uris.clone(),
            },
            sellers: BTreeMap::new(),
            signed_in_seller: None,
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            rate: HashMap::new(),
            oauth: Default::default(),
        }
    }

    /// Issues a new token pair for `seller_id`.
    pub fn issue_pair(
        &mut self,
        seller_id: &str,
        client_id: &str,
        scopes: Vec<String>,
        now: DateTime<Utc>,
    ) -> TokenPair {
        let access_token = format!("access-{}", uuid::Uuid::new_v4().simple());
        let refresh_token = format!("refresh-{}", uuid::Uuid::new_v4().simple());
        self.access_tokens.insert(
            access_token.clone(),
            AccessToken {
                seller_id: seller_id.into(),
                client_id: client_id.into(),
                scopes: scopes.clone(),
                expires_at: now + ACCESS_TOKEN_LIFETIME,
            },
        );
        self.refresh_tokens.insert(
            refresh_token.clone(),
            RefreshToken {
                seller_id: seller_id.into(),
                client_id: client_id.into(),
                scopes: scopes.clone(),
                expires_at: now + REFRESH_TOKEN_LIFETIME,
                rotated_at: None,
                access_token: access_token.clone(),
            },
        );
        TokenPair {
            access_token,
            refresh_token,
            scopes,
        }
    }

    /// Revokes every token of a seller (password change, app unlinked).
    pub fn revoke_seller(&mut self, seller_id: &str) -> usize {
        let before = self.access_tokens.len() + self.refresh_tokens.len();
        self.access_tokens.retain(|_, t| t.seller_id != seller_id);
        self.refresh_tokens.retain(|_, t| t.seller_id != seller_id);
        before - self.access_tokens.len() - self.refresh_tokens.len()
    }

    /// Counts one request of `client_id`; `Err(seconds left)` when the client id is blocked.
    pub fn count_request(&mut self, client_id: &str, now: DateTime<Utc>) -> Result<(), i64> {
        let window = self.rate.entry(client_id.to_owned()).or_default();
        if let Some(until) = window.blocked_until {
            if now < until {
                return Err((until - now).num_seconds().max(1));
            }
            window.blocked_until = None;
        }
        match window.window_start {
            Some(start) if now - start < Duration::minutes(1) => window.count += 1,
            _ => {
                window.window_start = Some(now);
                window.count = 1;
            }
        }
        if window.count > CLIENT_RATE_LIMIT {
            window.blocked_until = Some(now + CLIENT_BLOCK);
            return Err(CLIENT_BLOCK.num_seconds());
        }
        Ok(())
    }
}
