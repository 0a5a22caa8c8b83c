//! Embedded adapters for running marketdesk as one local process: a SQLite item store and
//! queues, secrets in a private file, and a notifier that records instead of sending.
//!
//! Every adapter passes `marketdesk_core`'s conformance suite, so the domain behaves the same
//! here as on AWS.

mod backend;
mod backup;
mod data_dir;
mod db;
mod error;
mod lock;
mod notifier;
mod private;
mod queue;
mod schema;
mod secrets;
mod smtp;
mod store;
mod store_cursor;
mod store_query;
mod store_row;
mod text_index;

pub use backend::{LocalBackend, MAX_RECEIVES};
pub use backup::{backup, restore, BackupError, BackupSummary};
pub use data_dir::{DATABASE_FILE, LOCK_FILE};
pub use db::SqliteDb;
pub use error::LocalError;
pub use lock::ServeLock;
pub use notifier::{RecordedNotification, RecordingNotifier};
pub use private::{DIR_MODE, FILE_MODE};
pub use queue::{QueueOptions, SqliteQueue};
pub use schema::SCHEMA_VERSION;
pub use secrets::{FileSecrets, SECRETS_FILE};
pub use smtp::{SmtpNotifier, SmtpSettings, SMTP_FROM_VAR, SMTP_URL_VAR};
pub use store::SqliteStore;
pub use text_index::SqliteTextIndex;
