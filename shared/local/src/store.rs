//! [`SqliteStore`]: the DynamoDB-shaped item store on one SQLite table.

use crate::db::{DbFailure, SqliteDb};
use crate::error::LocalError;
use crate::store_query;
use crate::store_row::{read_item, sql, ITEM_COLUMNS};
use async_trait::async_trait;
use marketdesk_core::ports::store::{validate_distinct, validate_transaction};
use marketdesk_core::ports::{
    Condition, Index, Item, Key, Page, Query, Store, StoreError, WriteOp,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;

/// Index columns are NULL for items outside that index; the partial indexes keep them sparse.
/// Text columns use SQLite's BINARY collation, which orders UTF-8 by bytes, as DynamoDB does.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    gsi1pk TEXT, gsi1sk TEXT,
    gsi2pk TEXT, gsi2sk TEXT,
    gsi3pk TEXT, gsi3sk TEXT,
    version INTEGER NOT NULL,
    expires_at INTEGER,
    data TEXT NOT NULL,
    PRIMARY KEY (pk, sk)
);
CREATE INDEX IF NOT EXISTS items_gsi1 ON items (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_gsi2 ON items (gsi2pk, gsi2sk, pk, sk) WHERE gsi2pk IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_gsi3 ON items (gsi3pk, gsi3sk, pk, sk) WHERE gsi3pk IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_expiry ON items (expires_at) WHERE expires_at IS NOT NULL;
";

/// The embedded [`Store`]; cheap to clone, clones share the database.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    db: SqliteDb,
}

impl SqliteStore {
    /// The store in `db`, creating its table if needed.
    pub fn new(db: SqliteDb) -> Result<Self, LocalError> {
        db.setup(SCHEMA)?;
        Ok(Self { db })
    }

    /// Opens (creating if needed) a store in the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, LocalError> {
        Self::new(SqliteDb::open(path)?)
    }

    /// A store in a private in-memory database (tests).
    pub fn open_in_memory() -> Result<Self, LocalError> {
        Self::new(SqliteDb::open_in_memory()?)
    }

    /// The database holding the store.
    pub fn db(&self) -> &SqliteDb {
        &self.db
    }

    /// Removes items whose expiry is before `now_unix` (what DynamoDB TTL does in the
    /// background); returns how many were removed.
    pub async fn purge_expired(&self, now_unix: i64) -> Result<usize, StoreError> {
        self.db
            .run(move |conn| {
                conn.execute(
                    "DELETE FROM items WHERE expires_at IS NOT NULL AND expires_at < ?1",
                    [now_unix],
                )
                .map_err(sql)
            })
            .await
    }
}

impl From<DbFailure> for StoreError {
    fn from(failure: DbFailure) -> Self {
        StoreError::Unavailable(failure.0)
    }
}

/// An item checked and converted to column values before any database work.
struct Prepared {
    item: Item,
    version: i64,
    data: String,
}

fn prepare(item: Item) -> Result<Prepared, StoreError> {
    let key = &item.key;
    if key.pk.is_empty() || key.sk.is_empty() {
        return Err(StoreError::Invalid(format!(
            "empty key part in {:?}/{:?}",
            key.pk, key.sk
        )));
    }
    for index in Index::ALL {
        if let Some(k) = item.index_key(index) {
            if k.pk.is_empty() || k.sk.is_empty() {
                return Err(StoreError::Invalid(format!(
                    "empty {} key part on item {}/{}",
                    index.name(),
                    key.pk,
                    key.sk
                )));
            }
        }
    }
    let version = i64::try_from(item.version).map_err(|_| {
        StoreError::Invalid(format!("version {} does not fit in 63 bits", item.version))
    })?;
    let data = serde_json::to_string(&item.data)
        .map_err(|e| StoreError::Invalid(format!("item body is not serialisable: {e}")))?;
    Ok(Prepared {
        item,
        version,
        data,
    })
}

fn current_version(conn: &Connection, key: &Key) -> Result<Option<i64>, StoreError> {
    conn.query_row(
        "SELECT version FROM items WHERE pk = ?1 AND sk = ?2",
        [&key.pk, &key.sk],
        |row| row.get(0),
    )
    .optional()
    .map_err(sql)
}

fn holds(conn: &Connection, key: &Key, condition: Condition) -> Result<bool, StoreError> {
    if condition == Condition::None {
        return Ok(true);
    }
    let current = current_version(conn, key)?;
    Ok(match condition {
        Condition::None => true,
        Condition::NotExists => current.is_none(),
        Condition::Exists => current.is_some(),
        Condition::VersionIs(v) => current.is_some_and(|c| u64::try_from(c) == Ok(v)),
    })
}

fn write(conn: &Connection, p: &Prepared) -> Result<(), StoreError> {
    let index = |i: Index| p.item.index_key(i).map(|k| (k.pk.as_str(), k.sk.as_str()));
    let (g1, g2, g3) = (index(Index::Gsi1), index(Index::Gsi2), index(Index::Gsi3));
    conn.execute(
        &format!(
            "INSERT OR REPLACE INTO items ({ITEM_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        ),
        rusqlite::params![
            p.item.key.pk,
            p.item.key.sk,
            g1.map(|k| k.0),
            g1.map(|k| k.1),
            g2.map(|k| k.0),
            g2.map(|k| k.1),
            g3.map(|k| k.0),
            g3.map(|k| k.1),
            p.version,
            p.item.expires_at,
            p.data,
        ],
    )
    .map_err(sql)?;
    Ok(())
}

fn remove(conn: &Connection, key: &Key) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM items WHERE pk = ?1 AND sk = ?2",
        [&key.pk, &key.sk],
    )
    .map_err(sql)?;
    Ok(())
}

