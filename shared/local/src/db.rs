//! One SQLite database shared by the store, the queues and the notifier.

use crate::error::LocalError;
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;

/// How long a write waits for another process holding the database lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A handle to one SQLite database; cheap to clone, every clone shares one connection.
///
/// One connection behind a mutex serialises all work: the local backend serves one process,
/// and a single writer is what SQLite allows anyway, so a pool would only add lock contention.
#[derive(Clone)]
pub struct SqliteDb {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// One wake-up per queue name, shared by every handle of the queue in this process.
    wakeups: Mutex<HashMap<String, Arc<Notify>>>,
}

impl std::fmt::Debug for SqliteDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteDb")
            .field("path", &self.inner.path)
            .finish()
    }
}

/// A failure to reach the connection at all (worker thread died); adapters map it to their
/// port's "unavailable" error.
#[derive(Debug)]
pub(crate) struct DbFailure(pub(crate) String);

impl SqliteDb {
    /// Opens (creating if needed) the database file at `path` in WAL mode; the file and its
    /// WAL and shared-memory files are owner-only (0600).
    pub fn open(path: &Path) -> Result<Self, LocalError> {
        let fail = |source| LocalError::Database {
            path: path.to_path_buf(),
            source,
        };
        let private = |file: &Path| {
            let secured = if !file.exists() && file == path {
                crate::private::create_file(file)
            } else if file.is_file() {
                crate::private::tighten_file(file)
            } else {
                Ok(())
            };
            secured.map_err(|source| LocalError::File {
                path: file.to_path_buf(),
                source,
            })
        };
        private(path)?;
        let conn = Connection::open(path).map_err(fail)?;
        // WAL lets readers in other processes (sqlite3 CLI, a second tool) work during writes.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(fail)?;
        // SQLite gives new WAL and shared-memory files the database file's mode; files left by
        // an older version of marketdesk are tightened here.
        for suffix in ["-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            private(Path::new(&name))?;
        }
        Self::configure(conn, path.to_path_buf())
    }

    /// Opens a private in-memory database (tests): it lives as long as this handle's clones.
    pub fn open_in_memory() -> Result<Self, LocalError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| LocalError::Database {
            path: path.clone(),
            source,
        })?;
        Self::configure(conn, path)
    }

    fn configure(conn: Connection, path: PathBuf) -> Result<Self, LocalError> {
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|source| LocalError::Database {
                path: path.clone(),
                source,
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                path,
                wakeups: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The wake-up of the queue `name`: notified when a message is sent to it in this process.
    pub(crate) fn wakeup(&self, name: &str) -> Arc<Notify> {
        let mut wakeups = self
            .inner
            .wakeups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        wakeups.entry(name.to_owned()).or_default().clone()
    }

    /// The database file (`:memory:` for an in-memory database).
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs start-up SQL (schema creation) on the caller's thread.
    pub(crate) fn setup(&self, sql: &str) -> Result<(), LocalError> {
        self.lock()
            .execute_batch(sql)
            .map_err(|source| LocalError::Database {
                path: self.inner.path.clone(),
                source,
            })
    }

    /// Runs `work` on the caller's thread (start-up and administrative commands).
    pub(crate) fn with_conn<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        work(&mut self.lock())
    }

    /// A database error naming this database's file.
    pub(crate) fn error(&self, source: rusqlite::Error) -> LocalError {
        LocalError::Database {
            path: self.inner.path.clone(),
            source,
        }
    }

    /// Runs `work` on the blocking pool so SQLite's disk I/O never stalls the async runtime.
    pub(crate) async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbFailure> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || work(&mut db.lock()))
            .await
            .map_err(|e| {
                E::from(DbFailure(format!(
                    "{}: database worker failed: {e}",
                    self.inner.path.display()
                )))
            })?
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction open (rusqlite rolls back
        // on drop), so the connection is still consistent and usable.
        self.inner
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
