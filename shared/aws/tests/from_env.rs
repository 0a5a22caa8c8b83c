//! `AwsBackend::from_env` end to end: the production wiring, pointed at the emulators only
//! through the standard `AWS_ENDPOINT_URL_<SERVICE>` variables.
//!
//! Its own test binary with a single test, because it sets process environment variables
//! (done before any runtime thread starts).

use marketdesk_testkit::aws as emulators;

use emulators::{endpoint, DYNAMODB_VAR, MOTO_VAR};
use marketdesk_aws::{create_table, AwsBackend};
use marketdesk_core::conformance::queue::MAX_RECEIVES;
use marketdesk_core::ports::{Condition, Item, Key, Notification, SecretName, SystemClock};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

#[test]
fn from_env_builds_every_port_from_the_standard_variables() {
    let (Some(ddb), Some(moto)) = (endpoint(DYNAMODB_VAR), endpoint(MOTO_VAR)) else {
        eprintln!("SKIPPED from_env_builds_every_port_from_the_standard_variables: emulators not configured");
        return;
    };
    let id = uuid::Uuid::new_v4().simple().to_string();
    let table = format!("marketdesk-env-{id}");
    let sender = format!("desk-{id}@marketdesk.example.com");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    // Resources first, with explicit test clients.
    let queue_urls = runtime.block_on(async {
        let ddb_client = emulators::dynamodb_client().await.expect("configured");
        create_table(&ddb_client, &table)
            .await
            .expect("create table");
        let sqs = emulators::sqs_client().await.expect("configured");
        let mut urls = Vec::new();
        for _ in 0..4 {
            urls.push(
                emulators::create_queue_pair(&sqs, "conf", MAX_RECEIVES)
                    .await
                    .0,
            );
        }
        aws_sdk_sesv2::Client::new(&emulators::sdk_config(&moto).await)
            .create_email_identity()
            .email_identity(&sender)
            .send()
            .await
            .expect("verify the sender");
        let kms_key = emulators::kms_key().await.expect("configured");
        (urls, table, kms_key)
    });
    let (queue_urls, table, kms_key) = (queue_urls.0, queue_urls.1, queue_urls.2);

    // Only standard variables from here on: what Lambda (or scripts) would set.
    for (name, value) in [
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_CONFIG_FILE", "/nonexistent/aws-config"),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        ),
        ("AWS_ENDPOINT_URL_DYNAMODB", ddb.as_str()),
        ("AWS_ENDPOINT_URL_SQS", moto.as_str()),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto.as_str()),
        ("AWS_ENDPOINT_URL_SESV2", moto.as_str()),
        ("AWS_ENDPOINT_URL_KMS", moto.as_str()),
        ("MARKETDESK_SECRETS_KEY_ID", kms_key.as_str()),
        ("MARKETDESK_TABLE_NAME", table.as_str()),
        ("MARKETDESK_POLL_JOBS_QUEUE_URL", queue_urls[0].as_str()),
        ("MARKETDESK_INBOUND_QUEUE_URL", queue_urls[1].as_str()),
        ("MARKETDESK_OUTBOUND_QUEUE_URL", queue_urls[2].as_str()),
        ("MARKETDESK_WEBHOOKS_QUEUE_URL", queue_urls[3].as_str()),
        ("MARKETDESK_SECRETS_PREFIX", &format!("marketdesk/env-{id}")),
        ("MARKETDESK_NOTIFY_FROM", sender.as_str()),
    ] {
        std::env::set_var(name, value);
    }
    std::env::remove_var("AWS_ENDPOINT_URL");
    std::env::remove_var("AWS_PROFILE");

    runtime.block_on(async {
        let ports = AwsBackend::from_env(Arc::new(SystemClock))
            .await
            .expect("from_env");
        let key = Key::new(format!("ENV#{id}"), "ITEM");
        ports
            .store
            .put(
                Item::new(key.clone(), json!({"ok": true})),
                Condition::NotExists,
            )
            .await
            .expect("store put");
        let item = ports.store.get(&key).await.expect("store get");
        assert_eq!(item.map(|i| i.data), Some(json!({"ok": true})));

        for queue in [
            &ports.queues.poll_jobs,
            &ports.queues.inbound,
            &ports.queues.outbound,
            &ports.queues.webhooks,
        ] {
            queue
                .send("{\"job\":1}", Duration::ZERO)
                .await
                .expect("send");
            let got = queue
                .receive(10, Duration::from_secs(30))
                .await
                .expect("receive");
            assert_eq!(got.len(), 1, "each port has its own queue");
            queue.delete(&got[0].receipt).await.expect("delete");
        }

        let name = SecretName::new("integrations/t/i/tokens").expect("valid");
        ports
            .secrets
            .put(&name, &SecretString::from("v1"))
            .await
            .expect("secret put");
        let got = ports.secrets.get(&name).await.expect("secret get");
        assert_eq!(got.as_ref().map(|s| s.expose_secret()), Some("v1"));
        // With MARKETDESK_SECRETS_KEY_ID the value is sealed in the table, not in Secrets Manager.
        let sealed = ports
            .store
            .get(&Key::new("SECRET#integrations/t/i/tokens", "SECRET"))
            .await
            .expect("store get")
            .expect("the secret's item");
        assert!(
            sealed.data.get("ct").is_some(),
            "{:?}",
            sealed.data.get("v")
        );

        ports
            .notifier
            .notify(&Notification {
                to: vec!["seller@example.com".into()],
                subject: "from_env".into(),
                body: "ok".into(),
            })
            .await
            .expect("notify");
    });
}
