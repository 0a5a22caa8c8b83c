//! [`DynamoStore`]: the store port on one DynamoDB table (layout in [`crate::schema`]).

use crate::schema::{index_key_attributes, DATA, PK, SK, TTL, VERSION};
use crate::sdk_error;
use async_trait::async_trait;
use aws_sdk_dynamodb::error::{BuildError, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use marketdesk_core::ports::store::validate_transaction;
use marketdesk_core::ports::{
    Condition, Index, IndexKey, Item, Key, Page, PageCursor, Query, SortKeyCondition, Store,
    StoreError, WriteOp,
};
use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::fmt::Debug;

type Attributes = HashMap<String, AttributeValue>;

/// The store port on one DynamoDB table laid out as [`crate::schema`] describes.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    /// A store on `table_name`, which must exist with the [`crate::schema`] layout.
    pub fn new(client: Client, table_name: impl Into<String>) -> Self {
        Self {
            client,
            table: table_name.into(),
        }
    }

    /// The table this store reads and writes.
    pub fn table_name(&self) -> &str {
        &self.table
    }
}

/// A condition expression with its placeholders.
#[derive(Debug, Default)]
struct Expression {
    text: Option<String>,
    names: HashMap<String, String>,
    values: Attributes,
}

impl Expression {
    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    fn values(&self) -> Option<Attributes> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

/// The condition expression for `condition`; `always` gives `Condition::None` an explicit
/// always-true expression (a transaction's condition check needs one).
fn condition_expression(condition: Condition, always: bool) -> Expression {
    let mut expr = Expression::default();
    let text = match condition {
        Condition::None if always => "attribute_exists(#pk) OR attribute_not_exists(#pk)",
        Condition::None => return expr,
        Condition::NotExists => "attribute_not_exists(#pk)",
        Condition::Exists => "attribute_exists(#pk)",
        Condition::VersionIs(version) => {
            expr.names.insert("#version".into(), VERSION.into());
            expr.values
                .insert(":version".into(), AttributeValue::N(version.to_string()));
            "attribute_exists(#pk) AND #version = :version"
        }
    };
    expr.names.insert("#pk".into(), PK.into());
    expr.text = Some(text.into());
    expr
}

fn check_key_part(part: &str, what: &str) -> Result<(), StoreError> {
    if part.is_empty() {
        return Err(StoreError::Invalid(format!("empty {what}")));
    }
    Ok(())
}

fn key_attributes(key: &Key) -> Result<Attributes, StoreError> {
    check_key_part(&key.pk, "partition key")?;
    check_key_part(&key.sk, "sort key")?;
    Ok(HashMap::from([
        (PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ]))
}

/// The attributes stored for `item`: index keys only for the indexes it is in (sparse).
fn item_attributes(item: &Item) -> Result<Attributes, StoreError> {
    let mut attributes = key_attributes(&item.key)?;
    for index in Index::ALL {
        if let Some(key) = item.index_key(index) {
            let (pk, sk) = index_key_attributes(index);
            check_key_part(&key.pk, &format!("{pk} index key"))?;
            check_key_part(&key.sk, &format!("{sk} index key"))?;
            attributes.insert(pk.to_owned(), AttributeValue::S(key.pk.clone()));
            attributes.insert(sk.to_owned(), AttributeValue::S(key.sk.clone()));
        }
    }
    attributes.insert(
        VERSION.to_owned(),
        AttributeValue::N(item.version.to_string()),
    );
    if let Some(expires_at) = item.expires_at {
        attributes.insert(TTL.to_owned(), AttributeValue::N(expires_at.to_string()));
    }
    let data = serde_json::to_string(&item.data)
        .map_err(|_| StoreError::Invalid("item body cannot be written as JSON".into()))?;
    attributes.insert(DATA.to_owned(), AttributeValue::S(data));
    Ok(attributes)
}

fn string_attribute<'a>(attributes: &'a Attributes, name: &str) -> Result<&'a str, StoreError> {
    match attributes.get(name) {
        Some(AttributeValue::S(value)) => Ok(value),
        Some(_) => Err(StoreError::Corrupt(format!(
            "attribute {name} is not a string"
        ))),
        None => Err(StoreError::Corrupt(format!("attribute {name} is missing"))),
    }
}

