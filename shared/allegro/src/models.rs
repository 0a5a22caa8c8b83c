//! Small shapes shared by several resources.

use serde::{Deserialize, Serialize};

/// An amount of money as Allegro writes it: `{"amount": "123.45", "currency": "PLN"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Price {
    /// Decimal amount as text (`"123.45"`).
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub amount: Option<String>,
    /// ISO 4217 currency code.
    pub currency: Option<String>,
}

/// `{id}` of a referenced resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IdRef {
    /// The id.
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub id: Option<String>,
}
