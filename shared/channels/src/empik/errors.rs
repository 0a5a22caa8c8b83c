//! Mirakl client errors as the domain's marketplace errors.

use marketdesk_core::ports::MarketplaceError;
use marketdesk_mirakl::MiraklError;
use std::time::Duration;

/// What a failed Mirakl call means for the caller: dead key, back off, retry, or give up.
pub fn to_marketplace_error(error: MiraklError) -> MarketplaceError {
    match error {
        MiraklError::Unauthorized { .. } => {
            MarketplaceError::CredentialsRejected("EmpikPlace refused the API key (401)".into())
        }
        MiraklError::Forbidden { .. } => MarketplaceError::CredentialsRejected(
            "the API key has no access to this shop (403)".into(),
        ),
        MiraklError::RateLimited { retry_after } => MarketplaceError::RateLimited {
            retry_after: retry_after.unwrap_or(Duration::from_secs(60)),
        },
        MiraklError::BadRequest { message } | MiraklError::InvalidInput { message } => {
            MarketplaceError::Refused(message)
        }
        other => MarketplaceError::Unavailable(other.to_string()),
    }
}