/// Runs `body` in a transaction that takes the write lock at once, so no other process can
/// write between a condition check and the write it guards.
fn in_write_transaction<T>(
    conn: &mut Connection,
    body: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    let value = body(&tx)?;
    tx.commit().map_err(sql)?;
    Ok(value)
}

#[async_trait]
impl Store for SqliteStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let key = key.clone();
        self.db
            .run(move |conn| {
                let mut stmt = conn
                    .prepare_cached(&format!(
                        "SELECT {ITEM_COLUMNS} FROM items WHERE pk = ?1 AND sk = ?2"
                    ))
                    .map_err(sql)?;
                let mut rows = stmt.query([&key.pk, &key.sk]).map_err(sql)?;
                match rows.next().map_err(sql)? {
                    Some(row) => read_item(row).map(Some),
                    None => Ok(None),
                }
            })
            .await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        let prepared = prepare(item)?;
        self.db
            .run(move |conn| {
                in_write_transaction(conn, |tx| {
                    if !holds(tx, &prepared.item.key, condition)? {
                        return Err(StoreError::ConditionFailed);
                    }
                    write(tx, &prepared)
                })
            })
            .await
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        let key = key.clone();
        self.db
            .run(move |conn| {
                in_write_transaction(conn, |tx| {
                    if !holds(tx, &key, condition)? {
                        return Err(StoreError::ConditionFailed);
                    }
                    remove(tx, &key)
                })
            })
            .await
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        query.validate()?;
        let after = query
            .after
            .as_ref()
            .map(|cursor| crate::store_cursor::decode(query, cursor))
            .transpose()?;
        let query = query.clone();
        self.db
            .run(move |conn| store_query::run(conn, &query, after.as_ref()))
            .await
    }

    async fn get_each(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        let keys = keys.to_vec();
        self.db
            .run(move |conn| {
                let mut stmt = conn
                    .prepare_cached(&format!(
                        "SELECT {ITEM_COLUMNS} FROM items WHERE pk = ?1 AND sk = ?2"
                    ))
                    .map_err(sql)?;
                let mut items = Vec::with_capacity(keys.len());
                for key in &keys {
                    let mut rows = stmt.query([&key.pk, &key.sk]).map_err(sql)?;
                    items.push(match rows.next().map_err(sql)? {
                        Some(row) => Some(read_item(row)?),
                        None => None,
                    });
                }
                Ok(items)
            })
            .await
    }

    async fn put_each(&self, writes: Vec<(Item, Condition)>) -> Result<Vec<bool>, StoreError> {
        validate_distinct(writes.iter().map(|(item, _)| &item.key))?;
        let prepared = writes
            .into_iter()
            .map(|(item, condition)| Ok((prepare(item)?, condition)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        // One transaction, one commit: each write checks its own condition inside it, so a
        // failed one skips only itself (keys are distinct, so no write affects another's
        // condition).
        self.db
            .run(move |conn| {
                in_write_transaction(conn, |tx| {
                    let mut written = Vec::with_capacity(prepared.len());
                    for (p, condition) in &prepared {
                        let holds = holds(tx, &p.item.key, *condition)?;
                        if holds {
                            write(tx, p)?;
                        }
                        written.push(holds);
                    }
                    Ok(written)
                })
            })
            .await
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        validate_transaction(&ops)?;
        let mut steps = Vec::with_capacity(ops.len());
        for op in ops {
            steps.push(match op {
                WriteOp::Put { item, condition } => {
                    (Step::Put(Box::new(prepare(item)?)), condition)
                }
                WriteOp::Delete { key, condition } => (Step::Delete(key), condition),
                WriteOp::Check { key, condition } => (Step::Check(key), condition),
            });
        }
        self.db
            .run(move |conn| {
                in_write_transaction(conn, |tx| {
                    // Every condition is checked before any write (keys are distinct, so writes
                    // cannot affect other conditions) to report all failing positions at once.
                    let mut failed = Vec::new();
                    for (position, (step, condition)) in steps.iter().enumerate() {
                        if !holds(tx, step.key(), *condition)? {
                            failed.push(position);
                        }
                    }
                    if !failed.is_empty() {
                        return Err(StoreError::TransactionCancelled(failed));
                    }
                    for (step, _) in &steps {
                        match step {
                            Step::Put(prepared) => write(tx, prepared)?,
                            Step::Delete(key) => remove(tx, key)?,
                            Step::Check(_) => {}
                        }
                    }
                    Ok(())
                })
            })
            .await
    }
}

/// A transaction operation with its item already prepared.
enum Step {
    Put(Box<Prepared>),
    Delete(Key),
    Check(Key),
}

impl Step {
    fn key(&self) -> &Key {
        match self {
            Step::Put(p) => &p.item.key,
            Step::Delete(key) | Step::Check(key) => key,
        }
    }
}
