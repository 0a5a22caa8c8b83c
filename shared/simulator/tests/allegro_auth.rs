//! Allegro OAuth (allegro-api.md §2) and the checks every REST call goes through (§1.2, §1.3,
//! §2.5, §4.2).

mod common;

use common::allegro::*;
use common::{simulator_with, status_json, CLIENT_ID, CLIENT_SECRET, PUBLIC};
use marketdesk_simulator::allegro::accounts::{RateWindow, CLIENT_RATE_LIMIT};
use marketdesk_simulator::SimulatorConfig;
use serde_json::{json, Value};

fn code_flow_params<'a>(challenge: &'a str, state: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("state", state),
        ("code_challenge_method", "S256"),
        ("code_challenge", challenge),
    ]
}

#[tokio::test]
async fn code_flow_with_pkce_gives_a_pair_and_echoes_the_state() {
    let simulator = common::simulator().await;
    let seller_id = seller(&simulator, "sklep_testowy").await;
    sign_in(&simulator, &seller_id).await;
    let challenge = challenge(VERIFIER);
    let state = "a b&c=d/ź?x";
    let response = authorize(&simulator, &code_flow_params(&challenge, state)).await;
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().expect("location");
    assert!(
        location.starts_with(&format!("{REDIRECT_URI}?")),
        "{location}"
    );
    assert_eq!(location_param(&response, "state").as_deref(), Some(state));
    let code = location_param(&response, "code").expect("code");
    assert_eq!(code.len(), 32);

    let response = exchange_response(&simulator, &code, Some(VERIFIER)).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let (status, body) = status_json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 43199);
    assert_eq!(body["allegro_api"], true);
    assert!(body["jti"].as_str().is_some_and(|j| j.len() == 36));
    assert!(body["refresh_token"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    let scope = body["scope"].as_str().expect("scope");
    for wanted in [
        "allegro:api:profile:read",
        "allegro:api:orders:read",
        "allegro:api:messaging",
        "allegro:api:disputes",
        "allegro:api:sale:offers:read",
    ] {
        assert!(scope.split(' ').any(|s| s == wanted), "{scope}");
    }

    let (status, me) = api_get_json(&simulator, "/me", &access(&body)).await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], seller_id.as_str());
}

#[tokio::test]
async fn a_wrong_or_missing_pkce_verifier_is_refused() {
    let simulator = common::simulator().await;
    let seller_id = seller(&simulator, "pkce").await;
    sign_in(&simulator, &seller_id).await;
    let code = code(&simulator, None).await;
    let wrong = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    assert_auth_error(
        &exchange(&simulator, &code, Some(wrong)).await,
        400,
        "invalid_grant",
    );
    assert_auth_error(
        &exchange(&simulator, &code, None).await,
        400,
        "invalid_grant",
    );
    let (status, _) = exchange(&simulator, &code, Some(VERIFIER)).await;
    assert_eq!(status, 200, "refusals do not burn the code");
}

#[tokio::test]
async fn codes_are_single_use_and_bound_to_the_redirect_uri() {
    let simulator = common::simulator().await;
    let seller_id = seller(&simulator, "jednorazowy").await;
    sign_in(&simulator, &seller_id).await;
    let code = code(&simulator, None).await;

    let (status, body) = status_json(
        token(
            &simulator,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "http://localhost:8080/other"),
                ("code_verifier", VERIFIER),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "Redirect URI mismatch."})
    );

    assert_eq!(exchange(&simulator, &code, Some(VERIFIER)).await.0, 200);
    let (status, body) = exchange(&simulator, &code, Some(VERIFIER)).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({
            "error": "invalid_grant",
            "error_description": format!("Invalid authorization code: {code}")
        })
    );
}

#[tokio::test]
async fn codes_expire_after_ten_minutes() {
    let simulator = common::simulator().await;
    let seller_id = seller(&simulator, "wolny").await;
    sign_in(&simulator, &seller_id).await;
    let late = code(&simulator, None).await;
    let in_time = code(&simulator, None).await;
    advance(&simulator, 590).await;
    assert_eq!(exchange(&simulator, &in_time, Some(VERIFIER)).await.0, 200);
    advance(&simulator, 11).await;
    assert_auth_error(
        &exchange(&simulator, &late, Some(VERIFIER)).await,
        400,
        "invalid_grant",
    );
}

