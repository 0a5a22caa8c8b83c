//! What core's service tests share: the test kit's fixtures (an embedded backend on a manual
//! clock, integrations, inbound events) and, here only, a scripted marketplace for the outbox.

#![allow(dead_code)]

pub mod scripted;

pub use marketdesk_testkit::fixtures::*;
