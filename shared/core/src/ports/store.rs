//! Store port: a small DynamoDB-shaped item store.
//!
//! Items live in partitions (`pk`) ordered by a sort key (`sk`), may carry up to three
//! secondary-index keys (sparse: an item without a key is absent from that index), a version
//! for optimistic updates, an optional expiry and a JSON body. Keys compare as UTF-8 bytes,
//! as DynamoDB compares them. Domain repositories are written once on top of this trait.

use async_trait::async_trait;
use serde_json::Value;

/// Largest page a query may ask for.
pub const MAX_QUERY_LIMIT: u32 = 1000;
/// Most operations in one transaction (DynamoDB's limit).
pub const MAX_TRANSACTION_OPS: usize = 100;

/// Primary key of an item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// Partition key.
    pub pk: String,
    /// Sort key within the partition.
    pub sk: String,
}

impl Key {
    /// A key from its two parts.
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }
}

/// The secondary indexes every backend provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Index {
    /// First general-purpose index.
    Gsi1,
    /// Second general-purpose index.
    Gsi2,
    /// Third general-purpose index.
    Gsi3,
}

impl Index {
    /// Every index, in order.
    pub const ALL: [Index; 3] = [Index::Gsi1, Index::Gsi2, Index::Gsi3];

    /// The index's name as deployed (`GSI1`, `GSI2`, `GSI3`).
    pub fn name(self) -> &'static str {
        match self {
            Index::Gsi1 => "GSI1",
            Index::Gsi2 => "GSI2",
            Index::Gsi3 => "GSI3",
        }
    }

    /// Position in [`Item::indexes`].
    pub fn position(self) -> usize {
        match self {
            Index::Gsi1 => 0,
            Index::Gsi2 => 1,
            Index::Gsi3 => 2,
        }
    }
}

/// An item's key in one secondary index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndexKey {
    /// Index partition key.
    pub pk: String,
    /// Index sort key.
    pub sk: String,
}

impl IndexKey {
    /// An index key from its two parts.
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }
}

/// One stored item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Primary key.
    pub key: Key,
    /// Keys in GSI1, GSI2, GSI3 (see [`Index::position`]); `None` keeps the item out of that index.
    pub indexes: [Option<IndexKey>; 3],
    /// Optimistic-concurrency version, written as given; see [`Condition::VersionIs`].
    pub version: u64,
    /// Unix seconds after which the item may be removed by the backend (DynamoDB TTL).
    pub expires_at: Option<i64>,
    /// The item's body.
    pub data: Value,
}

impl Item {
    /// A new item at version 1 with no index keys and no expiry.
    pub fn new(key: Key, data: Value) -> Self {
        Self {
            key,
            indexes: [None, None, None],
            version: 1,
            expires_at: None,
            data,
        }
    }

    /// Sets the item's key in `index`.
    pub fn with_index(mut self, index: Index, key: IndexKey) -> Self {
        self.indexes[index.position()] = Some(key);
        self
    }

    /// Sets the expiry (Unix seconds).
    pub fn with_expiry(mut self, expires_at: i64) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// The item's key in `index`, if it is in that index.
    pub fn index_key(&self, index: Index) -> Option<&IndexKey> {
        self.indexes[index.position()].as_ref()
    }

    /// The condition and item for an optimistic update of this item read at its current
    /// version: the returned item carries `version + 1` and `data`.
    pub fn next_version(&self, data: Value) -> (Item, Condition) {
        let mut next = self.clone();
        next.version = self.version + 1;
        next.data = data;
        (next, Condition::VersionIs(self.version))
    }
}

/// A precondition on the item currently stored under a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// No precondition.
    None,
    /// No item may exist under the key (idempotent create).
    NotExists,
    /// An item must exist under the key.
    Exists,
    /// An item must exist with exactly this version (optimistic update).
    VersionIs(u64),
}

/// A condition on the sort key (or index sort key) of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKeyCondition {
    /// Every item of the partition.
    All,
    /// Exactly this sort key.
    Equals(String),
    /// Sort keys starting with this prefix.
    BeginsWith(String),
    /// Sort keys between the two bounds, both included.
    Between(String, String),
    /// Sort keys greater than or equal to this one.
    AtLeast(String),
    /// Sort keys less than or equal to this one.
    AtMost(String),
}

/// An opaque position in a query's results, returned with a page and passed back for the next.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageCursor(pub String);

/// A query of one partition of the table or of a secondary index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// `None` for the table itself, or a secondary index.
    pub index: Option<Index>,
    /// The partition (or index partition) key.
    pub partition: String,
    /// Which sort keys to return.
    pub sort: SortKeyCondition,
    /// Highest sort key first.
    pub descending: bool,
    /// Page size, 1..=[`MAX_QUERY_LIMIT`].
    pub limit: u32,
    /// Continue after this position (from [`Page::next`]).
    pub after: Option<PageCursor>,
}

impl Query {
    /// Ascending query of a table partition, 100 items a page.
    pub fn partition(pk: impl Into<String>) -> Self {
        Self {
            index: None,
            partition: pk.into(),
            sort: SortKeyCondition::All,
            descending: false,
            limit: 100,
            after: None,
        }
    }

    /// Ascending query of an index partition, 100 items a page.
    pub fn index(index: Index, pk: impl Into<String>) -> Self {
        Self {
            index: Some(index),
            ..Self::partition(pk)
        }
    }

