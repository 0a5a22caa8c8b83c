//! [`SqliteQueue`]: a durable at-least-once queue with SQS standard-queue semantics.

use crate::db::{DbFailure, SqliteDb};
use crate::error::LocalError;
use async_trait::async_trait;
use marketdesk_core::ports::queue::{validate_receive, validate_send};
use marketdesk_core::ports::{Clock, Queue, QueueError, QueueMessage, QueueStats};
use rusqlite::{Connection, TransactionBehavior};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Every named queue shares this table; moving a message to its dead-letter queue is an
/// update of `queue`, so the message keeps its id, as SQS keeps it.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS queue_messages (
    id TEXT NOT NULL PRIMARY KEY,
    queue TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    visible_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL,
    receipt TEXT
);
CREATE INDEX IF NOT EXISTS queue_messages_visible ON queue_messages (queue, visible_at);
";

/// Longest visibility a message can be hidden for (SQS's limit), also for `release`.
const MAX_VISIBILITY: Duration = Duration::from_secs(12 * 60 * 60);

/// Redrive settings of a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueOptions {
    /// Deliveries a message gets before the next receive moves it to `dead_letter` (1..=1000).
    pub max_receives: u32,
    /// Name of the dead-letter queue; `None` redelivers forever.
    pub dead_letter: Option<String>,
}

/// One named queue in a [`SqliteDb`]; cheap to clone.
#[derive(Clone)]
pub struct SqliteQueue {
    db: SqliteDb,
    name: Arc<str>,
    options: QueueOptions,
    clock: Arc<dyn Clock>,
    /// Notified on every send and immediate release, so a waiting consumer starts at once.
    wakeup: Arc<Notify>,
}

impl fmt::Debug for SqliteQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteQueue")
            .field("db", &self.db)
            .field("name", &self.name)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// SQS's queue-name rule, so names work unchanged on AWS.
fn check_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if name.is_empty() || name.len() > 80 || !name.chars().all(allowed) {
        return Err(format!(
            "queue name {name:?} must be 1..=80 ASCII letters, digits, '-' or '_'"
        ));
    }
    Ok(())
}

impl SqliteQueue {
    /// The queue `name` in `db` (creating the table if needed); time comes from `clock`.
    pub fn open(
        db: &SqliteDb,
        name: &str,
        options: QueueOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, LocalError> {
        let config_error = |reason: String| LocalError::QueueConfig {
            queue: name.to_owned(),
            path: db.path().to_path_buf(),
            reason,
        };
        check_name(name).map_err(config_error)?;
        if let Some(dead_letter) = &options.dead_letter {
            check_name(dead_letter).map_err(config_error)?;
            if dead_letter == name {
                return Err(config_error(
                    "a queue cannot be its own dead-letter queue".into(),
                ));
            }
            if !(1..=1000).contains(&options.max_receives) {
                return Err(config_error(format!(
                    "max_receives must be 1..=1000, got {}",
                    options.max_receives
                )));
            }
        }
        db.setup(SCHEMA)?;
        Ok(Self {
            db: db.clone(),
            name: Arc::from(name),
            options,
            clock,
            wakeup: db.wakeup(name),
        })
    }

    /// The queue's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The queue's redrive settings.
    pub fn options(&self) -> &QueueOptions {
        &self.options
    }

    /// A handle to this queue's dead-letter queue (which itself has none), if it has one.
    pub fn dead_letter_queue(&self) -> Option<SqliteQueue> {
        let name = self.options.dead_letter.as_deref()?;
        Some(SqliteQueue {
            db: self.db.clone(),
            name: Arc::from(name),
            options: QueueOptions {
                max_receives: self.options.max_receives,
                dead_letter: None,
            },
            clock: self.clock.clone(),
            wakeup: self.db.wakeup(name),
        })
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }
}

impl From<DbFailure> for QueueError {
    fn from(failure: DbFailure) -> Self {
        QueueError::Unavailable(failure.0)
    }
}

fn sql(e: rusqlite::Error) -> QueueError {
    QueueError::Unavailable(format!("sqlite: {e}"))
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The message id a receipt was issued for; receipts are `<id>.<nonce>`.
fn receipt_id(receipt: &str) -> Result<&str, QueueError> {
    receipt
        .split_once('.')
        .map(|(id, _)| id)
        .ok_or(QueueError::StaleReceipt)
}

/// Delivers up to `max` visible messages of `queue`, first moving exhausted ones away.
fn receive_in(
    conn: &mut Connection,
    queue: &QueueTarget,
    max: u32,
    now: i64,
    hide_until: i64,
) -> Result<Vec<QueueMessage>, QueueError> {
    // Immediate: two receivers must never pick the same visible message.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    if let Some(dead_letter) = &queue.dead_letter {
        // The receive count starts over in the dead-letter queue: it is a queue of its own.
        tx.execute(
            "UPDATE queue_messages SET queue = ?1, receive_count = 0, receipt = NULL, visible_at = ?2
             WHERE queue = ?3 AND visible_at <= ?2 AND receive_count >= ?4",
            rusqlite::params![dead_letter, now, queue.name, queue.max_receives],
        )
        .map_err(sql)?;
    }
    let candidates = {
        let mut stmt = tx
            .prepare_cached(
                "SELECT id, body, receive_count, sent_at FROM queue_messages
                 WHERE queue = ?1 AND visible_at <= ?2 ORDER BY visible_at, rowid LIMIT ?3",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map(rusqlite::params![queue.name, now, max], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, i64>(3)?,
                ))
            })
            .map_err(sql)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql)?
    };
    let mut messages = Vec::with_capacity(candidates.len());
    for (id, body, count, sent_at) in candidates {
        let receive_count = u32::try_from(count)
            .ok()
            .and_then(|c| c.checked_add(1))
            .ok_or_else(|| {
                QueueError::Unavailable(format!("message {id} has a corrupt receive count {count}"))
            })?;
        let receipt = format!("{id}.{}", uuid::Uuid::new_v4().simple());
        tx.execute(
            "UPDATE queue_messages SET receive_count = ?1, receipt = ?2, visible_at = ?3 WHERE id = ?4",
            rusqlite::params![receive_count, receipt, hide_until, id],
        )
        .map_err(sql)?;
        messages.push(QueueMessage {
            id,
            receipt,
            body,
            receive_count,
            sent_at: chrono::DateTime::from_timestamp_millis(sent_at),
        });
    }
    tx.commit().map_err(sql)?;
    Ok(messages)
}

