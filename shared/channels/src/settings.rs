//! The channels' configuration from `MARKETDESK_*` variables.

use marketdesk_core::config::{ConfigError, Env};
use marketdesk_core::domain::budget::BudgetPolicy;
use secrecy::SecretString;

/// Where EmpikPlace lives unless told otherwise.
pub const DEFAULT_EMPIK_API_URL: &str = "https://marketplace.empik.com";

/// The `User-Agent` sent on every marketplace call unless `MARKETDESK_USER_AGENT` says otherwise.
pub fn default_user_agent() -> String {
    format!(
        "marketdesk/{} (+https://github.com/marketdesk/marketdesk)",
        env!("CARGO_PKG_VERSION")
    )
}

/// The registered Allegro application and host overrides.
#[derive(Debug, Clone)]
pub struct AllegroSettings {
    /// Client id (`MARKETDESK_ALLEGRO_CLIENT_ID`).
    pub client_id: String,
    /// Client secret (`MARKETDESK_ALLEGRO_CLIENT_SECRET`, or Secrets Manager on AWS).
    pub client_secret: SecretString,
    /// REST API base for every environment (`MARKETDESK_ALLEGRO_API_URL`); unset = the real hosts.
    pub api_url: Option<String>,
    /// OAuth base for every environment (`MARKETDESK_ALLEGRO_AUTH_URL`); unset = the real hosts.
    pub auth_url: Option<String>,
}

/// Everything the marketplace channels need.
#[derive(Debug, Clone)]
pub struct ChannelSettings {
    /// Sent on every marketplace call.
    pub user_agent: String,
    /// Public base URL of marketdesk (OAuth redirect: `<public_url>/oauth/allegro/callback`).
    pub public_url: Option<String>,
    /// The Allegro application; `None` when not configured (Allegro accounts cannot connect).
    pub allegro: Option<AllegroSettings>,
    /// EmpikPlace API base (`MARKETDESK_EMPIK_API_URL`).
    pub empik_api_url: String,
    /// Largest marketplace answer read into memory (`MARKETDESK_MAX_ANSWER_BYTES`); a larger
    /// one fails the call as an outage, so the poll's cursor does not move.
    pub max_answer_bytes: u64,
    /// The Allegro client id's request budget (`MARKETDESK_ALLEGRO_BUDGET_PER_MINUTE`, default
    /// 9000; `MARKETDESK_BUDGET_BACKGROUND_SHARE`, default 0.8).
    pub allegro_budget: BudgetPolicy,
}

/// Default of `MARKETDESK_MAX_ANSWER_BYTES`: 32 MiB, far above any documented page.
pub const DEFAULT_MAX_ANSWER_BYTES: u64 = 32 * 1024 * 1024;

impl ChannelSettings {
    /// Reads the variables; `client_secret` overrides `MARKETDESK_ALLEGRO_CLIENT_SECRET`
    /// (on AWS it comes from Secrets Manager).
    pub fn from_env(env: &Env, client_secret: Option<SecretString>) -> Result<Self, ConfigError> {
        let user_agent = env
            .optional("MARKETDESK_USER_AGENT")
            .map(str::to_owned)
            .unwrap_or_else(default_user_agent);
        if !(user_agent.contains('/') && user_agent.contains("(+http") && user_agent.ends_with(')'))
        {
            return Err(ConfigError::Invalid {
                var: "MARKETDESK_USER_AGENT".into(),
                value: user_agent,
                reason: "Allegro requires <AppName>/<version> (+<https URL describing the app>)"
                    .into(),
            });
        }
        let public_url =
            url_var(env, "MARKETDESK_PUBLIC_URL")?.map(|u| u.trim_end_matches('/').to_owned());
        let api_url = url_var(env, "MARKETDESK_ALLEGRO_API_URL")?;
        let auth_url = url_var(env, "MARKETDESK_ALLEGRO_AUTH_URL")?;
        let client_secret = client_secret.or_else(|| {
            env.optional("MARKETDESK_ALLEGRO_CLIENT_SECRET")
                .map(|s| SecretString::from(s.to_owned()))
        });
        let allegro = match (env.optional("MARKETDESK_ALLEGRO_CLIENT_ID"), client_secret) {
            (Some(id), Some(secret)) => Some(AllegroSettings {
                client_id: id.to_owned(),
                client_secret: secret,
                api_url,
                auth_url,
            }),
            (Some(_), None) => return Err(ConfigError::Missing {
                var: "MARKETDESK_ALLEGRO_CLIENT_SECRET".into(),
                hint:
                    "the Allegro application's client secret (MARKETDESK_ALLEGRO_CLIENT_ID is set)"
                        .into(),
            }),
            (None, _) => None,
        };
        let empik_api_url = url_var(env, "MARKETDESK_EMPIK_API_URL")?
            .unwrap_or_else(|| DEFAULT_EMPIK_API_URL.to_owned());
        let max_answer_bytes = match env.optional("MARKETDESK_MAX_ANSWER_BYTES") {
            None => DEFAULT_MAX_ANSWER_BYTES,
            Some(value) => value
                .parse::<u64>()
                .ok()
                .filter(|n| *n >= 64 * 1024)
                .ok_or_else(|| ConfigError::Invalid {
                    var: "MARKETDESK_MAX_ANSWER_BYTES".into(),
                    value: value.into(),
                    reason: "expected a number of bytes, at least 65536".into(),
                })?,
        };
        Ok(Self {
            user_agent,
            public_url,
            allegro,
            empik_api_url,
            max_answer_bytes,
            allegro_budget: budget_policy(env)?,
        })
    }

