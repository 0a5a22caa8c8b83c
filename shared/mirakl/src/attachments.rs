//! M13: download a message attachment (bytes, content type, file name).

use crate::client::MiraklClient;
use crate::error::{MiraklError, MiraklResult};
use crate::http::Call;
use bytes::Bytes;
use futures_util::Stream;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use std::pin::Pin;

/// A downloaded attachment.
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The bytes.
    pub data: Vec<u8>,
    /// `Content-Type` of the answer (`application/octet-stream` when absent).
    pub content_type: String,
    /// File name from `Content-Disposition`, if the server sent one (the thread's message
    /// also lists it).
    pub file_name: Option<String>,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// The bytes of a download as they arrive.
pub type ByteChunks = Pin<Box<dyn Stream<Item = Result<Bytes, MiraklError>> + Send>>;

/// An attachment being downloaded (M13): its headers, and its bytes as they arrive.
pub struct AttachmentStream {
    /// `Content-Type` of the answer (`application/octet-stream` when absent).
    pub content_type: String,
    /// File name from `Content-Disposition`, if the server sent one.
    pub file_name: Option<String>,
    /// `Content-Length`, when sent.
    pub length: Option<u64>,
    /// The bytes.
    pub body: ByteChunks,
}

impl std::fmt::Debug for AttachmentStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachmentStream")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

/// Any type: the answer is the file itself, not JSON (errors still come as JSON).
const ANY: &str = "*/*";

impl MiraklClient {
    /// M13 like [`MiraklClient::download_attachment`], but hands the bytes on as they arrive
    /// instead of holding the whole file (the way to pass a file through to an agent).
    pub async fn open_attachment(&self, attachment_id: &str) -> MiraklResult<AttachmentStream> {
        let response = self.http.open(m13(attachment_id)?).await?;
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
        };
        let content_type = content_type_or_default(header(CONTENT_TYPE));
        let file_name = header(CONTENT_DISPOSITION).and_then(disposition_file_name);
        let length = response.content_length();
        let body = futures_util::stream::try_unfold(response, |mut response| async move {
            match response.chunk().await {
                Ok(Some(chunk)) => Ok(Some((chunk, response))),
                Ok(None) => Ok(None),
                Err(error) => Err(MiraklError::Network(error)),
            }
        });
        Ok(AttachmentStream {
            content_type,
            file_name,
            length,
            body: Box::pin(body),
        })
    }

    /// M13: the file of attachment `attachment_id` (`/api/inbox/threads/{id}/download`).
    pub async fn download_attachment(&self, attachment_id: &str) -> MiraklResult<Attachment> {
        let answer = self.http.send(m13(attachment_id)?).await?;
        let header = |name| {
            answer
                .headers
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
        };
        let content_type = content_type_or_default(header(CONTENT_TYPE));
        let file_name = header(CONTENT_DISPOSITION).and_then(disposition_file_name);
        Ok(Attachment {
            data: answer.body,
            content_type,
            file_name,
        })
    }
}

/// The M13 call for `attachment_id`.
fn m13(attachment_id: &str) -> MiraklResult<Call> {
    if attachment_id.trim().is_empty() {
        return Err(MiraklError::invalid("empty attachment id"));
    }
    Ok(Call {
        accept: ANY,
        ..Call::get(
            "M13 download attachment",
            &["inbox", "threads", attachment_id, "download"],
        )
    })
}

/// The answer's `Content-Type`, `application/octet-stream` when absent or blank.
fn content_type_or_default(value: Option<&str>) -> String {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .unwrap_or("application/octet-stream")
        .to_owned()
}

/// The file name of a `Content-Disposition`: `filename*=UTF-8''…` (RFC 5987) preferred over
/// `filename="…"` or `filename=token`. Path parts are dropped.
pub fn disposition_file_name(header: &str) -> Option<String> {
    let params = split_params(header);
    let extended = params
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("filename*"))
        .and_then(|(_, value)| decode_ext_value(value));
    let plain = || {
        params
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("filename"))
            .map(|(_, value)| value.clone())
    };
    let name = extended.or_else(plain)?;
    let base = name.rsplit(['/', '\\']).next().unwrap_or(&name).trim();
    (!base.is_empty()).then(|| base.to_owned())
}

/// `; name=value` pairs after the disposition type, quoted strings unescaped.
fn split_params(header: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = header.chars().peekable();
    // Skip the disposition type.
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ';') {
            chars.next();
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ';' {
                break;
            }
            name.push(c);
            chars.next();
        }
        if name.trim().is_empty() && chars.peek().is_none() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            while chars.peek().is_some_and(|c| *c == ' ') {
                chars.next();
            }
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => value.extend(chars.next()),
                        '"' => break,
                        c => value.push(c),
                    }
                }
                while chars.peek().is_some_and(|c| *c != ';') {
                    chars.next();
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ';' {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
                value = value.trim().to_owned();
            }
        }
        params.push((name.trim().to_owned(), value));
    }
    params
}

/// `UTF-8''zdj%C4%99cie.jpg` → `zdjęcie.jpg` (ISO-8859-1 is read byte by byte).
fn decode_ext_value(value: &str) -> Option<String> {
    let mut pieces = value.splitn(3, '\'');
    let charset = pieces.next()?.trim();
    let _language = pieces.next()?;
    let encoded = pieces.next()?;
    let bytes = percent_decode(encoded)?;
    if charset.eq_ignore_ascii_case("utf-8") {
        String::from_utf8(bytes).ok()
    } else if charset.eq_ignore_ascii_case("iso-8859-1") {
        Some(bytes.into_iter().map(char::from).collect())
    } else {
        None
    }
}

fn percent_decode(raw: &str) -> Option<Vec<u8>> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_every_disposition_form() {
        for (header, want) in [
            (
                "attachment; filename=\"zdj_cie.jpg\"; filename*=UTF-8''zdj%C4%99cie.jpg",
                Some("zdjęcie.jpg"),
            ),
            (
                "attachment; filename=\"faktura 1.pdf\"",
                Some("faktura 1.pdf"),
            ),
            ("attachment; filename=plain.txt", Some("plain.txt")),
            ("attachment;filename=\"a\\\"b.txt\"", Some("a\"b.txt")),
            (
                "attachment; filename*=iso-8859-1'en'%A3rates.txt",
                Some("£rates.txt"),
            ),
            (
                "attachment; filename*=UTF-8''bad%ZZ; filename=\"ok.txt\"",
                Some("ok.txt"),
            ),
            ("attachment; filename=\"../../etc/passwd\"", Some("passwd")),
            ("attachment", None),
            ("inline; size=3", None),
            ("attachment; filename=\"\"", None),
        ] {
            assert_eq!(disposition_file_name(header).as_deref(), want, "{header}");
        }
    }
}
