//! M12 `POST /api/inbox/threads/{thread_id}/message`: the seller answers a thread with a
//! multipart body (`message_input` JSON part, optional repeated `files` parts).
//!
//! Checks, each answered with 400 unless noted: `message_input` present and valid JSON; `body`
//! of 3..=50000 characters; `to` non-empty, each type OPERATOR/SHOP/CUSTOMER and an authorized
//! participant of the thread other than the shop itself (a CUSTOMER needs its `id`, which must
//! match); optional `topic` valid; at most 1000 messages per thread; at most 50 attachments
//! across all threads of the same entity (SPEC); at most 30 MB per message (OR43's documented
//! limit, assumed for M12 as the notes do). There is no per-file or per-conversation byte
//! limit on EmpikPlace: marketdesk's own 10 MB rule is its business, so sizes are only
//! recorded (see the control API's `posted` log). Not multipart → 415; unknown thread → 404.

use super::auth::authenticated;
use super::errors::{api_error, bad_request, not_found, ApiResult};
use super::model::{
    AttachmentInfo, Message, ParticipantType, Posted, PostedFile, PostedRecipient, Sender,
    StoredAttachment, Topic,
};
use super::params::{to_millis, Params};
use crate::state::SimulatorState;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

/// Shortest message body.
pub const BODY_MIN: usize = 3;
/// Longest message body.
pub const BODY_MAX: usize = 50_000;
/// Most messages a thread holds.
pub const MAX_MESSAGES: usize = 1000;
/// Most attachments across all threads of one entity.
pub const MAX_ATTACHMENTS_PER_ENTITY: usize = 50;
/// Most bytes of files in one message.
pub const MAX_MESSAGE_BYTES: usize = 30 * 1024 * 1024;

/// The `message_input` part.
#[derive(Debug, Deserialize)]
struct MessageInput {
    body: Option<String>,
    to: Option<Vec<RecipientInput>>,
    topic: Option<serde_json::Value>,
}

/// One entry of `message_input.to`.
#[derive(Debug, Deserialize)]
struct RecipientInput {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
}

/// One `files` part.
#[derive(Debug)]
struct FilePart {
    name: String,
    content_type: String,
    data: Vec<u8>,
}

