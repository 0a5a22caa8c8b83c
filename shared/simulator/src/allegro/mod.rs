//! The Allegro side of the simulator: OAuth, `/me`, post-purchase issues, Message Center,
//! orders and offers, with Allegro's enforcement (tokens, scopes, media types, User-Agent,
//! rate limits) and error bodies.

pub mod accounts;
pub mod api;
pub mod catalog;
pub mod control;
pub mod errors;
pub mod grants;
pub mod guard;
pub mod inbox;
pub mod oauth;

use crate::config::SimulatorConfig;

/// Beta media type, the only one `/sale/issues*` and the new Message Center accept.
pub const BETA_JSON: &str = "application/vnd.allegro.beta.v1+json";
/// Stable media type.
pub const PUBLIC_JSON: &str = "application/vnd.allegro.public.v1+json";

/// Everything the simulated Allegro knows.
#[derive(Debug)]
pub struct AllegroWorld {
    /// Sellers, the registered app, tokens, authorization and device codes, rate windows.
    pub accounts: accounts::Accounts,
    /// Buyers, orders and offers.
    pub catalog: catalog::Catalog,
    /// Post-purchase issues, Message Center threads, attachments, what the seller posted.
    pub inbox: inbox::Inbox,
}

impl AllegroWorld {
    /// A fresh Allegro with the configured application registered.
    pub fn new(config: &SimulatorConfig) -> Self {
        Self {
            accounts: accounts::Accounts::new(config),
            catalog: catalog::Catalog::default(),
            inbox: inbox::Inbox::default(),
        }
    }
}

//END
