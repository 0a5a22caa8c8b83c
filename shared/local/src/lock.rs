//! [`ServeLock`]: the data directory's lock, held by `marketdesk serve` for its lifetime and by
//! `marketdesk restore` while it writes, so neither replaces data under the other.

use crate::data_dir::LOCK_FILE;
use crate::error::LocalError;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

/// An exclusive advisory lock on `<data_dir>/marketdesk.lock`; released when dropped (or when
/// the process ends, however it ends).
#[derive(Debug)]
pub struct ServeLock {
    _file: File,
}

impl ServeLock {
    /// Takes the lock (creating the directory, 0700, if needed), or says that another process
    /// holds the directory.
    pub fn acquire(data_dir: &Path) -> Result<Self, LocalError> {
        crate::private::create_dir(data_dir).map_err(|source| LocalError::Directory {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(LOCK_FILE);
        let file_error = |source| LocalError::File {
            path: path.clone(),
            source,
        };
        crate::private::create_file(&path).map_err(file_error)?;
        let file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(file_error)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LocalError::InUse {
                path: data_dir.to_path_buf(),
            }),
            Err(TryLockError::Error(source)) => Err(file_error(source)),
        }
    }
}
