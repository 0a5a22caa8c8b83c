//! `marketdesk reindex`: runs the backfill on a data directory and says what it wrote; bad
//! options and a directory without marketdesk data are refused.

mod common;

use common::*;

#[test]
fn reindex_runs_on_a_data_directory_and_refuses_bad_options() {
    let data = tempfile::tempdir().expect("temp dir");
    let missing = marketdesk()
        .args(["reindex", "--tenant", "acme", "--data"])
        .arg(data.path())
        .output()
        .expect("run");
    assert!(!missing.status.success(), "no database there yet");
    admin_key(data.path(), "acme");

    let run = |tenant: &str| {
        marketdesk()
            .args(["reindex", "--tenant", tenant, "--data"])
            .arg(data.path())
            .output()
            .expect("run")
    };
    let done = run("acme");
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{stderr}");
    assert!(
        stderr.contains("reindexed tenant acme") && stderr.contains("0 tickets, 0 customers"),
        "{stderr}"
    );
    assert!(run("acme").status.success(), "a second run is fine");
    let bad = run("no spaces allowed");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--tenant"));
}
