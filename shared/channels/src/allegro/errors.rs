//! Allegro client errors as the domain's marketplace errors. The client's messages never carry
//! tokens, so they can be passed on.

use marketdesk_allegro::AllegroError;
use marketdesk_core::ports::MarketplaceError;

/// What a failed Allegro call means for the poller: dead grant, back off, retry, or give up.
///
/// A 401 reaching this point means the grant died: the sources refresh the token first (and
/// retry once) before they give up.
pub fn to_marketplace_error(error: AllegroError) -> MarketplaceError {
    if error.is_account_blocked() {
        let said = error
            .errors()
            .iter()
            .find(|e| e.code == marketdesk_allegro::error::ACCOUNT_BLOCKED_CODE)
            .and_then(|e| e.user_message.clone().or_else(|| e.message.clone()))
            .unwrap_or_else(|| "Allegro reports a blockade on the seller account".into());
        return MarketplaceError::AccountBlocked(said);
    }
    match error {
        AllegroError::Unauthorized { .. } => MarketplaceError::CredentialsRejected(format!(
            "Allegro no longer accepts the account's tokens; connect it again ({error})"
        )),
        AllegroError::Forbidden { .. } => MarketplaceError::CredentialsRejected(format!(
            "the account's authorization lacks a scope marketdesk needs; connect it again \
             and grant every scope ({error})"
        )),
        AllegroError::RateLimited { retry_after, .. } => {
            MarketplaceError::RateLimited { retry_after }
        }
        AllegroError::Server { .. }
        | AllegroError::Network { .. }
        | AllegroError::Decode { .. }
        | AllegroError::AnswerTooLarge { .. } => MarketplaceError::Unavailable(error.to_string()),
        other => MarketplaceError::Refused(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn each_kind_of_failure_maps_to_what_the_poller_does_with_it() {
        let unauthorized = AllegroError::Unauthorized {
            error: "invalid_token".into(),
            description: Some("Access token expired".into()),
            trace_id: None,
        };
        assert!(matches!(
            to_marketplace_error(unauthorized),
            MarketplaceError::CredentialsRejected(_)
        ));
        let forbidden = AllegroError::Forbidden {
            errors: vec![],
            trace_id: None,
        };
        assert!(matches!(
            to_marketplace_error(forbidden),
            MarketplaceError::CredentialsRejected(m) if m.contains("scope")
        ));
        let limited = AllegroError::RateLimited {
            retry_after: Duration::from_secs(60),
            retry_after_header: Some(Duration::from_secs(5)),
            trace_id: None,
        };
        assert_eq!(
            to_marketplace_error(limited),
            MarketplaceError::RateLimited {
                retry_after: Duration::from_secs(60)
            }
        );
        for transient in [
            AllegroError::Server {
                status: 503,
                errors: vec![],
                trace_id: None,
            },
            AllegroError::Network {
                message: "connection reset".into(),
                timeout: false,
            },
            AllegroError::Decode {
                message: "EOF".into(),
                trace_id: None,
            },
        ] {
            assert!(matches!(
                to_marketplace_error(transient),
                MarketplaceError::Unavailable(_)
            ));
        }
        let blocked = AllegroError::Forbidden {
            errors: vec![marketdesk_allegro::error::ApiError {
                code: "SellerAccountWithSellBlockadeException".into(),
                message: Some(
                    "Product proposals unauthorized according to blockade on user's account."
                        .into(),
                ),
                details: None,
                path: None,
                user_message: Some(
                    "The user with a blockade on account cannot create new product proposals."
                        .into(),
                ),
                metadata: None,
            }],
            trace_id: None,
        };
        assert_eq!(
            to_marketplace_error(blocked),
            MarketplaceError::AccountBlocked(
                "The user with a blockade on account cannot create new product proposals.".into()
            )
        );
        let refused = AllegroError::Validation {
            status: 422,
            errors: vec![],
            trace_id: None,
        };
        assert!(matches!(
            to_marketplace_error(refused),
            MarketplaceError::Refused(_)
        ));
    }
}
