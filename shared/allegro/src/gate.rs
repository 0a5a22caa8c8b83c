//! The hook every request passes before it is sent: the installation's shared request budget
//! (`marketdesk-core`'s `services::budget` behind it). The client says what kind of work a
//! call is; the gate waits for a slot, or refuses while the client id is blocked after a 429,
//! and hears of every 429 so that all workers stop.

use async_trait::async_trait;
use reqwest::Method;
use std::fmt::Debug;
use std::time::Duration;
use url::Url;

/// What a call is for, most urgent first (the budget's priorities).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallKind {
    /// Posting to a conversation (replies, autoresponses, their attachments, read marks).
    Reply,
    /// The OAuth host: token refreshes, code exchanges, device flow.
    Token,
    /// Reading buyer conversations (`/sale/issues`, `/messaging`, `/me`).
    Poll,
    /// Reading orders (`/order/...`).
    Orders,
    /// Offers and anything else (`/sale/offers`, `/sale/product-offers`, ...).
    Offers,
}

impl CallKind {
    /// The kind of a call by its method and URL: the OAuth host is token work; writes to
    /// `/sale/issues` and `/messaging` are replies, reads of them polls; `/order` orders;
    /// `/me` a poll; the rest offers and catalogue work.
    pub fn of(method: &Method, url: &Url, auth_url: &Url) -> Self {
        if url.origin() == auth_url.origin() && url.path().starts_with("/auth/") {
            return Self::Token;
        }
        let path = url.path();
        let conversation = path.starts_with("/sale/issues") || path.starts_with("/messaging");
        if conversation && method != Method::GET {
            Self::Reply
        } else if conversation || path == "/me" {
            Self::Poll
        } else if path.starts_with("/order") {
            Self::Orders
        } else {
            Self::Offers
        }
    }
}

/// The shared request budget as the client sees it.
#[async_trait]
pub trait RequestGate: Send + Sync + Debug {
    /// Waits for a slot for a call of `kind` with `client_id`; `Err(retry_after)` when the call
    /// must not be sent now (blocked, or no slot in time): the client answers
    /// [`crate::AllegroError::RateLimited`] without sending.
    async fn admit(&self, client_id: &str, kind: CallKind) -> Result<(), Duration>;

    /// A call with `client_id` got 429: block every worker for `retry_after` (at least).
    async fn rate_limited(&self, client_id: &str, retry_after: Duration);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_classified_by_host_method_and_path() {
        let api = Url::parse("https://api.allegro.pl").expect("url");
        let auth = Url::parse("https://allegro.pl").expect("url");
        let kind = |method: Method, path: &str, base: &Url| {
            CallKind::of(&method, &base.join(path).expect("url"), &auth)
        };
        assert_eq!(
            kind(Method::POST, "/auth/oauth/token", &auth),
            CallKind::Token
        );
        assert_eq!(
            kind(Method::POST, "/messaging/threads/t/messages", &api),
            CallKind::Reply
        );
        assert_eq!(
            kind(Method::POST, "/sale/issues/i/message", &api),
            CallKind::Reply
        );
        assert_eq!(kind(Method::GET, "/sale/issues", &api), CallKind::Poll);
        assert_eq!(
            kind(Method::GET, "/messaging/threads", &api),
            CallKind::Poll
        );
        assert_eq!(kind(Method::GET, "/me", &api), CallKind::Poll);
        assert_eq!(
            kind(Method::GET, "/order/checkout-forms/o", &api),
            CallKind::Orders
        );
        // Order writes (fulfillment, invoices) are order work, not replies.
        for (method, path) in [
            (Method::PUT, "/order/checkout-forms/o/fulfillment"),
            (Method::POST, "/order/checkout-forms/o/invoices"),
            (Method::PUT, "/order/checkout-forms/o/invoices/i/file"),
        ] {
            assert_eq!(kind(method, path, &api), CallKind::Orders, "{path}");
        }
        assert_eq!(
            kind(Method::GET, "/sale/product-offers/1", &api),
            CallKind::Offers
        );
        // Offer commands are offer work too, however they write.
        for (method, path) in [
            (Method::PUT, "/sale/offer-quantity-change-commands/c"),
            (Method::GET, "/sale/offer-price-change-commands/c/tasks"),
            (Method::PUT, "/sale/offer-publication-commands/c"),
        ] {
            assert_eq!(kind(method, path, &api), CallKind::Offers, "{path}");
        }
    }
}
