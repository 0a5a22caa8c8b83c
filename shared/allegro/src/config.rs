//! Where the client talks to and how: hosts per environment, the registered application's
//! credentials, the `User-Agent` Allegro requires, timeouts and the retry policy.

use secrecy::SecretString;
use std::time::Duration;
use url::Url;

/// Which Allegro the account lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// `allegro.pl`.
    Production,
    /// `allegro.pl.allegrosandbox.pl` (test accounts).
    Sandbox,
}

/// The two hosts a client needs: the REST API and the OAuth host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosts {
    /// REST API base, e.g. `https://api.allegro.pl`.
    pub api_url: Url,
    /// OAuth host (authorize, token, device), e.g. `https://allegro.pl`.
    pub auth_url: Url,
}

impl Hosts {
    /// Allegro's own hosts for an environment.
    pub fn for_environment(environment: Environment) -> Self {
        let (api, auth) = match environment {
            Environment::Production => (PRODUCTION_API, PRODUCTION_AUTH),
            Environment::Sandbox => (SANDBOX_API, SANDBOX_AUTH),
        };
        Self {
            api_url: Url::parse(api).expect("a valid built-in URL"),
            auth_url: Url::parse(auth).expect("a valid built-in URL"),
        }
    }

    /// Other hosts (a simulator, a proxy): both URLs must be absolute http(s) URLs.
    pub fn custom(api_url: &str, auth_url: &str) -> Result<Self, url::ParseError> {
        Ok(Self {
            api_url: Url::parse(api_url)?,
            auth_url: Url::parse(auth_url)?,
        })
    }
}

/// Production REST API base.
pub const PRODUCTION_API: &str = "https://api.allegro.pl";
/// Production OAuth host.
pub const PRODUCTION_AUTH: &str = "https://allegro.pl";
/// Sandbox REST API base.
pub const SANDBOX_API: &str = "https://api.allegro.pl.allegrosandbox.pl";
/// Sandbox OAuth host.
pub const SANDBOX_AUTH: &str = "https://allegro.pl.allegrosandbox.pl";

/// How failed requests are retried: network faults and 5xx, with exponential backoff and
/// jitter. 429 is never retried inline (see [`crate::AllegroError::RateLimited`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Delay before the first retry.
    pub initial_backoff: Duration,
    /// Factor between consecutive delays.
    pub multiplier: u32,
    /// Each delay varies randomly by up to this fraction either way (0.0–1.0).
    pub jitter: f64,
    /// Least wait reported after a 429: Allegro blocks the client id for a minute.
    pub rate_limit_floor: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, 200 ms then 800 ms apart (±20 %), 60 s floor after a 429.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            multiplier: 4,
            jitter: 0.2,
            rate_limit_floor: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The delay before retry number `retry` (0 for the first retry), without jitter.
    pub fn base_delay(&self, retry: u32) -> Duration {
        let factor = self.multiplier.max(1).saturating_pow(retry);
        self.initial_backoff.saturating_mul(factor)
    }

    /// The delay before retry number `retry`, with jitter from `random` (uniform in 0.0–1.0).
    pub fn delay(&self, retry: u32, random: f64) -> Duration {
        let jitter = self.jitter.clamp(0.0, 1.0);
        let factor = 1.0 - jitter + 2.0 * jitter * random.clamp(0.0, 1.0);
        self.base_delay(retry).mul_f64(factor)
    }
}

/// Everything the client needs to know. `Debug` never shows the client secret.
#[derive(Debug, Clone)]
pub struct AllegroConfig {
    /// REST API base.
    pub api_url: Url,
    /// OAuth host.
    pub auth_url: Url,
    /// Sent on every request: `<AppName>/<version> (+<https URL describing the app>)`.
    pub user_agent: String,
    /// The registered application's client id.
    pub client_id: String,
    /// The registered application's client secret.
    pub client_secret: SecretString,
    /// Whole-request timeout for every HTTP call.
    pub http_timeout: Duration,
    /// Retries of network faults and 5xx.
    pub retry: RetryPolicy,
    /// Largest answer read into memory (JSON and error bodies); a larger one is an
    /// [`crate::AllegroError::AnswerTooLarge`]. File downloads stream and are not capped.
    pub max_answer_bytes: u64,
    /// The shared request budget every call passes first (none: calls go straight out).
    pub gate: Option<std::sync::Arc<dyn crate::gate::RequestGate>>,
}

/// Default cap of one answer: far above any documented Allegro list page (a few MB).
pub const DEFAULT_MAX_ANSWER_BYTES: u64 = 32 * 1024 * 1024;

impl AllegroConfig {
    /// A configuration with a 30 s timeout and the default retry policy.
    pub fn new(
        hosts: Hosts,
        client_id: impl Into<String>,
        client_secret: SecretString,
        user_agent: impl Into<String>,
    ) -> Self {
        Self {
            api_url: hosts.api_url,
            auth_url: hosts.auth_url,
            user_agent: user_agent.into(),
            client_id: client_id.into(),
            client_secret,
            http_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
            gate: None,
        }
    }

    /// The same configuration with every call passing `gate` first.
    pub fn with_gate(mut self, gate: std::sync::Arc<dyn crate::gate::RequestGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// The same configuration with another answer cap.
    pub fn with_max_answer_bytes(mut self, limit: u64) -> Self {
        self.max_answer_bytes = limit;
        self
    }

    /// The same configuration with another timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// The same configuration with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

/// Builds Allegro's required `User-Agent`: `<app>/<version> (+<info_url>)`, spaces in the app
/// name replaced by hyphens (as Allegro's generator does).
pub fn user_agent(app_name: &str, version: &str, info_url: &str) -> String {
    format!(
        "{}/{} (+{})",
        app_name.trim().replace(' ', "-"),
        version.trim(),
        info_url.trim()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn environments_use_allegros_hosts() {
        let production = Hosts::for_environment(Environment::Production);
        assert_eq!(production.api_url.as_str(), "https://api.allegro.pl/");
        assert_eq!(production.auth_url.as_str(), "https://allegro.pl/");
        let sandbox = Hosts::for_environment(Environment::Sandbox);
        assert_eq!(
            sandbox.api_url.host_str(),
            Some("api.allegro.pl.allegrosandbox.pl")
        );
        assert_eq!(
            sandbox.auth_url.host_str(),
            Some("allegro.pl.allegrosandbox.pl")
        );
        assert!(Hosts::custom("not a url", "http://x").is_err());
    }

    #[test]
    fn default_backoff_is_200_then_800_ms_with_bounded_jitter() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.base_delay(0), Duration::from_millis(200));
        assert_eq!(policy.base_delay(1), Duration::from_millis(800));
        assert_eq!(policy.delay(0, 0.0), Duration::from_millis(160));
        assert_eq!(policy.delay(0, 1.0), Duration::from_millis(240));
        assert_eq!(policy.delay(1, 0.5), Duration::from_millis(800));
        assert_eq!(RetryPolicy::none().max_attempts, 1);
    }

    #[test]
    fn debug_hides_the_client_secret() {
        let config = AllegroConfig::new(
            Hosts::for_environment(Environment::Sandbox),
            "id",
            SecretString::from("very-secret-value".to_owned()),
            user_agent("Market Desk", "0.1.0", "https://example.com/app"),
        );
        assert_eq!(
            config.user_agent,
            "Market-Desk/0.1.0 (+https://example.com/app)"
        );
        assert_eq!(config.client_secret.expose_secret(), "very-secret-value");
        assert!(!format!("{config:?}").contains("very-secret-value"));
    }
}
