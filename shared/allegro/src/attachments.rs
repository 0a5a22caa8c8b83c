//! Attachment bytes: the upload step shared by issues and the Message Center (declare → PUT
//! the bytes → reference the id), the types Allegro accepts, and downloading a buyer's
//! attachment from the absolute URL a message carries.

use crate::client::AllegroClient;
use crate::error::AllegroError;
use crate::http::{Body, Call, Media};
use crate::token::AccessToken;
use bytes::Bytes;
use futures_util::Stream;
use reqwest::Method;
use serde::Deserialize;
use std::pin::Pin;
use url::Url;

/// Largest attachment of an issue message (2 MiB).
pub const ISSUE_ATTACHMENT_MAX_BYTES: u64 = 2 * 1024 * 1024;
/// Largest Message Center attachment (5 MiB).
pub const MESSAGE_ATTACHMENT_MAX_BYTES: u64 = 5 * 1024 * 1024;
/// The content types both APIs accept for uploads.
pub const ALLOWED_CONTENT_TYPES: &[&str] = &[
    "image/png",
    "image/gif",
    "image/bmp",
    "image/tiff",
    "image/jpeg",
    "application/pdf",
];

/// Whether Allegro accepts uploads of this content type (parameters such as `; charset` are
/// ignored).
pub fn is_allowed_content_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    ALLOWED_CONTENT_TYPES.contains(&essence.as_str())
}

/// A downloaded attachment.
#[derive(Clone, PartialEq, Eq)]
pub struct Download {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// `Content-Type`, when sent.
    pub content_type: Option<String>,
    /// The file name from `Content-Disposition`, when sent.
    pub file_name: Option<String>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("len", &self.bytes.len())
            .field("content_type", &self.content_type)
            .field("file_name", &self.file_name)
            .finish()
    }
}

/// The bytes of a download as they arrive.
pub type ByteChunks = Pin<Box<dyn Stream<Item = Result<Bytes, AllegroError>> + Send>>;

/// An attachment being downloaded: its headers, and its bytes as they arrive.
pub struct DownloadStream {
    /// `Content-Type`, when sent.
    pub content_type: Option<String>,
    /// The file name from `Content-Disposition`, when sent.
    pub file_name: Option<String>,
    /// `Content-Length`, when sent.
    pub length: Option<u64>,
    /// The bytes.
    pub body: ByteChunks,
}

impl std::fmt::Debug for DownloadStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadStream")
            .field("content_type", &self.content_type)
            .field("file_name", &self.file_name)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

/// `{id}` in upload and declaration answers.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct IdBody {
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub id: Option<String>,
}

impl AllegroClient {
    /// Downloads an attachment from an absolute URL found in a message (`url` of an
    /// attachment), sending the bearer token only to Allegro's hosts.
    pub async fn download_attachment(
        &self,
        token: &AccessToken,
        url: &str,
    ) -> Result<Download, AllegroError> {
        let url = self.absolute_url(url)?;
        self.http().check_trusted(&url)?;
        let raw = self
            .http()
            .call(&Call::api(Method::GET, url, Media::Any, token))
            .await?;
        let content_type = raw.header("content-type").map(str::to_owned);
        let file_name = raw
            .header("content-disposition")
            .and_then(disposition_file_name);
        Ok(Download {
            bytes: raw.body,
            content_type,
            file_name,
        })
    }

    /// Like [`AllegroClient::download_attachment`], but hands the bytes on as they arrive
    /// instead of holding the whole file (the way to pass a file through to an agent).
    pub async fn open_attachment(
        &self,
        token: &AccessToken,
        url: &str,
    ) -> Result<DownloadStream, AllegroError> {
        let url = self.absolute_url(url)?;
        self.http().check_trusted(&url)?;
        let response = self
            .http()
            .open(&Call::api(Method::GET, url, Media::Any, token))
            .await?;
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
        };
        let content_type = header(reqwest::header::CONTENT_TYPE).map(str::to_owned);
        let file_name =
            header(reqwest::header::CONTENT_DISPOSITION).and_then(disposition_file_name);
        let length = response.content_length();
        let body = futures_util::stream::try_unfold(response, |mut response| async move {
            match response.chunk().await {
                Ok(Some(chunk)) => Ok(Some((chunk, response))),
                Ok(None) => Ok(None),
                Err(error) => {
                    let (message, timeout) = crate::error::network_message(error);
                    Err(AllegroError::Network { message, timeout })
                }
            }
        });
        Ok(DownloadStream {
            content_type,
            file_name,
            length,
            body: Box::pin(body),
        })
    }

    /// PUTs attachment bytes to an upload URL (beta media type); the id in the answer, if any.
    pub(crate) async fn put_attachment_bytes(
        &self,
        token: &AccessToken,
        url: Url,
        content_type: &str,
        data: Vec<u8>,
    ) -> Result<Option<String>, AllegroError> {
        self.http().check_trusted(&url)?;
        let mut call = Call::api(Method::PUT, url, Media::Beta, token);
        call.body = Some(Body::Bytes {
            content_type: content_type.to_owned(),
            data,
        });
        let raw = self.http().call(&call).await?;
        Ok(serde_json::from_slice::<IdBody>(&raw.body)
            .ok()
            .and_then(|body| body.id))
    }

    /// An absolute URL, or a path resolved against the API base.
    pub(crate) fn absolute_url(&self, url: &str) -> Result<Url, AllegroError> {
        Url::parse(url)
            .or_else(|_| self.config().api_url.join(url))
            .map_err(|e| AllegroError::InvalidUrl {
                reason: format!("not a URL ({e})"),
            })
    }
}

/// The file name in a `Content-Disposition` value: `filename*=UTF-8''…` (percent-decoded)
/// preferred over `filename="…"`.
pub(crate) fn disposition_file_name(value: &str) -> Option<String> {
    let mut plain = None;
    for part in value.split(';').map(str::trim) {
        let Some((name, raw)) = part.split_once('=') else {
            continue;
        };
        match name.trim().to_ascii_lowercase().as_str() {
            "filename*" => {
                let encoded = raw.trim().splitn(3, '\'').nth(2)?;
                if let Some(decoded) = percent_decode(encoded) {
                    return Some(decoded);
                }
            }
            "filename" => plain = Some(raw.trim().trim_matches('"').to_owned()),
            _ => {}
        }
    }
    plain.filter(|name| !name.is_empty())
}

/// Decodes `%XX` escapes as UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_allegros_list() {
        assert!(is_allowed_content_type("image/png"));
        assert!(is_allowed_content_type("Application/PDF; name=x"));
        assert!(!is_allowed_content_type("text/plain"));
        assert!(!is_allowed_content_type("image/webp"));
    }

    #[test]
    fn dispositions_give_the_file_name() {
        assert_eq!(
            disposition_file_name("attachment; filename=\"a b.pdf\"").as_deref(),
            Some("a b.pdf")
        );
        assert_eq!(
            disposition_file_name(
                "attachment; filename=\"zdj_cie.png\"; filename*=UTF-8''zdj%C4%99cie.png"
            )
            .as_deref(),
            Some("zdjęcie.png")
        );
        assert_eq!(disposition_file_name("inline"), None);
    }

    #[test]
    fn downloads_debug_without_the_bytes() {
        let download = Download {
            bytes: vec![1, 2, 3],
            content_type: Some("image/png".into()),
            file_name: None,
        };
        assert!(format!("{download:?}").contains("len: 3"));
    }
}
