//! OAuth against the simulator: the code flow with state and PKCE, refresh rotation and
//! `invalid_grant` after the 60 s grace, the device flow, and the User-Agent.

mod common;

use common::{Sim, CLIENT_SECRET, REDIRECT_URI};
use marketdesk_allegro::{AllegroError, DevicePoll, OAuthError, PkceVerifier, RefreshToken};
use secrecy::SecretString;
use serde_json::json;

#[tokio::test]
async fn code_flow_with_pkce_gives_a_working_token_pair() {
    let sim = Sim::start().await;
    let seller_id = sim.seller("sklep_pkce").await;
    let request = sim
        .client
        .authorization_request(
            REDIRECT_URI,
            &["allegro:api:profile:read", "allegro:api:messaging"],
        )
        .expect("authorize URL");
    let query: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(request.url.path(), "/auth/oauth/authorize");
    assert_eq!(get("response_type"), Some("code"));
    assert_eq!(get("client_id"), Some(common::CLIENT_ID));
    assert_eq!(get("code_challenge_method"), Some("S256"));
    assert_eq!(
        get("code_challenge"),
        Some(request.pkce_verifier.challenge().as_str())
    );
    assert_eq!(get("state"), Some(request.state.as_str()));
    assert_eq!(
        get("scope"),
        Some("allegro:api:profile:read allegro:api:messaging")
    );

    let (code, state) = sim.authorize(&request.url).await;
    assert_eq!(state, request.state, "state comes back unchanged");
    let tokens = sim
        .client
        .exchange_code(&code, REDIRECT_URI, Some(&request.pkce_verifier))
        .await
        .expect("exchange");
    assert!(tokens.refresh_token.is_some());
    let lifetime = tokens.expires_in.map(|d| d.as_secs()).unwrap_or_default();
    assert!(
        (43_000..=43_200).contains(&lifetime),
        "about 12 h: {lifetime}"
    );
    assert_eq!(tokens.token_type.as_deref(), Some("bearer"));
    assert!(tokens.has_scope("allegro:api:messaging"));
    assert!(!tokens.has_scope("allegro:api:orders:read"));

    let me = sim.client.me(&tokens.access_token).await.expect("/me");
    assert_eq!(me.id.as_deref(), Some(seller_id.as_str()));
    assert_eq!(me.login.as_deref(), Some("sklep_pkce"));

    // A code works once; the second exchange is invalid_grant and does not quote the code.
    let again = sim
        .client
        .exchange_code(&code, REDIRECT_URI, Some(&request.pkce_verifier))
        .await
        .expect_err("used code");
    assert!(again.requires_reauthorization(), "{again:?}");
    assert!(!format!("{again} {again:?}").contains(&code));
}

