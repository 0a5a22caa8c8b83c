use crate::manual_clock;
use marketdesk_core::ports::{Condition, Item, Key, SecretName};
use marketdesk_local::{
    backup, restore, BackupError, LocalBackend, ServeLock, DATABASE_FILE, SCHEMA_VERSION,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

/// A data directory with one item and one secret.
async fn seeded(dir: &std::path::Path) -> (Key, SecretName) {
    let ports = LocalBackend::open(dir, manual_clock()).expect("open");
    let key = Key::new("TENANT#1", "META");
    ports
        .store
        .put(
            Item::new(key.clone(), json!({"name": "Sklep"})),
            Condition::NotExists,
        )
        .await
        .expect("put");
    let secret = SecretName::new("integrations/1/api-key").expect("name");
    ports
        .secrets
        .put(&secret, &SecretString::from("mirakl-key-1"))
        .await
        .expect("put secret");
    (key, secret)
}

#[tokio::test]
async fn a_backup_restores_the_database_and_the_secrets_into_an_empty_directory() {
    let root = tempfile::tempdir().expect("temp dir");
    let (source, target) = (root.path().join("source"), root.path().join("target"));
    let (key, secret) = seeded(&source).await;
    let file = root.path().join("backup.mdk");
    let made = backup(&source, &file).expect("backup");
    assert!(made.secrets);
    assert_eq!(made.data_version, SCHEMA_VERSION);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the backup holds secrets");
    }
    // A second backup never overwrites the first.
    assert!(matches!(
        backup(&source, &file),
        Err(BackupError::Exists(_))
    ));

    restore(&file, &target, false).expect("restore");
    let ports = LocalBackend::open(&target, manual_clock()).expect("open restored");
    assert!(ports.store.get(&key).await.expect("get").is_some());
    let value = ports
        .secrets
        .get(&secret)
        .await
        .expect("get")
        .expect("secret");
    assert_eq!(value.expose_secret(), "mirakl-key-1");
}

#[tokio::test]
async fn restore_refuses_a_directory_with_data_unless_forced() {
    let root = tempfile::tempdir().expect("temp dir");
    let (source, target) = (root.path().join("source"), root.path().join("target"));
    let (key, _) = seeded(&source).await;
    let file = root.path().join("backup.mdk");
    backup(&source, &file).expect("backup");
    let other = Key::new("TENANT#2", "META");
    {
        let ports = LocalBackend::open(&target, manual_clock()).expect("open");
        ports
            .store
            .put(Item::new(other.clone(), json!({})), Condition::NotExists)
            .await
            .expect("put");
    }
    let refused = restore(&file, &target, false).expect_err("not empty");
    assert!(refused.to_string().contains("--force"), "{refused}");
    // Nothing changed.
    let ports = LocalBackend::open(&target, manual_clock()).expect("open");
    assert!(ports.store.get(&other).await.expect("get").is_some());
    drop(ports);

    restore(&file, &target, true).expect("forced");
    let ports = LocalBackend::open(&target, manual_clock()).expect("open");
    assert!(ports.store.get(&key).await.expect("get").is_some());
    assert!(
        ports.store.get(&other).await.expect("get").is_none(),
        "replaced"
    );
}

#[tokio::test]
async fn restore_refuses_a_directory_a_server_holds_even_when_forced() {
    let root = tempfile::tempdir().expect("temp dir");
    let (source, target) = (root.path().join("source"), root.path().join("target"));
    seeded(&source).await;
    let file = root.path().join("backup.mdk");
    backup(&source, &file).expect("backup");
    std::fs::create_dir_all(&target).expect("dir");
    let held = ServeLock::acquire(&target).expect("lock");
    let refused = restore(&file, &target, true).expect_err("in use");
    assert!(refused.to_string().contains("in use"), "{refused}");
    assert!(!target.join(DATABASE_FILE).exists());
    drop(held);
    restore(&file, &target, false).expect("free again");
}

#[tokio::test]
async fn restore_refuses_what_is_not_a_backup_or_is_newer() {
    let root = tempfile::tempdir().expect("temp dir");
    let source = root.path().join("source");
    seeded(&source).await;
    // The database itself is not a backup.
    let refused = restore(&source.join(DATABASE_FILE), &root.path().join("t1"), false)
        .expect_err("not a backup");
    assert!(
        matches!(refused, BackupError::NotABackup { .. }),
        "{refused:?}"
    );

    let file = root.path().join("backup.mdk");
    backup(&source, &file).expect("backup");
    rusqlite::Connection::open(&file)
        .expect("open")
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("set");
    let refused = restore(&file, &root.path().join("t2"), false).expect_err("newer");
    assert!(matches!(refused, BackupError::Newer { .. }), "{refused:?}");
    assert!(!root.path().join("t2").join(DATABASE_FILE).exists());
}
