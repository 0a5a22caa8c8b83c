//! [`EncryptedTableSecrets`]: the secrets port on the DynamoDB table, each value sealed with
//! AES-256-GCM under one data key that KMS made and keeps wrapped (envelope encryption).
//!
//! Why: one Secrets Manager secret per account costs 0.40 USD a month and a paid API call per
//! read, for data read on every poll (docs/performance.md, "Credentials on AWS"). Here a read is
//! one item `get` and a local decryption; KMS is asked once per cold start (`Decrypt` of the
//! data key), never per secret.
//!
//! Items (outside the tenant partitions):
//! - `SECRET#<name>` / `SECRET` → `{v, key, nonce, ct}`: format version, the data key's id, the
//!   96-bit random nonce and the ciphertext with its tag (standard base64). The associated data
//!   is the item's key and the data key's id, so a ciphertext copied to another item, or
//!   sealed under another data key, fails to open instead of answering another secret.
//! - `DATAKEY#secrets` / `DATAKEY` → `{id, blob, kms_key}`: the data key as KMS encrypted it
//!   (`GenerateDataKey`, AES-256, encryption context `purpose=marketdesk-secrets`), written once
//!   with a not-exists condition so concurrent cold starts agree on one key.
//!
//! Migration: with a `legacy` Secrets Manager adapter, a name missing from the table is looked
//! up there, written to the table (not-exists condition: a newer value in the table wins) and
//! only then deleted from Secrets Manager; [`EncryptedTableSecrets::migrate_all`] does the same
//! for every secret under the legacy prefix (`marketdesk migrate-secrets`).
//!
//! Errors name the secret and what failed, never a value or key material.

use crate::sdk_error;
use crate::SecretsManagerSecrets;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use async_trait::async_trait;
use aws_sdk_kms::operation::decrypt::DecryptError;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use marketdesk_core::ports::StoreError;
use marketdesk_core::ports::{Condition, Item, Key, SecretName, Secrets, SecretsError, Store};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::fmt;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// Format of a sealed secret item's body.
const FORMAT_VERSION: u32 = 1;
/// The encryption context of the data key at KMS (checked again on `Decrypt`).
const CONTEXT_KEY: &str = "purpose";
/// Its value.
const CONTEXT_VALUE: &str = "marketdesk-secrets";
/// AES-GCM nonce length in bytes.
const NONCE_LEN: usize = 12;

/// The key of a secret's item.
fn secret_key(name: &SecretName) -> Key {
    Key::new(format!("SECRET#{}", name.as_str()), "SECRET")
}

/// The key of the data key's item.
fn data_key_item_key() -> Key {
    Key::new("DATAKEY#secrets", "DATAKEY")
}

/// Associated data of a sealed value: the item it belongs to and the data key it is sealed
/// under (secret names hold no `:`, so the fields cannot run into each other).
fn associated_data(key: &Key, data_key_id: &str) -> String {
    format!(
        "marketdesk-secret:v{FORMAT_VERSION}:{}:{}:{data_key_id}",
        key.pk, key.sk
    )
}

/// A sealed secret as stored in the item's body.
#[derive(Clone, Serialize, Deserialize)]
struct Sealed {
    v: u32,
    key: String,
    nonce: String,
    ct: String,
}

/// The data key's item body.
#[derive(Serialize, Deserialize)]
struct StoredDataKey {
    id: String,
    blob: String,
    kms_key: String,
}

