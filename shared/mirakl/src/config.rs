//! Client settings: where EmpikPlace is, the shop's API key, which shop, timeouts and retries.

use secrecy::SecretString;
use std::time::Duration;

/// EmpikPlace's Mirakl host; every seller API path is `/api/...` below it.
pub const EMPIK_BASE_URL: &str = "https://marketplace.empik.com";

/// How to reach one shop's Mirakl seller API.
///
/// `Debug` is safe to log: [`SecretString`] prints as redacted.
#[derive(Debug, Clone)]
pub struct MiraklConfig {
    /// Host URL (default [`EMPIK_BASE_URL`]); a trailing `/` or `/api` is stripped.
    pub base_url: String,
    /// The shop's API key, sent raw in `Authorization`.
    pub api_key: SecretString,
    /// Sent as `shop_id` on every call when the key can act for several shops.
    pub shop_id: Option<i64>,
    /// Time limit of one attempt (connect, send and read the whole answer).
    pub timeout: Duration,
    /// `User-Agent` of every call.
    pub user_agent: String,
    /// When and how often failed calls are tried again.
    pub retry: RetryPolicy,
    /// Largest answer read into memory; a larger one is a [`crate::MiraklError::AnswerTooLarge`]
    /// and is not read on. File downloads through `open_attachment` stream and are not capped.
    pub max_answer_bytes: u64,
    /// The shop's shared request budget (none: every attempt goes, a 429 waits inline).
    pub gate: Option<std::sync::Arc<dyn crate::ShopGate>>,
}

/// Default cap of one answer: far above any Mirakl page marketdesk asks for.
pub const DEFAULT_MAX_ANSWER_BYTES: u64 = 32 * 1024 * 1024;

impl MiraklConfig {
    /// EmpikPlace production settings for `api_key`, default shop, 30 s timeout.
    pub fn new(api_key: impl Into<SecretString>) -> Self {
        Self {
            base_url: EMPIK_BASE_URL.to_owned(),
            api_key: api_key.into(),
            shop_id: None,
            timeout: Duration::from_secs(30),
            user_agent: concat!("marketdesk-mirakl/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
            max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
            gate: None,
        }
    }

    /// Every attempt passes `gate` first, and a 429 blocks the shop there for every worker
    /// instead of being waited out inline.
    pub fn with_gate(mut self, gate: std::sync::Arc<dyn crate::ShopGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// Uses another host (staging, the simulator); `.../api` is accepted too.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Acts for `shop_id` instead of the key's default shop.
    pub fn with_shop_id(mut self, shop_id: Option<i64>) -> Self {
        self.shop_id = shop_id;
        self
    }

    /// Sets the per-attempt timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the `User-Agent`.
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The same configuration with another answer cap.
    pub fn with_max_answer_bytes(mut self, limit: u64) -> Self {
        self.max_answer_bytes = limit;
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The host URL without a trailing `/` or `/api` (the client adds `/api` itself).
    pub fn normalized_base_url(&self) -> String {
        normalize_base_url(&self.base_url)
    }
}

/// `https://h/api/` → `https://h`; `https://h/` → `https://h`; blanks trimmed.
pub fn normalize_base_url(raw: &str) -> String {
    let mut base = raw.trim().trim_end_matches('/');
    if let Some(stripped) = base.strip_suffix("/api") {
        base = stripped.trim_end_matches('/');
    }
    base.to_owned()
}

/// Retries: network faults and 500/502/503/504 with exponential backoff and jitter; 429 waits
/// out `Retry-After` inline when it is short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per call in all, the first included (at least 1).
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles for each further one.
    pub base_delay: Duration,
    /// Longest backoff between two attempts.
    pub max_delay: Duration,
    /// Longest `Retry-After` slept inline; a longer one returns `RateLimited` at once.
    pub max_inline_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(2),
            max_inline_retry_after: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// No retries at all: every failure is returned as it happens.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The backoff before attempt `next_attempt` (2 = first retry): half fixed, half random.
    pub fn backoff(&self, next_attempt: u32) -> Duration {
        let exponent = next_attempt.saturating_sub(2).min(16);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let half = full / 2;
        let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = if spread == 0 {
            0
        } else {
            random_u64() % spread
        };
        half + Duration::from_nanos(jitter)
    }
}

/// A random number for jitter from the OS generator (`getrandom`); if that fails, no jitter
/// (the fixed half) rather than no retry.
fn random_u64() -> u64 {
    getrandom::u64().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn base_url_loses_trailing_slash_and_api() {
        for (raw, want) in [
            (
                "https://marketplace.empik.com",
                "https://marketplace.empik.com",
            ),
            (
                "https://marketplace.empik.com/",
                "https://marketplace.empik.com",
            ),
            (
                "https://marketplace.empik.com/api",
                "https://marketplace.empik.com",
            ),
            (
                "https://marketplace.empik.com/api/ ",
                "https://marketplace.empik.com",
            ),
            (
                "http://127.0.0.1:3001/proxy/api",
                "http://127.0.0.1:3001/proxy",
            ),
            ("https://h/apis", "https://h/apis"),
        ] {
            assert_eq!(normalize_base_url(raw), want, "{raw}");
        }
    }

    #[test]
    fn defaults_point_at_empik_and_debug_hides_the_key() {
        let config = MiraklConfig::new("super-secret-key-123".to_owned());
        assert_eq!(config.normalized_base_url(), EMPIK_BASE_URL);
        assert_eq!(config.api_key.expose_secret(), "super-secret-key-123");
        let debug = format!("{config:?}");
        assert!(!debug.contains("super-secret-key-123"), "{debug}");
        assert_eq!(config.retry.max_attempts, 3);
        assert_eq!(config.retry.max_inline_retry_after, Duration::from_secs(5));
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered_within_bounds() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
            max_inline_retry_after: Duration::from_secs(1),
        };
        for _ in 0..50 {
            let first = policy.backoff(2);
            assert!(first >= Duration::from_millis(50) && first < Duration::from_millis(100));
            let second = policy.backoff(3);
            assert!(second >= Duration::from_millis(100) && second < Duration::from_millis(200));
            let capped = policy.backoff(9);
            assert!(capped >= Duration::from_millis(150) && capped < Duration::from_millis(300));
        }
        let zero = RetryPolicy {
            base_delay: Duration::ZERO,
            ..policy
        };
        assert_eq!(zero.backoff(2), Duration::ZERO);
    }
}
