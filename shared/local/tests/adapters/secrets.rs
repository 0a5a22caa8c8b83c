use marketdesk_core::ports::{SecretName, Secrets};
use marketdesk_local::{FileSecrets, SECRETS_FILE};
use secrecy::{ExposeSecret, SecretString};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

fn name(s: &str) -> SecretName {
    SecretName::new(s).expect("valid name")
}

#[tokio::test]
async fn the_file_is_private_and_written_atomically() {
    let root = tempfile::tempdir().expect("temp dir");
    let dir = root.path().join("secrets");
    let secrets = FileSecrets::open(&dir).expect("open");
    assert_eq!(mode(&dir), 0o700);
    for value in ["first", "second"] {
        secrets
            .put(
                &name("integrations/t1/i1/tokens"),
                &SecretString::from(value),
            )
            .await
            .expect("put");
        assert_eq!(mode(&dir.join(SECRETS_FILE)), 0o600);
    }
    let entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(entries, [SECRETS_FILE], "no temporary file left behind");
    assert!(!format!("{secrets:?}").contains("second"));
}

#[tokio::test]
async fn secrets_survive_reopening_and_loose_permissions_are_tightened() {
    let root = tempfile::tempdir().expect("temp dir");
    let dir = root.path().join("secrets");
    FileSecrets::open(&dir)
        .expect("open")
        .put(&name("a"), &SecretString::from("kept"))
        .await
        .expect("put");
    let file = dir.join(SECRETS_FILE);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let secrets = FileSecrets::open(&dir).expect("reopen");
    assert_eq!((mode(&dir), mode(&file)), (0o700, 0o600));
    let got = secrets
        .get(&name("a"))
        .await
        .expect("get")
        .expect("present");
    assert_eq!(got.expose_secret(), "kept");
}

#[tokio::test]
async fn errors_never_quote_the_file() {
    let root = tempfile::tempdir().expect("temp dir");
    let dir = root.path().join("secrets");
    let secrets = FileSecrets::open(&dir).expect("open");
    for content in [
        "\"leaked-value\"",
        "{\"a\": [\"leaked-value\"]}",
        "{\"a\": \"leaked-value\"",
    ] {
        std::fs::write(dir.join(SECRETS_FILE), content).expect("write");
        let err = secrets.get(&name("a")).await.expect_err("unreadable file");
        let message = err.to_string();
        assert!(message.contains(SECRETS_FILE), "{message}");
        assert!(!message.contains("leaked-value"), "{message}");
    }
}

/// A poll job reads one account's tokens: with many accounts stored, reads must not re-read
/// and re-parse the whole file each time (issue 15: O(N) per job, O(N²) per round).
#[tokio::test]
async fn reads_parse_the_file_once_until_it_changes() {
    let root = tempfile::tempdir().expect("temp dir");
    let dir = root.path().join("secrets");
    let secrets = FileSecrets::open(&dir).expect("open");
    for i in 0..50 {
        secrets
            .put(
                &name(&format!("integrations/t1/i{i}/tokens")),
                &SecretString::from(format!("v{i}")),
            )
            .await
            .expect("put");
    }
    let parses_after_writes = secrets.parses();
    for round in 0..10 {
        for i in 0..50 {
            let got = secrets
                .get(&name(&format!("integrations/t1/i{i}/tokens")))
                .await
                .expect("get")
                .expect("present");
            assert_eq!(got.expose_secret(), format!("v{i}"), "round {round}");
        }
    }
    assert_eq!(
        secrets.parses(),
        parses_after_writes,
        "500 reads of an unchanged file parse nothing"
    );
    assert!(
        parses_after_writes <= 1,
        "writes keep the cache: {parses_after_writes}"
    );

    // Another process (a second `marketdesk` on the same data, an operator) rewrites it.
    std::fs::write(
        dir.join(SECRETS_FILE),
        r#"{"integrations/t1/i0/tokens": "changed elsewhere"}"#,
    )
    .expect("write");
    let got = secrets
        .get(&name("integrations/t1/i0/tokens"))
        .await
        .expect("get")
        .expect("present");
    assert_eq!(got.expose_secret(), "changed elsewhere");
    assert!(secrets
        .get(&name("integrations/t1/i1/tokens"))
        .await
        .expect("get")
        .is_none());
    // A second instance sees the first one's writes.
    let other = FileSecrets::open(&dir).expect("open again");
    other
        .put(&name("b"), &SecretString::from("from the other"))
        .await
        .expect("put");
    let got = secrets
        .get(&name("b"))
        .await
        .expect("get")
        .expect("present");
    assert_eq!(got.expose_secret(), "from the other");
    assert_eq!(
        secrets
            .get(&name("integrations/t1/i0/tokens"))
            .await
            .expect("get")
            .expect("kept")
            .expose_secret(),
        "changed elsewhere"
    );
}