    /// Restricts the sort key.
    pub fn sort(mut self, sort: SortKeyCondition) -> Self {
        self.sort = sort;
        self
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    /// Highest sort key first.
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    /// Continues after `cursor`.
    pub fn after(mut self, cursor: Option<PageCursor>) -> Self {
        self.after = cursor;
        self
    }

    /// Checks the limits shared by every backend.
    pub fn validate(&self) -> Result<(), StoreError> {
        if self.limit == 0 || self.limit > MAX_QUERY_LIMIT {
            return Err(StoreError::Invalid(format!(
                "query limit must be 1..={MAX_QUERY_LIMIT}, got {}",
                self.limit
            )));
        }
        if self.partition.is_empty() {
            return Err(StoreError::Invalid("empty partition key".into()));
        }
        if let SortKeyCondition::Between(low, high) = &self.sort {
            if low > high {
                return Err(StoreError::Invalid(format!(
                    "sort key range is reversed: {low:?} > {high:?}"
                )));
            }
        }
        Ok(())
    }
}

/// One page of query results.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Items in sort-key order (index sort key for index queries).
    pub items: Vec<Item>,
    /// Where the next page starts; `None` when there are no more items.
    pub next: Option<PageCursor>,
}

/// One write of a transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOp {
    /// Writes an item if the condition holds.
    Put {
        /// The item to write.
        item: Item,
        /// Precondition on the stored item.
        condition: Condition,
    },
    /// Deletes an item if the condition holds.
    Delete {
        /// Key of the item to delete.
        key: Key,
        /// Precondition on the stored item.
        condition: Condition,
    },
    /// Writes nothing but requires the condition to hold.
    Check {
        /// Key of the item to check.
        key: Key,
        /// Condition that must hold.
        condition: Condition,
    },
}

impl WriteOp {
    /// The key this operation touches.
    pub fn key(&self) -> &Key {
        match self {
            WriteOp::Put { item, .. } => &item.key,
            WriteOp::Delete { key, .. } | WriteOp::Check { key, .. } => key,
        }
    }
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The write's condition did not hold; nothing changed.
    #[error("condition failed")]
    ConditionFailed,
    /// A transaction was cancelled because the conditions of these operations (by position)
    /// did not hold; nothing changed.
    #[error("transaction cancelled: conditions failed for operations {0:?}")]
    TransactionCancelled(Vec<usize>),
    /// The request breaks a rule of the store (limits, duplicate keys in a transaction, bad cursor).
    #[error("invalid store request: {0}")]
    Invalid(String),
    /// A stored item could not be read back.
    #[error("corrupt item: {0}")]
    Corrupt(String),
    /// The backend failed; the caller may retry.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// Checks a transaction against the limits shared by every backend.
pub fn validate_transaction(ops: &[WriteOp]) -> Result<(), StoreError> {
    if ops.is_empty() || ops.len() > MAX_TRANSACTION_OPS {
        return Err(StoreError::Invalid(format!(
            "a transaction holds 1..={MAX_TRANSACTION_OPS} operations, got {}",
            ops.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for op in ops {
        if !seen.insert(op.key()) {
            return Err(StoreError::Invalid(format!(
                "key {}/{} appears twice in one transaction",
                op.key().pk,
                op.key().sk
            )));
        }
    }
    Ok(())
}

/// A DynamoDB-shaped item store.
#[async_trait]
pub trait Store: Send + Sync {
    /// The item under `key`, if any.
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError>;

    /// Writes `item` (replacing any item under its key) if `condition` holds.
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError>;

    /// Deletes the item under `key` if `condition` holds; deleting nothing is not an error.
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError>;

    /// One page of a partition of the table or of an index.
    async fn query(&self, query: &Query) -> Result<Page, StoreError>;

    /// Applies every operation or none (see [`validate_transaction`] for the limits).
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError>;

    /// The items under `keys`, one answer per key in their order. The default reads them one
    /// by one; a backend may read them together.
    async fn get_each(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        let mut items = Vec::with_capacity(keys.len());
        for key in keys {
            items.push(self.get(key).await?);
        }
        Ok(items)
    }

    /// Writes each item whose own condition holds, independently of the others (unlike
    /// [`Store::transact`], a failed condition stops only its own write): one answer per
    /// write in their order, `true` when written, `false` when its condition failed. For
    /// many small writes at once (a scheduler tick's poll leases): the default writes them
    /// one by one, a backend may group them (the SQLite store commits them together). Keys
    /// must be distinct. Another error may leave the writes before it done.
    async fn put_each(&self, writes: Vec<(Item, Condition)>) -> Result<Vec<bool>, StoreError> {
        validate_distinct(writes.iter().map(|(item, _)| &item.key))?;
        let mut written = Vec::with_capacity(writes.len());
        for (item, condition) in writes {
            written.push(match self.put(item, condition).await {
                Ok(()) => true,
                Err(StoreError::ConditionFailed) => false,
                Err(other) => return Err(other),
            });
        }
        Ok(written)
    }
}

/// Refuses a batch of writes naming one key twice (what each write's condition means would
/// depend on the order the backend applies them in).
pub fn validate_distinct<'a>(keys: impl Iterator<Item = &'a Key>) -> Result<(), StoreError> {
    let mut seen = std::collections::HashSet::new();
    for key in keys {
        if !seen.insert(key) {
            return Err(StoreError::Invalid(format!(
                "key {}/{} appears twice in one batch",
                key.pk, key.sk
            )));
        }
    }
    Ok(())
}
