//! `marketdesk api-key create`: prints a working key on stdout, stores it hashed, creates the tenant.

mod common;

use common::*;
use marketdesk_core::domain::Role;
use marketdesk_core::ports::SystemClock;
use marketdesk_core::repo::tenants;
use marketdesk_core::services::api_keys;
use secrecy::SecretString;
use std::io::{Read, Write};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

/// `api-key create --init` on `data` (a fresh temporary directory has no database yet).
fn create(data: &std::path::Path, extra: &[&str]) -> std::process::Output {
    marketdesk()
        .args(["api-key", "create", "--init", "--data"])
        .arg(data)
        .args(extra)
        .output()
        .expect("run")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_prints_a_key_that_authenticates_and_makes_the_tenant() {
    let data = tempfile::tempdir().expect("temp dir");
    let output = create(
        data.path(),
        &["--tenant", "acme", "--role", "admin", "--name", "ops"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let key = stdout.trim_end_matches('\n');
    assert_eq!(
        stdout.lines().count(),
        1,
        "only the key on stdout: {stdout:?}"
    );
    assert!(key.starts_with("mdk_") && key.len() == 47, "{key}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("acme") && !stderr.contains(key), "{stderr}");

    let second = create(data.path(), &["--tenant", "acme", "--role", "agent"]);
    assert!(
        second.status.success(),
        "an existing tenant gets another key"
    );
    let agent_key = String::from_utf8(second.stdout).expect("utf-8");
    assert_ne!(agent_key.trim(), key);

    let ports =
        marketdesk_local::LocalBackend::open(data.path(), Arc::new(SystemClock)).expect("backend");
    let caller = api_keys::authenticate(&ports, &SecretString::from(key.to_owned()))
        .await
        .expect("store answers")
        .expect("the printed key authenticates");
    assert_eq!(caller.tenant_id.as_str(), "acme");
    assert_eq!(caller.role, Role::Admin);
    assert_eq!(caller.key_name.as_deref(), Some("ops"));
    let agent = api_keys::authenticate(&ports, &SecretString::from(agent_key.trim().to_owned()))
        .await
        .expect("store answers")
        .expect("the agent key authenticates");
    assert_eq!(agent.role, Role::Agent);
    assert!(tenants::get(&*ports.store, &"acme".into())
        .await
        .expect("store answers")
        .is_some());
}

#[test]
fn bad_options_are_refused_naming_the_option() {
    let data = tempfile::tempdir().expect("temp dir");
    for (args, expected) in [
        (vec!["--tenant", "acme", "--role", "boss"], "--role"),
        (vec!["--tenant", "a/b", "--role", "agent"], "--tenant"),
        (vec!["--tenant", "", "--role", "agent"], "--tenant"),
        (vec!["--role", "agent"], "--tenant"),
        (
            vec!["--tenant", "acme", "--role", "agent", "--name", " "],
            "--name",
        ),
    ] {
        let output = create(data.path(), &args);
        assert!(!output.status.success(), "{args:?}");
        assert!(output.stdout.is_empty(), "no key printed for {args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn a_directory_without_marketdesk_data_is_refused_unless_init() {
    let root = tempfile::tempdir().expect("temp dir");
    let served = root.path().join("data");
    marketdesk_local::LocalBackend::open(&served, Arc::new(SystemClock)).expect("serve's data");
    for typo in [root.path().join("dta"), root.path().to_path_buf()] {
        let output = marketdesk()
            .args([
                "api-key", "create", "--tenant", "acme", "--role", "admin", "--data",
            ])
            .arg(&typo)
            .output()
            .expect("run");
        assert!(!output.status.success(), "{}", typo.display());
        assert!(output.stdout.is_empty(), "no key printed");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&typo.display().to_string()) && stderr.contains("--init"),
            "{stderr}"
        );
        assert!(
            !typo.join(marketdesk_local::DATABASE_FILE).exists(),
            "nothing created in {}",
            typo.display()
        );
    }
    assert!(!root.path().join("dta").exists(), "no directory created");

    let existing = marketdesk()
        .args([
            "api-key", "create", "--tenant", "acme", "--role", "admin", "--data",
        ])
        .arg(&served)
        .output()
        .expect("run");
    assert!(
        existing.status.success(),
        "serve's directory works without --init"
    );
}

#[test]
fn help_shows_the_options() {
    let output = marketdesk()
        .args(["api-key", "create", "--help"])
        .output()
        .expect("run");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "--tenant",
        "--role",
        "--name",
        "--data",
        "--init",
        "admin",
        "agent",
        "MARKETDESK_DATA_DIR",
    ] {
        assert!(help.contains(expected), "help lacks {expected}:\n{help}");
    }
}

/// A GET with a bearer key against the running server; the status code.
fn get_status(port: u16, path: &str, key: &str) -> Option<u16> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn the_key_opens_the_api_of_marketdesk_serve() {
    let data = tempfile::tempdir().expect("temp dir");
    let output = create(data.path(), &["--tenant", "acme", "--role", "agent"]);
    assert!(output.status.success());
    let key = String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();

    let port = free_port();
    let mut child = marketdesk()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_for_health(port, &mut child);
    let with_key = get_status(port, "/v1/tickets", &key);
    let wrong_key = get_status(port, "/v1/tickets", "mdk_wrong");
    let agent_on_admin = get_status(port, "/v1/integrations", &key);
    let status = terminate(child);
    assert!(status.success());
    assert_eq!(with_key, Some(200));
    assert_eq!(wrong_key, Some(401));
    assert_eq!(agent_on_admin, Some(403));
}
