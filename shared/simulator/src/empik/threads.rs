//! M11 `GET /api/inbox/threads` (list, seek-paginated) and M10 `GET /api/inbox/threads/{id}`.
//!
//! Order: `date_updated` descending (Mirakl's default `sort=date,DESC`, read off the SPEC's
//! example token), ties broken by creation order, newest first; `sort=date,ASC` reverses it.
//! Paging is seek-based on (`date_updated`, creation sequence): a token names the last (or
//! first) item of the page it came from, so a thread updated while a client pages moves to
//! the front and is only seen again by a later `updated_since` poll, as with the real service.
//! A token carries every filter and the limit; once given, all other parameters but `shop_id`
//! are ignored, as Mirakl documents.

use super::auth::authenticated;
use super::errors::{bad_request, not_found, ApiResult};
use super::model::{OptionalMillis, Thread};
use super::params::{format_millis, Params};
use super::EmpikWorld;
use crate::state::SimulatorState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// Default page size of M11.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest page size of seek-paginated resources; above it the call fails with 400.
pub const MAX_LIMIT: usize = 100;
/// How many of the latest messages M11 includes per thread with `with_messages=true`.
pub const LIST_MESSAGES: usize = 100;
/// Entity types M11 filters on.
pub const ENTITY_TYPES: [&str; 5] = [
    "MMP_ORDER",
    "MMP_OFFER",
    "MPS_ORDER",
    "MPS_SERVICE",
    "SELLER_OPERATOR",
];

/// A thread as the API shows it; `messages` = `None` leaves out `messages` and
/// `no_store_reply_needed`, `Some(n)` includes the last `n` messages.
pub fn thread_json(thread: &Thread, messages: Option<usize>) -> Value {
    let last = thread.messages.last();
    let metadata = json!({
        "last_message_date": last.map(|m| format_millis(&m.date_created)),
        "last_sender": last.map(|m| &m.from),
        "shop_reply_needed_since": OptionalMillis(thread.shop_reply_needed_since),
        "total_count": thread.messages.len(),
    });
    let mut body = Map::new();
    body.insert("id".into(), json!(thread.id));
    body.insert("topic".into(), json!(thread.topic));
    body.insert("entities".into(), json!(thread.entities));
    body.insert(
        "authorized_participants".into(),
        json!(thread.authorized_participants),
    );
    body.insert(
        "current_participants".into(),
        json!(thread.current_participants),
    );
    body.insert(
        "date_created".into(),
        json!(format_millis(&thread.date_created)),
    );
    body.insert(
        "date_updated".into(),
        json!(format_millis(&thread.date_updated)),
    );
    body.insert("metadata".into(), metadata);
    if let Some(count) = messages {
        let skip = thread.messages.len().saturating_sub(count);
        body.insert("no_store_reply_needed".into(), json!([]));
        body.insert("messages".into(), json!(thread.messages[skip..]));
    }
    Value::Object(body)
}

/// M10: one thread of the caller's shop with all its messages; 404 when unknown.
pub async fn get_thread(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    params: Params,
) -> ApiResult<Json<Value>> {
    let (world, shop_id) = authenticated(&state, &headers, &params)?;
    let thread = world
        .empik
        .thread(shop_id, &id)
        .ok_or_else(|| not_found(format!("Thread with id '{id}' not found")))?;
    Ok(Json(thread_json(thread, Some(usize::MAX))))
}

/// M11: the caller's threads, filtered and seek-paginated.
pub async fn list_threads(
    State(state): State<SimulatorState>,
    headers: HeaderMap,
    params: Params,
) -> ApiResult<Json<Value>> {
    let (world, shop_id) = authenticated(&state, &headers, &params)?;
    let empik = &world.empik;
    let cursor = match params.get("page_token") {
        Some(token) => decode_token(empik, token, shop_id)?,
        None => Cursor::from_params(&params, shop_id)?,
    };
    Ok(Json(page(empik, &cursor)))
}

/// Everything one M11 page depends on; page tokens carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    shop: i64,
    limit: usize,
    desc: bool,
    entity_type: Option<String>,
    entity_ids: Vec<String>,
    /// `updated_since` in milliseconds since the epoch.
    updated_since: Option<i64>,
    with_messages: bool,
    channel_codes: Vec<String>,
    /// Sort key of the item just before this page.
    after: Option<(i64, u64)>,
    /// Sort key of the item just after this page.
    before: Option<(i64, u64)>,
}

impl Cursor {
    fn from_params(params: &Params, shop: i64) -> ApiResult<Self> {
        let limit = match params.integer("limit")? {
            None => DEFAULT_LIMIT,
            Some(limit) if (1..=MAX_LIMIT as i64).contains(&limit) => limit as usize,
            Some(limit) => {
                return Err(bad_request(format!(
                "Invalid value '{limit}' for parameter : limit (must be between 1 and {MAX_LIMIT})"
            )))
            }
        };
        let desc = match params.get("sort") {
            None => true,
            Some(sort) => match sort.split_once(',') {
                Some(("date", dir)) if dir.eq_ignore_ascii_case("DESC") => true,
                Some(("date", dir)) if dir.eq_ignore_ascii_case("ASC") => false,
                _ => {
                    return Err(bad_request(format!(
                        "Invalid value '{sort}' for parameter : sort (supported: date,DESC and date,ASC)"
                    )))
                }
            },
        };
        let entity_type = params.get("entity_type").map(str::to_owned);
        if let Some(kind) = &entity_type {
            if !ENTITY_TYPES.contains(&kind.as_str()) {
                return Err(bad_request(format!(
                    "Invalid value '{kind}' for parameter : entity_type (available: {})",
                    ENTITY_TYPES.join(", ")
                )));
            }
        }
        let entity_ids = params.list("entity_id");
        if !entity_ids.is_empty() && entity_type.is_none() {
            return Err(bad_request(
                "The entity_type must be specified to use the entity_id filter",
            ));
        }
        Ok(Self {
            shop,
            limit,
            desc,
            entity_type,
            entity_ids,
            updated_since: params
                .date("updated_since")?
                .map(|date| date.timestamp_millis()),
            with_messages: params.boolean("with_messages")?.unwrap_or(false),
            channel_codes: params.list("channel_codes"),
            after: None,
            before: None,
        })
    }