/// What the blocking receive needs to know about the queue.
struct QueueTarget {
    name: Arc<str>,
    dead_letter: Option<String>,
    max_receives: u32,
}

#[async_trait]
impl Queue for SqliteQueue {
    async fn send(&self, body: &str, delay: Duration) -> Result<String, QueueError> {
        validate_send(body, delay)?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        let now = self.now_ms();
        let visible_at = now.saturating_add(millis(delay));
        let (name, body, message_id) = (self.name.clone(), body.to_owned(), id.clone());
        self.db
            .run(move |conn| {
                conn.execute(
                    "INSERT INTO queue_messages (id, queue, body, sent_at, visible_at, receive_count)
                     VALUES (?1, ?2, ?3, ?4, ?5, 0)",
                    rusqlite::params![message_id, &*name, body, now, visible_at],
                )
                .map_err(sql)
            })
            .await?;
        // `notify_one` keeps a permit when no consumer waits yet, so a send that lands
        // between a consumer's empty receive and its wait is not missed.
        self.wakeup.notify_one();
        Ok(id)
    }

    async fn send_each(
        &self,
        messages: Vec<(String, Duration)>,
    ) -> Result<Vec<String>, QueueError> {
        for (body, delay) in &messages {
            validate_send(body, *delay)?;
        }
        let now = self.now_ms();
        let rows: Vec<(String, String, i64)> = messages
            .into_iter()
            .map(|(body, delay)| {
                let id = uuid::Uuid::new_v4().simple().to_string();
                (id, body, now.saturating_add(millis(delay)))
            })
            .collect();
        let ids = rows.iter().map(|(id, _, _)| id.clone()).collect();
        let name = self.name.clone();
        // One transaction, one commit for all of them: a tick queues thousands.
        self.db
            .run(move |conn| {
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(sql)?;
                {
                    let mut insert = tx
                        .prepare_cached(
                            "INSERT INTO queue_messages (id, queue, body, sent_at, visible_at, receive_count)
                             VALUES (?1, ?2, ?3, ?4, ?5, 0)",
                        )
                        .map_err(sql)?;
                    for (id, body, visible_at) in &rows {
                        insert
                            .execute(rusqlite::params![id, &*name, body, now, visible_at])
                            .map_err(sql)?;
                    }
                }
                tx.commit().map_err(sql)
            })
            .await?;
        self.wakeup.notify_one();
        Ok(ids)
    }

