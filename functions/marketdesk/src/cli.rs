//! Command-line interface. Every option can also come from a `MARKETDESK_*` variable;
//! a flag wins over the variable.

use clap::{Args, Parser, Subcommand, ValueEnum};
use marketdesk_core::domain::{Language, Role};
use std::net::SocketAddr;
use std::path::PathBuf;

/// marketdesk: Allegro and EmpikPlace buyer conversations as tickets, with a CRM.
#[derive(Debug, Parser)]
#[command(name = "marketdesk", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the agent API and every background loop (scheduler, pollers, ingest, sender,
    /// token refresh) in this process, on the embedded SQLite backend.
    #[command(after_help = ENV_HELP)]
    Serve(ServeArgs),

    /// Run the marketplace simulator (a stateful fake of Allegro and EmpikPlace) for trying
    /// marketdesk without marketplace accounts. Point the Allegro API, Allegro auth and
    /// EmpikPlace URLs at the address it prints.
    #[command(after_help = SIMULATOR_ENV_HELP, alias = DEPRECATED_SIMULATOR_COMMAND)]
    Simulator(SimulatorArgs),

    /// Manage API keys of the agent API (in the data directory of `marketdesk serve`, or the
    /// AWS deployment's table with --backend aws).
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),

    /// Manage the people who sign in (in the data directory of `marketdesk serve`, or the AWS
    /// deployment's table with --backend aws).
    #[command(subcommand)]
    User(UserCommand),

    /// Write the view, search, name-word and ticket-link items (and each ticket's kept preview
    /// and deadline index) for a tenant's tickets and customers stored before those features.
    /// Safe to repeat and to run while marketdesk serves.
    Reindex(ReindexArgs),

    /// Move the per-account credentials an AWS deployment kept as Secrets Manager secrets
    /// (under MARKETDESK_SECRETS_PREFIX) into its table, sealed under the KMS key
    /// MARKETDESK_SECRETS_KEY_ID. Each is written before its secret is deleted; a value the
    /// table already holds is newer and kept. Safe to repeat: a second run moves nothing.
    MigrateSecrets(MigrateSecretsArgs),

    /// See marketdesk at work within a minute, with no marketplace account.
    ///
    /// Runs the marketplace simulator and `marketdesk serve` in this process, connects one
    /// Allegro account through OAuth and one EmpikPlace shop, and lets simulated buyers write in.
    #[command(after_help = DEMO_HELP)]
    Demo(DemoArgs),

    /// List the e-mail `marketdesk serve` recorded instead of sending (when no SMTP server is
    /// configured with MARKETDESK_SMTP_URL), oldest first.
    Notifications(NotificationsArgs),

    /// Copy the data directory's database and secrets into one new file; safe while
    /// `marketdesk serve` runs (SQLite's online backup). The file holds the secrets: keep it
    /// private (it is created 0600).
    Backup(BackupArgs),

    /// Restore a backup file into a data directory (created if missing). A directory holding
    /// data is refused unless --force; one a running `marketdesk serve` holds is always refused.
    Restore(RestoreArgs),

    /// How marketdesk is doing: the store, the queues (with dead letters), every tenant's
    /// integrations and the last successful poll of each channel (what GET /v1/health/details
    /// tells a tenant's admins). Reads the data directory; exits non-zero unless all is ok.
    Status(StatusArgs),
}

/// Options of `marketdesk status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Data directory of `marketdesk serve` [env: MARKETDESK_DATA_DIR] [default: ./.data]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Print JSON (the shape of GET /v1/health/details, every tenant)
    #[arg(long)]
    pub json: bool,
}

/// Options of `marketdesk backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to create (an existing file is never overwritten)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Data directory of `marketdesk serve` [env: MARKETDESK_DATA_DIR] [default: ./.data]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

/// Options of `marketdesk restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file made by `marketdesk backup`
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Data directory to restore into [env: MARKETDESK_DATA_DIR] [default: ./.data]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Replace the database and secrets of a directory that holds data
    #[arg(long)]
    pub force: bool,
}

