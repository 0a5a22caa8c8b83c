//! Files attached to replies, stored in the table as chunks: a DynamoDB item holds at most
//! 400 KB, and a reply's file may reach 10 MB. Keeping them in the table spares another
//! service; the per-conversation limits bound the space used.

use super::{keys, RepoError};
use crate::domain::FileRef;
use crate::ids::{MessageId, TenantId, TicketId};
use crate::ports::{Condition, Item, Key, Store, StoreError};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

/// Bytes per stored chunk (base64 makes 342 KiB of it, below DynamoDB's 400 KB item limit).
pub const CHUNK_BYTES: usize = 256 * 1024;

/// Stores `data` as the file of `reply`; the reference to keep on the reply.
pub async fn put(
    store: &dyn Store,
    tenant: &TenantId,
    ticket: &TicketId,
    reply: &MessageId,
    filename: &str,
    content_type: &str,
    data: &[u8],
) -> Result<FileRef, RepoError> {
    let chunk_key = |index| keys::file_chunk(tenant, ticket, reply, index);
    put_chunks(store, &chunk_key, filename, content_type, data).await
}

/// Stores `data` in chunks at the keys `chunk_key` gives each chunk's index (any owner's
/// files: replies', orders' invoices); the reference to keep.
pub async fn put_chunks(
    store: &dyn Store,
    chunk_key: &(dyn Fn(u32) -> Key + Sync),
    filename: &str,
    content_type: &str,
    data: &[u8],
) -> Result<FileRef, RepoError> {
    let mut chunks = 0u32;
    for (index, chunk) in data.chunks(CHUNK_BYTES).enumerate() {
        // At most 10 MB / 256 KiB = 39 chunks: the cast cannot truncate.
        let index = index as u32;
        let item = Item::new(chunk_key(index), json!({ "bytes": STANDARD.encode(chunk) }));
        // A retried request rewrites the same chunk with the same bytes.
        store.put(item, Condition::None).await?;
        chunks = index + 1;
    }
    Ok(FileRef {
        filename: filename.to_owned(),
        content_type: content_type.to_owned(),
        size: data.len() as u64,
        chunks,
    })
}

/// The bytes of `reply`'s file.
pub async fn get(
    store: &dyn Store,
    tenant: &TenantId,
    ticket: &TicketId,
    reply: &MessageId,
    file: &FileRef,
) -> Result<Vec<u8>, RepoError> {
    let chunk_key = |index| keys::file_chunk(tenant, ticket, reply, index);
    get_chunks(store, &chunk_key, file).await
}

/// The bytes of a file stored with [`put_chunks`] at the same keys.
pub async fn get_chunks(
    store: &dyn Store,
    chunk_key: &(dyn Fn(u32) -> Key + Sync),
    file: &FileRef,
) -> Result<Vec<u8>, RepoError> {
    let mut data = Vec::with_capacity(usize::try_from(file.size).unwrap_or(0));
    for index in 0..file.chunks {
        let key = chunk_key(index);
        let item = store.get(&key).await?.ok_or(RepoError::NotFound)?;
        let corrupt = |reason: String| RepoError::Corrupt {
            pk: key.pk.clone(),
            sk: key.sk.clone(),
            reason,
        };
        let encoded = item
            .data
            .get("bytes")
            .and_then(|v| v.as_str())
            .ok_or_else(|| corrupt("chunk without bytes".into()))?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|e| corrupt(e.to_string()))?;
        data.extend_from_slice(&bytes);
    }
    if data.len() as u64 != file.size {
        let first = chunk_key(0);
        return Err(RepoError::Corrupt {
            pk: first.pk,
            sk: first.sk,
            reason: format!("{} bytes stored, {} expected", data.len(), file.size),
        });
    }
    Ok(data)
}

/// Removes the chunks of a file (a reply that could not be stored).
pub async fn delete(
    store: &dyn Store,
    tenant: &TenantId,
    ticket: &TicketId,
    reply: &MessageId,
    chunks: u32,
) -> Result<(), RepoError> {
    for index in 0..chunks {
        match store
            .delete(
                &keys::file_chunk(tenant, ticket, reply, index),
                Condition::None,
            )
            .await
        {
            Ok(()) | Err(StoreError::ConditionFailed) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(())
}