fn number_attribute<T: std::str::FromStr>(
    attributes: &Attributes,
    name: &str,
) -> Result<Option<T>, StoreError> {
    match attributes.get(name) {
        None => Ok(None),
        Some(AttributeValue::N(value)) => value
            .parse()
            .map(Some)
            .map_err(|_| StoreError::Corrupt(format!("attribute {name} is out of range"))),
        Some(_) => Err(StoreError::Corrupt(format!(
            "attribute {name} is not a number"
        ))),
    }
}

/// Reads an item back from its attributes.
fn item_from_attributes(attributes: &Attributes) -> Result<Item, StoreError> {
    let key = Key::new(
        string_attribute(attributes, PK)?,
        string_attribute(attributes, SK)?,
    );
    let mut indexes: [Option<IndexKey>; 3] = [None, None, None];
    for index in Index::ALL {
        let (pk, sk) = index_key_attributes(index);
        indexes[index.position()] = match (attributes.contains_key(pk), attributes.contains_key(sk))
        {
            (false, false) => None,
            (true, true) => Some(IndexKey::new(
                string_attribute(attributes, pk)?,
                string_attribute(attributes, sk)?,
            )),
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "only one of {pk} and {sk} is present"
                )))
            }
        };
    }
    let version = number_attribute::<u64>(attributes, VERSION)?
        .ok_or_else(|| StoreError::Corrupt(format!("attribute {VERSION} is missing")))?;
    let expires_at = number_attribute::<i64>(attributes, TTL)?;
    let data = serde_json::from_str(string_attribute(attributes, DATA)?)
        .map_err(|_| StoreError::Corrupt(format!("attribute {DATA} is not valid JSON")))?;
    Ok(Item {
        key,
        indexes,
        version,
        expires_at,
        data,
    })
}

/// Maps an SDK error: validation → `Invalid`, anything else → `Unavailable`.
fn store_error<E, R>(operation: &str, err: &SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + Error + 'static,
    R: Debug,
{
    if sdk_error::code(err) == Some("ValidationException") {
        // DynamoDB's validation messages name attributes and limits, not values.
        let detail = sdk_error::message(err).unwrap_or("no detail");
        return StoreError::Invalid(sdk_error::truncate(format!(
            "{operation} refused by DynamoDB: {detail}"
        )));
    }
    StoreError::Unavailable(sdk_error::describe(operation, err))
}

fn build_error(err: BuildError) -> StoreError {
    StoreError::Unavailable(format!("could not build the request: {err}"))
}

/// The sort-key part of a key condition.
enum SortClause {
    /// No restriction.
    Any,
    /// Nothing can match (a key condition on the empty string, which DynamoDB keys never hold).
    Nothing,
    /// An expression on `#sk` with its values.
    Expr(&'static str, Vec<(&'static str, String)>),
}

fn sort_clause(sort: &SortKeyCondition) -> SortClause {
    use SortKeyCondition::*;
    match sort {
        All => SortClause::Any,
        BeginsWith(prefix) | AtLeast(prefix) if prefix.is_empty() => SortClause::Any,
        Equals(value) | AtMost(value) if value.is_empty() => SortClause::Nothing,
        Between(_, high) if high.is_empty() => SortClause::Nothing,
        Equals(value) => SortClause::Expr("#sk = :sk", vec![(":sk", value.clone())]),
        BeginsWith(prefix) => {
            SortClause::Expr("begins_with(#sk, :sk)", vec![(":sk", prefix.clone())])
        }
        Between(low, high) if low.is_empty() => {
            SortClause::Expr("#sk <= :high", vec![(":high", high.clone())])
        }
        Between(low, high) => SortClause::Expr(
            "#sk BETWEEN :low AND :high",
            vec![(":low", low.clone()), (":high", high.clone())],
        ),
        AtLeast(value) => SortClause::Expr("#sk >= :sk", vec![(":sk", value.clone())]),
        AtMost(value) => SortClause::Expr("#sk <= :sk", vec![(":sk", value.clone())]),
    }
}