/// Options of `marketdesk notifications`.
#[derive(Debug, Args)]
pub struct NotificationsArgs {
    /// Data directory of `marketdesk serve` [env: MARKETDESK_DATA_DIR] [default: ./.data]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Only the newest N
    #[arg(long, value_name = "N")]
    pub last: Option<usize>,
}

/// The `marketdesk api-key` subcommands.
#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create an API key and print it on stdout: the only time it is shown (only its SHA-256
    /// is stored). Creates the tenant if it does not exist yet.
    #[command(after_help = API_KEY_HELP)]
    Create(ApiKeyCreateArgs),
}

/// Options of `marketdesk api-key create`.
#[derive(Debug, Args)]
pub struct ApiKeyCreateArgs {
    /// Tenant the key belongs to: 1-64 ASCII letters, digits, '.', '_' or '-'
    #[arg(long, value_name = "TENANT")]
    pub tenant: String,

    /// What the key may do: admin (everything) or agent (tickets, comments, customers)
    #[arg(long, value_name = "ROLE", value_parser = parse_role)]
    pub role: Role,

    /// A label shown in key lists (GET /v1/api-keys)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Data directory of `marketdesk serve` [env: MARKETDESK_DATA_DIR] [default: ./.data]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Create the data directory and its database if they do not exist yet (without it, a
    /// directory with no marketdesk data is refused, so a mistyped --data cannot create a key
    /// that the running server does not know)
    #[arg(long)]
    pub init: bool,

    /// Where to write: embedded (the data directory, default) or aws (the deployment's
    /// DynamoDB table, found through MARKETDESK_TABLE_NAME and the other MARKETDESK_*
    /// variables the Lambda functions get, with the usual AWS credentials and region)
    #[arg(long, value_enum, value_name = "BACKEND", default_value = "embedded")]
    pub backend: BackendChoice,

    /// The AWS deployment's CloudFormation stack (implies --backend aws): the table, queues,
    /// secrets prefix, sender and public URL come from its outputs, read with the AWS CLI
    /// (or the SAM CLI), with the usual AWS credentials and region
    #[arg(long, value_name = "STACK")]
    pub stack: Option<String>,
}

/// The `marketdesk user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (e.g. a tenant's first admin). With --password-stdin the user can sign
    /// in at once; otherwise a single-use invitation link (valid 72 hours) is printed on
    /// stdout. Creates the tenant if it does not exist yet.
    #[command(after_help = USER_HELP)]
    Create(UserCreateArgs),
}

/// Options of `marketdesk user create`.
#[derive(Debug, Args)]
pub struct UserCreateArgs {
    /// Tenant the user works for: 1-64 ASCII letters, digits, '.', '_' or '-'
    #[arg(long, value_name = "TENANT")]
    pub tenant: String,

    /// The e-mail address the user signs in with
    #[arg(long, value_name = "EMAIL")]
    pub email: String,

    /// The name colleagues see
    #[arg(long, value_name = "NAME")]
    pub name: String,

    /// What the user may do: admin (everything) or agent (tickets, comments, customers)
    #[arg(long, value_name = "ROLE", value_parser = parse_role)]
    pub role: Role,

    /// Language of the user's screens and e-mails: pl (default) or en
    #[arg(long, value_name = "LANG", value_parser = parse_language)]
    pub language: Option<Language>,

    /// Read the password (at least 10 characters) from the first line of stdin instead of
    /// printing an invitation link
    #[arg(long)]
    pub password_stdin: bool,

    /// Data directory of `marketdesk serve` [env: MARKETDESK_DATA_DIR] [default: ./.data]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Create the data directory and its database if they do not exist yet (without it, a
    /// directory with no marketdesk data is refused)
    #[arg(long)]
    pub init: bool,