/// One unwrapped data key: an AES-256-GCM cipher and the id sealed values carry.
pub struct DataKey {
    id: String,
    cipher: Aes256Gcm,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl DataKey {
    /// A data key from 32 key bytes (what KMS `GenerateDataKey` answers as plaintext).
    pub fn from_bytes(id: impl Into<String>, bytes: &[u8]) -> Result<Self, SecretsError> {
        let cipher = Aes256Gcm::new_from_slice(bytes).map_err(|_| {
            SecretsError::Unavailable(format!(
                "the secrets data key is {} bytes, expected 32 (AES-256)",
                bytes.len()
            ))
        })?;
        Ok(Self {
            id: id.into(),
            cipher,
        })
    }

    /// The id sealed values name.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Seals `value` for the item under `key`: a fresh random nonce each time.
    fn seal(&self, key: &Key, value: &SecretString) -> Result<Sealed, SecretsError> {
        let mut nonce_bytes = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce_bytes)
            .map_err(|e| SecretsError::Unavailable(format!("no randomness for a nonce: {e}")))?;
        let nonce = Nonce::from(nonce_bytes);
        let aad = associated_data(key, &self.id);
        let ct = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: value.expose_secret().as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| SecretsError::Unavailable("AES-GCM encryption failed".into()))?;
        Ok(Sealed {
            v: FORMAT_VERSION,
            key: self.id.clone(),
            nonce: STANDARD.encode(nonce_bytes),
            ct: STANDARD.encode(ct),
        })
    }

    /// Opens a sealed value read from the item under `key`.
    fn open(&self, key: &Key, sealed: &Sealed, name: &str) -> Result<SecretString, SecretsError> {
        if sealed.v != FORMAT_VERSION {
            return Err(undecryptable(
                name,
                &format!("unknown format version {}", sealed.v),
            ));
        }
        if sealed.key != self.id {
            return Err(undecryptable(
                name,
                &format!(
                    "it is sealed under data key {:?}, this deployment's data key is {:?}",
                    sealed.key, self.id
                ),
            ));
        }
        let nonce: [u8; NONCE_LEN] = STANDARD
            .decode(&sealed.nonce)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| undecryptable(name, "the nonce is not 12 bytes of base64"))?;
        let ct = STANDARD
            .decode(&sealed.ct)
            .map_err(|_| undecryptable(name, "the ciphertext is not base64"))?;
        let aad = associated_data(key, &self.id);
        let plain = self
            .cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: &ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| {
                undecryptable(
                    name,
                    "authentication failed: the ciphertext was changed, or it belongs to another \
                     item or another data key",
                )
            })?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| undecryptable(name, "the plaintext is not UTF-8"))
    }
}

fn undecryptable(name: &str, why: &str) -> SecretsError {
    SecretsError::Unavailable(format!("secret {name} cannot be decrypted: {why}"))
}

fn store_failed(operation: &str, name: &str, error: StoreError) -> SecretsError {
    SecretsError::Unavailable(format!(
        "{operation} of secret {name} in the table: {error}"
    ))
}

/// The data key of this deployment: read from the table and unwrapped by KMS on first use,
/// created (KMS `GenerateDataKey`) when the table has none yet; cached for the process.
pub struct KmsDataKey {
    kms: aws_sdk_kms::Client,
    kms_key_id: String,
    store: Arc<dyn Store>,
    cached: OnceCell<Arc<DataKey>>,
}

impl fmt::Debug for KmsDataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KmsDataKey")
            .field("kms_key_id", &self.kms_key_id)
            .field("unwrapped", &self.cached.initialized())
            .finish_non_exhaustive()
    }
}

impl KmsDataKey {
    /// The data key wrapped by the KMS key `kms_key_id` (key id, key ARN or alias), its item in
    /// `store`.
    pub fn new(
        kms: aws_sdk_kms::Client,
        kms_key_id: impl Into<String>,
        store: Arc<dyn Store>,
    ) -> Self {
        Self {
            kms,
            kms_key_id: kms_key_id.into(),
            store,
            cached: OnceCell::new(),
        }
    }

    /// The unwrapped key: one KMS call per process (a failure is not cached: the next use tries
    /// again).
    pub async fn get(&self) -> Result<Arc<DataKey>, SecretsError> {
        self.cached
            .get_or_try_init(|| async { self.load_or_create().await.map(Arc::new) })
            .await
            .cloned()
    }

