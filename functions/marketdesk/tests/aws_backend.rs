//! `marketdesk api-key create` and `user create` with `--backend aws`: the deployment's table,
//! found through the Lambda functions' `MARKETDESK_*` variables.
//!
//! The writes go to DynamoDB Local (`MARKETDESK_TEST_DYNAMODB_ENDPOINT`, started by
//! `scripts/test`); those tests are skipped when it is unset, unless
//! `MARKETDESK_TEST_REQUIRE_EMULATORS=1`. The option checks run everywhere.

mod common;

use common::*;
use marketdesk_aws::{AwsBackend, AwsSettings};
use marketdesk_core::domain::Role;
use marketdesk_core::ports::{Ports, Secrets, SystemClock};
use marketdesk_core::services::api_keys;
use marketdesk_core::services::people::sessions::{self, SignIn};
use marketdesk_core::services::people::PeopleSettings;
use marketdesk_testkit::aws::{
    endpoint, fresh_table as new_table, sdk_config, table_only_settings, DYNAMODB_VAR, MOTO_VAR,
};
use secrecy::SecretString;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

/// The binary with a clean AWS environment pointing the DynamoDB client at `endpoint`.
fn on_aws(endpoint: &str, settings: &AwsSettings) -> Command {
    let mut command = marketdesk();
    for var in [
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "MARKETDESK_NOTIFY_FROM",
        "MARKETDESK_PUBLIC_URL",
    ] {
        command.env_remove(var);
    }
    command
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
        .env("MARKETDESK_TABLE_NAME", &settings.table_name)
        .env(
            "MARKETDESK_POLL_JOBS_QUEUE_URL",
            &settings.poll_jobs_queue_url,
        )
        .env("MARKETDESK_INBOUND_QUEUE_URL", &settings.inbound_queue_url)
        .env(
            "MARKETDESK_OUTBOUND_QUEUE_URL",
            &settings.outbound_queue_url,
        )
        .env(
            "MARKETDESK_WEBHOOKS_QUEUE_URL",
            &settings.webhooks_queue_url,
        )
        .env("MARKETDESK_SECRETS_PREFIX", &settings.secrets_prefix);
    command
}