#[tokio::test]
async fn a_missing_code_or_grant_type_is_an_invalid_request() {
    let simulator = common::simulator().await;
    let (status, body) = status_json(
        token(
            &simulator,
            &[
                ("grant_type", "authorization_code"),
                ("redirect_uri", REDIRECT_URI),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_request", "error_description": "An authorization code must be supplied."})
    );
    assert_auth_error(
        &status_json(token(&simulator, &[("code", "x")]).await).await,
        400,
        "invalid_request",
    );
    assert_auth_error(
        &status_json(token(&simulator, &[("grant_type", "password")]).await).await,
        400,
        "unsupported_grant_type",
    );
}

#[tokio::test]
async fn the_token_endpoint_wants_post_a_form_body_and_basic_auth() {
    let simulator = common::simulator().await;
    let url = format!("{}/auth/oauth/token", simulator.base_url);
    let client = common::client();

    let response = client
        .get(&url)
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 405);

    let response = client
        .post(format!("{url}?grant_type=refresh_token&refresh_token=x"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .send()
        .await
        .expect("query");
    assert_auth_error(&status_json(response).await, 400, "invalid_request");

    let unauthorized = json!({"error": "Unauthorized", "error_description": "Unauthorized"});
    let response = client
        .post(&url)
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .expect("no auth");
    assert_eq!(status_json(response).await, (401, unauthorized.clone()));
    let response = client
        .post(&url)
        .basic_auth(CLIENT_ID, Some("wrong"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .expect("wrong secret");
    assert_eq!(status_json(response).await, (401, unauthorized));

    // Parameters in a JSON body are not read: no grant type.
    let response = client
        .post(&url)
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .json(&json!({"grant_type": "refresh_token", "refresh_token": "x"}))
        .send()
        .await
        .expect("json body");
    assert_auth_error(&status_json(response).await, 400, "invalid_request");
}

#[tokio::test]
async fn authorize_needs_a_signed_in_seller() {
    let simulator = common::simulator().await;
    seller(&simulator, "niezalogowany").await;
    let challenge = challenge(VERIFIER);
    let response = authorize(&simulator, &code_flow_params(&challenge, "s")).await;
    assert_eq!(response.status(), 400);
    assert!(response.headers()["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/html"));
    let page = response.text().await.expect("page");
    assert!(page.contains("No seller is signed in"), "{page}");
}

#[tokio::test]
async fn authorize_checks_client_and_redirect_uri_before_redirecting() {
    let simulator = common::simulator().await;
    let id = seller(&simulator, "sprawdzany").await;
    sign_in(&simulator, &id).await;
    for (client_id, redirect_uri) in [
        ("someone-else", REDIRECT_URI),
        (CLIENT_ID, "ftp://localhost/cb"),
        (CLIENT_ID, "http://localhost/cb#fragment"),
        (CLIENT_ID, ""),
    ] {
        let response = authorize(
            &simulator,
            &[
                ("response_type", "code"),
                ("client_id", client_id),
                ("redirect_uri", redirect_uri),
            ],
        )
        .await;
        assert_eq!(response.status(), 400, "{client_id} {redirect_uri}");
        assert!(response.headers().get("location").is_none());
    }

    let response = authorize(
        &simulator,
        &[
            ("response_type", "token"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("state", "xyz"),
        ],
    )
    .await;
    assert_eq!(response.status(), 302);
    assert_eq!(
        location_param(&response, "error").as_deref(),
        Some("unsupported_response_type")
    );
    assert_eq!(location_param(&response, "state").as_deref(), Some("xyz"));

    let response = authorize(
        &simulator,
        &[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("code_challenge", challenge(VERIFIER).as_str()),
            ("code_challenge_method", "plain"),
        ],
    )
    .await;
    assert_eq!(
        location_param(&response, "error").as_deref(),
        Some("invalid_request")
    );
}

#[tokio::test]
async fn registered_redirect_uris_must_match_exactly() {
    let simulator = simulator_with(SimulatorConfig {
        allegro_redirect_uris: vec!["https://desk.example/allegro/callback".into()],
        ..SimulatorConfig::default()
    })
    .await;
    let id = seller(&simulator, "zarejestrowany").await;
    sign_in(&simulator, &id).await;
    let with = |uri: &'static str| {
        [
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", uri),
        ]
    };
    let response = authorize(&simulator, &with("https://desk.example/allegro/callback")).await;
    assert_eq!(response.status(), 302);
    let response = authorize(&simulator, &with("https://desk.example/allegro/callback/")).await;
    assert_eq!(response.status(), 400);
    let response = authorize(&simulator, &with(REDIRECT_URI)).await;
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn an_unknown_scope_is_sent_back_as_invalid_scope() {
    let simulator = common::simulator().await;
    let id = seller(&simulator, "zakres").await;
    sign_in(&simulator, &id).await;
    let response = authorize(
        &simulator,
        &[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("scope", "allegro:api:orders:read allegro:api:everything"),
            ("state", "st"),
        ],
    )
    .await;
    assert_eq!(response.status(), 302);
    assert_eq!(
        location_param(&response, "error").as_deref(),
        Some("invalid_scope")
    );
    assert_eq!(
        location_param(&response, "error_description").as_deref(),
        Some("Invalid scope: allegro:api:everything")
    );
    assert_eq!(location_param(&response, "state").as_deref(), Some("st"));
    assert_eq!(location_param(&response, "code"), None);
}

#[tokio::test]
async fn a_narrower_scope_gives_403_elsewhere() {
    let simulator = common::simulator().await;
    let (_, tokens) = seller_with_tokens(
        &simulator,
        "waski",
        // `ratings` is a scope Allegro knows that the application lacks: dropped.
        Some("allegro:api:orders:read allegro:api:ratings"),
    )
    .await;
    assert_eq!(tokens["scope"], "allegro:api:orders:read");
    let (status, body) = api_get_json(&simulator, "/me", &access(&tokens)).await;
    assert_eq!(status, 403);
    assert_eq!(body["errors"][0]["code"], "AccessDenied");
}

#[tokio::test]
async fn refresh_rotates_the_pair_with_a_sixty_second_grace() {
    let simulator = common::simulator().await;
    let (_, first) = seller_with_tokens(&simulator, "rotacja", None).await;
    let old_refresh = refresh(&first);

    let (status, second) = refresh_with(&simulator, &old_refresh).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(access(&second), access(&first));
    assert_ne!(refresh(&second), old_refresh);
    assert_eq!(second["scope"], first["scope"]);

    let (status, body) = api_get_json(&simulator, "/me", &access(&first)).await;
    assert_eq!(status, 401, "the old access token dies at once");
    assert_eq!(
        body,
        json!({"error": "invalid_token", "error_description": "Access token expired"})
    );
    assert_eq!(
        api_get(&simulator, "/me", &access(&second)).await.status(),
        200
    );

    advance(&simulator, 59).await;
    let (status, _) = refresh_with(&simulator, &old_refresh).await;
    assert_eq!(status, 200, "the old refresh token still works within 60 s");

    advance(&simulator, 2).await;
    let (status, body) = refresh_with(&simulator, &old_refresh).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({
            "error": "invalid_grant",
            "error_description": format!("Invalid refresh token: {old_refresh}")
        })
    );
    let (status, third) = refresh_with(&simulator, &refresh(&second)).await;
    assert_eq!(status, 200, "{third}");

    let (status, body) = refresh_with(&simulator, "refresh-made-up").await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error_description"],
        "Invalid refresh token: refresh-made-up"
    );
}

#[tokio::test]
async fn access_tokens_expire_after_twelve_hours_refresh_tokens_after_ninety_days() {
    let simulator = common::simulator().await;
    let (_, tokens) = seller_with_tokens(&simulator, "zegar", None).await;
    advance(&simulator, 43_190).await;
    assert_eq!(
        api_get(&simulator, "/me", &access(&tokens)).await.status(),
        200
    );
    advance(&simulator, 10).await;
    let (status, body) = api_get_json(&simulator, "/me", &access(&tokens)).await;
    assert_eq!(status, 401);
    assert_eq!(body["error_description"], "Access token expired");

    let (_, fresh) = seller_with_tokens(&simulator, "zegar2", None).await;
    advance(&simulator, 90 * 24 * 3600).await;
    assert_auth_error(
        &refresh_with(&simulator, &refresh(&fresh)).await,
        400,
        "invalid_grant",
    );
}

async fn device_start(simulator: &marketdesk_simulator::RunningSimulator) -> Value {
    let response = common::client()
        .post(format!(
            "{}/auth/oauth/device?client_id={CLIENT_ID}",
            simulator.base_url
        ))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .expect("device");
    let (status, body) = status_json(response).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn device_poll(
    simulator: &marketdesk_simulator::RunningSimulator,
    device_code: &str,
) -> (u16, Value) {
    status_json(
        token(
            simulator,
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", device_code),
            ],
        )
        .await,
    )
    .await
}

#[tokio::test]
async fn device_flow_is_pending_until_approved_then_gives_the_pair_once() {
    let simulator = common::simulator().await;
    let seller_id = seller(&simulator, "urzadzenie").await;
    let started = device_start(&simulator).await;
    assert_eq!(started["expires_in"], 3600);
    assert_eq!(started["interval"], 5);
    let user_code = started["user_code"].as_str().expect("user_code");
    let device_code = started["device_code"].as_str().expect("device_code");
    let uri = started["verification_uri"].as_str().expect("uri");
    assert!(uri.ends_with("/skojarz-aplikacje"), "{uri}");
    assert_eq!(
        started["verification_uri_complete"],
        format!("{uri}?code={user_code}")
    );

    let pending = json!({
        "error": "authorization_pending",
        "error_description": "User has not authorized the device code yet."
    });
    assert_eq!(device_poll(&simulator, device_code).await, (400, pending));

    let (status, body) = control(
        &simulator,
        &format!("/device/{user_code}/approve"),
        json!({ "seller_id": seller_id }),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let (status, tokens) = device_poll(&simulator, device_code).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "bearer");
    let (_, me) = api_get_json(&simulator, "/me", &access(&tokens)).await;
    assert_eq!(me["id"], seller_id.as_str());

    let invalid = json!({"error": "invalid_request", "error_description": "Invalid device code"});
    assert_eq!(
        device_poll(&simulator, device_code).await,
        (400, invalid.clone())
    );
    assert_eq!(device_poll(&simulator, "made-up").await, (400, invalid));
}

#[tokio::test]
async fn device_codes_expire_and_unknown_user_codes_are_404() {
    let simulator = common::simulator().await;
    let seller_id = seller(&simulator, "wygasly").await;
    sign_in(&simulator, &seller_id).await;
    let started = device_start(&simulator).await;
    let (status, _) = control(&simulator, "/device/nope/approve", json!({})).await;
    assert_eq!(status, 404);
    advance(&simulator, 3600).await;
    assert_auth_error(
        &device_poll(&simulator, started["device_code"].as_str().expect("code")).await,
        400,
        "invalid_request",
    );
}

#[tokio::test]
async fn device_auto_approval_happens_at_the_first_poll() {
    let simulator = common::simulator().await;
    let seller_id = seller(&simulator, "automat").await;
    sign_in(&simulator, &seller_id).await;
    let (status, _) = control(&simulator, "/device/auto-approve", json!({"enabled": true})).await;
    assert_eq!(status, 200);
    let started = device_start(&simulator).await;
    let device_code = started["device_code"].as_str().expect("code");
    assert_auth_error(
        &device_poll(&simulator, device_code).await,
        400,
        "authorization_pending",
    );
    let (status, tokens) = device_poll(&simulator, device_code).await;
    assert_eq!(status, 200, "{tokens}");
}

#[tokio::test]
async fn the_device_endpoint_needs_basic_auth_and_a_client_id() {
    let simulator = common::simulator().await;
    let url = format!("{}/auth/oauth/device", simulator.base_url);
    let response = common::client()
        .post(format!("{url}?client_id={CLIENT_ID}"))
        .send()
        .await
        .expect("device");
    assert_eq!(response.status(), 401);
    let response = common::client()
        .post(&url)
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .send()
        .await
        .expect("device");
    assert_auth_error(&status_json(response).await, 400, "invalid_request");
    let response = common::client()
        .post(&url)
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("client_id", CLIENT_ID), ("scope", "allegro:api:messaging")])
        .send()
        .await
        .expect("device");
    let (status, body) = status_json(response).await;
    assert_eq!(status, 200, "client_id in the form body works: {body}");
}

#[tokio::test]
async fn the_verification_page_approves_as_the_signed_in_seller() {
    let simulator = common::simulator().await;
    let seller_id = seller(&simulator, "strona").await;
    sign_in(&simulator, &seller_id).await;
    let started = device_start(&simulator).await;
    let page = common::client()
        .get(started["verification_uri_complete"].as_str().expect("uri"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let response = common::client()
        .post(started["verification_uri"].as_str().expect("uri"))
        .form(&[("code", started["user_code"].as_str().expect("code"))])
        .send()
        .await
        .expect("confirm");
    assert_eq!(response.status(), 200);
    let (status, _) = device_poll(&simulator, started["device_code"].as_str().expect("code")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn revoking_a_seller_kills_every_token() {
    let simulator = common::simulator().await;
    let (seller_id, tokens) = seller_with_tokens(&simulator, "odwolany", None).await;
    let (status, body) = control(
        &simulator,
        &format!("/sellers/{seller_id}/revoke"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["revoked"], 2);
    assert_eq!(
        api_get(&simulator, "/me", &access(&tokens)).await.status(),
        401
    );
    assert_auth_error(
        &refresh_with(&simulator, &refresh(&tokens)).await,
        400,
        "invalid_grant",
    );
    let (status, _) = control(&simulator, "/sellers/999/revoke", json!({})).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_control_api_lists_tokens() {
    let simulator = common::simulator().await;
    let (seller_id, tokens) = seller_with_tokens(&simulator, "lista", None).await;
    let listed: Value = common::client()
        .get(format!(
            "{}/__simulator/allegro/tokens?seller_id={seller_id}",
            simulator.base_url
        ))
        .send()
        .await
        .expect("tokens")
        .json()
        .await
        .expect("json");
    assert_eq!(listed["sellers"][&seller_id]["access_tokens"], 1);
    assert_eq!(listed["sellers"][&seller_id]["refresh_tokens"], 1);
    assert_eq!(
        listed["access_tokens"][0]["token"],
        access(&tokens).as_str()
    );
    assert_eq!(
        listed["refresh_tokens"][0]["token"],
        refresh(&tokens).as_str()
    );
}

#[tokio::test]
async fn control_bodies_are_validated() {
    let simulator = common::simulator().await;
    let (status, body) = control(&simulator, "/sellers", json!({"login": "a", "extra": 1})).await;
    assert_eq!(status, 422);
    assert!(
        body["error"].as_str().is_some_and(|e| e.contains("extra")),
        "{body}"
    );
    let (status, _) = control(&simulator, "/sellers", json!({"login": ""})).await;
    assert_eq!(status, 422);
    assert_eq!(
        control_status(&simulator, "/sellers", json!({"login": "dup"})).await,
        201
    );
    assert_eq!(
        control_status(&simulator, "/sellers", json!({"login": "dup"})).await,
        409
    );
    let (status, _) = control(&simulator, "/sellers/123/sign-in", json!({})).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn rest_calls_check_user_agent_token_and_accept() {
    let simulator = common::simulator().await;
    let (_, tokens) = seller_with_tokens(&simulator, "straznik", None).await;
    let url = format!("{}/me", simulator.base_url);
    let bare = reqwest::Client::new();

    let response = bare
        .get(&url)
        .bearer_auth(access(&tokens))
        .header("accept", PUBLIC)
        .send()
        .await
        .expect("no UA");
    let (status, body) = status_json(response).await;
    assert_eq!(status, 403);
    assert_eq!(body["errors"][0]["code"], "InvalidUserAgentException");

    let response = common::client()
        .get(&url)
        .header("accept", PUBLIC)
        .send()
        .await
        .expect("no token");
    assert!(response.headers().contains_key("trace-id"));
    assert_eq!(
        status_json(response).await,
        (
            401,
            json!({"error": "unauthorized", "error_description": "Full authentication is required to access this resource"})
        )
    );

    let (status, body) = api_get_json(&simulator, "/me", "garbage").await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"error": "invalid_token", "error_description": "Cannot convert access token to JSON"})
    );

    let response = common::client()
        .get(&url)
        .bearer_auth(access(&tokens))
        .header("accept", "application/vnd.allegro.beta.v1+json")
        .send()
        .await
        .expect("wrong accept");
    let (status, body) = status_json(response).await;
    assert_eq!(status, 406);
    assert_eq!(body["errors"][0]["code"], "NotAcceptableException");
}

#[tokio::test]
async fn a_client_id_over_the_minute_limit_gets_429_with_retry_after() {
    let simulator = common::simulator().await;
    let (_, tokens) = seller_with_tokens(&simulator, "limit", None).await;
    {
        let mut world = simulator.state.lock();
        let now = world.clock.now();
        world.allegro.accounts.rate.insert(
            CLIENT_ID.into(),
            RateWindow {
                window_start: Some(now),
                count: CLIENT_RATE_LIMIT,
                ..RateWindow::default()
            },
        );
    }
    let response = api_get(&simulator, "/me", &access(&tokens)).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "60");
    let (_, body) = status_json(response).await;
    assert_eq!(body["errors"][0]["code"], "TooManyRequestsException");
    assert_eq!(
        api_get(&simulator, "/me", &access(&tokens)).await.status(),
        429
    );
    advance(&simulator, 61).await;
    assert_eq!(
        api_get(&simulator, "/me", &access(&tokens)).await.status(),
        200
    );
}

/// Sends `body` with `method` to the control API (`/__simulator` + `path`) and reads the answer.
async fn control_call(
    simulator: &marketdesk_simulator::RunningSimulator,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request =
        common::client().request(method, format!("{}/__simulator{path}", simulator.base_url));
    if let Some(body) = body {
        request = request.json(&body);
    }
    status_json(request.send().await.expect("control call")).await
}

#[tokio::test]
async fn an_overrun_blocks_the_client_id_and_calls_while_blocked_prolong_it() {
    let simulator = common::simulator().await;
    let (_, tokens) = seller_with_tokens(&simulator, "budget", None).await;
    let (status, _) = control_call(
        &simulator,
        reqwest::Method::PUT,
        "/allegro/rate-limit",
        Some(json!({"per_minute": 0})),
    )
    .await;
    assert_eq!(status, 422, "a zero limit is refused");
    let (status, body) = control_call(
        &simulator,
        reqwest::Method::PUT,
        "/allegro/rate-limit",
        Some(json!({"per_minute": 3})),
    )
    .await;
    assert_eq!((status, body["per_minute"].as_u64()), (200, Some(3)));
    for _ in 0..3 {
        assert_eq!(
            api_get(&simulator, "/me", &access(&tokens)).await.status(),
            200
        );
    }
    let over = api_get(&simulator, "/me", &access(&tokens)).await;
    assert_eq!(over.status(), 429);
    assert_eq!(over.headers()["retry-after"], "60");
    advance(&simulator, 50).await;
    assert_eq!(
        api_get(&simulator, "/me", &access(&tokens)).await.status(),
        429,
        "still blocked, and this call starts the minute again"
    );
    advance(&simulator, 20).await;
    assert_eq!(
        api_get(&simulator, "/me", &access(&tokens)).await.status(),
        429,
        "70 s after the overrun, but only 20 s after the last call"
    );
    let (_, counts) = control_call(
        &simulator,
        reqwest::Method::GET,
        "/allegro/rate-limit",
        None,
    )
    .await;
    assert_eq!(counts["per_minute"], 3);
    assert_eq!(counts["block_seconds"], 60);
    let client = &counts["clients"][0];
    assert_eq!(client["client_id"], CLIENT_ID);
    assert_eq!(
        (&client["total"], &client["rejected"], &client["blocks"]),
        (&json!(6), &json!(3), &json!(1))
    );
    assert!(client["blocked_until"].is_string());
    advance(&simulator, 61).await;
    assert_eq!(
        api_get(&simulator, "/me", &access(&tokens)).await.status(),
        200
    );
    let (status, _) = control_call(
        &simulator,
        reqwest::Method::DELETE,
        "/allegro/rate-limit/counts",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (_, counts) = control_call(
        &simulator,
        reqwest::Method::GET,
        "/allegro/rate-limit",
        None,
    )
    .await;
    assert_eq!(counts["clients"], json!([]));
}
