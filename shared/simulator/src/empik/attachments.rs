//! M13 `GET /api/inbox/threads/{attachment_id}/download`: an attachment's bytes, with its
//! content type and `Content-Disposition` (plain and RFC 5987 `filename*` forms).

use super::auth::authenticated;
use super::errors::{not_found, ApiResult};
use super::params::Params;
use crate::state::SimulatorState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// M13: the file of an attachment in one of the caller's threads; 404 when unknown.
pub async fn download(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    params: Params,
) -> ApiResult<Response> {
    let (world, shop_id) = authenticated(&state, &headers, &params)?;
    let attachment = world
        .empik
        .attachments
        .get(&id)
        .filter(|a| a.shop_id == shop_id)
        .ok_or_else(|| not_found(format!("Attachment with id '{id}' not found")))?;
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, attachment.content_type.as_str())
        .header(
            header::CONTENT_DISPOSITION,
            content_disposition(&attachment.name),
        )
        .header(header::CONTENT_LENGTH, attachment.data.len())
        .body(Body::from(attachment.data.clone()))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()))
}

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded name>`.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_has_both_forms() {
        assert_eq!(
            content_disposition("faktura 1.pdf"),
            "attachment; filename=\"faktura 1.pdf\"; filename*=UTF-8''faktura%201.pdf"
        );
        assert_eq!(
            content_disposition("zdjęcie\".jpg"),
            "attachment; filename=\"zdj_cie_.jpg\"; filename*=UTF-8''zdj%C4%99cie%22.jpg"
        );
    }
}