/// M12: appends the seller's message and answers 201 `{message_id, thread_id}`.
pub async fn reply(
    State(state): State<SimulatorState>,
    Path(thread_id): Path<String>,
    headers: HeaderMap,
    params: Params,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let shop_id = {
        let (world, shop_id) = authenticated(&state, &headers, &params)?;
        if world.empik.thread(shop_id, &thread_id).is_none() {
            return Err(not_found(format!("Thread with id '{thread_id}' not found")));
        }
        shop_id
    };
    let is_multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    if !is_multipart {
        return Err(api_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type: use multipart/form-data",
        ));
    }
    let multipart = multipart.map_err(|e| bad_request(format!("Malformed multipart body: {e}")))?;
    let (input, files) = read_parts(multipart).await?;
    let input = validate_input(input.as_deref())?;

    let mut world = state.lock();
    let now = to_millis(world.clock.now());
    let empik = &mut world.empik;
    let shop = empik
        .shops
        .get(&shop_id)
        .cloned()
        .ok_or_else(|| not_found("Shop not found"))?;
    let thread = empik
        .thread(shop_id, &thread_id)
        .ok_or_else(|| not_found(format!("Thread with id '{thread_id}' not found")))?;

    let mut to = Vec::new();
    let mut recipients = Vec::new();
    for recipient in &input.recipients {
        if recipient.kind == ParticipantType::Shop {
            return Err(bad_request(
                "Invalid recipient: a shop cannot send a message to itself",
            ));
        }
        let Some(participant) = thread.participant(recipient.kind) else {
            return Err(bad_request(format!(
                "Invalid recipient: {} is not a participant of thread {thread_id}",
                recipient.kind.as_str()
            )));
        };
        if recipient.kind == ParticipantType::Customer {
            match &recipient.id {
                None => {
                    return Err(bad_request(
                        "Invalid recipient: the id of a CUSTOMER recipient is required",
                    ))
                }
                Some(id) if participant.id.as_deref() != Some(id.as_str()) => {
                    return Err(bad_request(format!(
                        "Invalid recipient: customer '{id}' is not a participant of thread {thread_id}"
                    )))
                }
                Some(_) => {}
            }
        }
        if !to.contains(participant) {
            to.push(participant.clone());
            recipients.push(recipient.clone());
        }
    }
    if thread.messages.len() >= MAX_MESSAGES {
        return Err(bad_request(format!(
            "Maximum of {MAX_MESSAGES} messages on a thread reached"
        )));
    }
    if !files.is_empty() {
        let scope = thread.attachment_scope();
        let existing: usize = empik
            .threads
            .iter()
            .filter(|t| t.shop_id == shop_id && t.attachment_scope() == scope)
            .flat_map(|t| t.messages.iter())
            .map(|m| m.attachments.len())
            .sum();
        if existing + files.len() > MAX_ATTACHMENTS_PER_ENTITY {
            return Err(bad_request(format!(
                "Maximum {MAX_ATTACHMENTS_PER_ENTITY} attachments across all threads of the same entity: {existing} already, {} sent",
                files.len()
            )));
        }
        let bytes: usize = files.iter().map(|f| f.data.len()).sum();
        if bytes > MAX_MESSAGE_BYTES {
            return Err(bad_request(
                "Each message has a 30 Megabyte size limit, regardless of the number of attachments",
            ));
        }
    }
    let shop_participant = thread
        .participant(ParticipantType::Shop)
        .cloned()
        .ok_or_else(|| bad_request("The shop is not a participant of this thread"))?;

    let message_id = uuid::Uuid::new_v4().to_string();
    let mut infos = Vec::new();
    let mut posted_files = Vec::new();
    for file in files {
        let id = uuid::Uuid::new_v4().to_string();
        let size = file.data.len() as u64;
        infos.push(AttachmentInfo {
            id: id.clone(),
            name: file.name.clone(),
            size,
        });
        posted_files.push(PostedFile {
            attachment_id: id.clone(),
            name: file.name.clone(),
            size,
            content_type: file.content_type.clone(),
        });
        empik.attachments.insert(
            id.clone(),
            StoredAttachment {
                id,
                shop_id,
                thread_id: thread_id.clone(),
                name: file.name,
                content_type: file.content_type,
                data: file.data,
            },
        );
    }
    let message = Message {
        id: message_id.clone(),
        body: input.body.clone(),
        date_created: now,
        from: Sender {
            kind: ParticipantType::Shop.sender_type(),
            display_name: shop.name.clone(),
            organization_details: Some(shop_participant),
        },
        to,
        attachments: infos,
    };
    let thread = empik
        .thread_mut(shop_id, &thread_id)
        .ok_or_else(|| not_found(format!("Thread with id '{thread_id}' not found")))?;
    if let Some(topic) = &input.topic {
        thread.topic = topic.clone();
    }
    thread.push_message(message);
    empik.posted.push(Posted {
        thread_id: thread_id.clone(),
        message_id: message_id.clone(),
        shop_id,
        date: now,
        body: input.body,
        to: recipients,
        topic: input.topic,
        files: posted_files,
    });
    Ok((
        StatusCode::CREATED,
        Json(json!({ "message_id": message_id, "thread_id": thread_id })),
    )
        .into_response())
}

async fn read_parts(mut multipart: Multipart) -> ApiResult<(Option<String>, Vec<FilePart>)> {
    let malformed = |e: axum::extract::multipart::MultipartError| {
        bad_request(format!("Malformed multipart body: {e}"))
    };
    let mut input = None;
    let mut files = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        match field.name().unwrap_or("") {
            "message_input" => {
                if input.is_some() {
                    return Err(bad_request("The part message_input is given twice"));
                }
                input = Some(field.text().await.map_err(malformed)?);
            }
            "files" | "files[]" => {
                let name = field
                    .file_name()
                    .map(str::to_owned)
                    .filter(|n| !n.trim().is_empty())
                    .ok_or_else(|| bad_request("Each files part needs a filename"))?;
                let content_type = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                let data = field.bytes().await.map_err(malformed)?.to_vec();
                files.push(FilePart {
                    name,
                    content_type,
                    data,
                });
            }
            _ => {}
        }
    }
    Ok((input, files))
}

