//! Backups of a data directory in one file, safe while `marketdesk serve` runs: SQLite's online
//! backup of the database, with the secrets file stored in a table of the copy
//! (`marketdesk_backup`). Restoring writes both back into a data directory.

use crate::data_dir::{DATABASE_FILE, LOCK_FILE};
use crate::schema::{stored_version, SCHEMA_VERSION};
use crate::secrets::SECRETS_FILE;
use crate::ServeLock;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Name of the secrets directory inside a data directory.
const SECRETS_DIR: &str = "secrets";
/// The table of a backup holding the files that are not the database.
const BACKUP_TABLE: &str = "marketdesk_backup";
/// Pages copied per step of the online backup: small steps let `serve` write in between.
const PAGES_PER_STEP: std::os::raw::c_int = 256;
/// Pause between steps, so a busy `serve` is not starved of the database lock.
const STEP_PAUSE: Duration = Duration::from_millis(5);

/// Why a backup or a restore did not happen. Nothing is left half-written: a backup is written
/// to a temporary file first, and a restore checks everything before it replaces anything.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The data directory holds no marketdesk database.
    #[error("{} holds no marketdesk data (no {DATABASE_FILE})", .0.display())]
    NoData(PathBuf),
    /// The backup's target exists already.
    #[error("{} exists already; choose a new file name", .0.display())]
    Exists(PathBuf),
    /// The file is not a marketdesk backup.
    #[error("{} is not a marketdesk backup ({reason})", .path.display())]
    NotABackup {
        /// The file.
        path: PathBuf,
        /// What is missing.
        reason: String,
    },
    /// The backup was made by a newer marketdesk.
    #[error("{} holds data version {found}, made by a newer marketdesk; this binary reads data versions up to {supported}: restore it with that version (or newer)", .path.display())]
    Newer {
        /// The backup file.
        path: PathBuf,
        /// Its data version.
        found: i64,
        /// The newest this binary knows.
        supported: i64,
    },
    /// The target directory holds data and `--force` was not given.
    #[error("{} is not empty; pass --force to replace its database and secrets with the backup's", .0.display())]
    NotEmpty(PathBuf),
    /// A `marketdesk serve` (or another restore) holds the data directory.
    #[error(transparent)]
    InUse(#[from] crate::LocalError),
    /// SQLite failed.
    #[error("{}: {source}", .path.display())]
    Sqlite {
        /// The database or backup file.
        path: PathBuf,
        /// The failure.
        source: rusqlite::Error,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The failure.
        source: io::Error,
    },
}

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    /// The data version of the copied database.
    pub data_version: i64,
    /// Whether a secrets file was copied.
    pub secrets: bool,
    /// Size of the database copy in bytes.
    pub bytes: u64,
}

fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> BackupError + '_ {
    move |source| BackupError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

fn io_error(path: &Path) -> impl Fn(io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Copies `data_dir`'s database (online: `serve` may keep writing) and secrets file into the
/// new file `target` (0600).
pub fn backup(data_dir: &Path, target: &Path) -> Result<BackupSummary, BackupError> {
    let database = data_dir.join(DATABASE_FILE);
    if !database.is_file() {
        return Err(BackupError::NoData(data_dir.to_path_buf()));
    }
    if target.exists() {
        return Err(BackupError::Exists(target.to_path_buf()));
    }
    let partial = partial_name(target);
    let result = write_backup(
        &database,
        &data_dir.join(SECRETS_DIR).join(SECRETS_FILE),
        &partial,
    )
    .and_then(|summary| {
        // Never replaces a file that appeared meanwhile (hard_link fails if it exists).
        fs::hard_link(&partial, target).map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => BackupError::Exists(target.to_path_buf()),
            _ => io_error(target)(e),
        })?;
        Ok(summary)
    });
    let _ = fs::remove_file(&partial);
    result
}

fn partial_name(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn write_backup(
    database: &Path,
    secrets: &Path,
    partial: &Path,
) -> Result<BackupSummary, BackupError> {
    let _ = fs::remove_file(partial);
    crate::private::create_file(partial).map_err(io_error(partial))?;
    let source = Connection::open_with_flags(
        database,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite(database))?;
    source
        .busy_timeout(Duration::from_secs(5))
        .map_err(sqlite(database))?;
    let mut copy = Connection::open(partial).map_err(sqlite(partial))?;
    {
        let step = rusqlite::backup::Backup::new(&source, &mut copy).map_err(sqlite(partial))?;
        step.run_to_completion(PAGES_PER_STEP, STEP_PAUSE, None)
            .map_err(sqlite(database))?;
    }
    // The copy is a plain rollback-journal file: one file, nothing beside it.
    copy.pragma_update_and_check(None, "journal_mode", "DELETE", |row| {
        row.get::<_, String>(0)
    })
    .map_err(sqlite(partial))?;
    let secrets_content = match fs::read(secrets) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_error(secrets)(e)),
    };
    copy.execute_batch(&format!(
        "CREATE TABLE {BACKUP_TABLE} (name TEXT NOT NULL PRIMARY KEY, content BLOB NOT NULL)"
    ))
    .map_err(sqlite(partial))?;
    copy.execute(
        &format!("INSERT INTO {BACKUP_TABLE} (name, content) VALUES ('made_by', ?1)"),
        [format!("marketdesk {}", env!("CARGO_PKG_VERSION")).into_bytes()],
    )
    .map_err(sqlite(partial))?;
    if let Some(content) = &secrets_content {
        copy.execute(
            &format!("INSERT INTO {BACKUP_TABLE} (name, content) VALUES (?1, ?2)"),
            rusqlite::params![format!("{SECRETS_DIR}/{SECRETS_FILE}"), content],
        )
        .map_err(sqlite(partial))?;
    }
    let data_version = stored_version(&copy).map_err(sqlite(partial))?;
    copy.close().map_err(|(_, e)| sqlite(partial)(e))?;
    let file = fs::File::open(partial).map_err(io_error(partial))?;
    file.sync_all().map_err(io_error(partial))?;
    let bytes = file.metadata().map_err(io_error(partial))?.len();
    Ok(BackupSummary {
        data_version,
        secrets: secrets_content.is_some(),
        bytes,
    })
}

