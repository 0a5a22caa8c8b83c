//! [`FileSecrets`]: secrets in one JSON file readable only by the owner.

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
    /// Serialises read-modify-write cycles so concurrent puts do not lose each other.
    lock: Mutex<()>,
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
                lock: Mutex::new(()),
            }),
        })
    }

    /// The secrets file.
    pub fn file(&self) -> &Path {
        &self.inner.file
    }

    /// Runs `work` on the blocking pool, holding the file lock.
    async fn with_file<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Inner) -> Result<T, SecretsError> + Send + 'static,
    ) -> Result<T, SecretsError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            // The guarded value is `()`: a poisoned lock protects no state worth refusing.
            let _guard = inner.lock.lock().unwrap_or_else(|p| p.into_inner());
            work(&inner)
        })
        .await
        .map_err(|e| SecretsError::Unavailable(format!("secrets worker failed: {e}")))?
    }
}

impl Inner {
    fn unavailable(&self, e: io::Error) -> SecretsError {
        SecretsError::Unavailable(format!("{}: {e}", self.file.display()))
    }

    fn load(&self) -> Result<SecretMap, SecretsError> {
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
        self.with_file(move |inner| {
            let mut secrets = inner.load()?;
            secrets.insert(name, value);
            inner.save(&secrets)
        })
        .await
    }

    async fn get(&self, name: &SecretName) -> Result<Option<SecretString>, SecretsError> {
        let name = name.as_str().to_owned();
        self.with_file(move |inner| Ok(inner.load()?.remove(&name)))
            .await
    }

    async fn delete(&self, name: &SecretName) -> Result<(), SecretsError> {
        let name = name.as_str().to_owned();
        self.with_file(move |inner| {
            let mut secrets = inner.load()?;
            if secrets.remove(&name).is_some() {
                inner.save(&secrets)?;
            }
            Ok(())
        })
        .await
    }
}