/// A fresh table on DynamoDB Local and ports reading it, or `None` to skip.
async fn fresh_table() -> Option<(String, AwsSettings, Ports)> {
    let endpoint = endpoint(DYNAMODB_VAR)?;
    let config = sdk_config(&endpoint).await;
    let table = new_table(&aws_sdk_dynamodb::Client::new(&config), "marketdesk-cli").await;
    // The deployment settings the functions get; these commands never use the queues.
    let settings = table_only_settings(&table);
    let ports = AwsBackend::from_sdk_config(&config, settings.clone(), Arc::new(SystemClock));
    Some((endpoint, settings, ports))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_create_writes_a_working_key_to_the_table() {
    let Some((endpoint, settings, ports)) = fresh_table().await else {
        eprintln!("SKIPPED: {DYNAMODB_VAR} not set");
        return;
    };
    let output = on_aws(&endpoint, &settings)
        .args(["api-key", "create", "--backend", "aws", "--tenant", "acme"])
        .args(["--role", "admin", "--name", "ops"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains(&settings.table_name), "{stderr}");
    let key = String::from_utf8(output.stdout).expect("utf-8");
    let caller = api_keys::authenticate(&ports, &SecretString::from(key.trim().to_owned()))
        .await
        .expect("store answers")
        .expect("the printed key authenticates against the table");
    assert_eq!(caller.tenant_id.as_str(), "acme");
    assert_eq!(caller.role, Role::Admin);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_create_writes_the_first_admin_to_the_table() {
    let Some((endpoint, settings, ports)) = fresh_table().await else {
        eprintln!("SKIPPED: {DYNAMODB_VAR} not set");
        return;
    };
    let mut child = on_aws(&endpoint, &settings)
        .args(["user", "create", "--backend", "aws", "--tenant", "acme"])
        .args(["--email", "boss@example.com", "--name", "Anna Nowak"])
        .args(["--role", "admin", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all("sekretne hasło 1\n".as_bytes())
        .expect("write stdin");
    let output = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains(&settings.table_name), "{stderr}");
    let session = sessions::sign_in(
        &ports,
        &PeopleSettings::default(),
        SignIn {
            email: "boss@example.com".into(),
            password: SecretString::from("sekretne hasło 1".to_owned()),
        },
        None,
    )
    .await
    .expect("the admin signs in against the table");
    assert_eq!(session.user.role, Role::Admin);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_secrets_moves_every_secret_into_the_table_once() {
    let Some(moto) = endpoint(MOTO_VAR) else {
        eprintln!("SKIPPED: moto not configured");
        return;
    };
    let Some((endpoint, mut settings, _)) = fresh_table().await else {
        eprintln!("SKIPPED: {DYNAMODB_VAR} not set");
        return;
    };
    let moto_config = sdk_config(&moto).await;
    let kms = aws_sdk_kms::Client::new(&moto_config);
    let key = kms.create_key().send().await.expect("create a KMS key");
    let key_arn = key
        .key_metadata()
        .and_then(|m| m.arn())
        .expect("key ARN")
        .to_owned();
    settings.secrets_prefix = format!("marketdesk/cli-{}", uuid::Uuid::new_v4().simple());
    settings.secrets_key_id = Some(key_arn.clone());
    let legacy = marketdesk_aws::SecretsManagerSecrets::new(
        aws_sdk_secretsmanager::Client::new(&moto_config),
        settings.secrets_prefix.clone(),
    );
    let names = [
        "integrations/acme/i1/oauth-tokens",
        "integrations/acme/i2/api-key",
    ]
    .map(|n| marketdesk_core::ports::SecretName::new(n).expect("valid"));
    for (name, value) in names.iter().zip(["tokens-1", "key-2"]) {
        legacy
            .put(name, &SecretString::from(value))
            .await
            .expect("legacy secret");
    }
    let run = || {
        let output = on_aws(&endpoint, &settings)
            .env("AWS_ENDPOINT_URL_KMS", &moto)
            .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", &moto)
            .env("MARKETDESK_SECRETS_KEY_ID", &key_arn)
            .args(["migrate-secrets", "--backend", "aws"])
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{stderr}");
        stderr
    };
    let first = run();
    assert!(first.contains("2 moved, 0 already there"), "{first}");
    let second = run();
    assert!(second.contains("0 moved, 0 already there"), "{second}");
    assert!(legacy.list().await.expect("list").is_empty());

    let ddb_config = sdk_config(&endpoint).await;
    let store: Arc<dyn marketdesk_core::ports::Store> = Arc::new(marketdesk_aws::DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&ddb_config),
        settings.table_name.clone(),
    ));
    let table = marketdesk_aws::EncryptedTableSecrets::new(
        store.clone(),
        marketdesk_aws::KmsDataKey::new(kms, key_arn, store),
        None,
    );
    for (name, value) in names.iter().zip(["tokens-1", "key-2"]) {
        let got = table.get(name).await.expect("get").expect("in the table");
        assert_eq!(secrecy::ExposeSecret::expose_secret(&got), value);
    }

    let refused = marketdesk()
        .args(["migrate-secrets"])
        .output()
        .expect("run");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--backend aws"));
}

#[test]
fn the_aws_backend_names_what_is_missing_and_takes_no_data_directory() {
    let output = marketdesk()
        .env_remove("MARKETDESK_TABLE_NAME")
        .args(["api-key", "create", "--backend", "aws", "--tenant", "acme"])
        .args(["--role", "admin"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("MARKETDESK_TABLE_NAME"), "{stderr}");
    assert!(output.stdout.is_empty());

    let output = marketdesk()
        .args(["user", "create", "--backend", "aws", "--tenant", "acme"])
        .args(["--email", "a@example.com", "--name", "A", "--role", "admin"])
        .args(["--data", "/tmp/somewhere"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("--data"), "{stderr}");
}

/// A directory holding a fake `aws` CLI: for `cloudformation describe-stacks --stack-name
/// <stack>` it prints `outputs` (JSON); for another stack it fails as the real CLI does.
fn fake_aws_cli(stack: &str, outputs: &serde_json::Value) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("outputs.json"), outputs.to_string()).expect("outputs");
    let script = format!(
        "#!/bin/sh\n\
         [ \"$1 $2 $3\" = \"cloudformation describe-stacks --stack-name\" ] || {{ echo \"unexpected: $*\" >&2; exit 2; }}\n\
         if [ \"$4\" != \"{stack}\" ]; then\n\
           echo >&2; echo \"An error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id $4 does not exist\" >&2; exit 254\n\
         fi\n\
         exec /bin/cat '{outputs}'\n",
        outputs = dir.path().join("outputs.json").display()
    );
    let path = dir.path().join("aws");
    std::fs::write(&path, script).expect("script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

/// The template's outputs for `settings`, as `aws cloudformation describe-stacks` lists them.
fn stack_outputs(settings: &AwsSettings) -> serde_json::Value {
    let pairs = [
        ("ApiUrl", "https://abc.execute-api.us-east-1.amazonaws.com"),
        ("PublicUrl", "https://desk.example.com"),
        ("TableName", settings.table_name.as_str()),
        ("PollJobsQueueUrl", settings.poll_jobs_queue_url.as_str()),
        ("InboundQueueUrl", settings.inbound_queue_url.as_str()),
        ("OutboundQueueUrl", settings.outbound_queue_url.as_str()),
        ("WebhooksQueueUrl", settings.webhooks_queue_url.as_str()),
        ("SecretsPrefix", settings.secrets_prefix.as_str()),
        ("NotifyFrom", "desk@example.com"),
    ];
    serde_json::Value::Array(
        pairs
            .iter()
            .map(|(k, v)| serde_json::json!({"OutputKey": k, "OutputValue": v, "Description": "x"}))
            .collect(),
    )
}

/// The binary with the AWS endpoint for DynamoDB Local but no `MARKETDESK_*` deployment
/// variables: `--stack` must find everything, and `path` is the whole PATH.
fn by_stack(endpoint: &str, path: &std::path::Path) -> Command {
    let mut command = on_aws(endpoint, &table_only_settings("unused-table"));
    for var in STACK_VARS {
        command.env_remove(var);
    }
    command.env("PATH", path);
    command
}

/// The variables `--stack` fills from the template's outputs.
const STACK_VARS: [&str; 6] = [
    "MARKETDESK_TABLE_NAME",
    "MARKETDESK_POLL_JOBS_QUEUE_URL",
    "MARKETDESK_INBOUND_QUEUE_URL",
    "MARKETDESK_OUTBOUND_QUEUE_URL",
    "MARKETDESK_WEBHOOKS_QUEUE_URL",
    "MARKETDESK_SECRETS_PREFIX",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_admin_key_and_user_are_made_from_the_stack_name_alone() {
    let Some((endpoint, settings, ports)) = fresh_table().await else {
        eprintln!("SKIPPED: {DYNAMODB_VAR} not set");
        return;
    };
    let cli = fake_aws_cli("marketdesk-test", &stack_outputs(&settings));
    let output = by_stack(&endpoint, cli.path())
        .args([
            "api-key",
            "create",
            "--stack",
            "marketdesk-test",
            "--tenant",
            "acme",
        ])
        .args(["--role", "admin", "--name", "ops"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains(&settings.table_name), "{stderr}");
    let key = String::from_utf8(output.stdout).expect("utf-8");
    let caller = api_keys::authenticate(&ports, &SecretString::from(key.trim().to_owned()))
        .await
        .expect("store answers")
        .expect("the printed key authenticates against the stack's table");
    assert_eq!(caller.tenant_id.as_str(), "acme");

    // An invitation: the link starts with the stack's PublicUrl output.
    let output = by_stack(&endpoint, cli.path())
        .args([
            "user",
            "create",
            "--stack",
            "marketdesk-test",
            "--tenant",
            "acme",
        ])
        .args([
            "--email",
            "anna@example.com",
            "--name",
            "Anna",
            "--role",
            "admin",
        ])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let link = String::from_utf8(output.stdout).expect("utf-8");
    assert!(link.starts_with("https://desk.example.com/"), "{link}");
}

#[test]
fn stack_failures_are_explained() {
    let settings = table_only_settings("marketdesk-t");
    let cli = fake_aws_cli("marketdesk-test", &stack_outputs(&settings));
    let create = |path: &std::path::Path, stack: &str| {
        let output = by_stack("http://127.0.0.1:9", path)
            .args([
                "api-key", "create", "--stack", stack, "--tenant", "acme", "--role", "admin",
            ])
            .output()
            .expect("run");
        assert!(!output.status.success());
        assert!(output.stdout.is_empty());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let stderr = create(cli.path(), "no-such-stack");
    assert!(
        stderr.contains("aws cloudformation")
            && stderr.contains("Stack with id no-such-stack does not exist"),
        "{stderr}"
    );
    let empty = tempfile::tempdir().expect("temp dir");
    let stderr = create(empty.path(), "marketdesk-test");
    assert!(
        stderr.contains("AWS CLI") && stderr.contains("sam"),
        "{stderr}"
    );

    let mut old = stack_outputs(&settings);
    old.as_array_mut()
        .expect("list")
        .retain(|o| o["OutputKey"] != "WebhooksQueueUrl");
    let old_cli = fake_aws_cli("marketdesk-test", &old);
    let stderr = create(old_cli.path(), "marketdesk-test");
    assert!(
        stderr.contains("WebhooksQueueUrl") && stderr.contains("MARKETDESK_WEBHOOKS_QUEUE_URL"),
        "{stderr}"
    );
}
