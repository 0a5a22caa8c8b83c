//! Adapter behaviour beyond the conformance suite: SES, the table schema, error mapping and the
//! backend wiring, against DynamoDB Local and moto (skipped without them, see `marketdesk_testkit::aws`).

use marketdesk_testkit::aws as emulators;

use aws_sdk_dynamodb::types::{ProjectionType, TimeToLiveStatus};
use emulators::{endpoint, sdk_config, MOTO_VAR};
use marketdesk_aws::{
    create_table, AwsBackend, AwsSettings, DynamoStore, SchemaError, SecretsManagerSecrets,
    SesNotifier, SqsQueue,
};
use marketdesk_core::conformance::queue::MAX_RECEIVES;
use marketdesk_core::ports::{
    Key, Notification, Notifier, NotifyError, Queue, QueueError, SecretName, Secrets, Store,
    StoreError, SystemClock,
};
use secrecy::{ExposeSecret, SecretString};
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

fn unique(label: &str) -> String {
    format!("{label}-{}", uuid::Uuid::new_v4().simple())
}

/// `GET <endpoint><path>` over plain HTTP/1.0 (moto's inspection API); the response body.
fn http_get(endpoint: &str, path: &str) -> String {
    let authority = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(authority).expect("connect to moto");
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .expect("send request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    let (head, body) = response.split_once("\r\n\r\n").expect("HTTP response");
    assert!(
        head.starts_with("HTTP/1.") && head.contains(" 200 "),
        "{head}"
    );
    body.to_owned()
}

fn notification(to: &str, subject: &str) -> Notification {
    Notification {
        to: vec![to.to_owned()],
        subject: subject.to_owned(),
        body: "Odpowiedź automatyczna została wysłana.\nZażółć gęślą jaźń.".to_owned(),
    }
}

#[tokio::test]
async fn ses_sends_from_a_verified_sender_only() {
    let Some(moto) = endpoint(MOTO_VAR) else {
        eprintln!("SKIPPED ses_sends_from_a_verified_sender_only: moto not configured");
        return;
    };
    let client = aws_sdk_sesv2::Client::new(&sdk_config(&moto).await);
    let sender = format!("{}@marketdesk.example.com", unique("desk"));
    client
        .create_email_identity()
        .email_identity(&sender)
        .send()
        .await
        .expect("verify the sender identity");

    let subject = unique("Autoresponse sent");
    SesNotifier::new(client.clone(), &sender)
        .notify(&notification("seller@example.com", &subject))
        .await
        .expect("send from a verified sender");
    let state = http_get(&moto, "/moto-api/data.json");
    assert!(state.contains(&subject), "moto recorded the message");

    let unverified = SesNotifier::new(
        client.clone(),
        format!("{}@unverified.example.org", unique("nobody")),
    );
    let err = unverified
        .notify(&notification("seller@example.com", "Hello"))
        .await
        .expect_err("unverified sender");
    assert!(matches!(err, NotifyError::Invalid(_)), "got {err:?}");
    assert!(err.to_string().contains("MessageRejected"), "{err}");

    let notifier = SesNotifier::new(client, &sender);
    for bad in [
        Notification {
            to: Vec::new(),
            ..notification("x@example.com", "No recipient")
        },
        notification("not-an-address", "Bad recipient"),
        notification("seller@example.com", "  "),
    ] {
        let err = notifier
            .notify(&bad)
            .await
            .expect_err("invalid notification");
        assert!(matches!(err, NotifyError::Invalid(_)), "got {err:?}");
    }
}

#[tokio::test]
async fn schema_matches_the_template_and_refuses_a_second_create() {
    let Some(client) = emulators::dynamodb_client().await else {
        eprintln!("SKIPPED schema_matches_the_template: DynamoDB Local not configured");
        return;
    };
    let table = unique("marketdesk-schema");
    create_table(&client, &table).await.expect("create");
    let described = client
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .expect("describe")
        .table
        .expect("table description");
    let keys: Vec<&str> = described
        .key_schema()
        .iter()
        .map(|k| k.attribute_name())
        .collect();
    assert_eq!(keys, ["PK", "SK"]);
    let mut indexes: Vec<(String, Vec<String>, Option<ProjectionType>)> = described
        .global_secondary_indexes()
        .iter()
        .map(|index| {
            (
                index.index_name().unwrap_or_default().to_owned(),
                index
                    .key_schema()
                    .iter()
                    .map(|k| k.attribute_name().to_owned())
                    .collect(),
                index
                    .projection()
                    .and_then(|p| p.projection_type().cloned()),
            )
        })
        .collect();
    indexes.sort();
    for (n, (name, keys, projection)) in indexes.iter().enumerate() {
        let n = n + 1;
        assert_eq!(name, &format!("GSI{n}"));
        assert_eq!(keys, &[format!("GSI{n}PK"), format!("GSI{n}SK")]);
        assert_eq!(projection, &Some(ProjectionType::All));
    }
    assert_eq!(indexes.len(), 3);
    let ttl = client
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .expect("describe TTL")
        .time_to_live_description
        .expect("TTL description");
    assert_eq!(ttl.attribute_name(), Some("ttl"));
    assert!(matches!(
        ttl.time_to_live_status(),
        Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
    ));

    let again = create_table(&client, &table).await;
    assert!(
        matches!(again, Err(SchemaError::AlreadyExists(_))),
        "got {again:?}"
    );
    client
        .delete_table()
        .table_name(&table)
        .send()
        .await
        .expect("clean up");
}

#[tokio::test]
async fn store_errors_are_mapped_without_item_data() {
    let Some(client) = emulators::dynamodb_client().await else {
        eprintln!(
            "SKIPPED store_errors_are_mapped_without_item_data: DynamoDB Local not configured"
        );
        return;
    };
    let missing_table = DynamoStore::new(client, unique("no-such-table"));
    let key = Key::new("TENANT#secret-tenant", "CUSTOMER#jan@example.com");
    let err = missing_table.get(&key).await.expect_err("no table");
    assert!(matches!(err, StoreError::Unavailable(_)), "got {err:?}");
    assert!(!err.to_string().contains("jan@example.com"), "{err}");

    let Some(store) = emulators::dynamo_store().await else {
        unreachable!("DynamoDB Local is configured");
    };
    let huge = serde_json::json!({ "blob": "x".repeat(401 * 1024) });
    let item = marketdesk_core::ports::Item::new(Key::new(unique("BIG"), "ITEM"), huge);
    let err = store
        .put(item, marketdesk_core::ports::Condition::None)
        .await
        .expect_err("item over 400 KB");
    assert!(matches!(err, StoreError::Invalid(_)), "got {err:?}");
    assert!(!err.to_string().contains("xxxx"), "{err}");
}

#[tokio::test]
async fn stale_and_unknown_receipts_are_stale() {
    let Some((queue, _dlq)) = emulators::sqs_queues(MAX_RECEIVES).await else {
        eprintln!("SKIPPED stale_and_unknown_receipts_are_stale: moto not configured");
        return;
    };
    for receipt in ["", "not-a-receipt-handle"] {
        let err = queue.delete(receipt).await.expect_err("unknown receipt");
        assert!(
            matches!(err, QueueError::StaleReceipt),
            "delete: got {err:?}"
        );
        let err = queue
            .release(receipt, Duration::ZERO)
            .await
            .expect_err("unknown receipt");
        assert!(
            matches!(err, QueueError::StaleReceipt),
            "release: got {err:?}"
        );
    }
    let err = queue
        .release("whatever", Duration::from_secs(13 * 60 * 60))
        .await
        .expect_err("too long");
    assert!(matches!(err, QueueError::Invalid(_)), "got {err:?}");
}

#[tokio::test]
async fn queue_stats_count_waiting_in_flight_and_dead_letters() {
    let Some((queue, dlq)) = emulators::sqs_queues(MAX_RECEIVES).await else {
        eprintln!(
            "SKIPPED queue_stats_count_waiting_in_flight_and_dead_letters: moto not configured"
        );
        return;
    };
    for n in 0..3 {
        queue
            .send(&format!("{{\"n\":{n}}}"), Duration::ZERO)
            .await
            .expect("send");
    }
    dlq.send("{\"dead\":true}", Duration::ZERO)
        .await
        .expect("send to the dead-letter queue");
    let received = queue
        .receive(1, Duration::from_secs(60))
        .await
        .expect("receive");
    assert_eq!(received.len(), 1);
    let stats = queue.stats().await.expect("stats").expect("SQS has counts");
    assert_eq!(stats.waiting, 2, "{stats:?}");
    assert_eq!(stats.in_flight, 1, "{stats:?}");
    assert_eq!(stats.dead_letters, 1, "{stats:?}");
    assert_eq!(stats.oldest_age_seconds, None);
}

#[tokio::test]
async fn backend_wires_every_adapter_from_one_sdk_config() {
    let Some(moto) = endpoint(MOTO_VAR) else {
        eprintln!("SKIPPED backend_wires_every_adapter_from_one_sdk_config: moto not configured");
        return;
    };
    let config = sdk_config(&moto).await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let (poll_jobs, _) = emulators::create_queue_pair(&sqs, "conf", MAX_RECEIVES).await;
    let (inbound, _) = emulators::create_queue_pair(&sqs, "conf", MAX_RECEIVES).await;
    let (outbound, _) = emulators::create_queue_pair(&sqs, "conf", MAX_RECEIVES).await;
    let (webhooks, _) = emulators::create_queue_pair(&sqs, "conf", MAX_RECEIVES).await;
    let sender = format!("{}@marketdesk.example.com", unique("desk"));
    aws_sdk_sesv2::Client::new(&config)
        .create_email_identity()
        .email_identity(&sender)
        .send()
        .await
        .expect("verify the sender identity");
    let prefix = format!("marketdesk/{}", unique("wiring"));
    let settings = AwsSettings {
        table_name: unique("unused-table"),
        poll_jobs_queue_url: poll_jobs.clone(),
        inbound_queue_url: inbound.clone(),
        outbound_queue_url: outbound.clone(),
        webhooks_queue_url: webhooks.clone(),
        secrets_prefix: prefix.clone(),
        secrets_key_id: None,
        notify_from: Some(sender),
    };
    settings.validate().expect("valid settings");
    let ports = AwsBackend::from_sdk_config(&config, settings, Arc::new(SystemClock));

    for (queue, url) in [
        (&ports.queues.poll_jobs, &poll_jobs),
        (&ports.queues.inbound, &inbound),
        (&ports.queues.outbound, &outbound),
        (&ports.queues.webhooks, &webhooks),
    ] {
        let body = unique("{\"job\":\"wiring\"}");
        queue.send(&body, Duration::ZERO).await.expect("send");
        let got = SqsQueue::new(sqs.clone(), url.clone())
            .receive(10, Duration::from_secs(30))
            .await
            .expect("receive");
        assert_eq!(
            got.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
            [body.as_str()],
            "the port writes to {url}"
        );
    }

    let name = SecretName::new("integrations/t1/i1/tokens").expect("valid name");
    ports
        .secrets
        .put(&name, &SecretString::from("token-pair"))
        .await
        .expect("put");
    let direct = SecretsManagerSecrets::new(aws_sdk_secretsmanager::Client::new(&config), &prefix);
    assert_eq!(
        direct
            .get(&name)
            .await
            .expect("get")
            .expect("present")
            .expose_secret(),
        "token-pair"
    );
    let stored = aws_sdk_secretsmanager::Client::new(&config)
        .get_secret_value()
        .secret_id(format!("{prefix}/integrations/t1/i1/tokens"))
        .send()
        .await
        .expect("stored under the prefix");
    assert_eq!(stored.secret_string(), Some("token-pair"));

    ports
        .notifier
        .notify(&notification("seller@example.com", "Wiring check"))
        .await
        .expect("notify from the configured sender");
}