    async fn receive(
        &self,
        max: u32,
        visibility: Duration,
    ) -> Result<Vec<QueueMessage>, QueueError> {
        validate_receive(max, visibility)?;
        let now = self.now_ms();
        let hide_until = now.saturating_add(millis(visibility));
        let target = QueueTarget {
            name: self.name.clone(),
            dead_letter: self.options.dead_letter.clone(),
            max_receives: self.options.max_receives,
        };
        self.db
            .run(move |conn| receive_in(conn, &target, max, now, hide_until))
            .await
    }

    async fn delete(&self, receipt: &str) -> Result<(), QueueError> {
        let id = receipt_id(receipt)?.to_owned();
        let (name, receipt) = (self.name.clone(), receipt.to_owned());
        let deleted = self
            .db
            .run(move |conn| {
                conn.execute(
                    "DELETE FROM queue_messages WHERE id = ?1 AND queue = ?2 AND receipt = ?3",
                    rusqlite::params![id, &*name, receipt],
                )
                .map_err(sql)
            })
            .await?;
        if deleted == 0 {
            return Err(QueueError::StaleReceipt);
        }
        Ok(())
    }

    async fn release(&self, receipt: &str, delay: Duration) -> Result<(), QueueError> {
        if delay > MAX_VISIBILITY {
            return Err(QueueError::Invalid("release delay exceeds 12 hours".into()));
        }
        let id = receipt_id(receipt)?.to_owned();
        let visible_at = self.now_ms().saturating_add(millis(delay));
        let (name, receipt) = (self.name.clone(), receipt.to_owned());
        let changed = self
            .db
            .run(move |conn| {
                conn.execute(
                    "UPDATE queue_messages SET visible_at = ?1 WHERE id = ?2 AND queue = ?3 AND receipt = ?4",
                    rusqlite::params![visible_at, id, &*name, receipt],
                )
                .map_err(sql)
            })
            .await?;
        if changed == 0 {
            return Err(QueueError::StaleReceipt);
        }
        if delay.is_zero() {
            self.wakeup.notify_one();
        }
        Ok(())
    }

    async fn ready(&self) {
        let name = self.name.clone();
        let next_visible = self
            .db
            .run(move |conn| {
                conn.query_row(
                    "SELECT MIN(visible_at) FROM queue_messages WHERE queue = ?1",
                    [&*name],
                    |row| row.get::<_, Option<i64>>(0),
                )
                .map_err(sql)
            })
            .await;
        // A failed read waits for a send only; the consumer's idle pause bounds the wait.
        let Ok(Some(visible_at)) = next_visible else {
            return self.wakeup.notified().await;
        };
        let until_visible = u64::try_from(visible_at.saturating_sub(self.now_ms())).unwrap_or(0);
        tokio::select! {
            () = self.wakeup.notified() => {}
            // At least a few milliseconds, so a clock between two readings never spins.
            () = tokio::time::sleep(Duration::from_millis(until_visible.max(5))) => {}
        }
    }

    async fn stats(&self) -> Result<Option<QueueStats>, QueueError> {
        let now = self.now_ms();
        let (name, dead_letter) = (self.name.clone(), self.options.dead_letter.clone());
        let stats = self
            .db
            .run(move |conn| {
                let (waiting, in_flight, oldest): (i64, i64, Option<i64>) = conn
                    .query_row(
                        "SELECT
                            COUNT(*) FILTER (WHERE receipt IS NULL OR visible_at <= ?2),
                            COUNT(*) FILTER (WHERE receipt IS NOT NULL AND visible_at > ?2),
                            MIN(sent_at)
                         FROM queue_messages WHERE queue = ?1",
                        rusqlite::params![&*name, now],
                        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                    )
                    .map_err(sql)?;
                let dead_letters: i64 = match &dead_letter {
                    Some(dlq) => conn
                        .query_row(
                            "SELECT COUNT(*) FROM queue_messages WHERE queue = ?1",
                            [dlq],
                            |row| row.get(0),
                        )
                        .map_err(sql)?,
                    None => 0,
                };
                let count = |n: i64| u64::try_from(n).unwrap_or(0);
                Ok::<_, QueueError>(QueueStats {
                    waiting: count(waiting),
                    in_flight: count(in_flight),
                    oldest_age_seconds: oldest.map(|sent| count(now.saturating_sub(sent)) / 1000),
                    dead_letters: count(dead_letters),
                })
            })
            .await?;
        Ok(Some(stats))
    }
}
