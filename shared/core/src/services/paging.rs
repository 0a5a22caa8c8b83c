//! Cursor paging of API lists over store queries, including lists filtered while paging.
//!
//! An API cursor is opaque to clients: base64url of a small JSON naming the store page it
//! starts in and how many items of that page were already handed out. Filtering lists
//! re-read that store page with the same page size and skip what was handed out, so a page
//! of results can end in the middle of a store page.

use super::request::RequestError;
use crate::ports::PageCursor;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// Page size when the client names none.
pub const DEFAULT_LIMIT: u32 = 25;
/// Largest page a client may ask for.
pub const MAX_LIMIT: u32 = 100;

/// Where a list continues.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// The store page to read (`None`: the first).
    pub store: Option<PageCursor>,
    /// Items of that store page already handed out.
    pub skip: usize,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Encoded {
    c: Option<String>,
    s: usize,
}

impl Position {
    /// The cursor text given to clients.
    pub fn encode(&self) -> String {
        let encoded = Encoded {
            c: self.store.as_ref().map(|c| c.0.clone()),
            s: self.skip,
        };
        // A struct of a string and a number always serialises.
        let json = serde_json::to_vec(&encoded).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads a client's cursor; `None` starts at the beginning.
    pub fn decode(cursor: Option<&str>) -> Result<Self, RequestError> {
        let Some(text) = cursor else {
            return Ok(Self::default());
        };
        let bad = || RequestError::invalid("cursor", "not a cursor returned by this list");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let encoded: Encoded = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        Ok(Self {
            store: encoded.c.map(PageCursor),
            skip: encoded.s,
        })
    }
}

/// The page size asked for, checked: 1..=[`MAX_LIMIT`], [`DEFAULT_LIMIT`] when absent.
pub fn limit(asked: Option<u32>) -> Result<usize, RequestError> {
    match asked {
        None => Ok(DEFAULT_LIMIT as usize),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n as usize),
        Some(_) => Err(RequestError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_names_the_field() {
        let position = Position {
            store: Some(PageCursor("abc".into())),
            skip: 7,
        };
        assert_eq!(
            Position::decode(Some(&position.encode())).expect("valid"),
            position
        );
        assert_eq!(Position::decode(None).expect("start"), Position::default());
        for bad in ["", "!!", "e30", "bm90IGpzb24"] {
            let err = Position::decode(Some(bad)).expect_err("garbage");
            assert!(matches!(err, RequestError::Invalid { ref field, .. } if field == "cursor"));
        }
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(101)).is_err());
        assert_eq!(limit(None).expect("default"), 25);
    }
}
