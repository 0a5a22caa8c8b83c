//! One item as a row of the items table: the columns in order, reading a row back into an
//! [`Item`], and SQLite failures as store errors. Shared by the store's writes
//! (`store`) and its queries (`store_query`), so neither needs the other for them.

use marketdesk_core::ports::{IndexKey, Item, Key, StoreError};
use rusqlite::Row;

/// Columns in the order [`read_item`] expects.
pub(crate) const ITEM_COLUMNS: &str =
    "pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk, version, expires_at, data";

/// A SQLite failure: the backend, not the request, is at fault.
pub(crate) fn sql(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!("sqlite: {e}"))
}

/// Reads one row selected with [`ITEM_COLUMNS`]; anything unexpected on disk is `Corrupt`.
pub(crate) fn read_item(row: &Row<'_>) -> Result<Item, StoreError> {
    let corrupt = |e: rusqlite::Error| StoreError::Corrupt(format!("unreadable item row: {e}"));
    let pk: String = row.get(0).map_err(corrupt)?;
    let sk: String = row.get(1).map_err(corrupt)?;
    let context = |what: String| StoreError::Corrupt(format!("item {pk}/{sk}: {what}"));
    let mut indexes = [None, None, None];
    for (slot, column) in indexes.iter_mut().zip([2, 4, 6]) {
        let ipk: Option<String> = row.get(column).map_err(corrupt)?;
        let isk: Option<String> = row.get(column + 1).map_err(corrupt)?;
        *slot = match (ipk, isk) {
            (Some(ipk), Some(isk)) => Some(IndexKey::new(ipk, isk)),
            (None, None) => None,
            _ => return Err(context("index key with only one part".into())),
        };
    }
    let version: i64 = row.get(8).map_err(corrupt)?;
    let version =
        u64::try_from(version).map_err(|_| context(format!("negative version {version}")))?;
    let expires_at: Option<i64> = row.get(9).map_err(corrupt)?;
    let data: String = row.get(10).map_err(corrupt)?;
    let data =
        serde_json::from_str(&data).map_err(|e| context(format!("body is not JSON: {e}")))?;
    Ok(Item {
        key: Key { pk, sk },
        indexes,
        version,
        expires_at,
        data,
    })
}
