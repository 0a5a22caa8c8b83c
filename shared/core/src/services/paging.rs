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

/// Reads store pages from `start` with `read` and keeps the items passing `keep` until `limit`
/// are found, the list ends, or `budget` items were looked at; the items and the cursor where
/// the list continues (`None` at its end). A rare filter thus gives short pages with a cursor,
/// never one unbounded request.
pub async fn filtered<T, Read, Fut>(
    start: Position,
    limit: usize,
    budget: usize,
    mut read: Read,
    keep: impl Fn(&T) -> bool,
) -> Result<(Vec<T>, Option<String>), RequestError>
where
    T: Clone,
    Read: FnMut(Option<PageCursor>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<PageCursor>), RequestError>>,
{
    let mut position = start;
    let mut found = Vec::new();
    let mut scanned = 0;
    while scanned < budget {
        let (page, next) = read(position.store.clone()).await?;
        scanned += page.len().saturating_sub(position.skip);
        for (i, item) in page.iter().enumerate().skip(position.skip) {
            if !keep(item) {
                continue;
            }
            found.push(item.clone());
            if found.len() == limit {
                let rest = if i + 1 < page.len() {
                    Some(Position {
                        store: position.store.clone(),
                        skip: i + 1,
                    })
                } else {
                    next.map(|store| Position {
                        store: Some(store),
                        skip: 0,
                    })
                };
                return Ok((found, rest.map(|p| p.encode())));
            }
        }
        match next {
            Some(store) => {
                position = Position {
                    store: Some(store),
                    skip: 0,
                }
            }
            None => return Ok((found, None)),
        }
    }
    Ok((found, Some(position.encode())))
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
