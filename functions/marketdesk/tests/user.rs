//! `marketdesk user create`: the first admin with a password from stdin, or an invitation link.

mod common;

use common::*;
use marketdesk_core::domain::Role;
use marketdesk_core::ports::SystemClock;
use marketdesk_core::services::people::sessions::{self, SignIn};
use marketdesk_core::services::people::users::{self, Acceptance};
use marketdesk_core::services::people::PeopleSettings;
use secrecy::SecretString;
use std::io::Write;
use std::process::Stdio;
use std::sync::Arc;

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

fn create(data: &std::path::Path, extra: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = marketdesk()
        .args(["user", "create", "--init", "--data"])
        .arg(data)
        .args(extra)
        .env_remove("MARKETDESK_PUBLIC_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("output")
}

async fn sign_in(ports: &marketdesk_core::ports::Ports, email: &str, password: &str) -> bool {
    sessions::sign_in(
        ports,
        &PeopleSettings::default(),
        SignIn {
            email: email.into(),
            password: secret(password),
        },
        None,
    )
    .await
    .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_admin_gets_a_password_from_stdin() {
    let data = tempfile::tempdir().expect("temp dir");
    let args = [
        "--tenant",
        "acme",
        "--email",
        "Boss@Example.com",
        "--name",
        "Anna Nowak",
        "--role",
        "admin",
        "--password-stdin",
    ];
    let output = create(data.path(), &args, Some("sekretne hasło 1\n"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        output.stdout.is_empty(),
        "nothing on stdout with a password"
    );
    assert!(!stderr.contains("sekretne"), "{stderr}");

    let short = create(
        data.path(),
        &[
            "--tenant",
            "acme",
            "--email",
            "x@example.com",
            "--name",
            "X",
            "--role",
            "agent",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("10 characters"));
    let twice = create(data.path(), &args, Some("sekretne hasło 1\n"));
    assert!(!twice.status.success(), "an address has one account");

    let ports =
        marketdesk_local::LocalBackend::open(data.path(), Arc::new(SystemClock)).expect("backend");
    assert!(sign_in(&ports, "boss@example.com", "sekretne hasło 1").await);
    let listed = users::list(&ports, &"acme".into()).await.expect("listed");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].role, listed[0].name.as_str()),
        (Role::Admin, "Anna Nowak")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_password_an_invitation_link_is_printed() {
    let data = tempfile::tempdir().expect("temp dir");
    let output = create(
        data.path(),
        &[
            "--tenant",
            "acme",
            "--email",
            "boss@example.com",
            "--name",
            "Anna",
            "--role",
            "admin",
            "--language",
            "en",
        ],
        None,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let link = stdout.trim_end();
    assert_eq!(stdout.lines().count(), 1, "only the link on stdout");
    assert!(
        link.starts_with("http://127.0.0.1:3000/invitations/mdi_"),
        "{link}"
    );

    let ports =
        marketdesk_local::LocalBackend::open(data.path(), Arc::new(SystemClock)).expect("backend");
    assert!(!sign_in(&ports, "boss@example.com", "hasło z zaproszenia").await);
    let token = secret(link.rsplit('/').next().expect("token"));
    users::accept_invitation(
        &ports,
        &token,
        Acceptance {
            name: "Anna Nowak".into(),
            password: secret("hasło z zaproszenia"),
        },
    )
    .await
    .expect("the printed link works");
    assert!(sign_in(&ports, "boss@example.com", "hasło z zaproszenia").await);
}
