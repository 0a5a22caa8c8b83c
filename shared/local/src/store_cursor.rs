//! Page cursors of [`SqliteStore`](crate::SqliteStore) queries: the last item's sort position.
//!
//! A cursor is base64url of JSON naming the index and partition it belongs to, so a cursor
//! passed to another query is refused instead of silently skipping items.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use marketdesk_core::ports::{Index, Item, PageCursor, Query, StoreError};
use serde::{Deserialize, Serialize};

/// Where the previous page ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum After {
    /// Table query: the last sort key.
    Table { sk: String },
    /// Index query: the last index sort key, then the primary key that breaks ties.
    Index {
        index_sk: String,
        pk: String,
        sk: String,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Encoded {
    /// Index name, or `None` for the table.
    i: Option<String>,
    /// Partition the cursor belongs to.
    p: String,
    /// Sort position: `[sk]` or `[index sk, pk, sk]`.
    s: Vec<String>,
}

/// The cursor pointing just past `last`, an item returned by `query`.
pub(crate) fn encode(query: &Query, last: &Item) -> Result<PageCursor, StoreError> {
    let position = match query.index {
        None => vec![last.key.sk.clone()],
        Some(index) => {
            let key = last.index_key(index).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "item {}/{} returned by {} has no key in it",
                    last.key.pk,
                    last.key.sk,
                    index.name()
                ))
            })?;
            vec![key.sk.clone(), last.key.pk.clone(), last.key.sk.clone()]
        }
    };
    let encoded = Encoded {
        i: query.index.map(|i| i.name().to_owned()),
        p: query.partition.clone(),
        s: position,
    };
    let json = serde_json::to_vec(&encoded)
        .map_err(|e| StoreError::Invalid(format!("cannot encode cursor: {e}")))?;
    Ok(PageCursor(URL_SAFE_NO_PAD.encode(json)))
}

/// The position `cursor` points after, checked to belong to `query`.
pub(crate) fn decode(query: &Query, cursor: &PageCursor) -> Result<After, StoreError> {
    let invalid = || StoreError::Invalid("page cursor is not from this query".into());
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.0.as_bytes())
        .map_err(|_| invalid())?;
    let encoded: Encoded = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    let index = query.index.map(Index::name);
    if encoded.i.as_deref() != index || encoded.p != query.partition {
        return Err(invalid());
    }
    match (query.index, encoded.s.as_slice()) {
        (None, [sk]) => Ok(After::Table { sk: sk.clone() }),
        (Some(_), [index_sk, pk, sk]) => Ok(After::Index {
            index_sk: index_sk.clone(),
            pk: pk.clone(),
            sk: sk.clone(),
        }),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_core::ports::{IndexKey, Key};
    use serde_json::json;

    #[test]
    fn cursors_round_trip_and_stay_with_their_query() {
        let item = Item::new(Key::new("P", "S"), json!({}))
            .with_index(Index::Gsi2, IndexKey::new("IP", "IS"));
        let table = Query::partition("P");
        let cursor = encode(&table, &item).expect("encode");
        assert_eq!(
            decode(&table, &cursor).expect("decode"),
            After::Table { sk: "S".into() }
        );
        let index = Query::index(Index::Gsi2, "IP");
        let cursor_ix = encode(&index, &item).expect("encode");
        assert_eq!(
            decode(&index, &cursor_ix).expect("decode"),
            After::Index {
                index_sk: "IS".into(),
                pk: "P".into(),
                sk: "S".into()
            }
        );
        for (query, cursor) in [
            (&index, &cursor),
            (&table, &cursor_ix),
            (&Query::partition("other"), &cursor),
            (&Query::index(Index::Gsi1, "IP"), &cursor_ix),
        ] {
            assert!(matches!(decode(query, cursor), Err(StoreError::Invalid(_))));
        }
        assert!(decode(&table, &PageCursor("%%%".into())).is_err());
        assert!(decode(&table, &PageCursor(URL_SAFE_NO_PAD.encode("[1]"))).is_err());
    }
}
