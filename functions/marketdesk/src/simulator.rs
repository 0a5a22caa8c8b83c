//! `marketdesk simulator`: the marketplace simulator as a standalone process.

use crate::cli::SimulatorArgs;
use marketdesk_core::config::{ConfigError, Env};
use marketdesk_simulator::{RunningSimulator, SimulatorConfig};
use std::net::SocketAddr;

/// Default simulator address: next to the API's default port.
pub const DEFAULT_SIMULATOR_LISTEN: &str = "127.0.0.1:3001";

/// Why the simulator could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    /// A setting is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
}

/// The simulator's settings: flag, else variable, else default.
pub fn resolve(
    args: &SimulatorArgs,
    env: &Env,
) -> Result<(SocketAddr, SimulatorConfig), ConfigError> {
    let listen = match args.listen {
        Some(addr) => addr,
        None => env
            .parse::<SocketAddr>("MARKETDESK_SIMULATOR_LISTEN")?
            .unwrap_or_else(|| {
                DEFAULT_SIMULATOR_LISTEN
                    .parse()
                    .expect("the default address is valid")
            }),
    };
    let mut config = SimulatorConfig::default();
    if let Some(id) = env.optional("MARKETDESK_ALLEGRO_CLIENT_ID") {
        config.allegro_client_id = id.to_owned();
    }
    if let Some(secret) = env.optional("MARKETDESK_ALLEGRO_CLIENT_SECRET") {
        config.allegro_client_secret = secret.to_owned();
    }
    Ok((listen, config))
}

/// Serves the simulator until Ctrl-C or SIGTERM.
pub async fn run(args: &SimulatorArgs, env: &Env) -> Result<(), SimulatorError> {
    let (addr, config) = resolve(args, env)?;
    let simulator = RunningSimulator::start(addr, config)
        .await
        .map_err(|source| SimulatorError::Listen { addr, source })?;
    tracing::info!(url = %simulator.base_url, "marketplace simulator is serving");
    println!("marketplace simulator listening on {}", simulator.base_url);
    crate::serve::shutdown_signal().await;
    tracing::info!("simulator stopped");
    Ok(())
}
