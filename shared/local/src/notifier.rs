//! [`RecordingNotifier`]: notifications are logged and kept in SQLite instead of being sent.

use crate::db::{DbFailure, SqliteDb};
use crate::error::LocalError;
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use marketdesk_core::ports::{Clock, Notification, Notifier, NotifyError};
use std::fmt;
use std::sync::Arc;

/// `created_at` is RFC 3339 text so the table reads well in the sqlite3 shell.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS notifications (
    id TEXT NOT NULL PRIMARY KEY,
    created_at TEXT NOT NULL,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL
);
";

/// A notification as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedNotification {
    /// Id given when recorded.
    pub id: String,
    /// When it was recorded, by the notifier's clock.
    pub created_at: DateTime<Utc>,
    /// What would have been sent.
    pub notification: Notification,
}

/// The embedded [`Notifier`]; cheap to clone.
#[derive(Clone)]
pub struct RecordingNotifier {
    db: SqliteDb,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for RecordingNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingNotifier")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

impl From<DbFailure> for NotifyError {
    fn from(failure: DbFailure) -> Self {
        NotifyError::Unavailable(failure.0)
    }
}

fn sql(e: rusqlite::Error) -> NotifyError {
    NotifyError::Unavailable(format!("sqlite: {e}"))
}

impl RecordingNotifier {
    /// A notifier recording into `db` (creating its table if needed), stamping with `clock`.
    pub fn new(db: &SqliteDb, clock: Arc<dyn Clock>) -> Result<Self, LocalError> {
        db.setup(SCHEMA)?;
        Ok(Self {
            db: db.clone(),
            clock,
        })
    }

    /// Every recorded notification, oldest first.
    pub async fn recorded(&self) -> Result<Vec<RecordedNotification>, NotifyError> {
        self.db
            .run(|conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT id, created_at, recipients, subject, body FROM notifications
                         ORDER BY rowid",
                    )
                    .map_err(sql)?;
                let rows = stmt
                    .query_map([], |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, String>(2)?,
                            row.get::<_, String>(3)?,
                            row.get::<_, String>(4)?,
                        ))
                    })
                    .map_err(sql)?;
                let mut recorded = Vec::new();
                for row in rows {
                    let (id, created_at, recipients, subject, body) = row.map_err(sql)?;
                    let corrupt = |what: String| {
                        NotifyError::Unavailable(format!("recorded notification {id}: {what}"))
                    };
                    let created_at = DateTime::parse_from_rfc3339(&created_at)
                        .map_err(|e| corrupt(format!("bad created_at: {e}")))?
                        .with_timezone(&Utc);
                    let to = serde_json::from_str(&recipients)
                        .map_err(|e| corrupt(format!("bad recipients: {e}")))?;
                    recorded.push(RecordedNotification {
                        id,
                        created_at,
                        notification: Notification { to, subject, body },
                    });
                }
                Ok(recorded)
            })
            .await
    }
}

#[async_trait]
impl Notifier for RecordingNotifier {
    async fn notify(&self, notification: &Notification) -> Result<(), NotifyError> {
        notification.validate()?;
        let recipients = serde_json::to_string(&notification.to)
            .map_err(|e| NotifyError::Invalid(format!("recipients not encodable: {e}")))?;
        let id = uuid::Uuid::now_v7().to_string();
        let created_at = self
            .clock
            .now()
            .to_rfc3339_opts(SecondsFormat::Millis, true);
        let (subject, body) = (notification.subject.clone(), notification.body.clone());
        self.db
            .run(move |conn| {
                conn.execute(
                    "INSERT INTO notifications (id, created_at, recipients, subject, body)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    rusqlite::params![id, created_at, recipients, subject, body],
                )
                .map_err(sql)
            })
            .await?;
        // The body stays out of the log: it may quote a customer's message.
        tracing::info!(
            recipients = notification.to.len(),
            subject = %notification.subject,
            "notification recorded, not sent"
        );
        Ok(())
    }
}
