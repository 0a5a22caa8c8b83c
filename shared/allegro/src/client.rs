//! [`AllegroClient`]: one per application (client id), shared by every seller account; each
//! REST call takes the seller's access token.

use crate::config::AllegroConfig;
use crate::error::AllegroError;
use crate::http::Http;

/// The Allegro REST and OAuth client. Cheap to clone (the connection pool is shared).
#[derive(Debug, Clone)]
pub struct AllegroClient {
    http: Http,
}

impl AllegroClient {
    /// Builds a client (connection pool with rustls, the configured timeout, no redirects).
    pub fn new(config: AllegroConfig) -> Result<Self, AllegroError> {
        Ok(Self {
            http: Http::new(config)?,
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &AllegroConfig {
        self.http.config()
    }

    /// The HTTP machinery.
    pub(crate) fn http(&self) -> &Http {
        &self.http
    }
}
