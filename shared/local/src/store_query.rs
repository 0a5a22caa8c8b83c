//! SQL for [`Store::query`](marketdesk_core::ports::Store::query) on the items table.

use crate::store_cursor::{self, After};
use crate::store_row::{read_item, sql, ITEM_COLUMNS};
use marketdesk_core::ports::{Index, Page, Query, SortKeyCondition, StoreError};
use rusqlite::types::Value;
use rusqlite::Connection;

/// Partition and sort columns of the table or of an index (fixed names, never user input).
fn columns(index: Option<Index>) -> (&'static str, &'static str) {
    match index {
        None => ("pk", "sk"),
        Some(Index::Gsi1) => ("gsi1pk", "gsi1sk"),
        Some(Index::Gsi2) => ("gsi2pk", "gsi2sk"),
        Some(Index::Gsi3) => ("gsi3pk", "gsi3sk"),
    }
}

/// One page of `query`, continuing after `after`.
pub(crate) fn run(
    conn: &Connection,
    query: &Query,
    after: Option<&After>,
) -> Result<Page, StoreError> {
    let (pcol, scol) = columns(query.index);
    let mut sql_text = format!("SELECT {ITEM_COLUMNS} FROM items WHERE {pcol} = ?");
    let mut params = vec![Value::Text(query.partition.clone())];
    let mut bound = |op: &str, value: &str, sql_text: &mut String| {
        sql_text.push_str(&format!(" AND {scol} {op} ?"));
        params.push(Value::Text(value.to_owned()));
    };
    match &query.sort {
        SortKeyCondition::All => {}
        SortKeyCondition::Equals(v) => bound("=", v, &mut sql_text),
        SortKeyCondition::AtLeast(v) => bound(">=", v, &mut sql_text),
        SortKeyCondition::AtMost(v) => bound("<=", v, &mut sql_text),
        SortKeyCondition::Between(low, high) => {
            bound(">=", low, &mut sql_text);
            bound("<=", high, &mut sql_text);
        }
        // A range rather than LIKE: LIKE treats `%` and `_` as wildcards and folds ASCII case.
        SortKeyCondition::BeginsWith(prefix) => {
            bound(">=", prefix, &mut sql_text);
            if let Some(end) = prefix_end(prefix) {
                bound("<", &end, &mut sql_text);
            }
        }
    }
    let (cmp, dir) = if query.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    match after {
        Some(After::Table { sk }) => {
            sql_text.push_str(&format!(" AND sk {cmp} ?"));
            params.push(Value::Text(sk.clone()));
        }
        Some(After::Index { index_sk, pk, sk }) => {
            sql_text.push_str(&format!(" AND ({scol}, pk, sk) {cmp} (?, ?, ?)"));
            params.extend([index_sk, pk, sk].map(|s| Value::Text(s.clone())));
        }
        None => {}
    }
    // The primary key breaks ties in index sort keys, so paging through ties is exact.
    match query.index {
        None => sql_text.push_str(&format!(" ORDER BY sk {dir}")),
        Some(_) => sql_text.push_str(&format!(" ORDER BY {scol} {dir}, pk {dir}, sk {dir}")),
    }
    // One extra row tells whether another page exists, so `next` is None exactly at the end.
    sql_text.push_str(" LIMIT ?");
    params.push(Value::Integer(i64::from(query.limit) + 1));

    let mut stmt = conn.prepare_cached(&sql_text).map_err(sql)?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params.iter()))
        .map_err(sql)?;
    let mut items = Vec::new();
    while let Some(row) = rows.next().map_err(sql)? {
        items.push(read_item(row)?);
    }
    let next = if items.len() > query.limit as usize {
        items.truncate(query.limit as usize);
        match items.last() {
            Some(last) => Some(store_cursor::encode(query, last)?),
            None => None,
        }
    } else {
        None
    };
    Ok(Page { items, next })
}

/// The smallest string greater than every string starting with `prefix`, if one exists.
///
/// UTF-8 byte order is code point order, so bumping the last code point that can be bumped
/// (skipping the surrogate gap) gives an exclusive upper bound for the prefix range.
pub(crate) fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn prefix_end_bumps_the_last_code_point() {
        assert_eq!(prefix_end("MSG#").as_deref(), Some("MSG$"));
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("ab\u{10FFFF}").as_deref(), Some("ac"));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
        assert_eq!(prefix_end(""), None);
    }
}
