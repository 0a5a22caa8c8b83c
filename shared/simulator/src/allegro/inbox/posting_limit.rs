//! Allegro's "1 request per second per user" on posting messages (allegro-api.md §4.2): the
//! spec states it for `POST /messaging/messages` and `POST /messaging/threads/{id}/messages`
//! only, so issue messages neither wait nor count. Measured on the simulator's clock; only
//! messages actually posted count.

use super::to_millis;
use crate::allegro::errors::errors_holder;
use crate::state::World;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// Least time between two messages a seller posts through the API.
pub const POSTING_INTERVAL: Duration = Duration::seconds(1);

/// When each seller last posted.
#[derive(Debug, Default)]
pub struct PostingLimit {
    /// Last post time by seller id.
    pub last_post: HashMap<String, DateTime<Utc>>,
}

impl PostingLimit {
    /// `Err(time left)` while the seller must wait before posting again.
    pub fn check(&self, seller_id: &str, now: DateTime<Utc>) -> Result<(), Duration> {
        match self.last_post.get(seller_id) {
            Some(last) if now - *last < POSTING_INTERVAL => Err(POSTING_INTERVAL - (now - *last)),
            _ => Ok(()),
        }
    }

    /// Notes a post.
    pub fn record(&mut self, seller_id: &str, now: DateTime<Utc>) {
        self.last_post.insert(seller_id.to_owned(), now);
    }
}

/// When a post by `seller_id` happens: now (whole milliseconds), or 429 while they must wait.
pub fn posting_time(world: &World, seller_id: &str) -> Result<DateTime<Utc>, Response> {
    let now = to_millis(world.clock.now());
    world
        .allegro
        .inbox
        .posting_limit
        .check(seller_id, now)
        .map_err(too_many_requests)?;
    Ok(now)
}

/// 429 `ErrorsHolder` with `Retry-After` (whole seconds, at least 1).
pub fn too_many_requests(wait: Duration) -> Response {
    let mut response = errors_holder(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequestsException",
        "Too many requests: a user may post at most 1 message per second",
        None,
    );
    let seconds = ((wait.num_milliseconds() + 999) / 1000).max(1);
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_post_per_second_per_seller() {
        let mut limit = PostingLimit::default();
        let t0 = Utc::now();
        assert!(limit.check("a", t0).is_ok());
        limit.record("a", t0);
        assert!(limit.check("a", t0 + Duration::milliseconds(999)).is_err());
        assert!(limit.check("b", t0).is_ok(), "other seller");
        assert!(limit.check("a", t0 + POSTING_INTERVAL).is_ok());
    }
}
