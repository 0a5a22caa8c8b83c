//! Sellers, the registered application, token pairs, and the per-client-id rate window.
//!
//! Token rules (allegro-api.md §2.2): access tokens live 12 h, refresh tokens 3 months; a
//! refresh rotates the pair, the old access token dies at once and the old refresh token keeps
//! working for 60 s (grace for a lost answer), then gives `invalid_grant`.

use crate::config::SimulatorConfig;
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashMap};

/// Access-token lifetime (Allegro answers `expires_in: 43199`).
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::seconds(43_199);
/// Refresh-token lifetime: 3 months.
pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::days(90);
/// How long a rotated refresh token keeps working.
pub const REFRESH_GRACE: Duration = Duration::seconds(60);
/// Requests per minute per client id before Allegro blocks it (the default; the control API
/// sets another, `PUT /__simulator/allegro/rate-limit`).
pub const CLIENT_RATE_LIMIT: u32 = 9000;
/// How long a client id stays blocked after exceeding the limit, counted again from every call
/// made while blocked (allegro-api.md §4.2: calling on prolongs the block).
pub const CLIENT_BLOCK: Duration = Duration::seconds(60);

/// Every scope the simulator knows (a token gets all of them unless fewer are asked for).
pub const ALL_SCOPES: &[&str] = &[
    "allegro:api:profile:read",
    "allegro:api:disputes",
    "allegro:api:messaging",
    "allegro:api:orders:read",
    "allegro:api:orders:write",
    "allegro:api:sale:offers:read",
    "allegro:api:sale:offers:write",
];

/// Every scope Allegro knows (allegro-api.md §2.8): asking for one of these that the app was not
/// granted drops it silently; asking for anything else is `invalid_scope`.
pub const KNOWN_SCOPES: &[&str] = &[
    "allegro:api:profile:read",
    "allegro:api:profile:write",
    "allegro:api:sale:offers:read",
    "allegro:api:sale:offers:write",
    "allegro:api:sale:settings:read",
    "allegro:api:sale:settings:write",
    "allegro:api:orders:read",
    "allegro:api:orders:write",
    "allegro:api:disputes",
    "allegro:api:messaging",
    "allegro:api:ratings",
    "allegro:api:billing:read",
    "allegro:api:campaigns",
    "allegro:api:bids",
    "allegro:api:payments:read",
    "allegro:api:payments:write",
    "allegro:api:shipments:read",
    "allegro:api:shipments:write",
    "allegro:api:fulfillment:read",
    "allegro:api:fulfillment:write",
    "allegro:api:affiliate:read",
    "allegro:api:ads",
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
    /// Company tax id (NIP), if any.
    pub tax_id: Option<String>,
    /// First name, if known.
    pub first_name: Option<String>,
    /// Last name, if known.
    pub last_name: Option<String>,
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
    /// Every request of the client id since the simulator started (or the counts were reset),
    /// the refused ones included.
    pub total: u64,
    /// Requests answered 429 because of the limit or a running block.
    pub rejected: u64,
    /// How many blocks began (overruns of the limit).
    pub blocks: u64,
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
    /// Requests per minute per client id before a block ([`CLIENT_RATE_LIMIT`] by default).
    pub rate_limit_per_minute: u32,
    /// Extra state of the OAuth flows (authorization and device codes), owned by `oauth`.
    pub oauth: crate::allegro::grants::OAuthState,
    /// Sellers under a sale blockade: every REST call of theirs answers
    /// `SellerAccountWithSellBlockadeException` (allegro-api.md §4.3).
    pub blocked_sellers: std::collections::BTreeSet<String>,
    next_seller: u64,
}

/// Why a refresh token was refused (Allegro answers `invalid_grant` for all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshRefusal {
    /// Never issued, or revoked.
    Unknown,
    /// Issued to another application.
    OtherClient,
    /// Older than [`REFRESH_TOKEN_LIFETIME`].
    Expired,
    /// Already used more than [`REFRESH_GRACE`] ago.
    AlreadyUsed,
}

