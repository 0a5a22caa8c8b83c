//! Failed-authentication throttling: past its budget of wrong keys an address answers 429
//! with `Retry-After`, other addresses and good keys elsewhere are unaffected.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use common::*;
use marketdesk_core::domain::Role;
use marketdesk_http::{AuthThrottle, ClientAddr};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// A GET of the ticket list from `peer` (the socket address) with `key`.
fn from(peer: &str, key: &str) -> Request<Body> {
    let mut request = Request::get("/v1/tickets")
        .header("authorization", format!("Bearer {key}"))
        .body(Body::empty())
        .expect("request");
    let addr: SocketAddr = peer.parse().expect("socket address");
    request.extensions_mut().insert(ConnectInfo(addr));
    request
}

fn wrong_key(i: usize) -> String {
    format!("mdk_{:0>43}", i)
}

#[tokio::test]
async fn two_thousand_wrong_keys_from_one_address_are_mostly_refused_with_429() {
    let api = Api::new();
    let started = Instant::now();
    let mut statuses = std::collections::BTreeMap::new();
    let mut retry_after = None;
    for i in 0..2000 {
        let answer = api.send(from("198.51.100.20:40000", &wrong_key(i))).await;
        if answer.status == 429 {
            assert_eq!(answer.code(), "too_many_requests");
            retry_after = answer
                .headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
        }
        *statuses.entry(answer.status.as_u16()).or_insert(0) += 1;
    }
    let elapsed = started.elapsed();
    eprintln!("2000 wrong keys in {elapsed:?}: {statuses:?}");
    let throttle = AuthThrottle::default();
    let allowed = throttle.burst() as usize
        + (elapsed.as_secs_f64() / throttle.refill().as_secs_f64()).ceil() as usize;
    assert!(
        statuses.get(&401).copied().unwrap_or(0) <= allowed,
        "at most the burst and the refills were heard: {statuses:?}"
    );
    assert!(statuses.get(&429).copied().unwrap_or(0) >= 2000 - allowed);
    let retry_after = retry_after.expect("Retry-After in seconds");
    assert!(
        (1..=throttle.refill().as_secs()).contains(&retry_after),
        "{retry_after}"
    );
}

#[tokio::test]
async fn the_budget_is_per_address_refills_and_good_keys_do_not_count() {
    let api = Api::with_state(|state| {
        state.with_auth_throttle(AuthThrottle::new(3, Duration::from_millis(400), 100))
    });
    let good = api.key("t1", Role::Agent).await;
    let (a, b) = ("203.0.113.1:5000", "203.0.113.2:5000");

    // Good keys neither count nor wait.
    for _ in 0..20 {
        assert_eq!(api.send(from(a, &good)).await.status, 200);
    }
    for i in 0..3 {
        assert_eq!(api.send(from(a, &wrong_key(i))).await.status, 401);
    }
    let refused = api.send(from(a, &wrong_key(3))).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.code(), "too_many_requests");
    assert_eq!(
        refused.headers.get("retry-after").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    // A refused address is not heard at all, good key or not: guessing cannot go on.
    assert_eq!(api.send(from(a, &good)).await.status, 429);
    // Another port of the same host is the same client; another host is not.
    assert_eq!(api.send(from("203.0.113.1:6000", &good)).await.status, 429);
    assert_eq!(api.send(from(b, &good)).await.status, 200);
    assert_eq!(api.send(from(b, &wrong_key(9))).await.status, 401);

    // The address the server names (API Gateway's sourceIp on AWS) wins over the socket's.
    let mut request = from(b, &good);
    request
        .extensions_mut()
        .insert(ClientAddr("203.0.113.1".parse::<IpAddr>().expect("ip")));
    assert_eq!(api.send(request).await.status, 429);

    // One refill later one more try is heard.
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(api.send(from(a, &good)).await.status, 200);
    assert_eq!(api.send(from(a, &wrong_key(4))).await.status, 401);
    assert_eq!(api.send(from(a, &wrong_key(5))).await.status, 429);
}
