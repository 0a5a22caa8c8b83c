//! `marketdesk simulator`: the marketplace simulator as a standalone process.

use crate::cli::SimulatorArgs;
use marketdesk_core::config::{ConfigError, Env};
use marketdesk_simulator::{RunningSimulator, SimulatorConfig};
use std::net::SocketAddr;

/// Default simulator address: next to the API's default port.
pub const DEFAULT_SIMULATOR_LISTEN: &str = "127.0.0.1:3001";

/// The deprecated old name of `MARKETDESK_SIMULATOR_LISTEN` (from when the simulator was called
/// the simulator), still read when the new name is unset so old scripts keep working.
pub const DEPRECATED_LISTEN_VARIABLE: &str = "MARKETDESK_SANDBOX_LISTEN";

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

/// The simulator's settings: flag, else variable (the new name, else the deprecated one), else
/// default.
pub fn resolve(
    args: &SimulatorArgs,
    env: &Env,
) -> Result<(SocketAddr, SimulatorConfig), ConfigError> {
    let listen = match args.listen {
        Some(addr) => addr,
        None => match env.parse::<SocketAddr>("MARKETDESK_SIMULATOR_LISTEN")? {
            Some(addr) => addr,
            None => match env.parse::<SocketAddr>(DEPRECATED_LISTEN_VARIABLE)? {
                Some(addr) => {
                    tracing::warn!(
                        variable = DEPRECATED_LISTEN_VARIABLE,
                        "deprecated variable name: use MARKETDESK_SIMULATOR_LISTEN"
                    );
                    addr
                }
                None => DEFAULT_SIMULATOR_LISTEN
                    .parse()
                    .expect("the default address is valid"),
            },
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    fn listen(pairs: &[(&str, &str)]) -> Result<SocketAddr, ConfigError> {
        resolve(
            &SimulatorArgs { listen: None },
            &Env::from_pairs(pairs.iter().copied()),
        )
        .map(|(addr, _)| addr)
    }

    #[test]
    fn the_listen_variable_is_read_under_its_deprecated_name_too() {
        let old = "MARKETDESK_SANDBOX_LISTEN"; // deprecated
        assert_eq!(
            listen(&[(old, "127.0.0.1:4101")]).expect("valid").port(),
            4101
        );
        let both = [
            ("MARKETDESK_SIMULATOR_LISTEN", "127.0.0.1:4102"),
            (old, "127.0.0.1:4101"),
        ];
        assert_eq!(
            listen(&both).expect("valid").port(),
            4102,
            "the new name wins"
        );
        assert_eq!(listen(&[]).expect("default").port(), 3001);
        let error = listen(&[(old, "port 80 please")]).expect_err("a bad old value is refused");
        assert!(error.to_string().contains(old), "{error}");
    }
}
