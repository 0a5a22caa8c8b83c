//! The seller's product catalogue as their ERP keeps it: products by SKU with an EAN, stock
//! and prices in named price lists, and the record of every stock or price change.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The price list every tenant has; products may carry prices in others too.
pub const DEFAULT_PRICE_LIST: &str = "Default";
/// The currency of the default price list.
pub const DEFAULT_CURRENCY: &str = "PLN";

/// How the stock of a product is counted (Allegro's `stock.unit`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StockUnit {
    /// Pieces.
    #[default]
    Unit,
    /// Pairs.
    Pair,
    /// Sets.
    Set,
}

/// One product of the tenant's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    /// The seller's stock-keeping unit: the product's id, as their ERP names it.
    pub sku: String,
    /// The product's name.
    pub name: String,
    /// The GTIN (EAN-8, UPC-A, EAN-13 or GTIN-14) offers are linked by, digits only, with a
    /// valid check digit; one product per EAN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, pattern = "^[0-9]{8,14}$")
    )]
    pub ean: Option<String>,
    /// Units in stock.
    pub stock: u32,
    /// How the stock is counted.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, inline))]
    pub unit: StockUnit,
    /// Gross prices by price list name, as decimal text with two places (`"49.99"`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = prices_schema))]
    pub prices: BTreeMap<String, String>,
    /// A picture of the product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub image_url: Option<String>,
    /// When it entered the catalogue.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// The schema of [`Product::prices`] (a map whose values have a pattern, which utoipa's
/// attributes cannot say).
#[cfg(feature = "openapi")]
fn prices_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, SchemaType};
    ObjectBuilder::new()
        .schema_type(SchemaType::Object)
        .description(Some(
            "Gross prices by price list name, as decimal text with two places.",
        ))
        .additional_properties(Some(
            ObjectBuilder::new()
                .schema_type(SchemaType::String)
                .pattern(Some("^[0-9]+\\.[0-9]{2}$")),
        ))
        .build()
}

/// A named price list of the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceList {
    /// Its name, unique in the tenant (`Default` always exists).
    pub name: String,
    /// ISO 4217 currency of its prices.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Z]{3}$"))]
    pub currency: String,
}

impl PriceList {
    /// The list every tenant has.
    pub fn default_list() -> Self {
        Self {
            name: DEFAULT_PRICE_LIST.to_owned(),
            currency: DEFAULT_CURRENCY.to_owned(),
        }
    }
}

/// Where a change of stock or price came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeSource {
    /// The API (`PUT /v1/products`), typically the seller's ERP.
    Api,
    /// A CSV import.
    CsvImport,
    /// An agent in the web workspace.
    Web,
}

/// What a recorded change changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum ChangedField {
    /// The stock.
    Stock {
        /// Before (`None`: the product was new).
        before: Option<u32>,
        /// After.
        after: u32,
    },
    /// The price in one price list.
    Price {
        /// The price list.
        price_list: String,
        /// Before (`None`: no price in that list before).
        before: Option<String>,
        /// After.
        after: String,
    },
}

/// One recorded change of a product's stock or of one of its prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductChange {
    /// The product.
    pub sku: String,
    /// When it was stored.
    pub at: DateTime<Utc>,
    /// Where it came from.
    pub source: ChangeSource,
    /// What changed, from what to what.
    #[serde(flatten)]
    pub change: ChangedField,
}

/// Why a product field is refused (the service names the field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueRuleError {
    /// A SKU is 1–64 characters without `#` or control characters.
    #[error("a SKU is 1 to 64 characters, without '#' or control characters")]
    BadSku,
    /// Not a GTIN: wrong length, not digits, or a wrong check digit.
    #[error("not an EAN/GTIN: 8, 12, 13 or 14 digits with a valid check digit")]
    BadEan,
    /// Not a price: a non-negative decimal with at most two places, below 100 000 000.
    #[error("a price is a decimal number with at most two places, e.g. 49.99")]
    BadPrice,
}

/// The SKU trimmed, if it is acceptable. `#` is refused because keys are built from it.
pub fn sku(text: &str) -> Result<String, CatalogueRuleError> {
    let sku = text.trim();
    let ok = !sku.is_empty()
        && sku.chars().count() <= 64
        && !sku.chars().any(|c| c == '#' || c.is_control());
    ok.then(|| sku.to_owned()).ok_or(CatalogueRuleError::BadSku)
}

/// The GTIN as digits, if `text` is one: 8, 12, 13 or 14 digits whose last is the GS1 check
/// digit (weights 3 and 1 from the right), so a mistyped EAN never links an offer.
pub fn ean(text: &str) -> Result<String, CatalogueRuleError> {
    let digits = text.trim();
    if ![8, 12, 13, 14].contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CatalogueRuleError::BadEan);
    }
    let values: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    let (body, check) = values.split_at(values.len() - 1);
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    if (10 - sum % 10) % 10 == check[0] {
        Ok(digits.to_owned())
    } else {
        Err(CatalogueRuleError::BadEan)
    }
}

