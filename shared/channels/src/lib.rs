//! Marketplace channels: the Allegro and EmpikPlace clients behind marketdesk's ports
//! (`ConversationSource`, `ReplyChannel`, `TokenRefresher`, `OAuthProvider`), mapping
//! marketplace conversations to inbound events (subjects, authors, panel) and marketplace
//! errors to the domain's. A pure adapter: it gets narrow ports from the core
//! (`marketdesk_core::adapter_ports`) and never names core's `services` or `repo`
//! (`tests/pure_adapter.rs` checks).

pub mod allegro;
pub mod budget;
pub mod empik;
pub mod settings;
pub mod webhooks;
pub mod wiring;
