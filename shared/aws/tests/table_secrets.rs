//! Secrets sealed in the table under a KMS data key (DynamoDB Local + moto's KMS and Secrets
//! Manager): round trip, tampering and another key refused with a clear error that carries no
//! value, one data key per table, and the move out of Secrets Manager (on read and in bulk).

use marketdesk_testkit::aws as emulators;

use marketdesk_aws::SecretsManagerSecrets;
use marketdesk_core::ports::{Condition, Item, Key, SecretName, Secrets, Store};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

fn name(label: &str) -> SecretName {
    SecretName::new(format!("integrations/t1/{label}/oauth-tokens")).expect("valid")
}

fn item_key(name: &SecretName) -> Key {
    Key::new(format!("SECRET#{name}"), "SECRET")
}

/// A new table and KMS key, or `None` to skip.
async fn fresh() -> Option<(Arc<dyn Store>, String)> {
    let store = emulators::fresh_dynamo_store().await?;
    let key = emulators::kms_key().await?;
    Some((store, key))
}

#[tokio::test]
async fn values_are_sealed_in_the_table_and_read_back_by_another_cold_start() {
    let Some((store, key)) = fresh().await else {
        eprintln!("SKIPPED table secrets round trip: emulators not configured");
        return;
    };
    let secrets = emulators::table_secrets(store.clone(), &key, None)
        .await
        .expect("configured");
    let n = name("round-trip");
    let value = "refresh-token-3f9a1c";
    secrets
        .put(&n, &SecretString::from(value))
        .await
        .expect("put");

    let raw = store.get(&item_key(&n)).await.expect("get").expect("item");
    assert!(
        !raw.data.to_string().contains(value),
        "stored encrypted: {}",
        raw.data
    );
    let data_key = store
        .get(&Key::new("DATAKEY#secrets", "DATAKEY"))
        .await
        .expect("get")
        .expect("the data key is stored, wrapped");

    // A second process (cold start) unwraps the same data key and reads the value.
    let other = emulators::table_secrets(store.clone(), &key, None)
        .await
        .expect("configured");
    let got = other.get(&n).await.expect("get").expect("present");
    assert_eq!(got.expose_secret(), value);
    other
        .put(&n, &SecretString::from("rotated"))
        .await
        .expect("rotate");
    assert_eq!(
        secrets
            .get(&n)
            .await
            .expect("get")
            .expect("present")
            .expose_secret(),
        "rotated"
    );
    let after = store
        .get(&Key::new("DATAKEY#secrets", "DATAKEY"))
        .await
        .expect("get")
        .expect("still there");
    assert_eq!(
        after.data, data_key.data,
        "one data key per table, made once"
    );
    assert!(!format!("{secrets:?}").contains(value));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cold_starts_agree_on_one_data_key() {
    let Some((store, key)) = fresh().await else {
        eprintln!("SKIPPED table secrets cold starts: emulators not configured");
        return;
    };
    let mut tasks = Vec::new();
    for i in 0..4 {
        let secrets = emulators::table_secrets(store.clone(), &key, None)
            .await
            .expect("configured");
        tasks.push(tokio::spawn(async move {
            let n = name(&format!("racer-{i}"));
            secrets
                .put(&n, &SecretString::from(format!("value-{i}")))
                .await
                .map(|()| n)
        }));
    }
    let reader = emulators::table_secrets(store.clone(), &key, None)
        .await
        .expect("configured");
    for (i, task) in tasks.into_iter().enumerate() {
        let n = task.await.expect("task").expect("put");
        let got = reader
            .get(&n)
            .await
            .expect("every value opens with the one key");
        assert_eq!(got.expect("present").expose_secret(), format!("value-{i}"));
    }
}

#[tokio::test]
async fn a_changed_or_moved_ciphertext_and_another_kms_key_fail_clearly() {
    let Some((store, key)) = fresh().await else {
        eprintln!("SKIPPED table secrets tampering: emulators not configured");
        return;
    };
    let secrets = emulators::table_secrets(store.clone(), &key, None)
        .await
        .expect("configured");
    let (a, b) = (name("tamper-a"), name("tamper-b"));
    let value = "api-key-7d41e0";
    secrets
        .put(&a, &SecretString::from(value))
        .await
        .expect("put");
    secrets
        .put(&b, &SecretString::from("other"))
        .await
        .expect("put");
    let stored = store.get(&item_key(&a)).await.expect("get").expect("item");

    // One bit of the ciphertext changed.
    let mut changed = stored.data.clone();
    let ct = changed["ct"].as_str().expect("ct").to_owned();
    let flipped = if ct.starts_with('A') {
        ct.replacen('A', "B", 1)
    } else {
        format!("A{}", &ct[1..])
    };
    changed["ct"] = serde_json::Value::String(flipped);
    store
        .put(Item::new(item_key(&a), changed), Condition::None)
        .await
        .expect("tamper");
    let err = secrets.get(&a).await.expect_err("a changed ciphertext");
    assert!(err.to_string().contains("cannot be decrypted"), "{err}");
    assert!(
        err.to_string().contains(a.as_str()),
        "names the secret: {err}"
    );

    // A's ciphertext copied onto B: B does not answer A's value.
    store
        .put(
            Item::new(item_key(&b), stored.data.clone()),
            Condition::None,
        )
        .await
        .expect("move");
    let err = secrets.get(&b).await.expect_err("a moved ciphertext");
    assert!(err.to_string().contains("another item"), "{err}");

    // The same table read with another KMS key: the data key does not unwrap.
    store
        .put(
            Item::new(item_key(&a), stored.data.clone()),
            Condition::None,
        )
        .await
        .expect("restore");
    let other_key = emulators::kms_key().await.expect("configured");
    let wrong = emulators::table_secrets(store.clone(), &other_key, None)
        .await
        .expect("configured");
    let err = wrong.get(&a).await.expect_err("another KMS key");
    assert!(err.to_string().contains("another KMS key"), "{err}");

    for text in [err.to_string(), format!("{err:?}"), format!("{wrong:?}")] {
        assert!(!text.contains(value), "no secret in {text}");
    }
    assert_eq!(
        secrets
            .get(&a)
            .await
            .expect("get")
            .expect("present")
            .expose_secret(),
        value,
        "the untouched value still opens"
    );
}

#[tokio::test]
async fn secrets_manager_secrets_move_into_the_table_once() {
    let Some((store, key)) = fresh().await else {
        eprintln!("SKIPPED table secrets migration: emulators not configured");
        return;
    };
    let moto = emulators::sdk_config(&emulators::endpoint(emulators::MOTO_VAR).expect("set")).await;
    let prefix = format!("marketdesk/migrate-{}", uuid::Uuid::new_v4().simple());
    let legacy = SecretsManagerSecrets::new(aws_sdk_secretsmanager::Client::new(&moto), &prefix);
    let (old1, old2, newer, on_read) = (name("m1"), name("m2"), name("m3"), name("m4"));
    for (n, v) in [
        (&old1, "old-1"),
        (&old2, "old-2"),
        (&newer, "stale"),
        (&on_read, "read-me"),
    ] {
        legacy
            .put(n, &SecretString::from(v))
            .await
            .expect("legacy put");
    }
    let secrets = emulators::table_secrets(store.clone(), &key, Some(&prefix))
        .await
        .expect("configured");
    // Written since the deployment: the table's value is newer than Secrets Manager's.
    secrets
        .put(&newer, &SecretString::from("fresh"))
        .await
        .expect("put");

    // On first read: found in Secrets Manager, written to the table, then deleted there.
    let got = secrets
        .get(&on_read)
        .await
        .expect("get")
        .expect("found in Secrets Manager");
    assert_eq!(got.expose_secret(), "read-me");
    assert!(store.get(&item_key(&on_read)).await.expect("get").is_some());
    assert!(
        legacy.get(&on_read).await.expect("get").is_none(),
        "deleted after the write"
    );

    let report = secrets.migrate_all().await.expect("migrate");
    assert_eq!(
        (report.moved, report.already_in_table),
        (2, 1),
        "{report:?}"
    );
    assert!(
        legacy.list().await.expect("list").is_empty(),
        "nothing left in Secrets Manager"
    );
    for (n, v) in [
        (&old1, "old-1"),
        (&old2, "old-2"),
        (&newer, "fresh"),
        (&on_read, "read-me"),
    ] {
        let got = secrets.get(n).await.expect("get").expect("present");
        assert_eq!(got.expose_secret(), v, "{n}");
    }

    let again = secrets.migrate_all().await.expect("second run");
    assert_eq!(
        (again.moved, again.already_in_table),
        (0, 0),
        "a second run does nothing"
    );

    // Deleting removes the name for good: no copy comes back from Secrets Manager.
    legacy
        .put(&old1, &SecretString::from("left-over"))
        .await
        .expect("legacy put");
    secrets.delete(&old1).await.expect("delete");
    assert!(secrets.get(&old1).await.expect("get").is_none());
}
