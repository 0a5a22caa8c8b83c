//! [`DynamoBudget`]: the request budget on the table, shared by every Lambda instance.
//!
//! One item per key, `PK = BUDGET#<key>`, `SK = BUDGET`, with the current second (`sec`, Unix
//! seconds), the calls counted in it (`cnt`) and, after a 429, the block (`blocked_since`,
//! `blocked_until`, Unix milliseconds). A draw is one conditional `UpdateItem`
//! (`cnt = cnt + 1` if the second is current, the count is under the ceiling and no block is
//! in force); only when that fails is the old item looked at, to start a new second or answer
//! "next second" or "blocked". Re-reads of active conversations book a call in the next
//! second ahead of its draws (`bsec`, the second booked, and `bcnt`, the calls booked): the
//! draw that starts that second starts its count at the bookings. A blocked key is also in
//! GSI1 (`BUDGET_BLOCKS` / `<key>`) so the health answer finds the blocks with one query.
//! `data` and `version` are set so the store (backups) reads the item like any other.

use crate::schema::{DATA, PK, SK, VERSION};
use crate::sdk_error;
use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use marketdesk_core::ports::{Admission, BudgetBlock, BudgetError, RateBudget};
use std::collections::HashMap;

type Attributes = HashMap<String, AttributeValue>;

/// GSI1 partition listing the keys that were blocked.
const BLOCKS_PARTITION: &str = "BUDGET_BLOCKS";
/// How often a draw may lose a race on a new second before it gives up.
const RACES: usize = 5;

/// The request budget on one DynamoDB table (the [`crate::schema`] layout).
#[derive(Debug, Clone)]
pub struct DynamoBudget {
    client: Client,
    table: String,
}

/// What an update's condition failure left behind: the item as it was, if any.
enum Outcome {
    Done,
    Refused(Option<Attributes>),
}

impl DynamoBudget {
    /// The budget on `table_name`.
    pub fn new(client: Client, table_name: impl Into<String>) -> Self {
        Self {
            client,
            table: table_name.into(),
        }
    }

    fn key(key: &str) -> [(String, AttributeValue); 2] {
        [
            (PK.to_owned(), AttributeValue::S(format!("BUDGET#{key}"))),
            (SK.to_owned(), AttributeValue::S("BUDGET".to_owned())),
        ]
    }

    /// One conditional update; a failed condition gives the old item back (read again when
    /// the service did not return it).
    async fn update(
        &self,
        key: &str,
        update: &str,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
    ) -> Result<Outcome, BudgetError> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .update_expression(update)
            .condition_expression(condition)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .expression_attribute_values(":empty", AttributeValue::S("{}".to_owned()))
            .expression_attribute_values(":zero", AttributeValue::N("0".to_owned()))
            .expression_attribute_names("#data", DATA)
            .expression_attribute_names("#version", VERSION);
        for (name, value) in Self::key(key) {
            request = request.key(name, value);
        }
        for (name, value) in values {
            request = request.expression_attribute_values(name, value);
        }
        match request.send().await {
            Ok(_) => Ok(Outcome::Done),
            Err(SdkError::ServiceError(service)) => match service.err() {
                UpdateItemError::ConditionalCheckFailedException(failed) => {
                    let old = match failed.item() {
                        Some(item) => Some(item.clone()),
                        None => self.read(key).await?,
                    };
                    Ok(Outcome::Refused(old))
                }
                _ => Err(BudgetError(sdk_error::describe(
                    "UpdateItem",
                    &SdkError::ServiceError(service),
                ))),
            },
            Err(other) => Err(BudgetError(sdk_error::describe("UpdateItem", &other))),
        }
    }

    async fn read(&self, key: &str) -> Result<Option<Attributes>, BudgetError> {
        let mut request = self
            .client
            .get_item()
            .table_name(&self.table)
            .consistent_read(true);
        for (name, value) in Self::key(key) {
            request = request.key(name, value);
        }
        let answer = request
            .send()
            .await
            .map_err(|e| BudgetError(sdk_error::describe("GetItem", &e)))?;
        Ok(answer.item().cloned())
    }
}

