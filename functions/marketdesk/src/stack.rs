//! `--stack NAME`: finds a deployment from its CloudFormation stack outputs instead of the
//! `MARKETDESK_*` variables. The outputs come from the AWS CLI
//! (`aws cloudformation describe-stacks`), or the SAM CLI (`sam list stack-outputs`) where the
//! AWS CLI is missing: both answer the same JSON list, use the same credentials and region as
//! the AWS SDK, and keep the CloudFormation SDK (a large crate, minutes of build on a small
//! machine) out of the binary for a command run once per deployment.

use crate::cli::BackendChoice;
use marketdesk_aws::backend::{
    INBOUND_QUEUE_URL_VAR, NOTIFY_FROM_VAR, OUTBOUND_QUEUE_URL_VAR, POLL_JOBS_QUEUE_URL_VAR,
    SECRETS_KEY_ID_VAR, SECRETS_PREFIX_VAR, TABLE_NAME_VAR, WEBHOOKS_QUEUE_URL_VAR,
};
use marketdesk_core::config::Env;
use serde::Deserialize;
use std::process::Command;

/// Each stack output the commands need, and the variable the functions get it as.
pub const OUTPUTS: [(&str, &str, bool); 9] = [
    ("TableName", TABLE_NAME_VAR, true),
    ("PollJobsQueueUrl", POLL_JOBS_QUEUE_URL_VAR, true),
    ("InboundQueueUrl", INBOUND_QUEUE_URL_VAR, true),
    ("OutboundQueueUrl", OUTBOUND_QUEUE_URL_VAR, true),
    ("WebhooksQueueUrl", WEBHOOKS_QUEUE_URL_VAR, true),
    ("SecretsPrefix", SECRETS_PREFIX_VAR, true),
    // Optional: stacks deployed before the credentials moved into the table have none.
    ("SecretsKeyId", SECRETS_KEY_ID_VAR, false),
    ("NotifyFrom", NOTIFY_FROM_VAR, false),
    ("PublicUrl", "MARKETDESK_PUBLIC_URL", false),
];

/// Why the stack's outputs could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// Neither CLI is installed.
    #[error(
        "--stack needs the AWS CLI (`aws`) or the SAM CLI (`sam`) on PATH to read the stack's \
         outputs (scripts/install-tools puts sam in .venv/bin: PATH=\"$PWD/.venv/bin:$PATH\"); \
         or leave out --stack and set the MARKETDESK_* variables (README, Deploy to AWS)"
    )]
    NoTool,
    /// The CLI failed (no such stack, no credentials, another region).
    #[error("`{command}` failed for stack {stack:?}: {reason}")]
    Failed {
        /// The command that was run, without its arguments.
        command: String,
        /// The stack asked for.
        stack: String,
        /// What the CLI said (its last line of stderr), or its exit status.
        reason: String,
    },
    /// The CLI's answer is not the list of outputs.
    #[error("`{command}` answered something other than a list of stack outputs: {reason}")]
    Malformed {
        /// The command that was run.
        command: String,
        /// The parse error.
        reason: String,
    },
    /// A required output is missing: the stack was deployed from an older template.
    #[error("stack {stack:?} has no output {output}: deploy the current infra/template.yaml (scripts/deploy), or leave out --stack and set {var}")]
    MissingOutput {
        /// The stack.
        stack: String,
        /// The output's key.
        output: &'static str,
        /// The variable it stands for.
        var: &'static str,
    },
}

#[derive(Deserialize)]
struct Output {
    #[serde(rename = "OutputKey")]
    key: String,
    #[serde(rename = "OutputValue", default)]
    value: String,
}

/// The backend and the environment to open it with: `backend` and `env` without a stack; with
/// one, the AWS backend (`--stack` implies `--backend aws`) and the process environment with
/// the stack's outputs as `MARKETDESK_*` variables (the outputs win).
pub fn resolve(
    backend: BackendChoice,
    stack: Option<&str>,
    env: &Env,
) -> Result<(BackendChoice, Env), StackError> {
    let Some(stack) = stack else {
        return Ok((backend, env.clone()));
    };
    let outputs = read_outputs(stack)?;
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.extend(variables(stack, &outputs)?);
    let env = Env::from_pairs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    Ok((BackendChoice::Aws, env))
}

