//! The attachment routes of both APIs: declare (`POST`), upload the bytes once (`PUT`),
//! download (`GET`).
//!
//! * `/sale/issues/attachments[/{id}]`: body `{fileName, size ≥ 1}`, 422 `ATTACHMENT_ERROR`
//!   above 2 MiB; the answer's `Location` is the absolute upload URL on this server.
//! * `/messaging/message-attachments[/{id}]`: body `{filename, size 0..=5 MiB}` (lower-case
//!   `filename`).

use super::attachments::{Attachment, AttachmentScope, UploadRefusal};
use super::support::{attachment_error, base_url, beta_body, validation_error, Answer};
use super::to_millis;
use crate::allegro::errors::{errors_holder, with_trace_id};
use crate::allegro::guard::{authorized, json_response, Media};
use crate::state::SimulatorState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

const DISPUTES: &str = "allegro:api:disputes";
const MESSAGING: &str = "allegro:api:messaging";

/// Longest issue attachment file name (`PostPurchaseIssueAttachment.fileName`).
const FILE_NAME_MAX_CHARS: usize = 255;

/// The attachment routes of both APIs.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/sale/issues/attachments", post(declare_issue_attachment))
        .route(
            "/sale/issues/attachments/{attachment_id}",
            put(upload_issue_attachment).get(download_issue_attachment),
        )
        .route(
            "/messaging/message-attachments",
            post(declare_message_attachment),
        )
        .route(
            "/messaging/message-attachments/{attachment_id}",
            put(upload_message_attachment).get(download_message_attachment),
        )
}

fn scope_name(scope: AttachmentScope) -> &'static str {
    match scope {
        AttachmentScope::Issue => DISPUTES,
        AttachmentScope::Message => MESSAGING,
    }
}

/// 422 as each API reports a bad declaration.
fn declaration_error(scope: AttachmentScope, message: &str, field: &str) -> Response {
    match scope {
        AttachmentScope::Issue => attachment_error(message, field),
        AttachmentScope::Message => validation_error(message, Some(field)),
    }
}

/// 404 for an attachment that does not exist, is another seller's or of the other API.
fn attachment_not_found(scope: AttachmentScope, id: &str) -> Response {
    let message = match scope {
        AttachmentScope::Issue => format!("Attachment {id} not found"),
        AttachmentScope::Message => format!("Attachment declaration not found: {id}"),
    };
    errors_holder(StatusCode::NOT_FOUND, "NotFoundException", &message, None)
}

/// The issue API's declaration body (`AttachmentDeclaration`).
#[derive(Debug, Deserialize)]
struct IssueDeclaration {
    #[serde(default, rename = "fileName")]
    file_name: Option<String>,
    #[serde(default)]
    size: Option<i64>,
}

/// The Message Center's declaration body (`NewAttachmentDeclaration`).
#[derive(Debug, Deserialize)]
struct MessageDeclaration {
    #[serde(default)]
    filename: Option<String>,
    #[serde(default)]
    size: Option<i64>,
}

async fn declare_issue_attachment(
    State(state): State<SimulatorState>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    declare(&state, &headers, AttachmentScope::Issue, &body)
}

async fn declare_message_attachment(
    State(state): State<SimulatorState>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    declare(&state, &headers, AttachmentScope::Message, &body)
}

/// Validates and stores a declaration: 201 `{id}` (+ `Location` for issues).
fn declare(
    state: &SimulatorState,
    headers: &HeaderMap,
    scope: AttachmentScope,
    body: &[u8],
) -> Answer {
    let (mut world, caller) = authorized(state, headers, scope_name(scope), Media::Beta)?;
    let (file_name, size, field, min) = match scope {
        AttachmentScope::Issue => {
            let d: IssueDeclaration = beta_body(headers, body)?;
            (d.file_name, d.size, "fileName", 1)
        }
        AttachmentScope::Message => {
            let d: MessageDeclaration = beta_body(headers, body)?;
            (d.filename, d.size, "filename", 0)
        }
    };
    let file_name = file_name.unwrap_or_default();
    if file_name.trim().is_empty() {
        return Err(declaration_error(scope, "The file name is required", field));
    }
    if file_name.chars().count() > FILE_NAME_MAX_CHARS {
        return Err(declaration_error(
            scope,
            &format!("The file name may have at most {FILE_NAME_MAX_CHARS} characters"),
            field,
        ));
    }
    let max = scope.max_bytes();
    let size = match size {
        None => return Err(declaration_error(scope, "The size is required", "size")),
        Some(size) if size < min => {
            return Err(declaration_error(
                scope,
                &format!("The size must be at least {min}"),
                "size",
            ))
        }
        Some(size) => u64::try_from(size).unwrap_or(u64::MAX),
    };
    if size > max {
        return Err(declaration_error(
            scope,
            &format!("File size exceeds the allowed value of {max} bytes"),
            "size",
        ));
    }
    let now = to_millis(world.clock.now());
    let attachment = Attachment::declared(scope, &caller.seller_id, &file_name, size, now);
    let id = attachment.id.clone();
    let location = attachment.url(&base_url(headers));
    world
        .allegro
        .inbox
        .attachments
        .insert(id.clone(), attachment);
    let mut response = json_response(StatusCode::CREATED, Media::Beta, &json!({ "id": id }));
    if scope == AttachmentScope::Issue {
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
    }
    Ok(response)
}