const SET_ITEM_BASICS: &str =
    "#data = if_not_exists(#data, :empty), #version = if_not_exists(#version, :zero)";
const NOT_BLOCKED: &str = "(attribute_not_exists(blocked_until) OR blocked_until <= :now)";

fn number(item: &Attributes, name: &str) -> Option<i64> {
    match item.get(name)? {
        AttributeValue::N(n) => n.parse().ok(),
        _ => None,
    }
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn instant(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[async_trait]
impl RateBudget for DynamoBudget {
    async fn draw(
        &self,
        key: &str,
        ceiling: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<Admission, BudgetError> {
        let now_ms = now.timestamp_millis();
        let mut second = now.timestamp();
        for _ in 0..RACES {
            let mut values = vec![(":one", n(1)), (":sec", n(second)), (":now", n(now_ms))];
            let under = match ceiling {
                Some(ceiling) => {
                    values.push((":ceil", n(i64::from(ceiling))));
                    " AND cnt < :ceil"
                }
                None => "",
            };
            let counted = self
                .update(
                    key,
                    &format!("SET cnt = cnt + :one, {SET_ITEM_BASICS}"),
                    &format!("sec = :sec{under} AND {NOT_BLOCKED}"),
                    values.clone(),
                )
                .await?;
            let old = match counted {
                Outcome::Done => return Ok(Admission::Go),
                Outcome::Refused(old) => old.unwrap_or_default(),
            };
            if let Some(until) = number(&old, "blocked_until").filter(|until| *until > now_ms) {
                return Ok(Admission::Blocked {
                    until: instant(until),
                });
            }
            match number(&old, "sec") {
                Some(stored) if stored == second => return Ok(Admission::NextSecond),
                // Another instance's clock is ahead: count in its second.
                Some(stored) if stored > second => {
                    second = stored;
                    continue;
                }
                _ => {}
            }
            // A new second starts with the calls booked for it (re-reads of active
            // conversations, `book_next`) already counted; the condition holds the bookings
            // to what was read, so one made meanwhile is not lost.
            let booked = match number(&old, "bsec") {
                Some(booked_second) if booked_second == second => number(&old, "bcnt"),
                _ => None,
            };
            let start = booked.unwrap_or(0);
            if ceiling.is_some_and(|ceiling| start >= i64::from(ceiling)) {
                return Ok(Admission::NextSecond);
            }
            let mut values = vec![
                (":start", n(start + 1)),
                (":sec", n(second)),
                (":now", n(now_ms)),
            ];
            let bookings_as_read = match booked {
                Some(booked) => {
                    values.push((":booked", n(booked)));
                    "bsec = :sec AND bcnt = :booked"
                }
                None => "(attribute_not_exists(bsec) OR bsec <> :sec)",
            };
            let started = self
                .update(
                    key,
                    &format!("SET sec = :sec, cnt = :start, {SET_ITEM_BASICS}"),
                    &format!(
                        "(attribute_not_exists(sec) OR sec < :sec) AND {bookings_as_read} \
                         AND {NOT_BLOCKED}"
                    ),
                    values,
                )
                .await?;
            if let Outcome::Done = started {
                return Ok(Admission::Go);
            }
            // Another worker started the second (or a block) first: look again.
        }
        Ok(Admission::NextSecond)
    }

    async fn book_next(
        &self,
        key: &str,
        ceiling: u32,
        now: DateTime<Utc>,
    ) -> Result<Admission, BudgetError> {
        let now_ms = now.timestamp_millis();
        let next = now.timestamp() + 1;
        let values = || {
            vec![
                (":one", n(1)),
                (":next", n(next)),
                (":now", n(now_ms)),
                (":ceil", n(i64::from(ceiling))),
            ]
        };
        // Only while the second has not begun: once it has, its count no longer takes
        // bookings in (`draw` reads them when it starts the second).
        let not_begun = "(attribute_not_exists(sec) OR sec < :next)";
        for _ in 0..RACES {
            let booked = self
                .update(
                    key,
                    &format!("SET bcnt = bcnt + :one, {SET_ITEM_BASICS}"),
                    &format!("bsec = :next AND bcnt < :ceil AND {not_begun} AND {NOT_BLOCKED}"),
                    values(),
                )
                .await?;
            let old = match booked {
                Outcome::Done => return Ok(Admission::Go),
                Outcome::Refused(old) => old.unwrap_or_default(),
            };
            if let Some(until) = number(&old, "blocked_until").filter(|until| *until > now_ms) {
                return Ok(Admission::Blocked {
                    until: instant(until),
                });
            }
            if number(&old, "sec").is_some_and(|second| second >= next)
                || number(&old, "bsec").is_some_and(|booked| booked > next)
            {
                return Ok(Admission::NextSecond);
            }
            if number(&old, "bsec") == Some(next) {
                // The bookings for that second are full.
                return Ok(Admission::NextSecond);
            }
            let started = self
                .update(
                    key,
                    &format!("SET bsec = :next, bcnt = :one, {SET_ITEM_BASICS}"),
                    &format!(
                        "(attribute_not_exists(bsec) OR bsec < :next) AND {not_begun} \
                         AND {NOT_BLOCKED} AND :ceil > :zero"
                    ),
                    values(),
                )
                .await?;
            if let Outcome::Done = started {
                return Ok(Admission::Go);
            }
            // Another worker booked that second first (or a block began): look again.
        }
        Ok(Admission::NextSecond)
    }

    async fn block(
        &self,
        key: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool, BudgetError> {
        let values = || {
            vec![
                (":now", n(now.timestamp_millis())),
                (":until", n(until.timestamp_millis())),
            ]
        };
        let extended = self
            .update(
                key,
                &format!("SET blocked_until = :until, {SET_ITEM_BASICS}"),
                "blocked_until > :now AND blocked_until < :until",
                values(),
            )
            .await?;
        let old = match extended {
            Outcome::Done => return Ok(false),
            Outcome::Refused(old) => old.unwrap_or_default(),
        };
        if number(&old, "blocked_until").is_some_and(|current| current > now.timestamp_millis()) {
            return Ok(false);
        }
        let mut fresh = values();
        fresh.push((":blocks", AttributeValue::S(BLOCKS_PARTITION.to_owned())));
        fresh.push((":key", AttributeValue::S(key.to_owned())));
        let started = self
            .update(
                key,
                &format!(
                    "SET blocked_until = :until, blocked_since = :now, GSI1PK = :blocks, \
                     GSI1SK = :key, {SET_ITEM_BASICS}"
                ),
                NOT_BLOCKED,
                fresh,
            )
            .await?;
        Ok(matches!(started, Outcome::Done))
    }

    async fn blocks(&self, now: DateTime<Utc>) -> Result<Vec<BudgetBlock>, BudgetError> {
        let mut blocks = Vec::new();
        let mut start: Option<Attributes> = None;
        loop {
            let answer = self
                .client
                .query()
                .table_name(&self.table)
                .index_name("GSI1")
                .key_condition_expression("GSI1PK = :blocks")
                .expression_attribute_values(
                    ":blocks",
                    AttributeValue::S(BLOCKS_PARTITION.to_owned()),
                )
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| BudgetError(sdk_error::describe("Query", &e)))?;
            for item in answer.items() {
                let (Some(AttributeValue::S(key)), Some(since), Some(until)) = (
                    item.get("GSI1SK"),
                    number(item, "blocked_since"),
                    number(item, "blocked_until"),
                ) else {
                    continue;
                };
                if until > now.timestamp_millis() {
                    blocks.push(BudgetBlock {
                        key: key.clone(),
                        since: instant(since),
                        until: instant(until),
                    });
                }
            }
            match answer.last_evaluated_key() {
                Some(last) => start = Some(last.clone()),
                None => break,
            }
        }
        blocks.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(blocks)
    }
}
