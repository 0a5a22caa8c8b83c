//! Marketplace channels: the Allegro and EmpikPlace clients behind marketdesk's ports
//! (`ConversationSource`, `TokenRefresher`), mapping marketplace conversations to inbound
//! events (subjects, authors, panel) and marketplace errors to the domain's.

pub mod allegro;
pub mod budget;
pub mod empik;
pub mod settings;
pub mod ticks;
pub mod webhooks;
pub mod wiring;
