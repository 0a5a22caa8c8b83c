//! Connecting an Allegro account against the simulator: redirect flow and device flow (the
//! core's `services::connect` over the channel's `AllegroOAuth`).

use marketdesk_allegro::{AllegroClient, AllegroConfig, Hosts};
use marketdesk_channels::allegro::{AllegroClients, AllegroOAuth};
use marketdesk_core::domain::{ConnectionState, Environment, Integration, IntegrationKind};
use marketdesk_core::ports::{ConnectFailure, Ports};
use marketdesk_core::repo::integrations;
use marketdesk_core::services::connect;
use marketdesk_core::services::tokens;
use marketdesk_sandbox::RunningSandbox;
use marketdesk_testkit::backend::temp_backend;
use marketdesk_testkit::SimulatorControl;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

const UA: &str = "marketdesk-tests/0.1.0 (+https://github.com/marketdesk/marketdesk)";
const REDIRECT: &str = "http://localhost:3000/oauth/allegro/callback";

/// The simulator's control API: `body` posted to `path`, its answer.
async fn control(sandbox: &RunningSandbox, path: &str, body: Value) -> Value {
    SimulatorControl::new(&sandbox.base_url)
        .post(path, body)
        .await
}

/// The Allegro side of OAuth with `client` for both environments.
fn provider(ports: &Ports, client: &AllegroClient) -> AllegroOAuth {
    AllegroOAuth::new(
        AllegroClients::from_clients(client.clone(), client.clone()),
        ports.clock.clone(),
    )
}

fn client(sandbox: &RunningSandbox) -> AllegroClient {
    let config = AllegroConfig::new(
        Hosts::custom(&sandbox.base_url, &sandbox.base_url).expect("hosts"),
        "sandbox-client-id",
        SecretString::from("sandbox-client-secret"),
        UA,
    );
    AllegroClient::new(config).expect("client")
}

async fn pending_integration(ports: &Ports) -> Integration {
    let integration = Integration::new(
        "allegro-1".into(),
        "t1".into(),
        IntegrationKind::Allegro,
        "",
        Environment::Sandbox,
        chrono::Utc::now(),
    );
    integrations::create(&*ports.store, &integration)
        .await
        .expect("create");
    integration
}

#[tokio::test]
async fn the_redirect_flow_connects_and_names_the_account_and_states_are_single_use() {
    let sandbox = RunningSandbox::start_local().await.expect("sandbox");
    let backend = temp_backend();
    let ports = &backend.ports;
    control(
        &sandbox,
        "/allegro/sellers",
        json!({"login": "sklep_testowy", "sign_in": true}),
    )
    .await;
    let integration = pending_integration(ports).await;
    let allegro = provider(ports, &client(&sandbox));

    let url = connect::start(ports, &allegro, &integration, REDIRECT)
        .await
        .expect("start");
    assert!(
        url.starts_with(&format!("{}/auth/oauth/authorize?", sandbox.base_url)),
        "{url}"
    );
    assert!(url.contains("code_challenge_method=S256"));
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let answer = browser.get(&url).send().await.expect("authorize");
    let location = answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("redirect")
        .to_owned();
    let redirect = reqwest::Url::parse(&location).expect("url");
    let param = |name: &str| {
        redirect
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .expect(name)
    };
    let (code, state) = (param("code"), param("state"));

    let pending = connect::take_pending(ports, &state)
        .await
        .expect("state known");
    let connected = connect::finish(ports, &allegro, &pending, &code)
        .await
        .expect("finish");
    assert_eq!(connected.connection, ConnectionState::Connected);
    assert_eq!(
        connected.display_name, "sklep_testowy",
        "named by the Allegro login"
    );
    let stored = tokens::load(ports, &integration.tenant_id, &integration.id)
        .await
        .expect("load")
        .expect("tokens");
    assert!(stored.access_token.expose_secret().len() > 10);
    assert!(stored.access_expires_at > chrono::Utc::now() + chrono::Duration::hours(11));

    let again = connect::take_pending(ports, &state)
        .await
        .expect_err("single use");
    assert!(matches!(again, ConnectFailure::UnknownState));
    let forged = connect::take_pending(ports, "not-a-state")
        .await
        .expect_err("unknown");
    assert!(matches!(forged, ConnectFailure::UnknownState));
}

