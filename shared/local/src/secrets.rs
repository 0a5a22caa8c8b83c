//! [`FileSecrets`]: secrets in one JSON file readable only by the owner.
//!
//! The parsed file is kept in memory and re-read only when the file changes on disk (its
//! size, modification and change times or inode differ), so a `get` costs one `stat` and a
//! map lookup whatever the number of secrets; before, every `get` read and parsed the whole
//! file (432 ms with 5 000 token pairs, `tests/benches/secrets.rs`).

use crate::error::LocalError;
use crate::private;
use async_trait::async_trait;
use marketdesk_core::ports::{SecretName, Secrets, SecretsError};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// File name of the secrets file inside the secrets directory.
pub const SECRETS_FILE: &str = "secrets.json";

/// Secrets kept in `<dir>/secrets.json` (mode 0600, directory 0700), rewritten atomically.
#[derive(Clone)]
pub struct FileSecrets {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    file: PathBuf,
    /// The parsed file and what the file looked like when it was read; the lock also
    /// serialises read-modify-write cycles so concurrent puts do not lose each other.
    cache: Mutex<Option<Cached>>,
    /// How often the file was read and parsed (see [`FileSecrets::parses`]).
    parses: AtomicU64,
}

/// The parsed secrets and the file's stamp when they were read.
struct Cached {
    stamp: Option<FileStamp>,
    secrets: SecretMap,
    /// False after a failed save: the file may or may not hold the new secrets.
    valid: bool,
}

/// What identifies one version of the file: any write through this adapter renames a new
/// file over it (a new inode), and an edit in place changes the size or the times.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64),
    #[cfg(unix)]
    changed: (i64, i64),
}

impl FileStamp {
    fn of(metadata: &fs::Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Self {
            len: metadata.len(),
            modified: metadata.modified().ok(),
            #[cfg(unix)]
            inode: (metadata.dev(), metadata.ino()),
            #[cfg(unix)]
            changed: (metadata.ctime(), metadata.ctime_nsec()),
        }
    }
}

impl std::fmt::Debug for FileSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSecrets")
            .field("file", &self.inner.file)
            .finish_non_exhaustive()
    }
}

type SecretMap = BTreeMap<String, SecretString>;

impl FileSecrets {
    /// Opens the secrets directory `dir`, creating it (0700) and tightening existing
    /// permissions so no other user can read the secrets.
    pub fn open(dir: &Path) -> Result<Self, LocalError> {
        let dir_error = |source| LocalError::Directory {
            path: dir.to_path_buf(),
            source,
        };
        private::create_dir(dir).map_err(dir_error)?;
        let file = dir.join(SECRETS_FILE);
        private::tighten_file(&file).map_err(|source| LocalError::SecretsFile {
            path: file.clone(),
            source,
        })?;
        Ok(Self {
            inner: Arc::new(Inner {
                dir: dir.to_path_buf(),
                file,
                cache: Mutex::new(None),
                parses: AtomicU64::new(0),
            }),
        })
    }

    /// The secrets file.
    pub fn file(&self) -> &Path {
        &self.inner.file
    }

    /// How many times the file has been read and parsed since it was opened: once, then
    /// again only after something else changed the file.
    pub fn parses(&self) -> u64 {
        self.inner.parses.load(Ordering::Relaxed)
    }

    /// Runs `work` on the blocking pool with the current secrets, holding the lock.
    async fn with_file<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Inner, &mut Cached) -> Result<T, SecretsError> + Send + 'static,
    ) -> Result<T, SecretsError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock leaves at worst a stale cache, which the stamp
            // check below replaces.
            let mut cache = inner.cache.lock().unwrap_or_else(|p| p.into_inner());
            let cached = inner.current(&mut cache)?;
            work(&inner, cached)
        })
        .await
        .map_err(|e| SecretsError::Unavailable(format!("secrets worker failed: {e}")))?
    }
}

impl Inner {
    fn unavailable(&self, e: io::Error) -> SecretsError {
        SecretsError::Unavailable(format!("{}: {e}", self.file.display()))
    }

