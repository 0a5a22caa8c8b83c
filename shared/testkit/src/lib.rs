//! Test support shared by marketdesk's tests, so a test author finds one helper per job:
//!
//! - [`simulator`]: a client of the marketplace simulator's control API (`/__simulator`);
//! - [`backend`] (feature `local`): the embedded backend in a temporary directory, on the
//!   system clock or a manual one, and integrations seeded into it;
//! - [`fixtures`] (feature `local`): what the service tests build on: a backend on a manual
//!   clock at a fixed start with its recording notifier, integrations, inbound disputes, agents;
//! - [`aws`] (feature `aws`): DynamoDB Local and moto, found through the environment;
//! - [`sources`] and [`module_graph`]: the workspace's own sources, for structure checks (what a
//!   crate imports, no module cycle).
//!
//! A dev-dependency only: product code never imports it. Helpers panic with a message that
//! names what failed, as tests want; none of them is meant for external data.

pub mod module_graph;
pub mod simulator;
pub mod sources;

#[cfg(feature = "local")]
pub mod backend;

#[cfg(feature = "local")]
pub mod fixtures;

#[cfg(feature = "aws")]
pub mod aws;

pub use simulator::SimulatorControl;