    fn matches(&self, thread: &Thread) -> bool {
        if thread.shop_id != self.shop {
            return false;
        }
        if let Some(since) = self.updated_since {
            if thread.date_updated.timestamp_millis() < since {
                return false;
            }
        }
        if let Some(kind) = &self.entity_type {
            let hit = thread.entities.iter().any(|entity| {
                &entity.kind == kind
                    && (self.entity_ids.is_empty() || self.entity_ids.contains(&entity.id))
            });
            if !hit {
                return false;
            }
        }
        if !self.channel_codes.is_empty() {
            let in_channel = thread
                .channel_code
                .as_ref()
                .is_some_and(|code| self.channel_codes.contains(code));
            if !in_channel {
                return false;
            }
        }
        true
    }
}

fn sort_key(thread: &Thread) -> (i64, u64) {
    (thread.date_updated.timestamp_millis(), thread.seq)
}

fn page(world: &EmpikWorld, cursor: &Cursor) -> Value {
    let mut items: Vec<&Thread> = world.threads.iter().filter(|t| cursor.matches(t)).collect();
    items.sort_by_key(|thread| sort_key(thread));
    if cursor.desc {
        items.reverse();
    }
    // In page order, does `key` come after / before `anchor`?
    let later = |key: (i64, u64), anchor: (i64, u64)| {
        if cursor.desc {
            key < anchor
        } else {
            key > anchor
        }
    };
    let len = items.len();
    let (start, end) = match (cursor.after, cursor.before) {
        (Some(anchor), _) => {
            let start = items
                .iter()
                .position(|t| later(sort_key(t), anchor))
                .unwrap_or(len);
            (start, (start + cursor.limit).min(len))
        }
        (None, Some(anchor)) => {
            let end = items
                .iter()
                .position(|t| !later(anchor, sort_key(t)))
                .unwrap_or(len);
            (end.saturating_sub(cursor.limit), end)
        }
        (None, None) => (0, cursor.limit.min(len)),
    };
    let shown = &items[start..end];
    let messages = cursor.with_messages.then_some(LIST_MESSAGES);
    let mut body = Map::new();
    body.insert(
        "data".into(),
        Value::Array(shown.iter().map(|t| thread_json(t, messages)).collect()),
    );
    if let (Some(first), Some(last)) = (shown.first(), shown.last()) {
        if end < len {
            let next = Cursor {
                after: Some(sort_key(last)),
                before: None,
                ..cursor.clone()
            };
            body.insert("next_page_token".into(), json!(encode_token(world, &next)));
        }
        if start > 0 {
            let previous = Cursor {
                after: None,
                before: Some(sort_key(first)),
                ..cursor.clone()
            };
            body.insert(
                "previous_page_token".into(),
                json!(encode_token(world, &previous)),
            );
        }
    }
    Value::Object(body)
}

fn signature(world: &EmpikWorld, payload: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(world.token_secret().as_bytes());
    hasher.update(b".");
    hasher.update(payload.as_bytes());
    URL_SAFE.encode(hasher.finalize())
}

fn encode_token(world: &EmpikWorld, cursor: &Cursor) -> String {
    let payload = URL_SAFE.encode(serde_json::to_vec(cursor).unwrap_or_default());
    let signature = signature(world, &payload);
    format!("{payload}.{signature}")
}

fn decode_token(world: &EmpikWorld, token: &str, shop: i64) -> ApiResult<Cursor> {
    let invalid = || {
        bad_request(format!(
            "Invalid value '{token}' for parameter : page_token"
        ))
    };
    let (payload, given) = token.trim().split_once('.').ok_or_else(invalid)?;
    if signature(world, payload) != given {
        return Err(invalid());
    }
    let bytes = URL_SAFE.decode(payload).map_err(|_| invalid())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if cursor.shop != shop {
        return Err(invalid());
    }
    Ok(cursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let world = EmpikWorld::default();
        let cursor = Cursor {
            shop: 2000,
            limit: 2,
            desc: true,
            entity_type: Some("MMP_ORDER".into()),
            entity_ids: vec!["1-A".into()],
            updated_since: Some(5),
            with_messages: true,
            channel_codes: vec![],
            after: Some((10, 3)),
            before: None,
        };
        let token = encode_token(&world, &cursor);
        assert_eq!(
            decode_token(&world, &token, 2000).ok(),
            Some(cursor.clone())
        );
        assert!(decode_token(&world, &token, 2001).is_err(), "other shop");
        let tampered = format!("x{token}");
        assert!(decode_token(&world, &tampered, 2000).is_err());
        assert!(decode_token(&world, "garbage", 2000).is_err());
        let other_world = EmpikWorld::default();
        assert!(decode_token(&other_world, &token, 2000).is_err());
    }
}