    /// The file's stamp, `None` when there is no file yet.
    fn stamp(&self) -> Result<Option<FileStamp>, SecretsError> {
        match fs::metadata(&self.file) {
            Ok(metadata) => Ok(Some(FileStamp::of(&metadata))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.unavailable(e)),
        }
    }

    /// The cached secrets, re-read first when the file changed since they were read.
    fn current<'c>(&self, cache: &'c mut Option<Cached>) -> Result<&'c mut Cached, SecretsError> {
        let stamp = self.stamp()?;
        let fresh = cache.as_ref().is_some_and(|c| c.valid && c.stamp == stamp);
        if !fresh {
            // Stamp first, then read: a write in between is seen by the next call.
            let secrets = self.load()?;
            *cache = Some(Cached {
                stamp,
                secrets,
                valid: true,
            });
        }
        cache
            .as_mut()
            .ok_or_else(|| SecretsError::Unavailable("secrets cache unavailable".into()))
    }

    fn load(&self) -> Result<SecretMap, SecretsError> {
        self.parses.fetch_add(1, Ordering::Relaxed);
        let bytes = match fs::read(&self.file) {
            Ok(bytes) => Zeroizing::new(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(SecretMap::new()),
            Err(e) => return Err(self.unavailable(e)),
        };
        // Only the position is reported: serde's own message can quote a value.
        serde_json::from_slice(&bytes).map_err(|e| {
            SecretsError::Unavailable(format!(
                "{}: not a valid secrets file (line {}, column {})",
                self.file.display(),
                e.line(),
                e.column()
            ))
        })
    }

    /// Writes a private temporary file and renames it over the old one, so a crash leaves
    /// either the old or the new secrets, never a torn file.
    fn save(&self, secrets: &SecretMap) -> Result<(), SecretsError> {
        let exposed: BTreeMap<&str, &str> = secrets
            .iter()
            .map(|(name, value)| (name.as_str(), value.expose_secret()))
            .collect();
        let bytes = Zeroizing::new(serde_json::to_vec_pretty(&exposed).map_err(|_| {
            SecretsError::Unavailable(format!("{}: cannot encode secrets", self.file.display()))
        })?);
        let tmp = self.dir.join(format!(
            ".{SECRETS_FILE}.{}.tmp",
            uuid::Uuid::new_v4().simple()
        ));
        let written = write_private(&tmp, &bytes).and_then(|()| fs::rename(&tmp, &self.file));
        if let Err(e) = written {
            // Best effort: the temporary file holds secrets and must not linger.
            let _ = fs::remove_file(&tmp);
            return Err(self.unavailable(e));
        }
        sync_dir(&self.dir).map_err(|e| self.unavailable(e))
    }

    /// Saves `secrets` and makes them the cached copy.
    fn save_cached(&self, cached: &mut Cached, secrets: SecretMap) -> Result<(), SecretsError> {
        if let Err(e) = self.save(&secrets) {
            // The rename may have happened before the failure: read the file again next time.
            cached.valid = false;
            return Err(e);
        }
        cached.stamp = self.stamp()?;
        cached.secrets = secrets;
        Ok(())
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, private::FILE_MODE);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes the rename itself durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[async_trait]
impl Secrets for FileSecrets {
    async fn put(&self, name: &SecretName, value: &SecretString) -> Result<(), SecretsError> {
        let (name, value) = (name.as_str().to_owned(), value.clone());
        self.with_file(move |inner, cached| {
            let mut secrets = cached.secrets.clone();
            secrets.insert(name, value);
            inner.save_cached(cached, secrets)
        })
        .await
    }

    async fn get(&self, name: &SecretName) -> Result<Option<SecretString>, SecretsError> {
        let name = name.as_str().to_owned();
        self.with_file(move |_, cached| Ok(cached.secrets.get(&name).cloned()))
            .await
    }

    async fn delete(&self, name: &SecretName) -> Result<(), SecretsError> {
        let name = name.as_str().to_owned();
        self.with_file(move |inner, cached| {
            if !cached.secrets.contains_key(&name) {
                return Ok(());
            }
            let mut secrets = cached.secrets.clone();
            secrets.remove(&name);
            inner.save_cached(cached, secrets)
        })
        .await
    }
}
