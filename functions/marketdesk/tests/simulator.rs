//! The real `marketdesk simulator` process: serves the simulator and stops cleanly.

mod common;

use common::*;
use std::process::Stdio;

#[test]
fn serves_the_simulator_and_stops_on_sigterm() {
    let port = free_port();
    let mut child = marketdesk()
        .args(["simulator", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start marketdesk simulator");
    let answer = wait_for(port, "/__simulator/clock", &mut child);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"now\""), "{answer}");
    let removed = http_get(port, "/sale/disputes").expect("answer");
    assert!(removed.starts_with("HTTP/1.1 404"), "{removed}");
    let status = terminate(child);
    assert!(status.success(), "clean exit after SIGTERM, got {status}");
}

#[test]
fn refuses_a_bad_listen_variable() {
    let output = marketdesk()
        .arg("simulator")
        .env("MARKETDESK_SIMULATOR_LISTEN", "port 80 please")
        .output()
        .expect("run");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("MARKETDESK_SIMULATOR_LISTEN"));
}

/// The subcommand's deprecated old name, kept as an alias for old scripts.
const DEPRECATED_COMMAND: &str = "sandbox";

#[test]
fn the_deprecated_command_and_listen_variable_still_serve_the_simulator() {
    let port = free_port();
    let mut child = marketdesk()
        .arg(DEPRECATED_COMMAND)
        .env(
            DEPRECATED_SIMULATOR_LISTEN_VARIABLE,
            format!("127.0.0.1:{port}"),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start marketdesk under the old command name");
    let answer = wait_for(port, "/__simulator/clock", &mut child);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let status = terminate(child);
    assert!(status.success(), "clean exit after SIGTERM, got {status}");
}
