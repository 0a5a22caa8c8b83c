//! The real `marketdesk serve`: wrong API keys are throttled per client address (the socket
//! peer), so a flood of guesses from one address is refused with 429 while other addresses,
//! and good keys from them, are served.

mod common;

use common::*;
use marketdesk_core::domain::Role;
use marketdesk_core::ports::SystemClock;
use marketdesk_core::services::api_keys;
use secrecy::ExposeSecret;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Instant;

/// An HTTP client whose connections come from `source` (any 127.x.y.z is loopback on Linux).
fn client_from(source: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(source.parse::<IpAddr>().expect("address"))
        .build()
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_wrong_keys_from_one_address_is_refused_with_429() {
    let data = tempfile::tempdir().expect("temp dir");
    let ports =
        marketdesk_local::LocalBackend::open(data.path(), Arc::new(SystemClock)).expect("backend");
    let good = api_keys::create_for_tenant(&ports, "acme", Role::Agent, None)
        .await
        .expect("key")
        .secret
        .expose_secret()
        .to_owned();
    drop(ports);

    let port = free_port();
    let mut child = marketdesk()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data")
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start marketdesk");
    wait_for_health(port, &mut child);
    let url = format!("http://127.0.0.1:{port}/v1/tickets");

    let attacker = client_from("127.0.0.1");
    let started = Instant::now();
    let mut statuses = BTreeMap::new();
    for i in 0..2000 {
        let answer = attacker
            .get(&url)
            .bearer_auth(format!("mdk_{i:0>43}"))
            .send()
            .await
            .expect("answer");
        *statuses.entry(answer.status().as_u16()).or_insert(0) += 1;
    }
    let elapsed = started.elapsed();
    eprintln!(
        "2000 wrong keys in {elapsed:?} ({:.0}/s): {statuses:?}",
        2000.0 / elapsed.as_secs_f64()
    );
    let heard = statuses.get(&401).copied().unwrap_or(0);
    assert!(
        (10..=10 + elapsed.as_secs() as usize / 6 + 1).contains(&heard),
        "the burst of 10 and the refills were heard, no more: {statuses:?}"
    );
    assert_eq!(statuses.get(&429).copied().unwrap_or(0), 2000 - heard);

    let refused = attacker
        .get(&url)
        .bearer_auth(&good)
        .send()
        .await
        .expect("answer");
    assert_eq!(refused.status(), 429, "the refused address is not heard");
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!((1..=6).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = refused.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "too_many_requests");

    let colleague = client_from("127.0.0.2");
    let answer = colleague
        .get(&url)
        .bearer_auth(&good)
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), 200, "another address is served");
    let answer = colleague
        .get(&url)
        .bearer_auth("mdk_wrong")
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), 401, "and has its own budget");

    let status = terminate(child);
    assert!(status.success(), "clean exit after SIGTERM, got {status}");
}