    async fn load_or_create(&self) -> Result<DataKey, SecretsError> {
        if let Some(stored) = self.read_item().await? {
            return self.unwrap_key(&stored).await;
        }
        let generated = self
            .kms
            .generate_data_key()
            .key_id(&self.kms_key_id)
            .key_spec(DataKeySpec::Aes256)
            .encryption_context(CONTEXT_KEY, CONTEXT_VALUE)
            .send()
            .await
            .map_err(|e| {
                SecretsError::Unavailable(format!(
                    "cannot create the secrets data key with KMS key {}: {}",
                    self.kms_key_id,
                    sdk_error::describe("GenerateDataKey", &e)
                ))
            })?;
        let (Some(blob), Some(plain)) = (generated.ciphertext_blob(), generated.plaintext()) else {
            return Err(SecretsError::Unavailable(
                "GenerateDataKey answered without the key".into(),
            ));
        };
        let stored = StoredDataKey {
            id: uuid_like(),
            blob: STANDARD.encode(blob.as_ref()),
            kms_key: generated.key_id().unwrap_or(&self.kms_key_id).to_owned(),
        };
        let body = serde_json::to_value(&stored)
            .map_err(|e| SecretsError::Unavailable(format!("cannot encode the data key: {e}")))?;
        match self
            .store
            .put(Item::new(data_key_item_key(), body), Condition::NotExists)
            .await
        {
            Ok(()) => DataKey::from_bytes(stored.id, plain.as_ref()),
            // Another cold start stored its key first: use that one, so every value is sealed
            // under the same key.
            Err(StoreError::ConditionFailed) => match self.read_item().await? {
                Some(winner) => self.unwrap_key(&winner).await,
                None => Err(SecretsError::Unavailable(
                    "the secrets data key vanished while being created".into(),
                )),
            },
            Err(e) => Err(SecretsError::Unavailable(format!(
                "cannot store the secrets data key: {e}"
            ))),
        }
    }

    async fn read_item(&self) -> Result<Option<StoredDataKey>, SecretsError> {
        let Some(item) = self.store.get(&data_key_item_key()).await.map_err(|e| {
            SecretsError::Unavailable(format!("cannot read the secrets data key: {e}"))
        })?
        else {
            return Ok(None);
        };
        serde_json::from_value(item.data)
            .map(Some)
            .map_err(|_| SecretsError::Unavailable("the secrets data key item is malformed".into()))
    }

    async fn unwrap_key(&self, stored: &StoredDataKey) -> Result<DataKey, SecretsError> {
        let blob = STANDARD.decode(&stored.blob).map_err(|_| {
            SecretsError::Unavailable("the secrets data key item holds no base64 blob".into())
        })?;
        let answer = self
            .kms
            .decrypt()
            .ciphertext_blob(Blob::new(blob))
            .key_id(&self.kms_key_id)
            .encryption_context(CONTEXT_KEY, CONTEXT_VALUE)
            .send()
            .await
            .map_err(|e| {
                let why = match e.as_service_error() {
                    // IncorrectKey is KMS's answer; an emulator may say AccessDenied.
                    Some(DecryptError::IncorrectKeyException(_)) => {
                        "it was made under another KMS key".to_owned()
                    }
                    Some(DecryptError::InvalidCiphertextException(_)) => {
                        "KMS does not recognise it (changed, or another encryption context)"
                            .to_owned()
                    }
                    _ if sdk_error::code(&e) == Some("AccessDeniedException") => {
                        "it was made under another KMS key, or this role may not use the key"
                            .to_owned()
                    }
                    _ => sdk_error::describe("Decrypt", &e),
                };
                SecretsError::Unavailable(format!(
                    "cannot unwrap the secrets data key {} (made under {}) with KMS key {}: {why}",
                    stored.id, stored.kms_key, self.kms_key_id
                ))
            })?;
        let plain = answer.plaintext().ok_or_else(|| {
            SecretsError::Unavailable("KMS Decrypt answered without the key".into())
        })?;
        DataKey::from_bytes(stored.id.clone(), plain.as_ref())
    }
}

