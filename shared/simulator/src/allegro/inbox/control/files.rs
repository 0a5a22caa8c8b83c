//! Files that buyers and staff attach through the control API: base64 in the body, stored as
//! uploaded attachments.

use crate::allegro::inbox::attachments::{allowed_content_type, Attachment, AttachmentScope};
use crate::control::support::{invalid, ControlError};
use crate::state::World;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A file a buyer or staff member attaches.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewFile {
    file_name: String,
    content_type: String,
    data_base64: String,
}

/// Decodes and stores files as uploaded attachments of `seller_id`'s conversation.
pub(super) fn store_files(
    world: &mut World,
    scope: AttachmentScope,
    seller_id: &str,
    files: Vec<NewFile>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, ControlError> {
    let mut decoded = Vec::new();
    for file in files {
        if file.file_name.trim().is_empty() {
            return Err(invalid("attachments: file_name must not be empty"));
        }
        let Some(content_type) = allowed_content_type(&file.content_type) else {
            return Err(invalid(format!(
                "attachments: content_type '{}' is not one of image/png, image/gif, image/bmp, \
                 image/tiff, image/jpeg, application/pdf",
                file.content_type
            )));
        };
        let data = base64::engine::general_purpose::STANDARD
            .decode(file.data_base64.trim())
            .map_err(|e| invalid(format!("attachments: data_base64 is not base64: {e}")))?;
        if data.len() as u64 > scope.max_bytes() {
            return Err(invalid(format!(
                "attachments: {} has {} bytes, more than the {} allowed",
                file.file_name,
                data.len(),
                scope.max_bytes()
            )));
        }
        decoded.push(Attachment::uploaded(
            scope,
            seller_id,
            &file.file_name,
            &content_type,
            data,
            now,
        ));
    }
    let store = &mut world.allegro.inbox.attachments;
    Ok(decoded
        .into_iter()
        .map(|a| {
            let id = a.id.clone();
            store.insert(id.clone(), a);
            id
        })
        .collect())
}
