//! `marketdesk backup` while `marketdesk serve` runs, `marketdesk restore`, and the data
//! version rules seen from the command line.

mod common;

use common::*;
use marketdesk_core::ports::{SecretName, SystemClock};
use marketdesk_local::{LocalBackend, DATABASE_FILE, SCHEMA_VERSION};
use secrecy::{ExposeSecret, SecretString};
use std::path::Path;
use std::process::{Child, Output};
use std::sync::Arc;

fn serve(data: &Path) -> (Child, u16) {
    let port = free_port();
    let mut child = serve_command(data, port, Some("1s"))
        .env_remove("MARKETDESK_SMTP_URL")
        .spawn()
        .expect("start marketdesk");
    let answer = wait_for_health(port, &mut child);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    (child, port)
}

fn run(args: &[&str], data: &Path) -> Output {
    marketdesk()
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .expect("run marketdesk")
}

fn new_key(data: &Path) -> String {
    let created = run(
        &["api-key", "create", "--tenant", "acme", "--role", "admin"],
        data,
    );
    assert!(created.status.success(), "{created:?}");
    String::from_utf8(created.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

fn authorised(port: u16, key: &str) -> bool {
    http_get_with_key(port, "/v1/integrations", Some(key))
        .is_some_and(|answer| answer.starts_with("HTTP/1.1 200"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_made_while_serving_restores_into_a_new_directory() {
    let root = tempfile::tempdir().expect("temp dir");
    let (data, restored) = (root.path().join("data"), root.path().join("restored"));
    let secret = SecretName::new("integrations/1/api-key").expect("name");
    {
        let ports = LocalBackend::open(&data, Arc::new(SystemClock)).expect("open");
        ports
            .secrets
            .put(&secret, &SecretString::from("mirakl-key-7"))
            .await
            .expect("secret");
    }
    let (server, port) = serve(&data);
    // Written by another process while serve runs, and read by serve.
    let key = new_key(&data);
    assert!(authorised(port, &key));

    let file = root.path().join("marketdesk-backup.sqlite");
    let made = run(&["backup", file.to_str().expect("path")], &data);
    assert!(made.status.success(), "{made:?}");
    assert!(String::from_utf8_lossy(&made.stderr).contains("with the secrets file"));
    assert!(authorised(port, &key), "serve still works after the backup");

    // Serve holds its directory: restoring over it is refused, even with --force.
    let refused = run(&["restore", file.to_str().expect("path"), "--force"], &data);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("in use by a running marketdesk serve"),
        "{refused:?}"
    );
    // So is a second serve.
    let second = marketdesk()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .output()
        .expect("second serve");
    assert!(!second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("in use"),
        "{second:?}"
    );
    assert!(terminate(server).success());

    let done = run(&["restore", file.to_str().expect("path")], &restored);
    assert!(done.status.success(), "{done:?}");
    let (server, port) = serve(&restored);
    assert!(
        authorised(port, &key),
        "the key made while serving is in the restored data"
    );
    assert!(terminate(server).success());
    let ports = LocalBackend::open(&restored, Arc::new(SystemClock)).expect("open");
    let value = ports
        .secrets
        .get(&secret)
        .await
        .expect("get")
        .expect("secret");
    assert_eq!(value.expose_secret(), "mirakl-key-7");

    // A directory with data needs --force.
    let refused = run(&["restore", file.to_str().expect("path")], &restored);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    let forced = run(
        &["restore", file.to_str().expect("path"), "--force"],
        &restored,
    );
    assert!(forced.status.success(), "{forced:?}");
}

#[test]
fn serve_refuses_data_from_a_newer_marketdesk_and_upgrades_older_data() {
    let root = tempfile::tempdir().expect("temp dir");
    let data = root.path().join("data");
    new_key_with_init(&data);
    let set_version = |version: i64| {
        rusqlite::Connection::open(data.join(DATABASE_FILE))
            .expect("open")
            .pragma_update(None, "user_version", version)
            .expect("set");
    };
    let version = || -> i64 {
        rusqlite::Connection::open(data.join(DATABASE_FILE))
            .expect("open")
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .expect("get")
    };

    set_version(SCHEMA_VERSION + 1);
    let refused = marketdesk()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .output()
        .expect("serve");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("newer marketdesk"), "{stderr}");
    assert!(
        stderr.contains(&format!("data version {}", SCHEMA_VERSION + 1)),
        "{stderr}"
    );
    assert_eq!(version(), SCHEMA_VERSION + 1, "left alone");

    set_version(0);
    let (server, _) = serve(&data);
    assert!(terminate(server).success());
    assert_eq!(version(), SCHEMA_VERSION, "upgraded on start");
}

fn new_key_with_init(data: &Path) {
    let created = run(
        &[
            "api-key", "create", "--init", "--tenant", "acme", "--role", "admin",
        ],
        data,
    );
    assert!(created.status.success(), "{created:?}");
}