/// A random id for a new data key (16 random bytes, hex).
fn uuid_like() -> String {
    let mut bytes = [0u8; 16];
    // Only an id: should randomness fail, a time-based id is as good.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes = nanos.to_be_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the data key comes from: KMS in production, a fixed key in unit tests.
enum KeySource {
    Kms(KmsDataKey),
    Fixed(Arc<DataKey>),
}

/// The secrets port on the table, sealed under a KMS-wrapped data key.
pub struct EncryptedTableSecrets {
    store: Arc<dyn Store>,
    key: KeySource,
    legacy: Option<SecretsManagerSecrets>,
}

impl fmt::Debug for EncryptedTableSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = match &self.key {
            KeySource::Kms(kms) => format!("{kms:?}"),
            KeySource::Fixed(key) => format!("{key:?}"),
        };
        f.debug_struct("EncryptedTableSecrets")
            .field("key", &key)
            .field("legacy_prefix", &self.legacy.as_ref().map(|l| l.prefix()))
            .finish_non_exhaustive()
    }
}

/// What [`EncryptedTableSecrets::migrate_all`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Secrets written to the table and deleted from Secrets Manager.
    pub moved: usize,
    /// Secrets already in the table (a newer value): only the old copy was deleted.
    pub already_in_table: usize,
}

impl EncryptedTableSecrets {
    /// Secrets in `store`, sealed under `key`; `legacy`, when given, is where secrets not yet
    /// in the table are found (and moved from) during the migration.
    pub fn new(
        store: Arc<dyn Store>,
        key: KmsDataKey,
        legacy: Option<SecretsManagerSecrets>,
    ) -> Self {
        Self {
            store,
            key: KeySource::Kms(key),
            legacy,
        }
    }

    /// Secrets sealed under a fixed data key (tests, tools): no KMS.
    pub fn with_data_key(
        store: Arc<dyn Store>,
        key: DataKey,
        legacy: Option<SecretsManagerSecrets>,
    ) -> Self {
        Self {
            store,
            key: KeySource::Fixed(Arc::new(key)),
            legacy,
        }
    }

    async fn data_key(&self) -> Result<Arc<DataKey>, SecretsError> {
        match &self.key {
            KeySource::Kms(kms) => kms.get().await,
            KeySource::Fixed(key) => Ok(key.clone()),
        }
    }

    /// The value in the table, if any.
    async fn read_table(&self, name: &SecretName) -> Result<Option<SecretString>, SecretsError> {
        let key = secret_key(name);
        let Some(item) = self
            .store
            .get(&key)
            .await
            .map_err(|e| store_failed("read", name.as_str(), e))?
        else {
            return Ok(None);
        };
        let sealed: Sealed = serde_json::from_value(item.data)
            .map_err(|_| undecryptable(name.as_str(), "the item is not a sealed secret"))?;
        let data_key = self.data_key().await?;
        data_key.open(&key, &sealed, name.as_str()).map(Some)
    }

    /// Seals and writes `value` under `condition`.
    async fn write_table(
        &self,
        name: &SecretName,
        value: &SecretString,
        condition: Condition,
    ) -> Result<(), StoreError> {
        let key = secret_key(name);
        let data_key = self
            .data_key()
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let sealed = data_key
            .seal(&key, value)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let body = json!(sealed);
        self.store.put(Item::new(key, body), condition).await
    }

    /// Moves one secret from Secrets Manager into the table: written only where the table has
    /// nothing (a value there is newer and wins), and the old secret deleted only once the
    /// table holds the name. Returns the value now current, `None` when neither has one.
    async fn move_from_legacy(
        &self,
        legacy: &SecretsManagerSecrets,
        name: &SecretName,
    ) -> Result<(Option<SecretString>, MoveOutcome), SecretsError> {
        let Some(old) = legacy.get(name).await? else {
            return Ok((None, MoveOutcome::Nothing));
        };
        let (current, moved) = match self.write_table(name, &old, Condition::NotExists).await {
            Ok(()) => (Some(old), MoveOutcome::Written),
            Err(StoreError::ConditionFailed) => {
                (self.read_table(name).await?, MoveOutcome::AlreadyThere)
            }
            Err(e) => return Err(store_failed("write", name.as_str(), e)),
        };
        legacy.delete(name).await?;
        tracing::info!(secret = %name, "secret moved from Secrets Manager into the table");
        Ok((current, moved))
    }

