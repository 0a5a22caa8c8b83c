//! Attachments of both APIs: declared (name and size), then uploaded once (bytes and type),
//! then referenced by id in a message. Buyer and staff attachments are created uploaded.
//!
//! Limits: issue attachments ≤ 2 097 152 bytes (allegro-api.md §5.3), message attachments
//! ≤ 5 242 880 bytes (§6.3); both accept PNG, GIF, BMP, TIFF, JPEG and PDF.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Largest issue attachment, declared or uploaded.
pub const ISSUE_ATTACHMENT_MAX_BYTES: u64 = 2_097_152;
/// Largest Message Center attachment, declared or uploaded.
pub const MESSAGE_ATTACHMENT_MAX_BYTES: u64 = 5_242_880;
/// Attachments one issue message may reference. Allegro does not document it; legacy disputes
/// took exactly one per message (GH#11624), so this is our reading.
pub const MAX_ATTACHMENTS_PER_ISSUE_MESSAGE: usize = 1;
/// Content types an upload may have.
pub const ALLOWED_CONTENT_TYPES: &[&str] = &[
    "image/png",
    "image/gif",
    "image/bmp",
    "image/tiff",
    "image/jpeg",
    "application/pdf",
];

/// Which API an attachment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentScope {
    /// `/sale/issues/attachments`.
    Issue,
    /// `/messaging/message-attachments`.
    Message,
}

impl AttachmentScope {
    /// The size limit of this API.
    pub fn max_bytes(self) -> u64 {
        match self {
            AttachmentScope::Issue => ISSUE_ATTACHMENT_MAX_BYTES,
            AttachmentScope::Message => MESSAGE_ATTACHMENT_MAX_BYTES,
        }
    }

    /// The path serving (and receiving) the attachment's bytes.
    pub fn path(self, id: &str) -> String {
        match self {
            AttachmentScope::Issue => format!("/sale/issues/attachments/{id}"),
            AttachmentScope::Message => format!("/messaging/message-attachments/{id}"),
        }
    }
}

/// One attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Id (uuid).
    pub id: String,
    /// The API it belongs to.
    pub scope: AttachmentScope,
    /// The seller whose account or conversation it belongs to.
    pub seller_id: String,
    /// File name as declared.
    pub file_name: String,
    /// Size as declared.
    pub declared_size: u64,
    /// Content type of the upload (none before it).
    pub content_type: Option<String>,
    /// The bytes (none before the upload).
    pub data: Option<Vec<u8>>,
    /// When it was declared.
    pub declared_at: DateTime<Utc>,
    /// When the bytes arrived.
    pub uploaded_at: Option<DateTime<Utc>>,
}

impl Attachment {
    /// A declaration waiting for its bytes.
    pub fn declared(
        scope: AttachmentScope,
        seller_id: &str,
        file_name: &str,
        size: u64,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            scope,
            seller_id: seller_id.into(),
            file_name: file_name.into(),
            declared_size: size,
            content_type: None,
            data: None,
            declared_at: now,
            uploaded_at: None,
        }
    }

    /// An attachment whose bytes are already there (buyers' and staff's files).
    pub fn uploaded(
        scope: AttachmentScope,
        seller_id: &str,
        file_name: &str,
        content_type: &str,
        data: Vec<u8>,
        now: DateTime<Utc>,
    ) -> Self {
        let mut attachment = Self::declared(scope, seller_id, file_name, data.len() as u64, now);
        attachment.content_type = Some(content_type.into());
        attachment.data = Some(data);
        attachment.uploaded_at = Some(now);
        attachment
    }

    /// Whether the bytes arrived.
    pub fn is_uploaded(&self) -> bool {
        self.data.is_some()
    }

    /// The absolute URL of the bytes on the server reached at `base_url`.
    pub fn url(&self, base_url: &str) -> String {
        format!("{base_url}{}", self.scope.path(&self.id))
    }

    /// Stores the bytes of a declared attachment, once.
    pub fn upload(
        &mut self,
        content_type: &str,
        data: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), UploadRefusal> {
        if self.is_uploaded() {
            return Err(UploadRefusal::AlreadyUploaded);
        }
        let Some(content_type) = allowed_content_type(content_type) else {
            return Err(UploadRefusal::UnsupportedType(content_type.to_owned()));
        };
        let size = data.len() as u64;
        if size > self.declared_size || size > self.scope.max_bytes() {
            return Err(UploadRefusal::TooBig {
                size,
                limit: self.declared_size.min(self.scope.max_bytes()),
            });
        }
        self.content_type = Some(content_type);
        self.data = Some(data.to_vec());
        self.uploaded_at = Some(now);
        Ok(())
    }
}

