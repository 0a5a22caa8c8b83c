//! The Allegro REST clients of one marketdesk installation: one per environment (production and
//! sandbox), both for the same registered application, chosen per integration.

use marketdesk_allegro::{AllegroClient, AllegroConfig, AllegroError, Hosts};
use marketdesk_core::domain::{Environment, Integration};
use secrecy::SecretString;
use url::Url;

/// How to reach Allegro: the registered application and optional host overrides.
#[derive(Debug, Clone)]
pub struct AllegroChannelConfig {
    /// REST API base for both environments (the simulator in tests); `None` = Allegro's hosts.
    pub api_url: Option<Url>,
    /// OAuth host for both environments (the simulator in tests); `None` = Allegro's hosts.
    pub auth_url: Option<Url>,
    /// The registered application's client id.
    pub client_id: String,
    /// The registered application's client secret.
    pub client_secret: SecretString,
    /// Sent on every call: `<app>/<version> (+<url>)`.
    pub user_agent: String,
}

impl AllegroChannelConfig {
    /// The client configuration for one environment (overrides applied, default timeouts and
    /// retries).
    pub fn client_config(&self, environment: Environment) -> AllegroConfig {
        let mut hosts = Hosts::for_environment(match environment {
            Environment::Production => marketdesk_allegro::Environment::Production,
            Environment::Sandbox => marketdesk_allegro::Environment::Sandbox,
        });
        if let Some(api_url) = &self.api_url {
            hosts.api_url = api_url.clone();
        }
        if let Some(auth_url) = &self.auth_url {
            hosts.auth_url = auth_url.clone();
        }
        AllegroConfig::new(
            hosts,
            self.client_id.clone(),
            self.client_secret.clone(),
            self.user_agent.clone(),
        )
    }
}

/// One [`AllegroClient`] per environment; cheap to clone (connection pools are shared).
#[derive(Debug, Clone)]
pub struct AllegroClients {
    production: AllegroClient,
    sandbox: AllegroClient,
}

impl AllegroClients {
    /// Clients for both environments with the default timeout and retry policy.
    pub fn new(config: &AllegroChannelConfig) -> Result<Self, AllegroError> {
        Self::with_adjusted(config, |c| c)
    }

    /// Clients for both environments, each configuration passed through `adjust` first
    /// (e.g. shorter retries in tests).
    pub fn with_adjusted(
        config: &AllegroChannelConfig,
        adjust: impl Fn(AllegroConfig) -> AllegroConfig,
    ) -> Result<Self, AllegroError> {
        Ok(Self {
            production: AllegroClient::new(adjust(config.client_config(Environment::Production)))?,
            sandbox: AllegroClient::new(adjust(config.client_config(Environment::Sandbox)))?,
        })
    }

    /// Clients built elsewhere.
    pub fn from_clients(production: AllegroClient, sandbox: AllegroClient) -> Self {
        Self {
            production,
            sandbox,
        }
    }

    /// The client of an environment.
    pub fn for_environment(&self, environment: Environment) -> &AllegroClient {
        match environment {
            Environment::Production => &self.production,
            Environment::Sandbox => &self.sandbox,
        }
    }

    /// The client of the integration's environment (test mode = Allegro's sandbox).
    pub fn for_integration(&self, integration: &Integration) -> &AllegroClient {
        self.for_environment(integration.environment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(api: Option<&str>, auth: Option<&str>) -> AllegroChannelConfig {
        AllegroChannelConfig {
            api_url: api.map(|u| Url::parse(u).expect("url")),
            auth_url: auth.map(|u| Url::parse(u).expect("url")),
            client_id: "id".into(),
            client_secret: SecretString::from("secret-value".to_owned()),
            user_agent: "marketdesk/0.1.0 (+https://example.com)".into(),
        }
    }

    #[test]
    fn environments_get_allegros_hosts_unless_overridden() {
        let plain = config(None, None);
        let production = plain.client_config(Environment::Production);
        assert_eq!(production.api_url.as_str(), "https://api.allegro.pl/");
        let sandbox = plain.client_config(Environment::Sandbox);
        assert_eq!(
            sandbox.auth_url.host_str(),
            Some("allegro.pl.allegrosandbox.pl")
        );
        let simulated = config(Some("http://127.0.0.1:9/"), Some("http://127.0.0.1:8/"));
        for environment in [Environment::Production, Environment::Sandbox] {
            let c = simulated.client_config(environment);
            assert_eq!(c.api_url.as_str(), "http://127.0.0.1:9/");
            assert_eq!(c.auth_url.as_str(), "http://127.0.0.1:8/");
        }
        let api_only = config(Some("http://127.0.0.1:9/"), None);
        assert_eq!(
            api_only
                .client_config(Environment::Production)
                .auth_url
                .as_str(),
            "https://allegro.pl/"
        );
        assert!(!format!("{plain:?}").contains("secret-value"));
    }

    #[test]
    fn integrations_pick_the_client_of_their_environment() {
        let clients = AllegroClients::new(&config(None, None)).expect("clients");
        assert_eq!(
            clients
                .for_environment(Environment::Sandbox)
                .config()
                .api_url
                .host_str(),
            Some("api.allegro.pl.allegrosandbox.pl")
        );
        assert_eq!(
            clients
                .for_environment(Environment::Production)
                .config()
                .api_url
                .host_str(),
            Some("api.allegro.pl")
        );
    }
}