/// The `MARKETDESK_*` variables the outputs stand for.
fn variables(stack: &str, outputs: &[Output]) -> Result<Vec<(String, String)>, StackError> {
    let mut vars = Vec::new();
    for (key, var, required) in OUTPUTS {
        match outputs
            .iter()
            .find(|o| o.key == key && !o.value.trim().is_empty())
        {
            Some(output) => vars.push((var.to_owned(), output.value.trim().to_owned())),
            None if required => {
                return Err(StackError::MissingOutput {
                    stack: stack.to_owned(),
                    output: key,
                    var,
                })
            }
            None => {}
        }
    }
    Ok(vars)
}

/// Runs `aws cloudformation describe-stacks`, or `sam list stack-outputs` without the AWS CLI.
fn read_outputs(stack: &str) -> Result<Vec<Output>, StackError> {
    let attempts: [(&str, Vec<&str>); 2] = [
        (
            "aws",
            vec![
                "cloudformation",
                "describe-stacks",
                "--stack-name",
                stack,
                "--query",
                "Stacks[0].Outputs",
                "--output",
                "json",
            ],
        ),
        (
            "sam",
            vec![
                "list",
                "stack-outputs",
                "--stack-name",
                stack,
                "--output",
                "json",
            ],
        ),
    ];
    for (program, args) in attempts {
        let command = format!("{program} {}", args[..2].join(" "));
        let output = match Command::new(program).args(&args).output() {
            Ok(output) => output,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => {
                return Err(StackError::Failed {
                    command,
                    stack: stack.to_owned(),
                    reason: error.to_string(),
                })
            }
        };
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let reason = stderr
                .lines()
                .map(str::trim)
                .rfind(|line| !line.is_empty())
                .map_or_else(|| output.status.to_string(), str::to_owned);
            return Err(StackError::Failed {
                command,
                stack: stack.to_owned(),
                reason,
            });
        }
        return serde_json::from_slice(&output.stdout).map_err(|error| StackError::Malformed {
            command,
            reason: error.to_string(),
        });
    }
    Err(StackError::NoTool)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs(pairs: &[(&str, &str)]) -> Vec<Output> {
        pairs
            .iter()
            .map(|(k, v)| Output {
                key: (*k).to_owned(),
                value: (*v).to_owned(),
            })
            .collect()
    }

    #[test]
    fn outputs_become_the_functions_variables() {
        let all = outputs(&[
            ("TableName", "md-Table-1"),
            ("PollJobsQueueUrl", "https://sqs/1/poll"),
            ("InboundQueueUrl", "https://sqs/1/in"),
            ("OutboundQueueUrl", "https://sqs/1/out"),
            ("WebhooksQueueUrl", "https://sqs/1/hooks"),
            ("SecretsPrefix", "md/integrations"),
            ("NotifyFrom", "desk@example.com"),
            ("ApiUrl", "https://x.execute-api"),
        ]);
        let vars = variables("md", &all).expect("complete");
        assert!(vars.contains(&(TABLE_NAME_VAR.into(), "md-Table-1".into())));
        assert!(vars.contains(&(NOTIFY_FROM_VAR.into(), "desk@example.com".into())));
        assert_eq!(vars.len(), 7, "PublicUrl is optional: {vars:?}");
        let without_prefix: Vec<Output> = all
            .into_iter()
            .filter(|o| o.key != "SecretsPrefix")
            .collect();
        let error = variables("md", &without_prefix).expect_err("incomplete");
        let text = error.to_string();
        assert!(
            text.contains("SecretsPrefix") && text.contains(SECRETS_PREFIX_VAR),
            "{text}"
        );
    }
}