/// Restores `backup_file` into `data_dir` (created if missing). A directory holding anything
/// is refused unless `force`, which replaces its database and secrets file; a directory that
/// a `marketdesk serve` holds is always refused.
pub fn restore(
    backup_file: &Path,
    data_dir: &Path,
    force: bool,
) -> Result<BackupSummary, BackupError> {
    // Check the backup before touching the directory.
    let backup = Connection::open_with_flags(backup_file, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(sqlite(backup_file))?;
    let not_a_backup = |reason: &str| BackupError::NotABackup {
        path: backup_file.to_path_buf(),
        reason: reason.into(),
    };
    let made_by: Option<Vec<u8>> = backup
        .query_row(
            &format!("SELECT content FROM {BACKUP_TABLE} WHERE name = 'made_by'"),
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(|_| not_a_backup("no marketdesk_backup table"))?;
    if made_by.is_none() {
        return Err(not_a_backup("no maker recorded"));
    }
    let data_version = stored_version(&backup).map_err(sqlite(backup_file))?;
    if data_version > SCHEMA_VERSION {
        return Err(BackupError::Newer {
            path: backup_file.to_path_buf(),
            found: data_version,
            supported: SCHEMA_VERSION,
        });
    }
    let secrets_content: Option<Vec<u8>> = backup
        .query_row(
            &format!("SELECT content FROM {BACKUP_TABLE} WHERE name = ?1"),
            [format!("{SECRETS_DIR}/{SECRETS_FILE}")],
            |row| row.get(0),
        )
        .optional()
        .map_err(sqlite(backup_file))?;

    crate::private::create_dir(data_dir).map_err(io_error(data_dir))?;
    let _lock = ServeLock::acquire(data_dir)?;
    if !force && holds_anything(data_dir)? {
        return Err(BackupError::NotEmpty(data_dir.to_path_buf()));
    }

    let database = data_dir.join(DATABASE_FILE);
    let staged = partial_name(&database);
    let _ = fs::remove_file(&staged);
    crate::private::create_file(&staged).map_err(io_error(&staged))?;
    let staged_result = (|| {
        let mut target = Connection::open(&staged).map_err(sqlite(&staged))?;
        {
            let step =
                rusqlite::backup::Backup::new(&backup, &mut target).map_err(sqlite(&staged))?;
            step.run_to_completion(PAGES_PER_STEP, Duration::ZERO, None)
                .map_err(sqlite(backup_file))?;
        }
        target
            .execute_batch(&format!("DROP TABLE {BACKUP_TABLE}"))
            .map_err(sqlite(&staged))?;
        target.close().map_err(|(_, e)| sqlite(&staged)(e))
    })();
    if let Err(error) = staged_result {
        let _ = fs::remove_file(&staged);
        return Err(error);
    }
    // The old database's WAL and shared memory belong to the old file: they go first.
    for suffix in ["-wal", "-shm"] {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        match fs::remove_file(PathBuf::from(&name)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(io_error(Path::new(&name))(e))
            }
            _ => {}
        }
    }
    fs::rename(&staged, &database).map_err(io_error(&database))?;

    let secrets_dir = data_dir.join(SECRETS_DIR);
    crate::private::create_dir(&secrets_dir).map_err(io_error(&secrets_dir))?;
    let secrets_file = secrets_dir.join(SECRETS_FILE);
    match &secrets_content {
        Some(content) => {
            let staged = partial_name(&secrets_file);
            let _ = fs::remove_file(&staged);
            write_private(&staged, content).map_err(io_error(&staged))?;
            fs::rename(&staged, &secrets_file).map_err(io_error(&secrets_file))?;
        }
        None => match fs::remove_file(&secrets_file) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(io_error(&secrets_file)(e))
            }
            _ => {}
        },
    }
    let bytes = fs::metadata(&database).map_err(io_error(&database))?.len();
    Ok(BackupSummary {
        data_version,
        secrets: secrets_content.is_some(),
        bytes,
    })
}

/// Whether `dir` holds anything but the lock file.
fn holds_anything(dir: &Path) -> Result<bool, BackupError> {
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        let entry = entry.map_err(io_error(dir))?;
        if entry.file_name() != LOCK_FILE {
            return Ok(true);
        }
    }
    Ok(false)
}

fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, crate::private::FILE_MODE);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
