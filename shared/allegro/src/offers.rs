//! `GET /sale/product-offers/{offerId}` (scope `allegro:api:sale:offers:read`): one offer, and
//! its EAN (GTIN), which is product parameter `225693` "EAN (GTIN)".

use crate::client::AllegroClient;
use crate::error::AllegroError;
use crate::http::{Call, Media};
use crate::lenient::Timestamp;
use crate::models::{IdRef, Price};
use crate::token::AccessToken;
use reqwest::Method;
use serde::Deserialize;

/// Allegro's parameter id of the EAN (GTIN).
pub const EAN_PARAMETER_ID: &str = "225693";
/// Allegro's parameter name of the EAN (GTIN).
pub const EAN_PARAMETER_NAME: &str = "EAN (GTIN)";

/// The fields of an offer a ticket shows; the rest is ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProductOffer {
    /// Offer id (digits).
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub id: Option<String>,
    /// Title.
    pub name: Option<String>,
    /// Category.
    pub category: Option<IdRef>,
    /// Products in the offer.
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub product_set: Vec<ProductSetItem>,
    /// Offer-level parameters.
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub parameters: Vec<Parameter>,
    /// Format and price.
    pub selling_mode: Option<SellingMode>,
    /// Stock.
    pub stock: Option<Stock>,
    /// Publication state.
    pub publication: Option<Publication>,
    /// The seller's own id of the offer.
    pub external: Option<IdRef>,
    /// Image URLs, the primary one first.
    #[serde(deserialize_with = "crate::lenient::strings")]
    pub images: Vec<String>,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// When it last changed.
    pub updated_at: Option<Timestamp>,
}

impl ProductOffer {
    /// The EAN (GTIN): parameter `225693` (or named "EAN (GTIN)") of the offer's products,
    /// else of the offer itself.
    pub fn ean(&self) -> Option<&str> {
        self.product_set
            .iter()
            .filter_map(|item| item.product.as_ref())
            .flat_map(|product| product.parameters.iter())
            .chain(self.parameters.iter())
            .find(|parameter| parameter.is_ean())
            .and_then(|parameter| {
                parameter
                    .values
                    .iter()
                    .map(|v| v.trim())
                    .find(|v| !v.is_empty())
            })
    }
}

/// One entry of `productSet`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ProductSetItem {
    /// Quantity of the product in the offer.
    pub quantity: Option<QuantityValue>,
    /// The product.
    pub product: Option<Product>,
}

/// `{value}` quantity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct QuantityValue {
    /// The quantity.
    #[serde(deserialize_with = "crate::lenient::count")]
    pub value: Option<u64>,
}

/// A catalogue product.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Product {
    /// Product id (uuid), may be null.
    pub id: Option<String>,
    /// Product parameters (the EAN lives here).
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub parameters: Vec<Parameter>,
}

/// A parameter of a product or an offer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Parameter {
    /// Parameter id, e.g. `225693`.
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub id: Option<String>,
    /// Parameter name, e.g. `EAN (GTIN)`.
    pub name: Option<String>,
    /// Values as text.
    #[serde(deserialize_with = "crate::lenient::strings")]
    pub values: Vec<String>,
    /// Dictionary value ids.
    #[serde(deserialize_with = "crate::lenient::strings")]
    pub values_ids: Vec<String>,
}

impl Parameter {
    /// Whether this is the EAN (GTIN) parameter.
    pub fn is_ean(&self) -> bool {
        self.id.as_deref() == Some(EAN_PARAMETER_ID)
            || self
                .name
                .as_deref()
                .is_some_and(|n| n.trim().eq_ignore_ascii_case(EAN_PARAMETER_NAME))
    }
}

/// Format and price.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SellingMode {
    /// `BUY_NOW`, `AUCTION`, `ADVERTISEMENT` (kept as text).
    pub format: Option<String>,
    /// Price.
    pub price: Option<Price>,
}

/// Stock of an offer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Stock {
    /// Units available.
    #[serde(deserialize_with = "crate::lenient::count")]
    pub available: Option<u64>,
    /// `UNIT`, `PAIR`, `SET`.
    pub unit: Option<String>,
}

/// Publication state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Publication {
    /// `INACTIVE`, `ACTIVATING`, `ACTIVE`, `ENDED` (kept as text).
    pub status: Option<String>,
    /// Why it ended.
    pub ended_by: Option<String>,
}

impl AllegroClient {
    /// `GET /sale/product-offers/{offerId}`; `Ok(None)` when Allegro answers 404 (unknown,
    /// another seller's, or archived).
    pub async fn product_offer(
        &self,
        token: &AccessToken,
        offer_id: &str,
    ) -> Result<Option<ProductOffer>, AllegroError> {
        let url = self.http().api_url(&["sale", "product-offers", offer_id])?;
        match self
            .http()
            .call_json(&Call::api(Method::GET, url, Media::Public, token))
            .await
        {
            Ok(offer) => Ok(Some(offer)),
            Err(AllegroError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(json: &str) -> ProductOffer {
        serde_json::from_str(json).expect("decodes")
    }

    #[test]
    fn the_ean_comes_from_products_then_the_offer() {
        let from_product = offer(
            r#"{"id":"1","productSet":[{"quantity":{"value":1},"product":{"id":"p","parameters":[
                {"id":"11323","name":"Stan","values":["Nowy"]},
                {"id":"225693","name":"EAN (GTIN)","values":["5901234123457"],"valuesIds":null,"rangeValue":null}]}}],
               "parameters":[{"id":"225693","values":["0000000000000"]}]}"#,
        );
        assert_eq!(from_product.ean(), Some("5901234123457"));
        let from_offer = offer(
            r#"{"id":2,"productSet":[{"product":null}],"parameters":[{"id":225693,"values":[5901234123457]}]}"#,
        );
        assert_eq!(from_offer.ean(), Some("5901234123457"));
        let by_name = offer(r#"{"parameters":[{"name":"ean (gtin)","values":["", "123"]}]}"#);
        assert_eq!(by_name.ean(), Some("123"));
        assert_eq!(offer(r#"{"productSet":null}"#).ean(), None);
    }
}
