//! Changes to an Allegro account's offer settings (`settings.offers` of an integration patch).
//! The "since" times of the switches are stamped by `domain::offer::stamp_switches` where the
//! patch is stored, so the time is the store's clock, not the caller's.

use super::request::RequestError;
use super::validation;
use crate::domain::offer::OfferSettings;
use serde::{Deserialize, Deserializer};

/// Longest price list name or category id accepted.
const MAX_NAME_CHARS: usize = 100;

/// Offer settings to change; absent fields keep their value, `null` clears the optional ones.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OffersPatch {
    /// Whether the account's offers are read.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Link offers to products by EAN automatically.
    #[serde(default)]
    pub link_automatically: Option<bool>,
    /// Push products' stock to linked offers (production accounts only).
    #[serde(default)]
    pub stock_control: Option<bool>,
    /// Raise offers' stock when the product's stock rises after an ERP sync.
    #[serde(default)]
    pub raise_stock: Option<bool>,
    /// Renew ended offers automatically.
    #[serde(default)]
    pub renew_automatically: Option<bool>,
    /// Renew at the product's current price.
    #[serde(default)]
    pub renew_at_current_price: Option<bool>,
    /// Send product price changes to linked offers.
    #[serde(default)]
    pub price_sync: Option<bool>,
    /// The account's price list (`null`: `Default`).
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"))]
    pub price_list: Option<Option<String>>,
    /// The account's default category id (`null`: none).
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"))]
    pub default_category: Option<Option<String>>,
}

fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Applies `patch` to `settings`, refusing names that are not plain short labels.
pub fn apply(settings: &mut OfferSettings, patch: OffersPatch) -> Result<(), RequestError> {
    let switches = [
        (patch.enabled, &mut settings.enabled),
        (patch.link_automatically, &mut settings.link_automatically),
        (patch.stock_control, &mut settings.stock_control),
        (patch.raise_stock, &mut settings.raise_stock),
        (patch.renew_automatically, &mut settings.renew_automatically),
        (
            patch.renew_at_current_price,
            &mut settings.renew_at_current_price,
        ),
        (patch.price_sync, &mut settings.price_sync),
    ];
    for (new, slot) in switches {
        if let Some(value) = new {
            *slot = value;
        }
    }
    if let Some(list) = patch.price_list {
        settings.price_list = label("settings.offers.price_list", list)?;
    }
    if let Some(category) = patch.default_category {
        settings.default_category = label("settings.offers.default_category", category)?;
    }
    Ok(())
}

fn label(field: &str, text: Option<String>) -> Result<Option<String>, RequestError> {
    text.map(|text| {
        validation::label(field, &text, MAX_NAME_CHARS)?;
        Ok(text.trim().to_owned())
    })
    .transpose()
}
