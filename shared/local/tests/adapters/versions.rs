use crate::manual_clock;
use marketdesk_core::ports::{Condition, Item, Key};
use marketdesk_local::{LocalBackend, LocalError, DATABASE_FILE, SCHEMA_VERSION};
use serde_json::json;

fn stored_version(data_dir: &std::path::Path) -> i64 {
    rusqlite::Connection::open(data_dir.join(DATABASE_FILE))
        .expect("open")
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("user_version")
}

fn set_version(data_dir: &std::path::Path, version: i64) {
    rusqlite::Connection::open(data_dir.join(DATABASE_FILE))
        .expect("open")
        .pragma_update(None, "user_version", version)
        .expect("set user_version");
}

#[tokio::test]
async fn a_new_data_directory_gets_this_binarys_version() {
    let root = tempfile::tempdir().expect("temp dir");
    LocalBackend::open(root.path(), manual_clock()).expect("open");
    assert_eq!(stored_version(root.path()), SCHEMA_VERSION);
}

#[tokio::test]
async fn an_older_data_directory_is_upgraded_and_keeps_its_data() {
    let root = tempfile::tempdir().expect("temp dir");
    let key = Key::new("TENANT#1", "META");
    {
        let ports = LocalBackend::open(root.path(), manual_clock()).expect("open");
        ports
            .store
            .put(
                Item::new(key.clone(), json!({"n": 1})),
                Condition::NotExists,
            )
            .await
            .expect("put");
    }
    // As marketdesk 0.1 left it: no data version kept.
    set_version(root.path(), 0);
    let ports = LocalBackend::open(root.path(), manual_clock()).expect("upgrade");
    assert_eq!(stored_version(root.path()), SCHEMA_VERSION);
    assert!(ports.store.get(&key).await.expect("get").is_some());
}

#[tokio::test]
async fn a_newer_data_directory_is_refused_and_left_alone() {
    let root = tempfile::tempdir().expect("temp dir");
    LocalBackend::open(root.path(), manual_clock()).expect("open");
    set_version(root.path(), SCHEMA_VERSION + 1);
    let Err(error) = LocalBackend::open(root.path(), manual_clock()) else {
        panic!("a newer data directory was opened");
    };
    assert!(
        matches!(error, LocalError::NewerData { found, supported, .. }
            if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("newer marketdesk"), "{message}");
    assert_eq!(stored_version(root.path()), SCHEMA_VERSION + 1);
}
