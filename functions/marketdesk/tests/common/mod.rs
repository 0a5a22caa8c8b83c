//! Running the real `marketdesk` binary in tests.

#![allow(dead_code)]

use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub fn marketdesk() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_marketdesk"));
    command
        .env_remove("MARKETDESK_LISTEN")
        .env_remove("MARKETDESK_DATA_DIR")
        .env_remove("MARKETDESK_POLL_INTERVAL")
        .env_remove("MARKETDESK_SANDBOX_LISTEN");
    command
}

/// Makes the data directory at `data` (`--init`) with an admin key for `tenant`, and returns
/// the key.
pub fn admin_key(data: &std::path::Path, tenant: &str) -> String {
    let output = marketdesk()
        .args([
            "api-key", "create", "--init", "--tenant", tenant, "--role", "admin", "--data",
        ])
        .arg(data)
        .output()
        .expect("api-key create");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

pub fn http_get(port: u16, path: &str) -> Option<String> {
    http_get_with_key(port, path, None)
}

/// GET with `Authorization: Bearer <key>` when a key is given.
pub fn http_get_with_key(port: u16, path: &str, key: Option<&str>) -> Option<String> {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let authorization = key
        .map(|key| format!("Authorization: Bearer {key}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{authorization}\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

/// Posts a JSON body; the raw answer (status line, headers, body).
pub fn http_post_json(port: u16, path: &str, body: &str) -> Option<String> {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

pub fn wait_for_health(port: u16, child: &mut Child) -> String {
    wait_for(port, "/v1/health", child)
}

/// Polls `path` until the process answers it; panics after 20 s or if the process exits.
pub fn wait_for(port: u16, path: &str, child: &mut Child) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Some(answer) = http_get(port, path) {
            return answer;
        }
        assert!(
            child.try_wait().expect("wait").is_none(),
            "marketdesk exited early"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("marketdesk did not answer {path} within 20 s");
}

pub fn terminate(mut child: Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "marketdesk did not stop within 15 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `marketdesk serve` on `127.0.0.1:<port>` with its data in `data`, polling every
/// `poll_interval` (e.g. `"1s"`; the default when `None`), its output discarded; callers add
/// variables and spawn it.
pub fn serve_command(data: &std::path::Path, port: u16, poll_interval: Option<&str>) -> Command {
    let mut command = marketdesk();
    command
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(
            poll_interval
                .map(|interval| ["--poll-interval", interval])
                .into_iter()
                .flatten(),
        )
        .arg("--data")
        .arg(data)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

/// Points `command`'s Allegro channel at the simulator at `sandbox_url`, with the simulator's
/// application credentials.
pub fn allegro_simulator<'a>(command: &'a mut Command, sandbox_url: &str) -> &'a mut Command {
    command
        .env("MARKETDESK_ALLEGRO_CLIENT_ID", "sandbox-client-id")
        .env("MARKETDESK_ALLEGRO_CLIENT_SECRET", "sandbox-client-secret")
        .env("MARKETDESK_ALLEGRO_API_URL", sandbox_url)
        .env("MARKETDESK_ALLEGRO_AUTH_URL", sandbox_url)
}

/// An HTTP client that follows no redirects (the OAuth steps read them).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// `GET` of `url` on the API with `key`; the JSON answer.
pub async fn api_get(http: &reqwest::Client, url: &str, key: &str) -> serde_json::Value {
    http.get(url)
        .bearer_auth(key)
        .send()
        .await
        .unwrap_or_else(|error| panic!("GET {url}: {error}"))
        .json()
        .await
        .unwrap_or_else(|error| panic!("GET {url}: {error}"))
}

/// Creates an Allegro integration with `settings` through the API of the `serve` at `api`
/// and starts its browser flow against the simulator, whose signed-in seller approves: the
/// integration's id and the callback URL the browser is sent to (not yet visited).
pub async fn start_allegro_over_api(
    http: &reqwest::Client,
    api: &str,
    key: &str,
    settings: serde_json::Value,
) -> (String, String) {
    use serde_json::{json, Value};
    let created: Value = http
        .post(format!("{api}/v1/integrations"))
        .bearer_auth(key)
        .json(&json!({"kind": "allegro", "display_name": "Allegro", "environment": "sandbox", "settings": settings}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let id = created["id"]
        .as_str()
        .unwrap_or_else(|| panic!("integration: {created}"))
        .to_owned();
    let start: Value = http
        .post(format!("{api}/v1/integrations/{id}/oauth/start"))
        .bearer_auth(key)
        .send()
        .await
        .expect("oauth start")
        .json()
        .await
        .expect("json");
    let authorize = start["authorize_url"]
        .as_str()
        .unwrap_or_else(|| panic!("start: {start}"));
    let to_callback = http.get(authorize).send().await.expect("authorize");
    let callback = to_callback
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("redirect to the callback")
        .to_owned();
    (id, callback)
}

/// Creates an Allegro integration with `settings` through the API of the `serve` at `api` and
/// connects it through the browser flow against the simulator (whose signed-in seller
/// approves); the integration's id.
pub async fn connect_allegro_over_api(api: &str, key: &str, settings: serde_json::Value) -> String {
    let http = browser();
    let (id, callback) = start_allegro_over_api(&http, api, key, settings).await;
    let page = http.get(&callback).send().await.expect("callback");
    assert_eq!(page.status(), 200, "the callback connects the account");
    id
}