#[tokio::test]
async fn pkce_is_enforced() {
    let sim = Sim::start().await;
    sim.seller("sklep_bez_pkce").await;
    let request = sim
        .client
        .authorization_request(REDIRECT_URI, &[])
        .expect("authorize URL");
    let (code, _) = sim.authorize(&request.url).await;
    let error = sim
        .client
        .exchange_code(&code, REDIRECT_URI, Some(&PkceVerifier::random()))
        .await
        .expect_err("wrong verifier");
    assert!(
        matches!(error, OAuthError::InvalidGrant { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn refresh_rotates_the_pair_and_the_old_refresh_token_dies_after_60_seconds() {
    let sim = Sim::start().await;
    let (_, first) = sim.seller_with_tokens("sklep_refresh", &[]).await;
    let old_refresh = first.refresh_token.clone().expect("refresh token");

    let second = sim.client.refresh(&old_refresh).await.expect("refresh");
    let new_refresh = second.refresh_token.clone().expect("rotated refresh token");
    assert_ne!(new_refresh.expose(), old_refresh.expose());
    assert_ne!(second.access_token.expose(), first.access_token.expose());
    sim.client
        .me(&second.access_token)
        .await
        .expect("the new access token works");
    let old_access = sim
        .client
        .me(&first.access_token)
        .await
        .expect_err("the old access token died");
    assert!(
        matches!(old_access, AllegroError::Unauthorized { ref error, .. } if error == "invalid_token"),
        "{old_access:?}"
    );

    // Within the 60 s grace the old refresh token still works (a lost answer can be
    // recovered), past it the token is invalid_grant, without the token in the error.
    sim.advance(30).await;
    sim.client
        .refresh(&old_refresh)
        .await
        .expect("still inside the grace period");
    sim.advance(31).await;
    let error = sim
        .client
        .refresh(&old_refresh)
        .await
        .expect_err("the old refresh token is dead");
    assert!(error.requires_reauthorization(), "{error:?}");
    assert!(!error.is_transient());
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(old_refresh.expose()), "{shown}");

    // The rotated one still works.
    let third = sim.client.refresh(&new_refresh).await.expect("refresh");
    sim.client.me(&third.access_token).await.expect("works");
}

#[tokio::test]
async fn revoked_sellers_get_unauthorized_and_invalid_grant() {
    let sim = Sim::start().await;
    let (seller_id, tokens) = sim.seller_with_tokens("sklep_odwolany", &[]).await;
    let (status, body) = sim
        .control
        .post_status(&format!("/allegro/sellers/{seller_id}/revoke"), &json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let api = sim
        .client
        .me(&tokens.access_token)
        .await
        .expect_err("revoked");
    assert!(matches!(api, AllegroError::Unauthorized { .. }), "{api:?}");
    assert!(api.trace_id().is_some(), "the trace-id is kept");
    let refresh = sim
        .client
        .refresh(tokens.refresh_token.as_ref().expect("refresh token"))
        .await
        .expect_err("revoked");
    assert!(
        matches!(refresh, OAuthError::InvalidGrant { .. }),
        "{refresh:?}"
    );
    let unknown = sim
        .client
        .refresh(&RefreshToken::new("refresh-never-issued"))
        .await
        .expect_err("unknown");
    assert!(unknown.requires_reauthorization());
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client_and_never_shown() {
    let sim = Sim::start().await;
    sim.seller("sklep_sekret").await;
    let client = sim.client_with(|mut config| {
        config.client_secret = SecretString::from("wrong-secret-value".to_owned());
        config
    });
    let error = client
        .refresh(&RefreshToken::new("whatever"))
        .await
        .expect_err("bad client");
    assert!(
        matches!(error, OAuthError::InvalidClient { .. }),
        "{error:?}"
    );
    let shown = format!("{error} {error:?} {:?}", client.config());
    assert!(!shown.contains("wrong-secret-value") && !shown.contains(CLIENT_SECRET));
}

#[tokio::test]
async fn device_flow_polls_until_approved() {
    let sim = Sim::start().await;
    let seller_id = sim.seller("sklep_urzadzenie").await;
    let device = sim
        .client
        .start_device_flow(&["allegro:api:profile:read"])
        .await
        .expect("device flow starts");
    assert!(!device.user_code.is_empty());
    assert!(device.verification_uri.ends_with("/skojarz-aplikacje"));
    assert_eq!(device.interval.as_secs(), 5);
    assert!(!format!("{device:?}").contains(device.device_code.expose()));

    let pending = sim
        .client
        .poll_device_flow(&device.device_code)
        .await
        .expect("poll");
    assert!(matches!(pending, DevicePoll::Pending), "{pending:?}");

    let (status, body) = sim
        .control
        .post_status(
            &format!("/allegro/device/{}/approve", device.user_code),
            &json!({ "seller_id": seller_id }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let tokens = match sim
        .client
        .poll_device_flow(&device.device_code)
        .await
        .expect("poll")
    {
        DevicePoll::Tokens(tokens) => tokens,
        other => panic!("expected tokens, got {other:?}"),
    };
    assert!(tokens.has_scope("allegro:api:profile:read"));
    let me = sim.client.me(&tokens.access_token).await.expect("/me");
    assert_eq!(me.id.as_deref(), Some(seller_id.as_str()));

    // The device code is used up now.
    let used = sim
        .client
        .poll_device_flow(&device.device_code)
        .await
        .expect("poll");
    assert!(matches!(used, DevicePoll::Expired), "{used:?}");
}

#[tokio::test]
async fn device_codes_expire() {
    let sim = Sim::start().await;
    sim.seller("sklep_wygasly").await;
    let device = sim
        .client
        .start_device_flow(&[])
        .await
        .expect("device flow starts");
    sim.advance(device.expires_in.as_secs() as i64 + 1).await;
    let poll = sim
        .client
        .poll_device_flow(&device.device_code)
        .await
        .expect("poll");
    assert!(matches!(poll, DevicePoll::Expired), "{poll:?}");
}

#[tokio::test]
async fn the_user_agent_is_sent_on_every_call() {
    let sim = Sim::start().await;
    let (_, token) = sim.seller_token("sklep_ua").await;
    sim.client
        .me(&token)
        .await
        .expect("the configured UA passes");
    let rude = sim.client_with(|mut config| {
        config.user_agent = "curl/8.5.0".into();
        config
    });
    let error = rude
        .me(&token)
        .await
        .expect_err("Allegro refuses other UAs");
    assert!(
        matches!(&error, AllegroError::Forbidden { .. })
            && error.has_code("InvalidUserAgentException"),
        "{error:?}"
    );
}
