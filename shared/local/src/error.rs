//! Start-up errors of the embedded backend; each names the file or directory involved.

use std::path::PathBuf;

/// Why the embedded backend (or one of its adapters) could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The data directory (or a directory inside it) could not be created or secured.
    #[error("cannot prepare directory {}: {source}", .path.display())]
    Directory {
        /// The directory.
        path: PathBuf,
        /// The underlying failure.
        source: std::io::Error,
    },
    /// The directory holds no marketdesk database, and creating one was not asked for.
    #[error("{} holds no marketdesk data (no {file})", .path.display(), file = crate::data_dir::DATABASE_FILE)]
    NoDatabase {
        /// The data directory.
        path: PathBuf,
    },
    /// The SQLite database could not be opened or configured.
    #[error("cannot open SQLite database {}: {source}", .path.display())]
    Database {
        /// The database file (`:memory:` for an in-memory database).
        path: PathBuf,
        /// The underlying failure.
        source: rusqlite::Error,
    },
    /// A file of the data directory could not be created owner-only or tightened to 0600.
    #[error("cannot make {} readable only by its owner: {source}", .path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// The underlying failure.
        source: std::io::Error,
    },
    /// The secrets file exists but could not be secured.
    #[error("cannot secure secrets file {}: {source}", .path.display())]
    SecretsFile {
        /// The secrets file.
        path: PathBuf,
        /// The underlying failure.
        source: std::io::Error,
    },
    /// Another process (a running `marketdesk serve`, or a restore) holds the data directory.
    #[error("{} is in use by a running marketdesk serve (or a restore); stop it first", .path.display())]
    InUse {
        /// The data directory.
        path: PathBuf,
    },
    /// The database was written by a newer marketdesk than this one.
    #[error("{} holds data version {found}, written by a newer marketdesk; this binary reads data versions up to {supported}: run that newer marketdesk (or newer), or restore a backup made with this version", .path.display())]
    NewerData {
        /// The database file.
        path: PathBuf,
        /// The version found in it.
        found: i64,
        /// The newest version this binary knows.
        supported: i64,
    },
    /// A queue was configured in a way SQS would refuse.
    #[error("invalid configuration for queue {queue:?} in {}: {reason}", .path.display())]
    QueueConfig {
        /// The queue's name.
        queue: String,
        /// The database file holding the queue.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}