async fn upload_issue_attachment(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    upload(&state, AttachmentScope::Issue, &id, &headers, &body)
}

async fn upload_message_attachment(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    upload(&state, AttachmentScope::Message, &id, &headers, &body)
}

/// Stores the bytes of a declared attachment: 200 `{id}`; 413 too big, 415 bad type, 422 used.
fn upload(
    state: &SimulatorState,
    scope: AttachmentScope,
    id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Answer {
    let (mut world, caller) = authorized(state, headers, scope_name(scope), Media::Beta)?;
    let now = to_millis(world.clock.now());
    let attachment = world
        .allegro
        .inbox
        .attachments
        .get_mut(id)
        .filter(|a| a.scope == scope && a.seller_id == caller.seller_id)
        .ok_or_else(|| attachment_not_found(scope, id))?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match attachment.upload(content_type, body, now) {
        Ok(()) => Ok(json_response(
            StatusCode::OK,
            Media::Beta,
            &json!({ "id": id }),
        )),
        Err(UploadRefusal::AlreadyUploaded) => Err(declaration_error(
            scope,
            "The upload URL was already used: declare a new attachment",
            "attachmentId",
        )),
        Err(UploadRefusal::UnsupportedType(content_type)) => Err(errors_holder(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaTypeException",
            &format!(
                "Unsupported mime type '{content_type}': use image/png, image/gif, image/bmp, \
                 image/tiff, image/jpeg or application/pdf"
            ),
            None,
        )),
        Err(UploadRefusal::TooBig { size, limit }) => Err(errors_holder(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeException",
            &format!("File is too big: {size} bytes sent, at most {limit} allowed"),
            None,
        )),
    }
}

async fn download_issue_attachment(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    download(&state, AttachmentScope::Issue, &id, &headers)
}

async fn download_message_attachment(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    download(&state, AttachmentScope::Message, &id, &headers)
}

/// The bytes of an uploaded attachment of the caller, with `Content-Type` and
/// `Content-Disposition`.
fn download(
    state: &SimulatorState,
    scope: AttachmentScope,
    id: &str,
    headers: &HeaderMap,
) -> Answer {
    let (world, caller) = authorized(state, headers, scope_name(scope), Media::Any)?;
    let attachment = world
        .allegro
        .inbox
        .attachments
        .get(id)
        .filter(|a| a.scope == scope && a.seller_id == caller.seller_id)
        .ok_or_else(|| attachment_not_found(scope, id))?;
    let (Some(data), Some(content_type)) = (&attachment.data, &attachment.content_type) else {
        return Err(attachment_not_found(scope, id));
    };
    let disposition = content_disposition(&attachment.file_name);
    let mut response = (StatusCode::OK, Body::from(data.clone())).into_response();
    let response_headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response_headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response_headers.insert(header::CONTENT_DISPOSITION, value);
    }
    with_trace_id(&mut response);
    Ok(response)
}

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded name>`.
fn content_disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    if fallback == file_name {
        return format!("attachment; filename=\"{fallback}\"");
    }
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_fall_back_to_ascii_and_keep_the_utf8_name() {
        assert_eq!(
            content_disposition("a b.pdf"),
            "attachment; filename=\"a b.pdf\""
        );
        assert_eq!(
            content_disposition("zdjęcie \"1\".png"),
            "attachment; filename=\"zdj_cie _1_.png\"; filename*=UTF-8''zdj%C4%99cie%20%221%22.png"
        );
    }
}
