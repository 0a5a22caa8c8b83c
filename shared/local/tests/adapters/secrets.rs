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
