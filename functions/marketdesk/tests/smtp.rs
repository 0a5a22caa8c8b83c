//! E-mail from `marketdesk serve`: sent through an SMTP server when `MARKETDESK_SMTP_URL` is
//! set (checked against aiosmtpd, a real SMTP server from PyPI that scripts/install-tools puts
//! into .venv), recorded and listed by `marketdesk notifications` otherwise.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const USER_EMAIL: &str = "anna@example.com";
const SMTP_USER: &str = "desk";
/// Holds an '@' (percent-encoded in the URL) so the URL's credentials are really decoded.
const SMTP_PASSWORD: &str = "p@ss-word-8472";

/// The repository's .venv Python when it has aiosmtpd. Without it the test is skipped, except
/// under CI (`CI` set), where scripts/install-tools must have installed it.
fn python_with_aiosmtpd() -> Option<PathBuf> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let usable = std::process::Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|output| output.status.success());
    if usable {
        return Some(python);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "aiosmtpd is missing from .venv: run scripts/install-tools"
    );
    None
}

/// A running aiosmtpd; killed when dropped.
struct SmtpSink {
    child: Child,
    port: u16,
    out: PathBuf,
}

impl SmtpSink {
    fn start(python: &Path, dir: &Path) -> Self {
        let port = free_port();
        let out = dir.join("mails.jsonl");
        let mut child = std::process::Command::new(python)
            .args(["-W", "ignore"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink.py"))
            .args(["--port", &port.to_string(), "--user", SMTP_USER])
            .args(["--password", SMTP_PASSWORD])
            .arg("--out")
            .arg(&out)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the SMTP server");
        let mut ready = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut ready)
            .expect("read");
        assert_eq!(ready.trim(), "ready", "the SMTP server did not start");
        Self { child, port, out }
    }

    /// The messages accepted so far, as the sink wrote them.
    fn received(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A data directory with one admin who can ask for a password reset.
fn data_with_a_user() -> tempfile::TempDir {
    let data = tempfile::tempdir().expect("temp dir");
    let mut create = marketdesk()
        .args([
            "user", "create", "--init", "--tenant", "acme", "--email", USER_EMAIL,
        ])
        .args([
            "--name",
            "Anna Nowak",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .arg("--data")
        .arg(data.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("user create");
    writeln!(create.stdin.take().expect("stdin"), "correct horse battery").expect("password");
    assert!(create.wait().expect("wait").success());
    data
}

/// Starts serve on `data` with `smtp_url` (or none), asks for a password reset (an e-mail to
/// the user) and returns the running process with its log file.
fn serve_and_request_a_reset(data: &Path, smtp_url: Option<&str>) -> (Child, u16, PathBuf) {
    let port = free_port();
    let log_path = data.join("serve.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut command = marketdesk();
    command
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data")
        .arg(data)
        .env("MARKETDESK_LOG", "info")
        .env_remove("MARKETDESK_SMTP_URL")
        .env_remove("MARKETDESK_SMTP_FROM")
        .stdout(Stdio::from(log.try_clone().expect("log file")))
        .stderr(Stdio::from(log));
    if let Some(url) = smtp_url {
        command
            .env("MARKETDESK_SMTP_URL", url)
            .env("MARKETDESK_SMTP_FROM", "Marketdesk <desk@example.com>");
    }
    let mut child = command.spawn().expect("start marketdesk");
    wait_for_health(port, &mut child);
    let answer = http_post_json(
        port,
        "/v1/password-resets",
        &format!(r#"{{"email":"{USER_EMAIL}"}}"#),
    )
    .expect("answer");
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    (child, port, log_path)
}

#[test]
fn serve_sends_e_mail_through_the_smtp_server_and_never_logs_its_password() {
    let Some(python) = python_with_aiosmtpd() else {
        eprintln!("SKIPPED serve_sends_e_mail_through_the_smtp_server: no aiosmtpd in .venv");
        return;
    };
    let data = data_with_a_user();
    let sink = SmtpSink::start(&python, data.path());
    let url = format!(
        "smtp://{SMTP_USER}:p%40ss-word-8472@127.0.0.1:{}",
        sink.port
    );
    let (child, _, log_path) = serve_and_request_a_reset(data.path(), Some(&url));

    let deadline = Instant::now() + Duration::from_secs(20);
    let mails = loop {
        let mails = sink.received();
        if !mails.is_empty() || Instant::now() > deadline {
            break mails;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(mails.len(), 1, "one e-mail: {mails:?}");
    let mail = &mails[0];
    assert_eq!(mail["login"], SMTP_USER, "{mail}");
    assert_eq!(mail["mail_from"], "desk@example.com", "{mail}");
    assert_eq!(mail["rcpt_tos"], serde_json::json!([USER_EMAIL]), "{mail}");
    let text = mail["data"].as_str().expect("data");
    assert!(
        text.contains("From: Marketdesk <desk@example.com>"),
        "{text}"
    );
    assert!(text.contains(&format!("To: {USER_EMAIL}")), "{text}");
    assert!(text.contains("Subject: "), "{text}");
    assert!(text.contains("/password-resets/"), "the reset link: {text}");

    assert!(terminate(child).success());
    let logged = std::fs::read_to_string(&log_path).expect("log");
    assert!(logged.contains("notification sent by e-mail"), "{logged}");
    assert!(
        logged.contains(&format!("smtp://127.0.0.1:{}", sink.port)),
        "{logged}"
    );
    for secret in [SMTP_PASSWORD, "p%40ss-word-8472"] {
        assert!(
            !logged.contains(secret),
            "the password is logged:\n{logged}"
        );
    }
    // Sent, so not recorded as unsent.
    let listed = marketdesk()
        .args(["notifications", "--data"])
        .arg(data.path())
        .output()
        .expect("notifications");
    assert!(listed.status.success());
    assert!(listed.stdout.is_empty(), "{listed:?}");
}

#[test]
fn a_refused_login_fails_the_send_without_showing_the_password() {
    let Some(python) = python_with_aiosmtpd() else {
        eprintln!("SKIPPED a_refused_login_fails_the_send: no aiosmtpd in .venv");
        return;
    };
    let data = data_with_a_user();
    let sink = SmtpSink::start(&python, data.path());
    let url = format!("smtp://{SMTP_USER}:wrong-pass-5521@127.0.0.1:{}", sink.port);
    let (child, _, log_path) = serve_and_request_a_reset(data.path(), Some(&url));
    std::thread::sleep(Duration::from_millis(500));
    assert!(terminate(child).success());
    assert!(sink.received().is_empty());
    let logged = std::fs::read_to_string(&log_path).expect("log");
    assert!(!logged.contains("notification sent"), "{logged}");
    assert!(
        !logged.contains("wrong-pass-5521"),
        "the password is logged:\n{logged}"
    );
}

#[test]
fn without_smtp_e_mail_is_recorded_and_listed() {
    let data = data_with_a_user();
    let (child, _, log_path) = serve_and_request_a_reset(data.path(), None);
    assert!(terminate(child).success());
    let logged = std::fs::read_to_string(&log_path).expect("log");
    assert!(logged.contains("e-mail is recorded, not sent"), "{logged}");

    let listed = marketdesk()
        .args(["notifications", "--data"])
        .arg(data.path())
        .output()
        .expect("notifications");
    assert!(listed.status.success(), "{listed:?}");
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(text.contains(&format!("to {USER_EMAIL}")), "{text}");
    assert!(text.contains("Subject: "), "{text}");
    assert!(text.contains("/password-resets/"), "{text}");

    let missing = marketdesk()
        .args(["notifications", "--data"])
        .arg(data.path().join("no-such-dir"))
        .output()
        .expect("notifications");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no marketdesk data"));
}

#[test]
fn a_bad_smtp_url_stops_start_up_without_repeating_it() {
    let output = marketdesk()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("MARKETDESK_SMTP_URL", "smtp://desk:secret-7710@")
        .env("MARKETDESK_SMTP_FROM", "desk@example.com")
        .arg("--data")
        .arg(tempfile::tempdir().expect("dir").path())
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("MARKETDESK_SMTP_URL"), "{stderr}");
    assert!(!stderr.contains("secret-7710"), "{stderr}");
}