    /// The OAuth redirect URI, when a public URL is known.
    pub fn allegro_redirect_uri(&self) -> Option<String> {
        self.public_url
            .as_ref()
            .map(|base| format!("{base}/oauth/allegro/callback"))
    }
}

/// The Allegro budget from `MARKETDESK_ALLEGRO_BUDGET_PER_MINUTE` (1–9000) and
/// `MARKETDESK_BUDGET_BACKGROUND_SHARE` (0.1–1.0).
fn budget_policy(env: &Env) -> Result<BudgetPolicy, ConfigError> {
    let mut policy = BudgetPolicy::allegro();
    if let Some(value) = env.optional("MARKETDESK_ALLEGRO_BUDGET_PER_MINUTE") {
        let per_minute = value
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=9000).contains(n))
            .ok_or_else(|| ConfigError::Invalid {
                var: "MARKETDESK_ALLEGRO_BUDGET_PER_MINUTE".into(),
                value: value.into(),
                reason: "expected calls per minute, 1 to 9000 (Allegro's limit per client id)"
                    .into(),
            })?;
        policy.per_minute = Some(per_minute);
    }
    if let Some(value) = env.optional("MARKETDESK_BUDGET_BACKGROUND_SHARE") {
        policy.background_share = value
            .parse::<f64>()
            .ok()
            .filter(|share| (0.1..=1.0).contains(share))
            .ok_or_else(|| ConfigError::Invalid {
                var: "MARKETDESK_BUDGET_BACKGROUND_SHARE".into(),
                value: value.into(),
                reason: "expected a share between 0.1 and 1.0".into(),
            })?;
    }
    Ok(policy)
}

fn url_var(env: &Env, var: &str) -> Result<Option<String>, ConfigError> {
    match env.optional(var) {
        None => Ok(None),
        Some(value) if value.starts_with("http://") || value.starts_with("https://") => {
            Ok(Some(value.trim_end_matches('/').to_owned()))
        }
        Some(value) => Err(ConfigError::Invalid {
            var: var.into(),
            value: value.into(),
            reason: "expected an http(s) URL".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors_name_the_variable() {
        let s = ChannelSettings::from_env(&Env::default(), None).expect("defaults");
        assert!(s.allegro.is_none());
        assert_eq!(s.empik_api_url, DEFAULT_EMPIK_API_URL);
        assert!(s.user_agent.starts_with("marketdesk/"));

        let env = Env::from_pairs([("MARKETDESK_ALLEGRO_CLIENT_ID", "abc")]);
        let err = ChannelSettings::from_env(&env, None).expect_err("secret missing");
        assert!(err
            .to_string()
            .starts_with("MARKETDESK_ALLEGRO_CLIENT_SECRET"));

        let env = Env::from_pairs([("MARKETDESK_EMPIK_API_URL", "marketplace.empik.com")]);
        let err = ChannelSettings::from_env(&env, None).expect_err("not a URL");
        assert!(err.to_string().starts_with("MARKETDESK_EMPIK_API_URL"));

        let env = Env::from_pairs([("MARKETDESK_USER_AGENT", "curl/8")]);
        assert!(ChannelSettings::from_env(&env, None).is_err());

        assert_eq!(s.max_answer_bytes, DEFAULT_MAX_ANSWER_BYTES);
        for bad in ["lots", "1024", "-5"] {
            let env = Env::from_pairs([("MARKETDESK_MAX_ANSWER_BYTES", bad)]);
            let err = ChannelSettings::from_env(&env, None).expect_err(bad);
            assert!(err.to_string().starts_with("MARKETDESK_MAX_ANSWER_BYTES"));
        }
        let env = Env::from_pairs([("MARKETDESK_MAX_ANSWER_BYTES", "1048576")]);
        let s = ChannelSettings::from_env(&env, None).expect("valid");
        assert_eq!(s.max_answer_bytes, 1_048_576);

        let env = Env::from_pairs([
            ("MARKETDESK_ALLEGRO_CLIENT_ID", "abc"),
            ("MARKETDESK_ALLEGRO_CLIENT_SECRET", "s3cr3t"),
            ("MARKETDESK_PUBLIC_URL", "https://desk.example.com/"),
        ]);
        let s = ChannelSettings::from_env(&env, None).expect("valid");
        assert_eq!(
            s.allegro_redirect_uri().as_deref(),
            Some("https://desk.example.com/oauth/allegro/callback")
        );
        assert!(
            !format!("{s:?}").contains("s3cr3t"),
            "secrets stay out of Debug"
        );
    }
}
