//! A01: the shop behind the API key (validates the key; Mirakl asks for at most one call a day).

use crate::client::MiraklClient;
use crate::error::{MiraklError, MiraklResult};
use crate::http::Call;
use crate::lenient::{self, lenient_enum};
use serde::{Deserialize, Serialize};

lenient_enum! {
    /// State of a shop.
    ShopState {
        /// Selling.
        Open = "OPEN",
        /// Closed (for example on holiday).
        Close = "CLOSE",
        /// Suspended by the operator.
        Suspended = "SUSPENDED",
        /// Terminated.
        Terminated = "TERMINATED",
    }
}

/// The A01 answer as sent (everything but the identity fields ignored).
#[derive(Debug, Deserialize)]
struct RawAccount {
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    shop_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::string")]
    shop_name: String,
    #[serde(default)]
    shop_state: ShopState,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    currency_iso_code: Option<String>,
}

/// The shop behind the key, from A01 (only `shop_id` and `shop_name` are relied on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Mirakl shop id.
    pub shop_id: i64,
    /// Shop name.
    pub shop_name: String,
    /// Shop state (`Other("")` when absent).
    pub shop_state: ShopState,
    /// Currency ISO code, if sent.
    pub currency: Option<String>,
}

impl MiraklClient {
    /// A01 `GET /api/account`: checks the key (401/403) and returns the shop it acts for.
    pub async fn account(&self) -> MiraklResult<Account> {
        const CONTEXT: &str = "A01 account";
        let account: RawAccount = self.http.json(Call::get(CONTEXT, &["account"])).await?;
        let shop_id = account
            .shop_id
            .ok_or_else(|| MiraklError::decode(CONTEXT, "no shop_id in the answer"))?;
        Ok(Account {
            shop_id,
            shop_name: account.shop_name,
            shop_state: account.shop_state,
            currency: account.currency_iso_code,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_fields_are_read_leniently() {
        let account: RawAccount = serde_json::from_str(
            r#"{"shop_id":"2000","shop_name":"ACME SHOP","shop_state":"HIBERNATING","currency_iso_code":"PLN","extra":[1]}"#,
        )
        .expect("account");
        assert_eq!(account.shop_id, Some(2000));
        assert_eq!(account.shop_state, ShopState::Other("HIBERNATING".into()));
        assert_eq!(account.currency_iso_code.as_deref(), Some("PLN"));
        let bare: RawAccount = serde_json::from_str(r#"{"shop_id":7}"#).expect("bare");
        assert_eq!(
            (bare.shop_name.as_str(), bare.currency_iso_code),
            ("", None)
        );
    }
}
