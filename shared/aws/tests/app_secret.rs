//! The Allegro application secret read from Secrets Manager (moto).

use marketdesk_testkit::aws as emulators;

use marketdesk_aws::app_secret::{allegro_application, AppSecretError};
use secrecy::ExposeSecret;

#[tokio::test]
async fn the_application_secret_is_read_and_placeholders_mean_not_configured() {
    let Some(endpoint) = emulators::endpoint("MARKETDESK_TEST_MOTO_ENDPOINT") else {
        eprintln!("SKIPPED app secret: moto not configured");
        return;
    };
    let config = emulators::sdk_config(&endpoint).await;
    let client = aws_sdk_secretsmanager::Client::new(&config);
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let create = |name: String, value: &'static str| {
        let client = client.clone();
        async move {
            client
                .create_secret()
                .name(&name)
                .secret_string(value)
                .send()
                .await
                .expect("create secret")
                .arn()
                .expect("arn")
                .to_owned()
        }
    };
    let placeholder = create(
        format!("app/placeholder-{suffix}"),
        r#"{"client_id":"CHANGE_ME","client_secret":"CHANGE_ME"}"#,
    )
    .await;
    assert!(allegro_application(&config, &placeholder)
        .await
        .expect("read")
        .is_none());

    let real = create(
        format!("app/real-{suffix}"),
        r#"{"client_id":"abc123","client_secret":"s3cr3t-value"}"#,
    )
    .await;
    let (id, secret) = allegro_application(&config, &real)
        .await
        .expect("read")
        .expect("configured");
    assert_eq!(id, "abc123");
    assert_eq!(secret.expose_secret(), "s3cr3t-value");

    let broken = create(format!("app/broken-{suffix}"), "not json").await;
    let err = allegro_application(&config, &broken)
        .await
        .expect_err("malformed");
    assert!(matches!(err, AppSecretError::Malformed(_)));
    assert!(!err.to_string().contains("not json"));

    let err = allegro_application(
        &config,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf",
    )
    .await
    .expect_err("missing");
    assert!(matches!(err, AppSecretError::Unavailable { .. }), "{err}");
}
