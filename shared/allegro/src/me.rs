//! `GET /me`: the seller the token acts for (scope `allegro:api:profile:read`).

use crate::client::AllegroClient;
use crate::error::AllegroError;
use crate::http::{Call, Media};
use crate::token::AccessToken;
use reqwest::Method;
use serde::Deserialize;

/// `MeResponse`; the spec marks no field required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Me {
    /// Allegro user id (digits).
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub id: Option<String>,
    /// Login.
    pub login: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// The account's home marketplace (`allegro-pl`).
    pub base_marketplace: Option<MarketplaceRef>,
    /// Company data (business accounts).
    pub company: Option<Company>,
    /// Account features (`SUPER_SELLER`, …).
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub features: Vec<String>,
}

/// `{id}` of a marketplace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct MarketplaceRef {
    /// Marketplace id, e.g. `allegro-pl`.
    pub id: Option<String>,
}

/// A seller's company.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Company {
    /// Company name.
    pub name: Option<String>,
    /// Tax id (NIP).
    pub tax_id: Option<String>,
}

impl AllegroClient {
    /// `GET /me`.
    pub async fn me(&self, token: &AccessToken) -> Result<Me, AllegroError> {
        let url = self.http().api_url(&["me"])?;
        self.http()
            .call_json(&Call::api(Method::GET, url, Media::Public, token))
            .await
    }
}
