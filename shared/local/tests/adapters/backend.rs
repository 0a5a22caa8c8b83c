use crate::manual_clock;
use marketdesk_core::ports::{Condition, Item, Key, Notification, Queue, SecretName};
use marketdesk_local::{LocalBackend, LocalError, DATABASE_FILE, MAX_RECEIVES};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn open_wires_every_port_on_one_directory() {
    let root = tempfile::tempdir().expect("temp dir");
    let data_dir = root.path().join("data");
    let ports = LocalBackend::open(&data_dir, manual_clock()).expect("open");
    assert!(data_dir.join(DATABASE_FILE).is_file());
    assert!(data_dir.join("secrets").is_dir());

    let key = Key::new("TENANT#1", "META");
    ports
        .store
        .put(
            Item::new(key.clone(), json!({"name": "Sklep"})),
            Condition::NotExists,
        )
        .await
        .expect("put");
    ports
        .queues
        .poll_jobs
        .send("poll", Duration::ZERO)
        .await
        .expect("send");
    assert!(ports
        .queues
        .inbound
        .receive(10, Duration::from_secs(30))
        .await
        .expect("receive")
        .is_empty());
    let secret = SecretName::new("integrations/1/tokens").expect("name");
    ports
        .secrets
        .put(&secret, &SecretString::from("token"))
        .await
        .expect("put secret");
    drop(ports);

    // Everything is still there after reopening.
    let backend = LocalBackend::build(&data_dir, manual_clock()).expect("reopen");
    let ports = backend.ports();
    assert!(ports.store.get(&key).await.expect("get").is_some());
    let job = ports
        .queues
        .poll_jobs
        .receive(10, Duration::from_secs(30))
        .await
        .expect("receive");
    assert_eq!(job[0].body, "poll");
    let token = ports
        .secrets
        .get(&secret)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(token.expose_secret(), "token");
    ports
        .notifier
        .notify(&Notification {
            to: vec!["ops@example.com".into()],
            subject: "Hello".into(),
            body: String::new(),
        })
        .await
        .expect("notify");
    assert_eq!(
        backend.notifier.recorded().await.expect("recorded").len(),
        1
    );
}

#[tokio::test]
async fn work_queues_dead_letter_after_five_receives() {
    let root = tempfile::tempdir().expect("temp dir");
    let clock = manual_clock();
    let backend = LocalBackend::build(root.path(), clock.clone()).expect("open");
    for queue in [&backend.poll_jobs, &backend.inbound, &backend.outbound] {
        let dlq = queue.dead_letter_queue().expect("dlq");
        assert_eq!(dlq.name(), format!("{}-dlq", queue.name()));
        queue.send("poison", Duration::ZERO).await.expect("send");
        for _ in 0..MAX_RECEIVES {
            assert_eq!(
                queue
                    .receive(1, Duration::ZERO)
                    .await
                    .expect("receive")
                    .len(),
                1
            );
        }
        assert!(queue
            .receive(1, Duration::ZERO)
            .await
            .expect("receive")
            .is_empty());
        assert_eq!(
            dlq.receive(1, Duration::ZERO).await.expect("receive").len(),
            1
        );
    }
    let names =
        [&backend.poll_jobs, &backend.inbound, &backend.outbound].map(|q| q.name().to_owned());
    assert_eq!(names, ["poll-jobs", "inbound", "outbound"]);
}

#[test]
fn errors_name_the_path() {
    let root = tempfile::tempdir().expect("temp dir");
    let not_a_dir = root.path().join("file");
    std::fs::write(&not_a_dir, "x").expect("write");
    let Err(err) = LocalBackend::open(&not_a_dir, manual_clock()) else {
        panic!("a file, not a directory");
    };
    assert!(matches!(err, LocalError::Directory { .. }), "got {err:?}");
    assert!(
        err.to_string().contains(&not_a_dir.display().to_string()),
        "{err}"
    );

    let blocked = root.path().join("blocked");
    std::fs::create_dir(&blocked).expect("mkdir");
    std::fs::create_dir(blocked.join(DATABASE_FILE)).expect("a directory where the file goes");
    let Err(err) = LocalBackend::open(&blocked, manual_clock()) else {
        panic!("database is a directory");
    };
    assert!(matches!(err, LocalError::Database { .. }), "got {err:?}");
    assert!(err.to_string().contains(DATABASE_FILE), "{err}");
}

/// The permission bits of a path.
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn the_data_directory_and_every_file_in_it_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().expect("temp dir");
    let data_dir = root.path().join("data");
    let check = |data_dir: &std::path::Path| {
        let mut seen = Vec::new();
        for dir in [data_dir.to_path_buf(), data_dir.join("secrets")] {
            assert_eq!(mode(&dir), marketdesk_local::DIR_MODE, "{}", dir.display());
            for entry in std::fs::read_dir(&dir).expect("read dir") {
                let path = entry.expect("entry").path();
                if path.is_file() {
                    assert_eq!(
                        mode(&path),
                        marketdesk_local::FILE_MODE,
                        "{}",
                        path.display()
                    );
                    seen.push(
                        path.file_name()
                            .expect("name")
                            .to_string_lossy()
                            .into_owned(),
                    );
                }
            }
        }
        seen.sort();
        seen
    };

    let ports = LocalBackend::open(&data_dir, manual_clock()).expect("open");
    ports
        .store
        .put(
            Item::new(Key::new("TENANT#1", "META"), json!({"buyer": "Ola Nowak"})),
            Condition::NotExists,
        )
        .await
        .expect("put");
    let secret = SecretName::new("integrations/1/tokens").expect("name");
    ports
        .secrets
        .put(&secret, &SecretString::from("token"))
        .await
        .expect("put secret");
    let files = check(&data_dir);
    for name in [
        DATABASE_FILE.to_owned(),
        format!("{DATABASE_FILE}-wal"),
        format!("{DATABASE_FILE}-shm"),
        marketdesk_local::SECRETS_FILE.to_owned(),
    ] {
        assert!(files.contains(&name), "{name} not in {files:?}");
    }
    drop(ports);

    // A data directory made by an older version (0755, files 0644) is tightened on open.
    std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for name in &files {
        for dir in [data_dir.clone(), data_dir.join("secrets")] {
            let path = dir.join(name);
            if path.is_file() {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
                    .expect("chmod");
            }
        }
    }
    let _ports = LocalBackend::open(&data_dir, manual_clock()).expect("reopen");
    check(&data_dir);
}