/// Why an upload was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadRefusal {
    /// The one-time upload already happened.
    AlreadyUploaded,
    /// The content type is not one of [`ALLOWED_CONTENT_TYPES`].
    UnsupportedType(String),
    /// More bytes than declared, or than the API allows.
    TooBig {
        /// Bytes sent.
        size: u64,
        /// Bytes allowed.
        limit: u64,
    },
}

/// The media type of a `Content-Type` value (lower case, no parameters) if uploads may have it.
pub fn allowed_content_type(value: &str) -> Option<String> {
    let media = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    ALLOWED_CONTENT_TYPES
        .contains(&media.as_str())
        .then_some(media)
}

/// Checks the attachments a seller references in a message: each must exist in this API, be
/// the seller's and be uploaded. `Err` carries the reason.
pub fn check_references(
    store: &BTreeMap<String, Attachment>,
    seller_id: &str,
    scope: AttachmentScope,
    ids: &[String],
) -> Result<(), String> {
    for id in ids {
        match store.get(id) {
            Some(a) if a.scope == scope && a.seller_id == seller_id => {
                if !a.is_uploaded() {
                    return Err(format!("Attachment {id} was declared but never uploaded"));
                }
            }
            _ => return Err(format!("Attachment {id} does not exist")),
        }
    }
    Ok(())
}

/// `{fileName, url}` as issues show attachments.
pub fn issue_attachment_view(attachment: &Attachment, base_url: &str) -> Value {
    json!({ "fileName": attachment.file_name, "url": attachment.url(base_url) })
}

/// `{id, fileName, mimeType, url, status}` as Message Center beta.v1 shows attachments.
pub fn message_attachment_view(attachment: &Attachment, base_url: &str) -> Value {
    json!({
        "id": attachment.id,
        "fileName": attachment.file_name,
        "mimeType": attachment.content_type,
        "url": attachment.url(base_url),
        "status": "SAFE",
    })
}

/// The views of the attachments with these ids (unknown ids are skipped).
pub fn views(
    store: &BTreeMap<String, Attachment>,
    ids: &[String],
    base_url: &str,
    view: fn(&Attachment, &str) -> Value,
) -> Vec<Value> {
    ids.iter()
        .filter_map(|id| store.get(id))
        .map(|a| view(a, base_url))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(size: u64) -> Attachment {
        Attachment::declared(AttachmentScope::Issue, "1", "a.png", size, Utc::now())
    }

    #[test]
    fn uploads_check_type_size_and_happen_once() {
        let mut a = declared(4);
        assert_eq!(
            a.upload("text/plain", b"abcd", Utc::now()),
            Err(UploadRefusal::UnsupportedType("text/plain".into()))
        );
        assert_eq!(
            a.upload("image/png", b"abcde", Utc::now()),
            Err(UploadRefusal::TooBig { size: 5, limit: 4 })
        );
        assert_eq!(a.upload("Image/PNG; q=1", b"abc", Utc::now()), Ok(()));
        assert_eq!(a.content_type.as_deref(), Some("image/png"));
        assert_eq!(
            a.upload("image/png", b"abc", Utc::now()),
            Err(UploadRefusal::AlreadyUploaded)
        );
    }

    #[test]
    fn references_must_be_own_uploaded_and_of_the_api() {
        let mut store = BTreeMap::new();
        let pending = declared(3);
        let done = Attachment::uploaded(
            AttachmentScope::Issue,
            "1",
            "b.pdf",
            "application/pdf",
            vec![1],
            Utc::now(),
        );
        let (p, d) = (pending.id.clone(), done.id.clone());
        store.insert(p.clone(), pending);
        store.insert(d.clone(), done);
        assert!(check_references(
            &store,
            "1",
            AttachmentScope::Issue,
            std::slice::from_ref(&d)
        )
        .is_ok());
        assert!(check_references(&store, "1", AttachmentScope::Issue, &[p]).is_err());
        assert!(check_references(
            &store,
            "2",
            AttachmentScope::Issue,
            std::slice::from_ref(&d)
        )
        .is_err());
        assert!(check_references(&store, "1", AttachmentScope::Message, &[d]).is_err());
        assert!(check_references(&store, "1", AttachmentScope::Issue, &["x".into()]).is_err());
    }
}
