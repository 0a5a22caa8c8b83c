//! marketdesk domain: tickets, messages, customers, integrations and the ports they need.
//!
//! No AWS and no HTTP here: adapters live in `marketdesk-aws` and `marketdesk-local`.

pub mod adapter_ports;
pub mod config;
pub mod disposition;
pub mod domain;
pub mod ids;
pub mod jobs;
pub mod metrics;
pub mod polling;
pub mod ports;
pub mod repo;
pub mod services;
pub mod sla;
pub mod status;

#[cfg(feature = "conformance")]
pub mod conformance;