/// The key attributes a cursor of `query` holds: the table key, plus the index key for index
/// queries (DynamoDB's LastEvaluatedKey), and which one is the queried partition.
fn cursor_attributes(index: Option<Index>) -> (Vec<&'static str>, &'static str) {
    match index {
        None => (vec![PK, SK], PK),
        Some(index) => {
            let (pk, sk) = index_key_attributes(index);
            (vec![PK, SK, pk, sk], pk)
        }
    }
}

/// Encodes DynamoDB's LastEvaluatedKey as base64url JSON of its string attributes.
fn encode_cursor(last: &Attributes) -> Result<PageCursor, StoreError> {
    let mut map = BTreeMap::new();
    for (name, value) in last {
        let AttributeValue::S(value) = value else {
            return Err(StoreError::Corrupt(format!(
                "LastEvaluatedKey attribute {name} is not a string"
            )));
        };
        map.insert(name.as_str(), value.as_str());
    }
    let json = serde_json::to_vec(&map)
        .map_err(|_| StoreError::Corrupt("LastEvaluatedKey cannot be encoded".into()))?;
    Ok(PageCursor(URL_SAFE_NO_PAD.encode(json)))
}

/// Decodes a cursor made by [`encode_cursor`] for the same query; anything else is `Invalid`.
fn decode_cursor(cursor: &PageCursor, query: &Query) -> Result<Attributes, StoreError> {
    let invalid = || StoreError::Invalid("page cursor does not belong to this query".into());
    let json = URL_SAFE_NO_PAD
        .decode(cursor.0.as_bytes())
        .map_err(|_| invalid())?;
    let map: BTreeMap<String, String> = serde_json::from_slice(&json).map_err(|_| invalid())?;
    let (expected, partition) = cursor_attributes(query.index);
    if map.len() != expected.len()
        || !expected
            .iter()
            .all(|name| map.get(*name).is_some_and(|v| !v.is_empty()))
        || map.get(partition) != Some(&query.partition)
    {
        return Err(invalid());
    }
    Ok(map
        .into_iter()
        .map(|(name, value)| (name, AttributeValue::S(value)))
        .collect())
}

fn write_item(table: &str, op: WriteOp) -> Result<TransactWriteItem, StoreError> {
    let builder = TransactWriteItem::builder();
    Ok(match op {
        WriteOp::Put { item, condition } => {
            let expr = condition_expression(condition, false);
            builder
                .put(
                    Put::builder()
                        .table_name(table)
                        .set_item(Some(item_attributes(&item)?))
                        .set_condition_expression(expr.text.clone())
                        .set_expression_attribute_names(expr.names())
                        .set_expression_attribute_values(expr.values())
                        .build()
                        .map_err(build_error)?,
                )
                .build()
        }
        WriteOp::Delete { key, condition } => {
            let expr = condition_expression(condition, false);
            builder
                .delete(
                    Delete::builder()
                        .table_name(table)
                        .set_key(Some(key_attributes(&key)?))
                        .set_condition_expression(expr.text.clone())
                        .set_expression_attribute_names(expr.names())
                        .set_expression_attribute_values(expr.values())
                        .build()
                        .map_err(build_error)?,
                )
                .build()
        }
        WriteOp::Check { key, condition } => {
            let expr = condition_expression(condition, true);
            builder
                .condition_check(
                    ConditionCheck::builder()
                        .table_name(table)
                        .set_key(Some(key_attributes(&key)?))
                        .set_condition_expression(expr.text.clone())
                        .set_expression_attribute_names(expr.names())
                        .set_expression_attribute_values(expr.values())
                        .build()
                        .map_err(build_error)?,
                )
                .build()
        }
    })
}