#[tokio::test]
async fn the_device_flow_completes_in_the_background_after_the_seller_confirms() {
    let sandbox = RunningSandbox::start_local().await.expect("sandbox");
    let backend = temp_backend();
    let ports = &backend.ports;
    let seller = control(
        &sandbox,
        "/allegro/sellers",
        json!({"login": "sklep_urzadzenie", "sign_in": true}),
    )
    .await;
    let integration = pending_integration(ports).await;
    let allegro = provider(ports, &client(&sandbox));

    let started = connect::start_device(ports, &allegro, &integration)
        .await
        .expect("device start");
    assert!(!started.user_code.is_empty());
    assert!(started.verification_uri.starts_with("http"));
    assert_eq!(
        connect::complete_devices(ports, &allegro)
            .await
            .expect("poll"),
        0,
        "not confirmed yet"
    );

    control(
        &sandbox,
        &format!("/allegro/device/{}/approve", started.user_code),
        json!({"seller_id": seller["id"]}),
    )
    .await;
    // The next poll is due after the announced interval.
    let mut connected = 0;
    for _ in 0..30 {
        connected = connect::complete_devices(ports, &allegro)
            .await
            .expect("poll");
        if connected > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(connected, 1);
    let stored = integrations::get(&*ports.store, &integration.tenant_id, &integration.id)
        .await
        .expect("get")
        .expect("exists")
        .value;
    assert_eq!(stored.connection, ConnectionState::Connected);
    assert_eq!(stored.display_name, "sklep_urzadzenie");
    assert_eq!(
        connect::complete_devices(ports, &allegro)
            .await
            .expect("poll"),
        0,
        "grant forgotten once used"
    );
}

/// Runs the redirect flow for `integration` as the admin's browser would: the connected
/// integration.
async fn authorize(
    ports: &Ports,
    allegro: &AllegroOAuth,
    integration: &Integration,
) -> Integration {
    let url = connect::start(ports, allegro, integration, REDIRECT)
        .await
        .expect("start");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let answer = browser.get(&url).send().await.expect("authorize");
    let location = answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("redirect")
        .to_owned();
    let redirect = reqwest::Url::parse(&location).expect("url");
    let param = |name: &str| {
        redirect
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .expect(name)
    };
    let pending = connect::take_pending(ports, &param("state"))
        .await
        .expect("state known");
    connect::finish(ports, allegro, &pending, &param("code"))
        .await
        .expect("finish")
}

#[tokio::test]
async fn connecting_losing_access_and_re_authenticating_are_in_the_audit_log() {
    use marketdesk_core::services::audit::{self, AuditQuery};
    let sandbox = RunningSandbox::start_local().await.expect("sandbox");
    let backend = temp_backend();
    let ports = &backend.ports;
    control(
        &sandbox,
        "/allegro/sellers",
        json!({"login": "sklep_audyt", "sign_in": true}),
    )
    .await;
    let integration = pending_integration(ports).await;
    let allegro = provider(ports, &client(&sandbox));
    authorize(ports, &allegro, &integration).await;
    tokens::disconnect(
        ports,
        &integration.tenant_id,
        &integration.id,
        "invalid_grant",
    )
    .await
    .expect("disconnected");
    let again = authorize(ports, &allegro, &integration).await;
    assert_eq!(again.connection, ConnectionState::Connected);

    let listed = audit::list(
        ports,
        &integration.tenant_id,
        &serde_json::from_value::<AuditQuery>(
            json!({ "subject_type": "integration", "subject_id": integration.id }),
        )
        .expect("query"),
    )
    .await
    .expect("listed")
    .entries;
    let actions: Vec<&str> = listed.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "integration.reauthenticated",
            "integration.disconnected",
            "integration.connected",
        ]
    );
    assert_eq!(
        listed[1].after.as_ref().unwrap()["connection"]["state"],
        "disconnected"
    );
    assert_eq!(
        listed[1].after.as_ref().unwrap()["connection"]["reason"],
        "invalid_grant"
    );
    assert_eq!(
        listed[2].after.as_ref().unwrap()["display_name"],
        "sklep_audyt"
    );
    let text = serde_json::to_string(&listed).expect("json");
    assert!(!text.contains("token"), "{text}");

    // The same three in the account's event log, the reason with the disconnection.
    use marketdesk_core::domain::account_event::AccountEventKind;
    use marketdesk_core::services::account_log::{self, EventsQuery};
    let log = account_log::list(
        ports,
        &integration.tenant_id,
        &integration.id,
        &EventsQuery::default(),
    )
    .await
    .expect("account log")
    .events;
    let kinds: Vec<_> = log.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            AccountEventKind::Reauthenticated,
            AccountEventKind::Disconnected,
            AccountEventKind::Connected,
        ]
    );
    assert_eq!(log[1].reason.as_deref(), Some("invalid_grant"));
}