    /// Where to write: embedded (the data directory, default) or aws (the deployment's
    /// DynamoDB table, found through MARKETDESK_TABLE_NAME and the other MARKETDESK_*
    /// variables the Lambda functions get, with the usual AWS credentials and region)
    #[arg(long, value_enum, value_name = "BACKEND", default_value = "embedded")]
    pub backend: BackendChoice,

    /// The AWS deployment's CloudFormation stack (implies --backend aws): the table, queues,
    /// secrets prefix, sender and public URL come from its outputs, read with the AWS CLI
    /// (or the SAM CLI), with the usual AWS credentials and region
    #[arg(long, value_name = "STACK")]
    pub stack: Option<String>,
}

/// Options of `marketdesk migrate-secrets`.
#[derive(Debug, Args)]
pub struct MigrateSecretsArgs {
    /// Must be aws: only an AWS deployment kept credentials in Secrets Manager
    #[arg(long, value_enum, value_name = "BACKEND", default_value = "embedded")]
    pub backend: BackendChoice,

    /// The AWS deployment's CloudFormation stack (implies --backend aws): the table, the
    /// secrets prefix and the KMS key come from its outputs
    #[arg(long, value_name = "STACK")]
    pub stack: Option<String>,
}

/// Options of `marketdesk reindex`.
#[derive(Debug, Args)]
pub struct ReindexArgs {
    /// Tenant whose tickets and customers get their items
    #[arg(long, value_name = "TENANT")]
    pub tenant: String,

    /// Data directory of `marketdesk serve` [env: MARKETDESK_DATA_DIR] [default: ./.data]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Where the data is: embedded (the data directory, default) or aws (the deployment's
    /// DynamoDB table through the MARKETDESK_* variables the Lambda functions get)
    #[arg(long, value_enum, value_name = "BACKEND", default_value = "embedded")]
    pub backend: BackendChoice,
}

fn parse_language(text: &str) -> Result<Language, String> {
    match text {
        "pl" => Ok(Language::Pl),
        "en" => Ok(Language::En),
        other => Err(format!("unknown language {other:?}: expected pl or en")),
    }
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse()
}

/// The deprecated old name of `marketdesk simulator` (from when the simulator was called the
/// simulator, a word now kept for Allegro's test environment), still accepted by old scripts.
const DEPRECATED_SIMULATOR_COMMAND: &str = "sandbox";

/// The deprecated old name of `marketdesk demo --simulator-listen`, still accepted.
const DEPRECATED_SIMULATOR_LISTEN_FLAG: &str = "sandbox-listen";

/// Options of `marketdesk simulator`.
#[derive(Debug, Args)]
pub struct SimulatorArgs {
    /// Address the simulator listens on [env: MARKETDESK_SIMULATOR_LISTEN] [default: 127.0.0.1:3001]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

/// Options of `marketdesk demo`. Deliberately no `MARKETDESK_*` variables: a demo must
/// never pick up the data directory or addresses of a real installation.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address the agent API listens on (port 0: any free port)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Address the marketplace simulator listens on (port 0: any free port)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:3001", alias = DEPRECATED_SIMULATOR_LISTEN_FLAG)]
    pub simulator_listen: SocketAddr,

    /// Keep the demo's data in DIR, and continue there on the next run; without it a fresh
    /// temporary directory is used and removed on exit
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// How often the simulated marketplaces are polled, e.g. 2s, 500ms
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "2s")]
    pub poll_interval: std::time::Duration,

    /// Speed of the buyers' timeline: 2 plays it twice as fast (for tests)
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0, hide = true)]
    pub pace: f64,
}

/// Options of `marketdesk serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address the HTTP API listens on [env: MARKETDESK_LISTEN] [default: 127.0.0.1:3000]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    /// Directory for the database, the queues and the secrets file
    /// [env: MARKETDESK_DATA_DIR] [default: ./.data]
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// How often marketplaces are polled, e.g. 60s, 5m [env: MARKETDESK_POLL_INTERVAL] [default: 60s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub poll_interval: Option<std::time::Duration>,
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    marketdesk_core::config::parse_duration(text)
}

