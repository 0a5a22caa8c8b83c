//! `marketdesk migrate-secrets`: moves an AWS deployment's per-account credentials from
//! Secrets Manager into the table (`marketdesk_aws::EncryptedTableSecrets::migrate_all`).
//!
//! The functions already move a secret on its first read, so nothing breaks between the
//! deployment and this command; the command finishes the job for credentials nobody reads
//! (e.g. a webhook's signing secret before its first event), so no per-secret charge remains.

use crate::backend::BackendError;
use crate::cli::BackendChoice;
use crate::cli::MigrateSecretsArgs;
use marketdesk_core::config::Env;

/// Runs the move and says what it did on stderr.
pub async fn run(args: &MigrateSecretsArgs, env: &Env) -> Result<(), BackendError> {
    let (backend, env) = crate::stack::resolve(args.backend, args.stack.as_deref(), env)
        .map_err(|error| BackendError::Aws(error.to_string()))?;
    if backend != BackendChoice::Aws {
        return Err(BackendError::Invalid {
            option: "backend".into(),
            message: "only an AWS deployment keeps credentials in Secrets Manager: use \
                      --backend aws (or --stack NAME)"
                .into(),
        });
    }
    let settings =
        marketdesk_aws::AwsSettings::from_lookup(|name| env.optional(name).map(str::to_owned))
            .map_err(|error| BackendError::Aws(error.to_string()))?;
    let secrets = marketdesk_aws::AwsBackend::secrets_migration(&settings)
        .await
        .map_err(|error| BackendError::Aws(error.to_string()))?;
    let report = secrets
        .migrate_all()
        .await
        .map_err(|error| BackendError::Aws(error.to_string()))?;
    eprintln!(
        "marketdesk: secrets under {} moved into DynamoDB table {}: {} moved, {} already there \
         (old copy deleted)",
        settings.secrets_prefix, settings.table_name, report.moved, report.already_in_table
    );
    Ok(())
}
