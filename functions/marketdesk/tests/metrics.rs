//! Issue 19: `marketdesk serve` serves Prometheus metrics on its own address
//! (MARKETDESK_METRICS_LISTEN) behind its own token, and the counters move when an EmpikPlace
//! conversation becomes a ticket.

mod common;

use common::*;
use marketdesk_sandbox::RunningSandbox;
use marketdesk_testkit::SimulatorControl;
use serde_json::json;
use std::time::{Duration, Instant};

const TOKEN: &str = "scrape-token-for-tests";

async fn scrape(port: u16, token: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(format!("http://127.0.0.1:{port}/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("scrape");
    let status = response.status().as_u16();
    (status, response.text().await.expect("text"))
}

/// The value of the series `name{labels}` in a Prometheus text answer.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_move_when_a_conversation_becomes_a_ticket() {
    let sandbox = RunningSandbox::start_local().await.expect("sandbox");
    let control = SimulatorControl::new(&sandbox.base_url);
    let data = tempfile::tempdir().expect("temp dir");
    let key = admin_key(data.path(), "sklep");

    let (port, metrics_port) = (free_port(), free_port());
    let mut child = serve_command(data.path(), port, Some("1s"))
        .env("MARKETDESK_EMPIK_API_URL", &sandbox.base_url)
        .env(
            "MARKETDESK_METRICS_LISTEN",
            format!("127.0.0.1:{metrics_port}"),
        )
        .env("MARKETDESK_METRICS_TOKEN", TOKEN)
        .spawn()
        .expect("serve");
    wait_for_health(port, &mut child);

    // Off the API's authentication, behind its own token.
    let (status, _) = scrape(metrics_port, None).await;
    assert_eq!(status, 401);
    let (status, _) = scrape(metrics_port, Some("mdk_not-the-token")).await;
    assert_eq!(status, 401);
    let (status, before) = scrape(metrics_port, Some(TOKEN)).await;
    assert_eq!(status, 200);
    let created = r#"marketdesk_tickets_created_total{channel="empik_threads"}"#;
    assert_eq!(value(&before, created), None, "{before}");
    // The API does not serve it.
    assert!(!http_get(port, "/metrics")
        .unwrap_or_default()
        .contains("marketdesk_"));

    let shop = control
        .mirakl_shop(json!({"name": "Sklep", "api_key": "empik-key-1"}))
        .await;
    let customer = control.mirakl_customer("Ewa", "Lis").await;
    let integration = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/v1/integrations"))
        .bearer_auth(&key)
        .json(&json!({"kind": "empikplace", "display_name": "Sklep", "api_key": "empik-key-1"}))
        .send()
        .await
        .expect("create integration");
    assert_eq!(
        integration.status().as_u16(),
        201,
        "{:?}",
        integration.text().await
    );
    control
        .post(
            "/mirakl/threads",
            json!({"shop_id": shop["shop_id"], "customer_id": customer["customer_id"],
               "topic": {"type": "FREE_TEXT", "value": "Kiedy wysyłka?"},
               "body": "Dzień dobry, kiedy wyślecie paczkę?"}),
        )
        .await;

    let deadline = Instant::now() + Duration::from_secs(30);
    let text = loop {
        let (_, text) = scrape(metrics_port, Some(TOKEN)).await;
        if value(&text, created) == Some(1.0) {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "no ticket counted within 30 s:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let channel = r#"{channel="empik_threads"}"#;
    assert_eq!(
        value(
            &text,
            &format!("marketdesk_conversations_ingested_total{channel}")
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            &format!("marketdesk_messages_ingested_total{channel}")
        ),
        Some(1.0)
    );
    assert!(
        text.contains(r#"marketdesk_queue_age_seconds_count{queue="inbound"}"#),
        "{text}"
    );
    assert!(
        text.contains("# TYPE marketdesk_conversations_ingested_total counter"),
        "{text}"
    );

    // The one-minute tick's gauges: the shop is polled every second, so its lag is small.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, text) = scrape(metrics_port, Some(TOKEN)).await;
        let lag = value(&text, &format!("marketdesk_poll_lag_seconds{channel}"));
        if let Some(lag) = lag {
            assert!(lag < 30.0, "lag {lag}");
            assert_eq!(
                value(&text, "marketdesk_integrations_disconnected"),
                Some(0.0)
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no poll lag within 10 s:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(terminate(child).success());
}

#[test]
fn a_bad_metrics_address_stops_serve_with_the_variable_named() {
    let data = tempfile::tempdir().expect("temp dir");
    let output = marketdesk()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{}", free_port()),
            "--data",
        ])
        .arg(data.path())
        .env("MARKETDESK_METRICS_LISTEN", "everywhere")
        .output()
        .expect("serve");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("MARKETDESK_METRICS_LISTEN"), "{stderr}");
}