/// Maps a cancelled transaction: the positions whose condition failed, or, when no condition
/// failed (conflict, throttling, validation), `Invalid`/`Unavailable` naming the reason codes.
fn cancelled(reasons: &[aws_sdk_dynamodb::types::CancellationReason]) -> StoreError {
    let failed: Vec<usize> = reasons
        .iter()
        .enumerate()
        .filter(|(_, reason)| reason.code() == Some("ConditionalCheckFailed"))
        .map(|(position, _)| position)
        .collect();
    if !failed.is_empty() {
        return StoreError::TransactionCancelled(failed);
    }
    let codes: Vec<&str> = reasons
        .iter()
        .filter_map(|reason| reason.code())
        .filter(|code| *code != "None")
        .collect();
    if codes.contains(&"ValidationError") {
        StoreError::Invalid(format!("transaction refused by DynamoDB: {codes:?}"))
    } else {
        StoreError::Unavailable(format!("transaction cancelled: {codes:?}"))
    }
}

#[async_trait]
impl Store for DynamoStore {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_attributes(key)?))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| store_error("GetItem", &err))?;
        out.item().map(item_from_attributes).transpose()
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        let expr = condition_expression(condition, false);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item_attributes(&item)?))
            .set_condition_expression(expr.text.clone())
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .send()
            .await
            .map_err(|err| {
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception())
                {
                    StoreError::ConditionFailed
                } else {
                    store_error("PutItem", &err)
                }
            })?;
        Ok(())
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        let expr = condition_expression(condition, false);
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_attributes(key)?))
            .set_condition_expression(expr.text.clone())
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .send()
            .await
            .map_err(|err| {
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception())
                {
                    StoreError::ConditionFailed
                } else {
                    store_error("DeleteItem", &err)
                }
            })?;
        Ok(())
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        query.validate()?;
        let start = query
            .after
            .as_ref()
            .map(|cursor| decode_cursor(cursor, query))
            .transpose()?;
        let (pk_name, sk_name) = match query.index {
            None => (PK, SK),
            Some(index) => index_key_attributes(index),
        };
        let mut names = HashMap::from([("#pk".to_owned(), pk_name.to_owned())]);
        let mut values =
            HashMap::from([(":pk".to_owned(), AttributeValue::S(query.partition.clone()))]);
        let key_condition = match sort_clause(&query.sort) {
            SortClause::Nothing => {
                return Ok(Page {
                    items: Vec::new(),
                    next: None,
                })
            }
            SortClause::Any => "#pk = :pk".to_owned(),
            SortClause::Expr(text, bound) => {
                names.insert("#sk".into(), sk_name.into());
                for (placeholder, value) in bound {
                    values.insert(placeholder.into(), AttributeValue::S(value));
                }
                format!("#pk = :pk AND {text}")
            }
        };
        let limit = i32::try_from(query.limit)
            .map_err(|_| StoreError::Invalid("query limit out of range".into()))?;
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(key_condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(!query.descending)
            .limit(limit)
            .set_exclusive_start_key(start);
        request = match query.index {
            // Strongly consistent reads exist only on the table, not on global indexes.
            None => request.consistent_read(true),
            Some(index) => request.index_name(index.name()),
        };
        let out = request
            .send()
            .await
            .map_err(|err| store_error("Query", &err))?;
        let items = out
            .items()
            .iter()
            .map(item_from_attributes)
            .collect::<Result<Vec<_>, _>>()?;
        let next = match out.last_evaluated_key() {
            Some(last) if !last.is_empty() => Some(encode_cursor(last)?),
            _ => None,
        };
        Ok(Page { items, next })
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        validate_transaction(&ops)?;
        let items = ops
            .into_iter()
            .map(|op| write_item(&self.table, op))
            .collect::<Result<Vec<_>, _>>()?;
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(|err| match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
                    cancelled(e.cancellation_reasons())
                }
                _ => store_error("TransactWriteItems", &err),
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_map_to_sparse_attributes_and_back() {
        let item = Item::new(Key::new("T#1", "TICKET#1"), json!({"a": [1, "ż"]}))
            .with_index(Index::Gsi2, IndexKey::new("F#x", "C#1"))
            .with_expiry(1_795_000_000);
        let attributes = item_attributes(&item).expect("valid item");
        assert!(!attributes.contains_key("GSI1PK"), "sparse: GSI1 absent");
        assert!(attributes.contains_key("GSI2PK") && attributes.contains_key("GSI2SK"));
        assert_eq!(
            attributes.get("ttl"),
            Some(&AttributeValue::N("1795000000".into()))
        );
        assert_eq!(item_from_attributes(&attributes).expect("reads back"), item);
    }

    #[test]
    fn corrupt_items_are_reported_without_values() {
        let item = Item::new(Key::new("T#1", "S"), json!({"secret": "value"}));
        let mut attributes = item_attributes(&item).expect("valid item");
        attributes.insert(DATA.into(), AttributeValue::S("{not json".into()));
        let err = item_from_attributes(&attributes).expect_err("corrupt");
        assert!(matches!(&err, StoreError::Corrupt(m) if !m.contains("not json")));
        attributes.insert("GSI1PK".into(), AttributeValue::S("x".into()));
        assert!(matches!(
            item_from_attributes(&attributes),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn empty_keys_are_invalid() {
        let item = Item::new(Key::new("", "S"), json!({}));
        assert!(matches!(
            item_attributes(&item),
            Err(StoreError::Invalid(_))
        ));
        let item = Item::new(Key::new("P", "S"), json!({}))
            .with_index(Index::Gsi1, IndexKey::new("X", ""));
        assert!(matches!(
            item_attributes(&item),
            Err(StoreError::Invalid(_))
        ));
    }

    #[test]
    fn cursors_round_trip_and_are_bound_to_their_query() {
        let query = Query::index(Index::Gsi1, "STATUS#open");
        let last = HashMap::from([
            (PK.to_owned(), AttributeValue::S("T#1".into())),
            (SK.to_owned(), AttributeValue::S("TICKET#1".into())),
            ("GSI1PK".to_owned(), AttributeValue::S("STATUS#open".into())),
            ("GSI1SK".to_owned(), AttributeValue::S("2026-11-22".into())),
        ]);
        let cursor = encode_cursor(&last).expect("encodes");
        assert_eq!(decode_cursor(&cursor, &query).expect("decodes"), last);
        for other in [
            Query::index(Index::Gsi1, "STATUS#closed"),
            Query::index(Index::Gsi2, "STATUS#open"),
            Query::partition("T#1"),
        ] {
            assert!(matches!(
                decode_cursor(&cursor, &other),
                Err(StoreError::Invalid(_))
            ));
        }
        for garbage in ["not a cursor", "", "e30", "W10"] {
            assert!(matches!(
                decode_cursor(&PageCursor(garbage.into()), &query),
                Err(StoreError::Invalid(_))
            ));
        }
    }

    #[test]
    fn conditions_use_only_the_placeholders_they_need() {
        assert!(condition_expression(Condition::None, false).text.is_none());
        let exists = condition_expression(Condition::Exists, false);
        assert_eq!(exists.names().map(|n| n.len()), Some(1));
        assert!(exists.values().is_none());
        let version = condition_expression(Condition::VersionIs(3), false);
        assert_eq!(
            version.values().and_then(|v| v.get(":version").cloned()),
            Some(AttributeValue::N("3".into()))
        );
        assert!(condition_expression(Condition::None, true).text.is_some());
    }

    #[test]
    fn empty_sort_bounds_need_no_request() {
        assert!(matches!(
            sort_clause(&SortKeyCondition::BeginsWith(String::new())),
            SortClause::Any
        ));
        assert!(matches!(
            sort_clause(&SortKeyCondition::AtMost(String::new())),
            SortClause::Nothing
        ));
        assert!(matches!(
            sort_clause(&SortKeyCondition::Between(String::new(), "B".into())),
            SortClause::Expr("#sk <= :high", _)
        ));
    }
}
