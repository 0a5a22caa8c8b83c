//! The files of a data directory that more than one part names (the backend opens the
//! database, `serve` holds the lock, backups copy one and skip the other, errors name them).

/// File name of the database inside the data directory.
pub const DATABASE_FILE: &str = "marketdesk.sqlite";
/// File name of the lock `marketdesk serve` holds inside the data directory.
pub const LOCK_FILE: &str = "marketdesk.lock";