/// The price as text with exactly two decimal places (`"49.9"` → `"49.90"`, `"12,5"` → `"12.50"`:
/// Polish ERPs and spreadsheets write a decimal comma).
pub fn price(text: &str) -> Result<String, CatalogueRuleError> {
    let text = text.trim().replace(',', ".");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 8
        || fraction.len() > 2
        || !digits(whole)
        || !digits(fraction)
    {
        return Err(CatalogueRuleError::BadPrice);
    }
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    Ok(format!("{whole}.{fraction:0<2}"))
}

/// The changes of stock and prices from `before` (absent for a new product) to `after`.
pub fn changes(before: Option<&Product>, after: &Product) -> Vec<ChangedField> {
    let mut found = Vec::new();
    let stock_before = before.map(|p| p.stock);
    if stock_before != Some(after.stock) {
        found.push(ChangedField::Stock {
            before: stock_before,
            after: after.stock,
        });
    }
    for (list, amount) in &after.prices {
        let price_before = before.and_then(|p| p.prices.get(list)).cloned();
        if price_before.as_ref() != Some(amount) {
            found.push(ChangedField::Price {
                price_list: list.clone(),
                before: price_before,
                after: amount.clone(),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eans_need_a_valid_check_digit() {
        assert_eq!(ean("5901234123457").as_deref(), Ok("5901234123457"));
        assert_eq!(ean(" 96385074 ").as_deref(), Ok("96385074"));
        assert_eq!(ean("036000291452").as_deref(), Ok("036000291452"));
        assert_eq!(ean("15901234123454").as_deref(), Ok("15901234123454"));
        assert_eq!(ean("5901234123458"), Err(CatalogueRuleError::BadEan));
        assert_eq!(ean("590123412345"), Err(CatalogueRuleError::BadEan));
        assert_eq!(ean("59012341234a7"), Err(CatalogueRuleError::BadEan));
        assert_eq!(ean(""), Err(CatalogueRuleError::BadEan));
    }

    #[test]
    fn prices_are_normalised_to_two_places() {
        assert_eq!(price("49.99").as_deref(), Ok("49.99"));
        assert_eq!(price("49.9").as_deref(), Ok("49.90"));
        assert_eq!(price("12,5").as_deref(), Ok("12.50"));
        assert_eq!(price("007").as_deref(), Ok("7.00"));
        assert_eq!(price("0.05").as_deref(), Ok("0.05"));
        for bad in [
            "",
            "-1",
            "1.234",
            "abc",
            "1e3",
            ".5",
            "123456789",
            "1.2.3",
            "1 000",
        ] {
            assert_eq!(price(bad), Err(CatalogueRuleError::BadPrice), "{bad}");
        }
    }

    #[test]
    fn skus_refuse_what_would_break_a_key() {
        assert_eq!(sku("  AB-12/x ").as_deref(), Ok("AB-12/x"));
        assert_eq!(sku("KOD 123").as_deref(), Ok("KOD 123"));
        assert_eq!(sku("A#1"), Err(CatalogueRuleError::BadSku));
        assert_eq!(sku("   "), Err(CatalogueRuleError::BadSku));
        assert_eq!(sku("a\tb"), Err(CatalogueRuleError::BadSku));
        assert_eq!(sku(&"x".repeat(65)), Err(CatalogueRuleError::BadSku));
    }

    fn product(stock: u32, prices: &[(&str, &str)]) -> Product {
        let now = Utc::now();
        Product {
            sku: "S1".into(),
            name: "Kubek".into(),
            ean: None,
            stock,
            unit: StockUnit::Unit,
            prices: prices
                .iter()
                .map(|(l, a)| (l.to_string(), a.to_string()))
                .collect(),
            image_url: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn changes_name_stock_and_each_changed_price() {
        let before = product(5, &[("Default", "10.00"), ("B2B", "8.00")]);
        let after = product(
            7,
            &[("Default", "10.00"), ("B2B", "7.50"), ("Promo", "9.00")],
        );
        assert_eq!(
            changes(Some(&before), &after),
            vec![
                ChangedField::Stock {
                    before: Some(5),
                    after: 7
                },
                ChangedField::Price {
                    price_list: "B2B".into(),
                    before: Some("8.00".into()),
                    after: "7.50".into()
                },
                ChangedField::Price {
                    price_list: "Promo".into(),
                    before: None,
                    after: "9.00".into()
                },
            ]
        );
        assert!(changes(Some(&after), &after).is_empty());
        assert_eq!(changes(None, &product(0, &[])).len(), 1);
    }
}