/// A validated `message_input`.
#[derive(Debug)]
struct ValidInput {
    body: String,
    recipients: Vec<PostedRecipient>,
    topic: Option<Topic>,
}

fn validate_input(raw: Option<&str>) -> ApiResult<ValidInput> {
    let raw = raw.ok_or_else(|| bad_request("The part message_input is required"))?;
    let input: MessageInput = serde_json::from_str(raw.trim())
        .map_err(|e| bad_request(format!("message_input is not valid JSON: {e}")))?;
    let body = input
        .body
        .ok_or_else(|| bad_request("message_input.body is required"))?;
    let length = body.chars().count();
    if !(BODY_MIN..=BODY_MAX).contains(&length) {
        return Err(bad_request(format!(
            "message_input.body: size must be between {BODY_MIN} and {BODY_MAX} (was {length})"
        )));
    }
    let to = input.to.unwrap_or_default();
    if to.is_empty() {
        return Err(bad_request(
            "message_input.to must list at least one recipient",
        ));
    }
    let mut recipients = Vec::new();
    for recipient in to {
        let raw_kind = recipient
            .kind
            .ok_or_else(|| bad_request("message_input.to[].type is required"))?;
        let kind = ParticipantType::parse(&raw_kind).ok_or_else(|| {
            bad_request(format!(
                "message_input.to[].type must be OPERATOR, SHOP or CUSTOMER, not '{raw_kind}'"
            ))
        })?;
        recipients.push(PostedRecipient {
            kind,
            id: recipient.id,
        });
    }
    // "Leave empty if you don't want to update it": absent, null and {} all keep the topic.
    let topic = match input.topic {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Object(fields)) if fields.is_empty() => None,
        Some(value) => {
            let topic: Topic = serde_json::from_value(value)
                .map_err(|e| bad_request(format!("message_input.topic is invalid: {e}")))?;
            if let Some(problem) = topic.problem() {
                return Err(bad_request(format!("message_input.{problem}")));
            }
            Some(topic)
        }
    };
    Ok(ValidInput {
        body,
        recipients,
        topic,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_input_rules() {
        let ok = r#"{"body":"abc","to":[{"type":"CUSTOMER","id":"c-1"},{"type":"OPERATOR"}]}"#;
        let input = validate_input(Some(ok)).expect("valid");
        assert_eq!(input.recipients.len(), 2);
        for bad in [
            r#"{"body":"ab","to":[{"type":"OPERATOR"}]}"#,
            r#"{"body":"abc","to":[]}"#,
            r#"{"body":"abc"}"#,
            r#"{"to":[{"type":"OPERATOR"}]}"#,
            r#"{"body":"abc","to":[{"type":"NOBODY"}]}"#,
            r#"{"body":"abc","to":["CUSTOMER"]}"#,
            r#"{"body":"abc","to":[{"type":"OPERATOR"}],"topic":{"type":"X","value":"y"}}"#,
            r#"{"body":"abc","to":[{"type":"OPERATOR"}],"topic":{"type":"FREE_TEXT"}}"#,
            "not json",
        ] {
            assert!(validate_input(Some(bad)).is_err(), "{bad}");
        }
        assert!(validate_input(None).is_err());
        let keep = r#"{"body":"abc","to":[{"type":"OPERATOR"}],"topic":{}}"#;
        assert!(validate_input(Some(keep)).expect("valid").topic.is_none());
        let change = r#"{"body":"abc","to":[{"type":"OPERATOR"}],"topic":{"type":"REASON_CODE","value":"23"}}"#;
        assert!(validate_input(Some(change)).expect("valid").topic.is_some());
        let long = format!(
            r#"{{"body":"{}","to":[{{"type":"OPERATOR"}}]}}"#,
            "ż".repeat(BODY_MAX)
        );
        assert!(validate_input(Some(&long)).is_ok(), "counted in characters");
    }
}
