//! A typed, lenient client for the seller side of Allegro's REST API: OAuth (authorization
//! code with PKCE, refresh with rotation, device flow), `/me`, post-purchase issues
//! (`/sale/issues`, beta), the Message Center (`/messaging`, beta.v1), orders and offers.
//!
//! One [`AllegroClient`] serves every seller account of an application; each call takes the
//! seller's [`AccessToken`]. Every request sends the configured `User-Agent`; network faults
//! and 5xx are retried with backoff; 429 comes back at once as
//! [`AllegroError::RateLimited`]. Unknown enum values and missing fields never fail decoding.
//! Tokens and the client secret never appear in `Debug` output or error messages.

#![warn(missing_docs)]

pub mod attachments;
pub mod client;
pub mod config;
pub mod error;
pub mod gate;
pub mod http;
pub mod issues;
mod lenient;
pub mod me;
pub mod messaging;
pub mod models;
pub mod oauth;
pub mod offer_commands;
pub mod offer_list;
pub mod offers;
pub mod order_events;
pub mod order_writes;
pub mod orders;
pub mod token;

pub use attachments::{ByteChunks, Download, DownloadStream};
pub use client::AllegroClient;
pub use config::{AllegroConfig, Environment, Hosts, RetryPolicy, DEFAULT_MAX_ANSWER_BYTES};
pub use error::{AllegroError, ApiError};
pub use gate::{CallKind, RequestGate};
pub use lenient::Timestamp;
pub use oauth::{AuthorizationRequest, DeviceAuthorization, DevicePoll, OAuthError};
pub use token::{AccessToken, DeviceCode, PkceVerifier, RefreshToken, TokenSet};
