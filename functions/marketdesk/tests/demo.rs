//! Issue 8 on the real binary: `marketdesk demo` sets everything up by itself, tickets for
//! both marketplaces appear, the agent's reply reaches the simulated Allegro, and a second run
//! on the same data continues with the same key and integrations.

mod common;

use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The start of the reply the demo's agent sends (src/demo/script.rs).
const AGENT_REPLY_START: &str = "Bardzo przepraszamy za pęknięty kubek.";

/// A running `marketdesk demo` and the lines it printed so far.
struct Demo {
    child: Option<Child>,
    lines: Arc<Mutex<Vec<String>>>,
    api: String,
    simulator: String,
    key: String,
}

impl Demo {
    /// Starts the demo on free ports with a fast timeline and waits for its key.
    fn start(data: &Path) -> Self {
        let mut child = marketdesk()
            .args([
                "demo",
                "--listen",
                "127.0.0.1:0",
                "--simulator-listen",
                "127.0.0.1:0",
                "--poll-interval",
                "1s",
                "--pace",
                "3",
                "--data",
            ])
            .arg(data)
            .env_remove("MARKETDESK_LOG")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("marketdesk demo");
        let stdout = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                eprintln!("demo | {line}");
                sink.lock().expect("lines").push(line);
            }
        });
        let mut demo = Self {
            child: Some(child),
            lines,
            api: String::new(),
            simulator: String::new(),
            key: String::new(),
        };
        let key_line = demo.wait_line("Admin API key", Duration::from_secs(20));
        demo.key = key_line
            .rsplit(' ')
            .next()
            .expect("a key at the end")
            .to_owned();
        assert!(demo.key.starts_with("mdk_"), "{key_line}");
        demo.api = url_after(&demo.line_with("API on"), "API on ");
        demo.simulator = url_after(&demo.line_with("simulator"), " on ");
        demo
    }

    fn output(&self) -> Vec<String> {
        self.lines.lock().expect("lines").clone()
    }

    fn line_with(&self, text: &str) -> String {
        self.output()
            .into_iter()
            .find(|line| line.contains(text))
            .unwrap_or_else(|| panic!("no line with {text:?}"))
    }

    /// Waits for a line containing `text`; panics if the demo exits or time runs out.
    fn wait_line(&mut self, text: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            if let Some(line) = self.output().into_iter().find(|l| l.contains(text)) {
                return line;
            }
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait().expect("wait") {
                    panic!("the demo exited ({status}) before printing {text:?}");
                }
            }
            assert!(
                Instant::now() < deadline,
                "no line with {text:?} within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    async fn get(&self, url: String, with_key: bool) -> Value {
        let mut request = reqwest::Client::new().get(&url);
        if with_key {
            request = request.bearer_auth(&self.key);
        }
        let response = request.send().await.expect("GET");
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        response.json().await.expect("json")
    }

    async fn tickets(&self, source: &str) -> Vec<Value> {
        let page = self
            .get(
                format!("{}/v1/tickets?source={source}&limit=100", self.api),
                true,
            )
            .await;
        page["tickets"].as_array().cloned().unwrap_or_default()
    }

    /// The delivery state of the agent's reply, as its ticket shows it (for failure messages).
    async fn agent_reply_delivery(&self) -> Value {
        let Some(line) = self
            .output()
            .into_iter()
            .find(|l| l.contains("an agent answers ticket "))
        else {
            return Value::String("the agent never answered".into());
        };
        let ticket = line
            .split("an agent answers ticket ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_default()
            .to_owned();
        let detail = self
            .get(format!("{}/v1/tickets/{ticket}", self.api), true)
            .await;
        detail["messages"]
            .as_array()
            .and_then(|messages| {
                messages.iter().find(|m| {
                    m["text"]
                        .as_str()
                        .is_some_and(|t| t.starts_with(AGENT_REPLY_START))
                })
            })
            .map(|m| m["delivery"].clone())
            .unwrap_or(Value::Null)
    }

    /// Stops the demo as Ctrl-C would and checks it ended cleanly.
    /// The printed web sign-in (e-mail, password); asserts it signs in and lists tickets.
    async fn sign_in(&mut self) -> (String, String) {
        let line = self.wait_line("Web workspace:", Duration::from_secs(5));
        let email = line
            .split(" as ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .expect("an e-mail in the line")
            .to_owned();
        let password = line.rsplit(' ').next().expect("a password").to_owned();
        assert!(line.contains(&format!("{}/", self.api)), "{line}");
        let http = reqwest::Client::new();
        let answer = http
            .post(format!("{}/v1/sessions", self.api))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .expect("sign in");
        assert_eq!(answer.status(), 201, "the printed sign-in works: {line}");
        let cookie = answer
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("a session cookie")
            .to_owned();
        let page = http
            .get(format!("{}/tickets", self.api))
            .header("cookie", cookie)
            .send()
            .await
            .expect("ticket list");
        assert_eq!(page.status(), 200);
        (email, password)
    }

    fn stop(&mut self) {
        let child = self.child.take().expect("running");
        let status = terminate(child);
        assert!(status.success(), "the demo stopped with {status}");
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn url_after(line: &str, marker: &str) -> String {
    let rest = &line[line.find(marker).expect("marker") + marker.len()..];
    rest.split_whitespace().next().expect("a URL").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_brings_tickets_from_both_marketplaces_and_delivers_a_reply() {
    let started = Instant::now();
    let data = tempfile::tempdir().expect("temp dir");
    let mut demo = Demo::start(data.path());

    demo.wait_line("ticket created: Allegro", Duration::from_secs(20));
    demo.wait_line("ticket created: EmpikPlace", Duration::from_secs(20));
    let allegro = demo.tickets("allegro").await;
    let empik = demo.tickets("empikplace").await;
    assert!(!allegro.is_empty(), "no Allegro tickets");
    assert!(!empik.is_empty(), "no EmpikPlace tickets");
    assert!(
        demo.output()
            .iter()
            .any(|l| l.contains("curl -H \"Authorization: Bearer") && l.contains(&demo.api)),
        "ready-to-paste curl commands with the real address and key"
    );

    // The agent's reply reaches the simulated Allegro, and the demo says so.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let posted = demo
            .get(
                format!("{}/__simulator/allegro/inbox/posted", demo.simulator),
                false,
            )
            .await;
        let delivered = posted["posted"].as_array().is_some_and(|all| {
            all.iter().any(|p| {
                p["text"]
                    .as_str()
                    .is_some_and(|t| t.starts_with(AGENT_REPLY_START))
            })
        });
        if delivered {
            break;
        }
        if Instant::now() >= deadline {
            let delivery = demo.agent_reply_delivery().await;
            panic!("the agent's reply never reached the simulator; its delivery: {delivery}; posted: {posted}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    demo.wait_line("reply delivered to", Duration::from_secs(5));
    demo.wait_line("autoresponse sent to", Duration::from_secs(5));
    demo.sign_in().await;

    demo.stop();
    assert!(demo.output().iter().any(|l| l.contains("stopped")));
    eprintln!("demo test took {} ms", started.elapsed().as_millis());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_the_same_data_continues_where_the_first_stopped() {
    let started = Instant::now();
    let data = tempfile::tempdir().expect("temp dir");
    let mut first = Demo::start(data.path());
    first.wait_line("ticket created: EmpikPlace", Duration::from_secs(20));
    let key = first.key.clone();
    let sign_in = first.sign_in().await;
    let integrations = first
        .get(format!("{}/v1/integrations", first.api), true)
        .await;
    let earlier: Vec<String> = first
        .get(format!("{}/v1/tickets?limit=100", first.api), true)
        .await["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .filter_map(|t| t["id"].as_str().map(str::to_owned))
        .collect();
    assert!(!earlier.is_empty());
    first.stop();
    drop(first);

    let mut second = Demo::start(data.path());
    assert_eq!(second.key, key, "the same admin key");
    assert_eq!(second.sign_in().await, sign_in, "the same web sign-in");
    assert!(second
        .line_with("Admin API key")
        .contains("from the previous run"));
    let kept = second.wait_line("Continuing:", Duration::from_secs(1));
    assert!(kept.contains("tickets from earlier runs"), "{kept}");
    let again = second
        .get(format!("{}/v1/integrations", second.api), true)
        .await;
    assert_eq!(
        again["integrations"].as_array().map(Vec::len),
        Some(2),
        "no second pair of integrations: {again}"
    );
    assert_eq!(
        ids(&again),
        ids(&integrations),
        "the first run's integrations"
    );
    for id in &earlier {
        second
            .get(format!("{}/v1/tickets/{id}", second.api), true)
            .await;
    }
    // The Allegro account connected again to the fresh simulator: new tickets appear.
    second.wait_line("ticket created: Allegro", Duration::from_secs(20));
    second.stop();
    eprintln!("second-run test took {} ms", started.elapsed().as_millis());
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list["integrations"]
        .as_array()
        .expect("integrations")
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}
