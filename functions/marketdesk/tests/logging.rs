//! `marketdesk serve` logs to stderr (stdout stays free for output), as text, with colour
//! only when stderr is a terminal.

mod common;

use common::*;
use std::process::{Command, Stdio};

fn serve_briefly(data: &std::path::Path) -> (String, String) {
    let port = free_port();
    let (out, err) = (data.join("stdout.log"), data.join("stderr.log"));
    let mut child = marketdesk()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data.join("data"))
        .env("MARKETDESK_LOG", "info")
        .env_remove("MARKETDESK_LOG_FORMAT")
        .stdout(Stdio::from(
            std::fs::File::create(&out).expect("stdout file"),
        ))
        .stderr(Stdio::from(
            std::fs::File::create(&err).expect("stderr file"),
        ))
        .spawn()
        .expect("start marketdesk");
    wait_for_health(port, &mut child);
    assert!(terminate(child).success());
    (
        std::fs::read_to_string(out).expect("stdout"),
        std::fs::read_to_string(err).expect("stderr"),
    )
}

#[test]
fn serve_logs_text_to_stderr_without_colour_when_redirected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (stdout, stderr) = serve_briefly(dir.path());
    assert!(stdout.is_empty(), "logs on stdout:\n{stdout}");
    assert!(stderr.contains("INFO"), "{stderr}");
    assert!(stderr.contains("marketdesk is serving"), "{stderr}");
    assert!(
        !stderr.trim_start().starts_with('{'),
        "text, not JSON:\n{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "colour in a file:\n{stderr}");
}

#[test]
fn serve_colours_its_log_on_a_terminal() {
    // util-linux `script` gives the command a pseudo-terminal and copies what it writes.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED serve_colours_its_log_on_a_terminal: no `script` command");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let data = dir.path().join("data");
    let transcript = dir.path().join("terminal.log");
    let command = format!(
        "MARKETDESK_LOG=info timeout -s TERM 3 {} serve --listen 127.0.0.1:{port} --data {}",
        env!("CARGO_BIN_EXE_marketdesk"),
        data.display()
    );
    let status = Command::new("script")
        .args(["-q", "-e", "-c", &command])
        .arg(&transcript)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("script");
    assert!(status.code().is_some(), "{status}");
    let screen = std::fs::read_to_string(&transcript).expect("transcript");
    assert!(screen.contains("marketdesk is serving"), "{screen}");
    assert!(
        screen.contains("\u{1b}["),
        "no colour on a terminal:\n{screen}"
    );

    // stdout on the terminal, stderr into a file: the file gets the log, without colour.
    let port = free_port();
    let redirected = dir.path().join("stderr.log");
    let command = format!(
        "MARKETDESK_LOG=info timeout -s TERM 3 {} serve --listen 127.0.0.1:{port} --data {} 2>{}",
        env!("CARGO_BIN_EXE_marketdesk"),
        data.display(),
        redirected.display()
    );
    Command::new("script")
        .args(["-q", "-e", "-c", &command])
        .arg(dir.path().join("terminal-2.log"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("script");
    let logged = std::fs::read_to_string(&redirected).expect("stderr file");
    assert!(logged.contains("marketdesk is serving"), "{logged}");
    assert!(!logged.contains('\u{1b}'), "colour in a file:\n{logged}");
}
