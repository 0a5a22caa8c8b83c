//! marketdesk domain: tickets, messages, customers, integrations and the ports they need.
//!
//! No AWS and no HTTP here: adapters live in `marketdesk-aws` and `marketdesk-local`.

pub mod ports;

#[cfg(feature = "conformance")]
pub mod conformance;
