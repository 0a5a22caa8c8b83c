//! `marketdesk`: the all-in-one local binary. `marketdesk serve` runs the agent API and every
//! background loop (scheduler, pollers, ingest, sender, token refresh) in one process on the
//! embedded backend (SQLite); `marketdesk demo` adds the marketplace simulator and simulated
//! buyers to show it at work.

mod api_key;
mod backend;
mod backup;
mod cli;
mod demo;
mod loops;
mod metrics_endpoint;
mod migrate_secrets;
mod notifications;
mod reindex;
mod serve;
mod settings;
mod simulator;
mod stack;
mod status;
mod user;

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let env = marketdesk_core::config::Env::from_process();
    let result: Result<(), Box<dyn std::error::Error>> = match cli.command {
        cli::Command::Serve(args) => match settings::ServeSettings::resolve(&args, &env) {
            Ok(settings) => {
                init_tracing(&settings.log);
                serve::run(settings, &env).await.map_err(Into::into)
            }
            Err(error) => Err(error.into()),
        },
        cli::Command::Simulator(args) => match settings::LogSettings::resolve(&env) {
            Ok(log) => {
                init_tracing(&log);
                simulator::run(&args, &env).await.map_err(Into::into)
            }
            Err(error) => Err(error.into()),
        },
        cli::Command::Demo(args) => {
            demo::init_tracing(&env);
            demo::run(args).await.map_err(Into::into)
        }
        cli::Command::ApiKey(cli::ApiKeyCommand::Create(args)) => {
            api_key::create(&args, &env).await.map_err(Into::into)
        }
        cli::Command::User(cli::UserCommand::Create(args)) => {
            user::create(&args, &env).await.map_err(Into::into)
        }
        cli::Command::Notifications(args) => {
            notifications::list(&args, &env).await.map_err(Into::into)
        }
        cli::Command::Backup(args) => backup::backup(&args, &env).map_err(Into::into),
        cli::Command::Restore(args) => backup::restore(&args, &env).map_err(Into::into),
        cli::Command::Status(args) => status::run(&args, &env).await.map_err(Into::into),
        cli::Command::Reindex(args) => reindex::run(&args, &env).await.map_err(Into::into),
        cli::Command::MigrateSecrets(args) => {
            migrate_secrets::run(&args, &env).await.map_err(Into::into)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("marketdesk: {error}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(log: &settings::LogSettings) {
    let filter = tracing_subscriber::EnvFilter::try_new(&log.filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // The log goes to stderr (stdout is for what commands print); colour codes only when a
    // person reads it on a terminal, never in a redirected file.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if log.json {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}
