//! Issue 15 item 6 on the real binary: `marketdesk serve` killed with SIGKILL in the middle of
//! a job; started again, the job is taken up within about 30 s (the visibility timeout the
//! heartbeat kept extending while the job ran), and its work is done once.
//!
//! The job is a webhook delivery (the test endpoint's ping) to a receiver in this test that
//! holds the first request open, so the process is certainly mid-job when it is killed.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A webhook receiver: holds the first request open (never answers it), answers 200 after.
struct Receiver {
    port: u16,
    /// When each request arrived.
    requests: Arc<Mutex<Vec<Instant>>>,
}

impl Receiver {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buffer = [0u8; 65536];
                let _ = stream.read(&mut buffer);
                let first = {
                    let mut seen = seen.lock().expect("lock");
                    seen.push(Instant::now());
                    seen.len() == 1
                };
                if first {
                    held.push(stream);
                } else {
                    let _ = stream.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                }
            }
        });
        Self { port, requests }
    }

    fn count(&self) -> usize {
        self.requests.lock().expect("lock").len()
    }

    fn at(&self, n: usize) -> Option<Instant> {
        self.requests.lock().expect("lock").get(n).copied()
    }
}

fn serve(data: &std::path::Path, port: u16) -> Child {
    let mut child = serve_command(data, port, None)
        .env("MARKETDESK_WEBHOOKS_ALLOW_PRIVATE", "true")
        .spawn()
        .expect("serve");
    wait_for_health(port, &mut child);
    child
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_cut_short_by_kill_9_resumes_within_30_s_and_completes_once() {
    let data = tempfile::tempdir().expect("temp dir");
    let key = admin_key(data.path(), "sklep");
    let receiver = Receiver::start();

    let port = free_port();
    let mut child = serve(data.path(), port);
    let http = reqwest::Client::new();
    let api = format!("http://127.0.0.1:{port}");
    let created: Value = http
        .post(format!("{api}/v1/webhooks"))
        .bearer_auth(&key)
        .json(&json!({"url": format!("http://127.0.0.1:{}/hook", receiver.port), "events": ["ticket.created"]}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let webhook = created["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let test = http
        .post(format!("{api}/v1/webhooks/{webhook}/test"))
        .bearer_auth(&key)
        .send()
        .await
        .expect("test");
    assert_eq!(test.status(), 202);

    // The job is under way (its POST is held open): kill the process without warning.
    let deadline = Instant::now() + Duration::from_secs(20);
    while receiver.count() == 0 {
        assert!(Instant::now() < deadline, "the ping was never sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let killed = Instant::now();

    let port = free_port();
    let child = serve(data.path(), port);
    let deadline = killed + Duration::from_secs(45);
    while receiver.count() < 2 {
        assert!(
            Instant::now() < deadline,
            "the job was not taken up again within 45 s of the kill"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let resumed = receiver.at(1).expect("second request") - killed;
    eprintln!(
        "kill -9 mid-job → job done again after {} ms",
        resumed.as_millis()
    );
    assert!(
        resumed <= Duration::from_secs(35),
        "resumed after {resumed:?}, more than the 30 s visibility timeout allows"
    );

    // Done once: one recorded attempt, delivered, and no further request.
    let api = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let log = loop {
        let log: Value = http
            .get(format!("{api}/v1/webhooks/{webhook}/deliveries"))
            .bearer_auth(&key)
            .send()
            .await
            .expect("deliveries")
            .json()
            .await
            .expect("json");
        if log["deliveries"][0]["state"] == "delivered" || Instant::now() > deadline {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let deliveries = log["deliveries"].as_array().expect("deliveries");
    assert_eq!(deliveries.len(), 1, "{log}");
    assert_eq!(deliveries[0]["state"], "delivered", "{log}");
    assert_eq!(
        deliveries[0]["attempts"].as_array().map(Vec::len),
        Some(1),
        "{log}"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(receiver.count(), 2, "nothing sent again after it was done");
    assert!(terminate(child).success());
}
