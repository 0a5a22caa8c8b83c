//! M12: the shop answers a thread (multipart: a `message_input` JSON part and `files` parts).

use crate::client::MiraklClient;
use crate::error::{MiraklError, MiraklResult};
use crate::http::{Call, FormPart, JSON};
use crate::thread_model::{ParticipantType, Thread, Topic};
use reqwest::Method;
use serde::{Deserialize, Serialize};

/// Shortest reply body Mirakl accepts, in characters.
pub const BODY_MIN_CHARS: usize = 3;
/// Longest reply body Mirakl accepts, in characters.
pub const BODY_MAX_CHARS: usize = 50_000;

/// A recipient of a reply: `{type, id?}` (CUSTOMER needs its id, OPERATOR has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// Kind of participant.
    #[serde(rename = "type")]
    pub kind: ParticipantType,
    /// Participant id (required for CUSTOMER).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl Recipient {
    /// The customer `customer_id`.
    pub fn customer(customer_id: impl Into<String>) -> Self {
        Self {
            kind: ParticipantType::Customer,
            id: Some(customer_id.into()),
        }
    }

    /// The marketplace operator.
    pub fn operator() -> Self {
        Self {
            kind: ParticipantType::Operator,
            id: None,
        }
    }
}

/// The `message_input` part of M12.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyInput {
    /// Text, 3..=50000 characters.
    pub body: String,
    /// Recipients (at least one).
    pub to: Vec<Recipient>,
    /// New topic for the thread; `None` keeps it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<Topic>,
}

/// A file sent with a reply (one `files` part).
#[derive(Clone, PartialEq, Eq)]
pub struct ReplyFile {
    /// File name shown to the buyer.
    pub file_name: String,
    /// MIME type of the part, e.g. `application/pdf`.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

impl ReplyFile {
    /// A file named `file_name` of type `content_type`.
    pub fn new(
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        data: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            file_name: file_name.into(),
            content_type: content_type.into(),
            data: data.into(),
        }
    }
}

impl std::fmt::Debug for ReplyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplyFile")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// M12's answer: the new message and its thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyCreated {
    /// Id of the new message.
    #[serde(default, deserialize_with = "crate::lenient::string")]
    pub message_id: String,
    /// Id of the thread.
    #[serde(default, deserialize_with = "crate::lenient::string")]
    pub thread_id: String,
}

const REPLY: &str = "M12 reply to thread";

impl MiraklClient {
    /// M12: posts `input` (and `files`) to `thread_id`, after checking it locally.
    ///
    /// Only a 429 or a connection that never opened is retried: any other failure may have
    /// posted the message already, so it is returned for the caller to decide.
    pub async fn reply(
        &self,
        thread_id: &str,
        input: &ReplyInput,
        files: &[ReplyFile],
    ) -> MiraklResult<ReplyCreated> {
        if thread_id.trim().is_empty() {
            return Err(MiraklError::invalid("empty thread id"));
        }
        check_reply(input, files)?;
        let message_input = serde_json::to_vec(input)
            .map_err(|e| MiraklError::invalid(format!("message_input: {e}")))?;
        let mut parts = vec![FormPart {
            name: "message_input",
            data: message_input,
            file_name: None,
            content_type: JSON.to_owned(),
        }];
        parts.extend(files.iter().map(|file| FormPart {
            name: "files",
            data: file.data.clone(),
            file_name: Some(file.file_name.clone()),
            content_type: file.content_type.clone(),
        }));
        let call = Call {
            method: Method::POST,
            multipart: Some(parts),
            ..Call::get(REPLY, &["inbox", "threads", thread_id, "message"])
        };
        self.http.json(call).await
    }

    /// M12 to the thread's buyer: `to` is the thread's CUSTOMER participant.
    pub async fn reply_to_customer(
        &self,
        thread: &Thread,
        body: &str,
        files: &[ReplyFile],
    ) -> MiraklResult<ReplyCreated> {
        let customer = thread
            .customer()
            .and_then(|c| c.id.clone())
            .ok_or_else(|| {
                MiraklError::invalid(format!(
                    "thread {} has no CUSTOMER participant to answer",
                    thread.id
                ))
            })?;
        let input = ReplyInput {
            body: body.to_owned(),
            to: vec![Recipient::customer(customer)],
            topic: None,
        };
        self.reply(&thread.id, &input, files).await
    }
}

