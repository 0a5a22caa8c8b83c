//! [`LocalBackend`]: every port wired on one data directory.

use crate::data_dir::DATABASE_FILE;
use crate::error::LocalError;
use crate::{
    FileSecrets, QueueOptions, RecordingNotifier, SqliteDb, SqliteQueue, SqliteStore,
    SqliteTextIndex,
};
use marketdesk_core::ports::{Clock, Ports, Queues};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Deliveries a work message gets before it is dead-lettered.
pub const MAX_RECEIVES: u32 = 5;

/// The embedded adapters on one data directory, kept concrete so tools and tests can reach
/// what the ports hide (dead-letter queues, recorded notifications).
#[derive(Clone)]
pub struct LocalBackend {
    /// The data directory.
    pub data_dir: PathBuf,
    /// The database shared by the store, the queues and the notifier.
    pub db: SqliteDb,
    /// The item store.
    pub store: Arc<SqliteStore>,
    /// The `poll-jobs` queue (dead letters in `poll-jobs-dlq`).
    pub poll_jobs: Arc<SqliteQueue>,
    /// The `inbound` queue (dead letters in `inbound-dlq`).
    pub inbound: Arc<SqliteQueue>,
    /// The `outbound` queue (dead letters in `outbound-dlq`).
    pub outbound: Arc<SqliteQueue>,
    /// The `webhooks` queue (dead letters in `webhooks-dlq`).
    pub webhooks: Arc<SqliteQueue>,
    /// Secrets under `<data_dir>/secrets/`.
    pub secrets: Arc<FileSecrets>,
    /// The recording notifier.
    pub notifier: Arc<RecordingNotifier>,
    /// The FTS5 text index of tickets' words.
    pub text_index: Arc<SqliteTextIndex>,
    /// The request budget every loop of the process shares (in memory: one process).
    pub budget: Arc<marketdesk_core::ports::MemoryBudget>,
    /// The clock the queues and the notifier read.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for LocalBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalBackend")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl LocalBackend {
    /// Opens (creating if needed) `data_dir` and wires every port on it. The directory is
    /// made owner-only (0700) and every file in it 0600.
    pub fn open(data_dir: &Path, clock: Arc<dyn Clock>) -> Result<Ports, LocalError> {
        Ok(Self::build(data_dir, clock)?.ports())
    }

    /// Like [`LocalBackend::open`], but refuses a directory without a marketdesk database
    /// (a mistyped `--data` must not silently start an empty installation).
    pub fn open_existing(data_dir: &Path, clock: Arc<dyn Clock>) -> Result<Ports, LocalError> {
        if !data_dir.join(DATABASE_FILE).is_file() {
            return Err(LocalError::NoDatabase {
                path: data_dir.to_path_buf(),
            });
        }
        Self::open(data_dir, clock)
    }

    /// Like [`LocalBackend::open`], keeping the concrete adapters.
    pub fn build(data_dir: &Path, clock: Arc<dyn Clock>) -> Result<Self, LocalError> {
        crate::private::create_dir(data_dir).map_err(|source| LocalError::Directory {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let db = SqliteDb::open(&data_dir.join(DATABASE_FILE))?;
        crate::schema::refuse_newer(&db)?;
        let queue = |name: &str| -> Result<Arc<SqliteQueue>, LocalError> {
            let options = QueueOptions {
                max_receives: MAX_RECEIVES,
                dead_letter: Some(format!("{name}-dlq")),
            };
            Ok(Arc::new(SqliteQueue::open(
                &db,
                name,
                options,
                clock.clone(),
            )?))
        };
        let (poll_jobs, inbound) = (queue("poll-jobs")?, queue("inbound")?);
        let (outbound, webhooks) = (queue("outbound")?, queue("webhooks")?);
        let text_index = Arc::new(SqliteTextIndex::new(db.clone())?);
        let notifier = Arc::new(RecordingNotifier::new(&db, clock.clone())?);
        let store = Arc::new(SqliteStore::new(db.clone())?);
        // After the adapters made their tables: the steps may change those.
        crate::schema::migrate(&db)?;
        Ok(Self {
            data_dir: data_dir.to_path_buf(),
            store,
            poll_jobs,
            inbound,
            outbound,
            webhooks,
            secrets: Arc::new(FileSecrets::open(&data_dir.join("secrets"))?),
            notifier,
            text_index,
            budget: Arc::new(marketdesk_core::ports::MemoryBudget::new()),
            db,
            clock,
        })
    }

    /// The ports, sharing these adapters.
    pub fn ports(&self) -> Ports {
        Ports {
            store: self.store.clone(),
            queues: Queues {
                poll_jobs: self.poll_jobs.clone(),
                inbound: self.inbound.clone(),
                outbound: self.outbound.clone(),
                webhooks: self.webhooks.clone(),
            },
            secrets: self.secrets.clone(),
            notifier: self.notifier.clone(),
            clock: self.clock.clone(),
            text_index: self.text_index.clone(),
            budget: self.budget.clone(),
        }
    }
}