const ENV_HELP: &str = "\
Environment:
  MARKETDESK_LISTEN         same as --listen
  MARKETDESK_DATA_DIR       same as --data
  MARKETDESK_POLL_INTERVAL  same as --poll-interval
  MARKETDESK_WORKERS        messages handled at once per queue (default: 8, at most 256)
  MARKETDESK_POLL_TIMEOUT   longest time of one poll job before it is retried later (default: 90s, at most 170s)
  MARKETDESK_POLL_MESSAGING_EVERY, MARKETDESK_POLL_ISSUES_EVERY, MARKETDESK_POLL_EMPIK_EVERY
                            how often each Allegro Message Center inbox, /sale/issues inbox and
                            EmpikPlace shop is read (default: the poll interval; issues 5 times
                            it, at most 5m); Allegro's are stretched to fit the budget
  MARKETDESK_POLL_ACTIVE_EVERY, MARKETDESK_POLL_ACTIVE_FOR
                            re-read an inbox where changes were found this often, this long
                            after the last one (default: 12s, 3m; 0 turns re-reads off)
  MARKETDESK_POLL_ACTIVE_RESERVE
                            share of the polls' Allegro budget kept for re-reads once the
                            cadences stretch (default: 0.05)
  MARKETDESK_POLL_MAX_EVERY longest an Allegro inbox goes unread when the cadences stretch to
                            fit the budget, while that fits (default: 5m; faster inboxes
                            stretch first; beyond it everything stretches and a warning is logged)
  MARKETDESK_POLL_OFFERS_EVERY
                            how often an Allegro account's offer journal is read when its offers
                            are switched on (default: 10m, never faster than the poll interval)
  MARKETDESK_LOG            log filter, e.g. info or marketdesk_core=debug (default: info; RUST_LOG also works)
  MARKETDESK_LOG_FORMAT     text or json (default: text); colours only on a terminal
  MARKETDESK_ALLEGRO_CLIENT_ID, MARKETDESK_ALLEGRO_CLIENT_SECRET
                            the Allegro application (unset: Allegro accounts cannot connect)
  MARKETDESK_PUBLIC_URL     public base URL (default: http://<listen>); the OAuth redirect URI
                            is <this>/oauth/allegro/callback
  MARKETDESK_ALLEGRO_API_URL, MARKETDESK_ALLEGRO_AUTH_URL
                            override Allegro's REST and OAuth hosts (the simulator, tests)
  MARKETDESK_EMPIK_API_URL  EmpikPlace (Mirakl) API base (default: https://marketplace.empik.com)
  MARKETDESK_USER_AGENT     sent on every marketplace call (default: marketdesk/<version> (+<url>))
  MARKETDESK_MAX_ANSWER_BYTES
                            largest marketplace answer read into memory (default: 33554432)
  MARKETDESK_ALLEGRO_BUDGET_PER_MINUTE, MARKETDESK_BUDGET_BACKGROUND_SHARE
                            the Allegro client id's calls a minute (9000) and the share polls may fill (0.8)
  MARKETDESK_METRICS_LISTEN address of the Prometheus /metrics endpoint, apart from the API
                            (e.g. 127.0.0.1:9464; unset: not served)
  MARKETDESK_METRICS_TOKEN  when set, /metrics needs Authorization: Bearer <token>
  MARKETDESK_SESSION_LIFETIME, MARKETDESK_SESSION_IDLE
                            a sign-in session's absolute lifetime and idle timeout (12h, 2h)
  MARKETDESK_SECURE_COOKIES true: the session cookie is Secure even without X-Forwarded-Proto
  MARKETDESK_WEBHOOKS_ALLOW_PRIVATE
                            true: webhooks may target private, loopback and link-local addresses
  MARKETDESK_SMTP_URL       send e-mail through this server: smtp://[user:password@]host[:port]
                            (add ?tls=required for STARTTLS) or smtps://[user:password@]host[:port];
                            unset: e-mail is recorded, not sent (`marketdesk notifications` lists it)
  MARKETDESK_SMTP_FROM      the sender address of that e-mail (required with MARKETDESK_SMTP_URL)

Bad values stop start-up with an error naming the option or variable.";

const SIMULATOR_ENV_HELP: &str = "\
Environment:
  MARKETDESK_SIMULATOR_LISTEN       same as --listen
  MARKETDESK_SANDBOX_LISTEN         deprecated old name of MARKETDESK_SIMULATOR_LISTEN, read when it is unset
  MARKETDESK_ALLEGRO_CLIENT_ID      client id of the simulated Allegro application (default: simulator-client-id)
  MARKETDESK_ALLEGRO_CLIENT_SECRET  its client secret (default: simulator-client-secret)

The control API for playing buyers, marketplace staff and faults is under /__simulator/ (see docs/simulator.md).";

const DEMO_HELP: &str = "\
Example:
  marketdesk demo                    # fresh data, removed on exit
  marketdesk demo --data ./demo-data # keep it; a second run continues there

It prints the API address, an admin API key, ready-to-paste curl commands and a line for each
thing that happens. Ctrl-C stops it. Logs go to stderr at level warn (MARKETDESK_LOG or
RUST_LOG change that).";

const API_KEY_HELP: &str = "\
Example:
  KEY=$(marketdesk api-key create --tenant acme --role admin --name ops)
  curl -H \"Authorization: Bearer $KEY\" http://127.0.0.1:3000/v1/integrations

On AWS (the deployment's table; the variables are the stack's, see its outputs):
  MARKETDESK_TABLE_NAME=... MARKETDESK_POLL_JOBS_QUEUE_URL=... MARKETDESK_INBOUND_QUEUE_URL=... \\
  MARKETDESK_OUTBOUND_QUEUE_URL=... MARKETDESK_SECRETS_PREFIX=... AWS_REGION=eu-central-1 \\
      marketdesk api-key create --backend aws --tenant acme --role admin

The key goes to stdout and nowhere else; keep it safe. Revoke it with DELETE /v1/api-keys/{id}.";

const USER_HELP: &str = "\
Examples:
  marketdesk user create --tenant acme --email boss@example.com --name 'Anna Nowak' --role admin
      prints an invitation link (MARKETDESK_PUBLIC_URL, default http://127.0.0.1:3000)
  printf '%s\\n' \"$PASSWORD\" | marketdesk user create --tenant acme --email boss@example.com \\
      --name 'Anna Nowak' --role admin --password-stdin

With --backend aws the user is written to the deployment's table (the same MARKETDESK_*
variables as `api-key create --backend aws`); the invitation link then uses MARKETDESK_PUBLIC_URL.
Passwords have at least 10 characters. Sign in with POST /v1/sessions.";

/// The backend a command works on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    /// The SQLite data directory of `marketdesk serve` (`--data`).
    #[default]
    Embedded,
    /// The AWS deployment: DynamoDB, SQS, Secrets Manager and SES, found through the same
    /// `MARKETDESK_*` variables the Lambda functions get (and the usual AWS credentials).
    Aws,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deprecated_simulator_names_still_parse() {
        let simulator =
            Cli::try_parse_from(["marketdesk", "sandbox", "--listen", "127.0.0.1:4001"]) // deprecated
                .expect("the old subcommand name is an alias");
        assert!(matches!(
            simulator.command,
            Command::Simulator(SimulatorArgs { listen: Some(addr) }) if addr.port() == 4001
        ));
        let demo =
            Cli::try_parse_from(["marketdesk", "demo", "--sandbox-listen", "127.0.0.1:4002"]) // deprecated
                .expect("the old option name is an alias");
        assert!(matches!(
            demo.command,
            Command::Demo(DemoArgs { simulator_listen, .. }) if simulator_listen.port() == 4002
        ));
    }
}
