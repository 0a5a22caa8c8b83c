//! The marketplaces marketdesk talks to: one type for where a ticket came from and what an
//! integration connects.

use super::cursor::Channel;
use serde::{Deserialize, Serialize};

/// A marketplace: the source of a ticket and the kind of an integration.
///
/// The wire values (`"allegro"`, `"empikplace"`) are the public API's and the stored items';
/// they stay as they are whatever the variants are called.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Marketplace {
    /// Allegro: a seller account connected through OAuth.
    #[serde(rename = "allegro")]
    Allegro,
    /// EmpikPlace: a shop on its Mirakl seller API, connected with an API key.
    #[serde(rename = "empikplace")]
    Empik,
}

impl Marketplace {
    /// The marketplace's name in keys, filters and the API (the same as its serde value).
    pub fn as_str(self) -> &'static str {
        match self {
            Marketplace::Allegro => "allegro",
            Marketplace::Empik => "empikplace",
        }
    }

    /// The inboxes polled for an account on this marketplace.
    pub fn channels(self) -> &'static [Channel] {
        match self {
            Marketplace::Allegro => &[Channel::AllegroIssues, Channel::AllegroMessaging],
            Marketplace::Empik => &[Channel::EmpikThreads],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_values_are_the_names_in_keys_and_filters() {
        for marketplace in [Marketplace::Allegro, Marketplace::Empik] {
            let json = serde_json::to_value(marketplace).expect("serialises");
            assert_eq!(json, serde_json::Value::from(marketplace.as_str()));
            let back: Marketplace = serde_json::from_value(json).expect("deserialises");
            assert_eq!(back, marketplace);
        }
        assert_eq!(Marketplace::Allegro.as_str(), "allegro");
        assert_eq!(Marketplace::Empik.as_str(), "empikplace");
    }
}
