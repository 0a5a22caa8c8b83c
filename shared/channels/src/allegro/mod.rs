//! The Allegro channels: post-purchase issues and Message Center threads.

pub mod subjects;

pub mod access;
pub mod client;
pub mod delivery;
pub mod errors;
pub mod issues_source;
pub mod links;
pub mod mapping;
pub mod messaging_source;
pub mod oauth;
pub mod offers;
pub mod order_journal;
pub mod order_updates;
mod orders;
pub mod panel;
mod positions;
pub mod tokens;

pub use client::{AllegroChannelConfig, AllegroClients};
pub use delivery::{AllegroIssueReplies, AllegroThreadReplies};
pub use errors::to_marketplace_error;
pub use issues_source::AllegroIssuesSource;
pub use messaging_source::AllegroMessagingSource;
pub use oauth::AllegroOAuth;
pub use tokens::AllegroTokenRefresher;