    /// Moves every secret under the legacy prefix into the table (see the module doc). Safe to
    /// repeat: a second run finds nothing to move.
    pub async fn migrate_all(&self) -> Result<MigrationReport, SecretsError> {
        let Some(legacy) = &self.legacy else {
            return Ok(MigrationReport::default());
        };
        let mut report = MigrationReport::default();
        for name in legacy.list().await? {
            match self.read_table(&name).await? {
                Some(_) => {
                    legacy.delete(&name).await?;
                    report.already_in_table += 1;
                }
                None => match self.move_from_legacy(legacy, &name).await?.1 {
                    MoveOutcome::Written => report.moved += 1,
                    MoveOutcome::AlreadyThere => report.already_in_table += 1,
                    MoveOutcome::Nothing => {}
                },
            }
        }
        Ok(report)
    }
}

/// What one move did.
enum MoveOutcome {
    /// Secrets Manager had nothing under the name.
    Nothing,
    /// Written to the table, then deleted from Secrets Manager.
    Written,
    /// The table already had a (newer) value; only the old copy was deleted.
    AlreadyThere,
}

#[async_trait]
impl Secrets for EncryptedTableSecrets {
    async fn put(&self, name: &SecretName, value: &SecretString) -> Result<(), SecretsError> {
        self.write_table(name, value, Condition::None)
            .await
            .map_err(|e| store_failed("write", name.as_str(), e))
    }

    async fn get(&self, name: &SecretName) -> Result<Option<SecretString>, SecretsError> {
        if let Some(value) = self.read_table(name).await? {
            return Ok(Some(value));
        }
        match &self.legacy {
            Some(legacy) => Ok(self.move_from_legacy(legacy, name).await?.0),
            None => Ok(None),
        }
    }

    async fn delete(&self, name: &SecretName) -> Result<(), SecretsError> {
        self.store
            .delete(&secret_key(name), Condition::None)
            .await
            .map_err(|e| store_failed("delete", name.as_str(), e))?;
        // A copy left in Secrets Manager would come back through the fallback.
        if let Some(legacy) = &self.legacy {
            legacy.delete(name).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, byte: u8) -> DataKey {
        DataKey::from_bytes(id, &[byte; 32]).expect("32 bytes")
    }

    fn name(text: &str) -> SecretName {
        SecretName::new(text).expect("valid")
    }

    #[test]
    fn sealed_values_open_only_for_their_item_and_key() {
        let k = key("k1", 7);
        let a = secret_key(&name("integrations/t/i/oauth-tokens"));
        let b = secret_key(&name("integrations/t/j/oauth-tokens"));
        let value = SecretString::from("refresh-token-value");
        let sealed = k.seal(&a, &value).expect("seal");
        assert_eq!(
            k.open(&a, &sealed, "a").expect("open").expose_secret(),
            "refresh-token-value"
        );
        assert!(!sealed.ct.contains("refresh"), "stored encrypted");
        let again = k.seal(&a, &value).expect("seal");
        assert_ne!(again.nonce, sealed.nonce, "a fresh nonce per seal");

        let moved = k.open(&b, &sealed, "b").expect_err("another item");
        assert!(
            moved.to_string().contains("authentication failed"),
            "{moved}"
        );

        let mut flipped = STANDARD.decode(&sealed.ct).expect("base64");
        flipped[0] ^= 1;
        let tampered = Sealed {
            ct: STANDARD.encode(flipped),
            ..sealed.clone()
        };
        let err = k.open(&a, &tampered, "a").expect_err("tampered");
        assert!(err.to_string().contains("cannot be decrypted"), "{err}");

        // Same id, different key bytes: the tag does not verify.
        let other = key("k1", 8);
        assert!(other.open(&a, &sealed, "a").is_err());
        // Another data key id: refused by name before trying.
        let err = key("k2", 7).open(&a, &sealed, "a").expect_err("other key");
        assert!(err.to_string().contains("\"k1\""), "{err}");
        for e in [moved, err] {
            assert!(!e.to_string().contains("refresh-token-value"));
            assert!(!format!("{e:?}").contains("refresh-token-value"));
        }
        assert!(
            !format!("{k:?}").contains("7"),
            "no key bytes in Debug: {k:?}"
        );
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(DataKey::from_bytes("k", &[1; 16]).is_err());
    }
}
