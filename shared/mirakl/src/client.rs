//! The client handle: one configured HTTP side, cheap to clone, shared by every call.

use crate::config::MiraklConfig;
use crate::error::MiraklResult;
use crate::http::Http;
use crate::links;

/// A Mirakl seller API client for one shop (one API key, optional `shop_id`).
///
/// `Debug` never shows the API key.
#[derive(Debug, Clone)]
pub struct MiraklClient {
    pub(crate) http: Http,
    base_url: String,
}

impl MiraklClient {
    /// Checks `config` (base URL, key usable as a header) and builds the client; no call is made.
    pub fn new(config: MiraklConfig) -> MiraklResult<Self> {
        Ok(Self {
            http: Http::new(&config)?,
            base_url: config.normalized_base_url(),
        })
    }

    /// The host URL in use, without `/api`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The back-office page of `order_id` on this client's host.
    pub fn order_url(&self, order_id: &str) -> String {
        links::order_url(&self.base_url, order_id)
    }
}
