//! Shared helpers: a simulator per test, a client pointed at it with short retries, the control
//! API, and a seller signed in through the real OAuth code flow with PKCE.

#![allow(dead_code)]

use marketdesk_allegro::{AccessToken, AllegroClient, AllegroConfig, Hosts, RetryPolicy, TokenSet};
use marketdesk_sandbox::RunningSandbox;
use marketdesk_testkit::SimulatorControl;
use secrecy::SecretString;
use serde_json::{json, Value};
use std::time::Duration;

/// A User-Agent of the shape Allegro requires.
pub const USER_AGENT: &str = "marketdesk-tests/0.1.0 (+https://github.com/marketdesk/marketdesk)";
/// The simulator's registered application.
pub const CLIENT_ID: &str = "sandbox-client-id";
/// Its secret.
pub const CLIENT_SECRET: &str = "sandbox-client-secret";
/// A redirect URI the simulator accepts.
pub const REDIRECT_URI: &str = "http://localhost:8080/allegro/callback";

/// Retries as in production but 40× shorter (5 ms, 20 ms).
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

/// A simulator and a client for it.
pub struct Sim {
    /// The simulator.
    pub sandbox: RunningSandbox,
    /// The client under test.
    pub client: AllegroClient,
    /// The simulator's control API.
    pub control: SimulatorControl,
}

impl Sim {
    /// A fresh simulator and a client with fast retries and a 5 s timeout.
    pub async fn start() -> Self {
        let sandbox = RunningSandbox::start_local()
            .await
            .expect("the sandbox starts");
        let client = AllegroClient::new(config_for(&sandbox.base_url)).expect("client");
        let control = SimulatorControl::new(&sandbox.base_url);
        Self {
            sandbox,
            client,
            control,
        }
    }

    /// Another client for the same simulator, with a changed configuration.
    pub fn client_with(
        &self,
        change: impl FnOnce(AllegroConfig) -> AllegroConfig,
    ) -> AllegroClient {
        AllegroClient::new(change(config_for(&self.sandbox.base_url))).expect("client")
    }

    /// POSTs to the control API and returns the created object's `field`, asserting 2xx.
    pub async fn create(&self, path: &str, body: Value, field: &str) -> String {
        self.control.created(path, body, field).await
    }

    /// Moves the simulator's clock forward.
    pub async fn advance(&self, seconds: i64) {
        self.control.advance_clock(seconds).await;
    }

    /// Arms a fault (`POST /__sandbox/faults`).
    pub async fn fault(&self, rule: Value) {
        self.control.fault(rule).await;
    }

    /// A new seller, signed in (the one who approves authorization requests); its id.
    pub async fn seller(&self, login: &str) -> String {
        self.control.allegro_seller(login, true).await
    }

    /// Runs the browser step of the code flow: the `code` and `state` of the redirect.
    pub async fn authorize(&self, url: &url::Url) -> (String, String) {
        let response = self
            .control
            .http()
            .get(url.as_str())
            .send()
            .await
            .expect("authorize");
        assert_eq!(response.status().as_u16(), 302, "authorize redirects");
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("a Location");
        let location = url::Url::parse(location).expect("absolute Location");
        assert!(location.as_str().starts_with(REDIRECT_URI), "{location}");
        let param = |name: &str| {
            location
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_else(|| panic!("no {name} in {location}"))
        };
        (param("code"), param("state"))
    }

    /// A signed-in seller with tokens from the full code flow (PKCE); `(seller id, tokens)`.
    pub async fn seller_with_tokens(&self, login: &str, scopes: &[&str]) -> (String, TokenSet) {
        let seller_id = self.seller(login).await;
        let request = self
            .client
            .authorization_request(REDIRECT_URI, scopes)
            .expect("authorize URL");
        let (code, state) = self.authorize(&request.url).await;
        assert_eq!(state, request.state);
        let tokens = self
            .client
            .exchange_code(&code, REDIRECT_URI, Some(&request.pkce_verifier))
            .await
            .expect("code exchange");
        (seller_id, tokens)
    }

    /// A seller with every scope; `(seller id, access token)`.
    pub async fn seller_token(&self, login: &str) -> (String, AccessToken) {
        let (id, tokens) = self.seller_with_tokens(login, &[]).await;
        (id, tokens.access_token)
    }

    /// A new buyer; `(id, login)`.
    pub async fn buyer(&self, login: &str) -> (String, String) {
        let id = self
            .create("/allegro/buyers", json!({ "login": login }), "id")
            .await;
        (id, login.to_owned())
    }

    /// A new offer of `seller_id`; its id.
    pub async fn offer(&self, seller_id: &str, name: &str, ean: Option<&str>) -> String {
        let mut body =
            json!({ "seller_id": seller_id, "name": name, "price": "49.99", "stock": 5 });
        if let Some(ean) = ean {
            body["ean"] = json!(ean);
        }
        self.create("/allegro/offers", body, "id").await
    }

    /// A new order of one offer; its id.
    pub async fn order(&self, seller_id: &str, buyer_id: &str, offer_id: &str) -> String {
        self.create(
            "/allegro/orders",
            json!({ "seller_id": seller_id, "buyer_id": buyer_id, "offer_ids": [offer_id] }),
            "id",
        )
        .await
    }

    /// What the seller posted through the API in a conversation (control API).
    pub async fn posted(&self, conversation_id: &str) -> Vec<Value> {
        self.control
            .allegro_posted(&format!("?conversation_id={conversation_id}"))
            .await
    }
}

/// The client configuration for a simulator at `base`.
pub fn config_for(base: &str) -> AllegroConfig {
    AllegroConfig::new(
        Hosts::custom(base, base).expect("hosts"),
        CLIENT_ID,
        SecretString::from(CLIENT_SECRET.to_owned()),
        USER_AGENT,
    )
    .with_timeout(Duration::from_secs(5))
    .with_retry(fast_retry())
}