/// What Mirakl would refuse, refused before sending.
pub fn check_reply(input: &ReplyInput, files: &[ReplyFile]) -> MiraklResult<()> {
    let chars = input.body.chars().count();
    if chars < BODY_MIN_CHARS {
        return Err(MiraklError::invalid(format!(
            "reply body too short: {chars} characters, Mirakl needs at least {BODY_MIN_CHARS}"
        )));
    }
    if chars > BODY_MAX_CHARS {
        return Err(MiraklError::invalid(format!(
            "reply body too long: {chars} characters, Mirakl allows at most {BODY_MAX_CHARS}"
        )));
    }
    if input.to.is_empty() {
        return Err(MiraklError::invalid("a reply needs at least one recipient"));
    }
    for recipient in &input.to {
        match recipient.kind {
            ParticipantType::Shop => {
                return Err(MiraklError::invalid("a shop cannot write to itself"))
            }
            ParticipantType::Customer if recipient.id.as_deref().is_none_or(str::is_empty) => {
                return Err(MiraklError::invalid("a CUSTOMER recipient needs its id"))
            }
            _ => {}
        }
    }
    for file in files {
        if file.file_name.trim().is_empty() {
            return Err(MiraklError::invalid("an attached file needs a name"));
        }
        if file
            .content_type
            .parse::<reqwest::header::HeaderValue>()
            .is_err()
            || !file.content_type.contains('/')
        {
            return Err(MiraklError::invalid(format!(
                "'{}' is not a valid content type",
                file.content_type
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(body: &str) -> ReplyInput {
        ReplyInput {
            body: body.into(),
            to: vec![Recipient::customer("c-1")],
            topic: None,
        }
    }

    #[test]
    fn body_length_is_counted_in_characters() {
        assert!(check_reply(&input("ok"), &[]).is_err());
        assert!(check_reply(&input("żółw"), &[]).is_ok());
        assert!(check_reply(&input("żó"), &[]).is_err());
        assert!(check_reply(&input(&"ż".repeat(BODY_MAX_CHARS)), &[]).is_ok());
        assert!(check_reply(&input(&"a".repeat(BODY_MAX_CHARS + 1)), &[]).is_err());
    }

    #[test]
    fn recipients_and_files_are_checked() {
        let mut no_one = input("hello");
        no_one.to.clear();
        assert!(check_reply(&no_one, &[]).is_err());
        let mut nameless = input("hello");
        nameless.to = vec![Recipient {
            kind: ParticipantType::Customer,
            id: None,
        }];
        assert!(check_reply(&nameless, &[]).is_err());
        let mut operator = input("hello");
        operator.to = vec![Recipient::operator()];
        assert!(check_reply(&operator, &[]).is_ok());
        let good = ReplyFile::new("a.pdf", "application/pdf", b"%PDF".to_vec());
        assert!(check_reply(&input("hello"), std::slice::from_ref(&good)).is_ok());
        let unnamed = ReplyFile::new(" ", "application/pdf", Vec::new());
        assert!(check_reply(&input("hello"), &[unnamed]).is_err());
        let bad_type = ReplyFile::new("a.pdf", "pdf", Vec::new());
        assert!(check_reply(&input("hello"), &[bad_type]).is_err());
        assert_eq!(
            format!("{good:?}"),
            r#"ReplyFile { file_name: "a.pdf", content_type: "application/pdf", bytes: 4 }"#
        );
    }

    #[test]
    fn message_input_has_the_wire_shape() {
        let json = serde_json::to_value(ReplyInput {
            body: "Dzień dobry".into(),
            to: vec![Recipient::customer("c-1"), Recipient::operator()],
            topic: None,
        })
        .expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "body": "Dzień dobry",
                "to": [{"type": "CUSTOMER", "id": "c-1"}, {"type": "OPERATOR"}]
            })
        );
    }
}