impl Accounts {
    /// Accounts with the configured application and no sellers.
    pub fn new(config: &SimulatorConfig) -> Self {
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
            rate_limit_per_minute: CLIENT_RATE_LIMIT,
            oauth: Default::default(),
            blocked_sellers: Default::default(),
            next_seller: 0,
        }
    }

    /// Creates a seller with a fresh numeric id.
    pub fn add_seller(
        &mut self,
        login: &str,
        email: &str,
        company_name: Option<String>,
    ) -> &Seller {
        self.next_seller += 1;
        let id = (40_000_000 + self.next_seller).to_string();
        let seller = Seller {
            id: id.clone(),
            login: login.into(),
            email: email.into(),
            company_name,
            tax_id: None,
            first_name: None,
            last_name: None,
        };
        self.sellers.entry(id).or_insert(seller)
    }

    /// The seller with this login.
    pub fn seller_by_login(&self, login: &str) -> Option<&Seller> {
        self.sellers.values().find(|s| s.login == login)
    }

    /// Uses a refresh token of `client_id`: a new pair with the same scopes. The first use
    /// kills the paired access token at once; the refresh token keeps working for
    /// [`REFRESH_GRACE`] after its first use, then (like an expired one) it is refused.
    pub fn refresh(
        &mut self,
        refresh_token: &str,
        client_id: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenPair, RefreshRefusal> {
        let Some(token) = self.refresh_tokens.get_mut(refresh_token) else {
            return Err(RefreshRefusal::Unknown);
        };
        if token.client_id != client_id {
            return Err(RefreshRefusal::OtherClient);
        }
        if now >= token.expires_at {
            self.refresh_tokens.remove(refresh_token);
            return Err(RefreshRefusal::Expired);
        }
        match token.rotated_at {
            Some(at) if now - at >= REFRESH_GRACE => {
                self.refresh_tokens.remove(refresh_token);
                return Err(RefreshRefusal::AlreadyUsed);
            }
            Some(_) => {}
            None => token.rotated_at = Some(now),
        }
        let (seller_id, scopes, old_access) = (
            token.seller_id.clone(),
            token.scopes.clone(),
            token.access_token.clone(),
        );
        // The superseded access token stays known so callers get "Access token expired".
        if let Some(access) = self.access_tokens.get_mut(&old_access) {
            access.expires_at = access.expires_at.min(now);
        }
        Ok(self.issue_pair(&seller_id, client_id, scopes, now))
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
    /// A request over the per-minute limit starts a 60 s block; a request during a block
    /// answers 429 and starts the 60 s again, as Allegro prolongs a block while called.
    pub fn count_request(&mut self, client_id: &str, now: DateTime<Utc>) -> Result<(), i64> {
        let limit = self.rate_limit_per_minute;
        let window = self.rate.entry(client_id.to_owned()).or_default();
        window.total += 1;
        if let Some(until) = window.blocked_until {
            if now < until {
                window.rejected += 1;
                window.blocked_until = Some(now + CLIENT_BLOCK);
                return Err(CLIENT_BLOCK.num_seconds());
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
        if window.count > limit {
            window.blocked_until = Some(now + CLIENT_BLOCK);
            window.rejected += 1;
            window.blocks += 1;
            return Err(CLIENT_BLOCK.num_seconds());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Accounts {
        Accounts::new(&SimulatorConfig::default())
    }

    #[test]
    fn the_ten_thousandth_request_in_a_minute_blocks_the_client_for_a_minute() {
        let mut accounts = accounts();
        let start = Utc::now();
        for i in 0..CLIENT_RATE_LIMIT {
            let at = start + Duration::milliseconds(i64::from(i % 1000));
            assert_eq!(accounts.count_request("app", at), Ok(()), "request {i}");
        }
        let at = start + Duration::seconds(1);
        assert_eq!(accounts.count_request("app", at), Err(60));
        assert_eq!(
            accounts.count_request("other-app", at),
            Ok(()),
            "per client id"
        );
        assert_eq!(
            accounts.count_request("app", at + Duration::seconds(61)),
            Ok(()),
            "the block ends after 60 s when nobody calls"
        );
        assert_eq!(accounts.rate["app"].blocks, 1);
    }

    #[test]
    fn calling_while_blocked_prolongs_the_block() {
        let mut accounts = accounts();
        accounts.rate_limit_per_minute = 3;
        let start = Utc::now();
        for _ in 0..3 {
            assert_eq!(accounts.count_request("app", start), Ok(()));
        }
        assert_eq!(accounts.count_request("app", start), Err(60));
        let during = start + Duration::seconds(50);
        assert_eq!(accounts.count_request("app", during), Err(60));
        assert_eq!(
            accounts.count_request("app", start + Duration::seconds(70)),
            Err(60),
            "the call at 50 s moved the end to 110 s"
        );
        assert_eq!(
            accounts.count_request("app", start + Duration::seconds(131)),
            Ok(())
        );
        let window = &accounts.rate["app"];
        assert_eq!((window.total, window.rejected, window.blocks), (7, 3, 1));
    }

    #[test]
    fn a_new_minute_starts_a_new_window() {
        let mut accounts = accounts();
        let start = Utc::now();
        for _ in 0..CLIENT_RATE_LIMIT {
            assert!(accounts.count_request("app", start).is_ok());
        }
        assert!(accounts
            .count_request("app", start + Duration::seconds(60))
            .is_ok());
        assert_eq!(accounts.rate["app"].count, 1);
    }

    #[test]
    fn refresh_rotates_kills_the_old_access_token_and_honours_the_grace() {
        let mut accounts = accounts();
        let now = Utc::now();
        let seller = accounts.add_seller("s", "s@example.com", None).id.clone();
        let first = accounts.issue_pair(&seller, "app", vec!["x".into()], now);
        assert_eq!(
            accounts.refresh(&first.refresh_token, "other", now),
            Err(RefreshRefusal::OtherClient)
        );
        let second = accounts
            .refresh(&first.refresh_token, "app", now)
            .expect("first use");
        assert_eq!(second.scopes, vec!["x".to_owned()]);
        assert!(accounts.access_tokens[&first.access_token].expires_at <= now);
        assert!(accounts
            .refresh(&first.refresh_token, "app", now + Duration::seconds(59))
            .is_ok());
        assert_eq!(
            accounts.refresh(&first.refresh_token, "app", now + REFRESH_GRACE),
            Err(RefreshRefusal::AlreadyUsed)
        );
        assert_eq!(
            accounts.refresh(&first.refresh_token, "app", now + REFRESH_GRACE),
            Err(RefreshRefusal::Unknown)
        );
        assert_eq!(
            accounts.refresh(&second.refresh_token, "app", now + REFRESH_TOKEN_LIFETIME),
            Err(RefreshRefusal::Expired)
        );
    }

    #[test]
    fn sellers_get_numeric_ids_and_revocation_counts_tokens() {
        let mut accounts = accounts();
        let a = accounts.add_seller("a", "a@example.com", None).id.clone();
        let b = accounts.add_seller("b", "b@example.com", None).id.clone();
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_digit()));
        assert_eq!(
            accounts.seller_by_login("b").map(|s| s.id.as_str()),
            Some(b.as_str())
        );
        let now = Utc::now();
        accounts.issue_pair(&a, "app", vec![], now);
        accounts.issue_pair(&a, "app", vec![], now);
        accounts.issue_pair(&b, "app", vec![], now);
        assert_eq!(accounts.revoke_seller(&a), 4);
        assert_eq!(accounts.access_tokens.len(), 1);
    }
}
