//! The reply, retry and attachment routes of the OpenAPI document, and their schemas.

use super::{
    body, described, enumeration, error, id_parameter, id_schema, label, nullable_string, object,
    ok, or_empty, plain_text, protected, reference, strict, string, time, with_body_errors,
};
use serde_json::{json, Value};

fn path_parameter(name: &str, description: &str) -> Value {
    json!({
        "name": name, "in": "path", "required": true,
        "description": description,
        "schema": id_schema()
    })
}

/// A file name as `services::replies` checks it: a label without `/` or `\\`.
fn filename() -> Value {
    let mut schema = label(200);
    let excluded = r"/\\\x00-\x1F\x7F-\x9F";
    schema["pattern"] = json!(format!(r"^[^{excluded}]*[^\s{excluded}][^{excluded}]*$"));
    schema
}

/// The paths.
pub(super) fn paths() -> Value {
    json!({
        "/v1/tickets/{id}/replies": {
            "post": protected(with_body_errors(json!({
                "operationId": "replyToTicket",
                "summary": "Replies to the buyer. Checked against the conversation's limits (text: Allegro issues 20000 characters, Message Center 2000, EmpikPlace 3 to 50000; one file: Allegro png/gif/bmp/tiff/jpeg/pdf up to 2 MiB in issues and 5 MiB in Message Center, EmpikPlace 10 MB in total per conversation) before anything is stored, then stored as `sending` and delivered by the sender: it becomes `sent` with the marketplace's id, or `failed` with the reason after retries. Plain text only.",
                "tags": ["tickets"],
                "parameters": [id_parameter("ticket")],
                "requestBody": body("NewReply"),
                "responses": {
                    "202": ok("The reply, queued for delivery.", "Reply"),
                    "404": error("NotFound"),
                    "409": error("WrongState")
                }
            })), false)
        },
        "/v1/tickets/{id}/replies/{rid}/retry": {
            "post": protected(json!({
                "operationId": "retryReply",
                "summary": "Sends a failed reply again (409 `reply_not_failed` for others, `conversation_closed` when the conversation closed meanwhile).",
                "tags": ["tickets"],
                "parameters": [id_parameter("ticket"), path_parameter("rid", "The reply's id (`delivery.reply_id` of its message).")],
                "responses": {
                    "202": ok("The reply, queued again.", "Reply"),
                    "404": error("NotFound"),
                    "409": error("WrongState")
                }
            }), false)
        },
        "/v1/tickets/{id}/attachments/{aid}": {
            "get": protected(json!({
                "operationId": "getAttachment",
                "summary": "A file of the ticket's messages, by the `id` (or the `link`) its attachment carries: a buyer's (or the marketplace's) fetched from the marketplace with the account's credentials, a reply's served from marketdesk's store.",
                "tags": ["tickets"],
                "parameters": [id_parameter("ticket"), path_parameter("aid", "The attachment's `id` from the ticket's messages.")],
                "responses": {
                    "200": {
                        "description": "The file, with its media type and a `Content-Disposition: attachment` file name.",
                        "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } }
                    },
                    "404": error("NotFound"),
                    "409": error("WrongState")
                }
            }), false)
        }
    })
}

/// The schemas.
pub(super) fn schemas() -> Value {
    json!({
        "NewReply": strict(&[], json!({
            "text": described(or_empty(plain_text(50000)), "Plain text; HTML is refused. The conversation sets the length: Allegro issues 1 to 20000 characters, Message Center 1 to 2000, EmpikPlace 3 to 50000. May be empty only with `ask_to_confirm` (the integration's `closure_message` is sent)."),
            "attachment": reference("NewAttachment"),
            "ask_to_confirm": { "type": "boolean", "default": false, "description": "Allegro disputes only: send as END_REQUEST, asking the buyer to confirm the problem is solved." }
        })),
        "NewAttachment": strict(&["filename", "content_type", "data_base64"], json!({
            "filename": described(filename(), "A file name without a path."),
            "content_type": described(label(100), "Allegro: image/png, image/gif, image/bmp, image/tiff, image/jpeg or application/pdf; EmpikPlace: any.") ,
            "data_base64": { "type": "string", "format": "byte", "minLength": 4, "description": "The file (not empty), base64 with padding." }
        })),
        "FileRef": object(&["filename", "content_type", "size", "chunks"], json!({
            "filename": string(),
            "content_type": string(),
            "size": { "type": "integer", "description": "Bytes." },
            "chunks": { "type": "integer" }
        })),
        "ReplyState": enumeration(&["sending", "sent", "failed", "cancelled"]),
        "Reply": object(&["id", "ticket_id", "author", "text", "ask_to_confirm", "state", "attempts", "created_at"], json!({
            "id": string(),
            "ticket_id": string(),
            "author": reference("AuthorKind"),
            "author_name": nullable_string(),
            "actor": { "allOf": [reference("Actor")], "description": "Who sent it in marketdesk (absent for autoresponses)." },
            "text": string(),
            "attachment": { "allOf": [reference("FileRef")], "nullable": true },
            "ask_to_confirm": { "type": "boolean" },
            "state": reference("ReplyState"),
            "external_id": { "type": "string", "nullable": true, "description": "The marketplace's message id once sent." },
            "failure": { "type": "string", "nullable": true, "description": "Why it failed, or the last error while retrying." },
            "attempts": { "type": "integer" },
            "first_attempt_at": { "type": "string", "format": "date-time", "nullable": true },
            "attempt_started_at": { "type": "string", "format": "date-time", "nullable": true },
            "attempt_job": { "type": "string", "nullable": true, "description": "The outbound job that began the attempt under way (internal; a crashed worker's job resumes it at once)." },
            "not_after": { "type": "string", "format": "date-time", "nullable": true, "description": "Autoresponses: never delivered after this." },
            "created_at": time(),
            "sent_at": { "type": "string", "format": "date-time", "nullable": true },
            "failure_reported": { "type": "boolean", "description": "Whether this failure was reported to the integration's `alert_emails` (one notice per failure)." }
        })),
        "Delivery": object(&["reply_id", "state", "ask_to_confirm"], json!({
            "reply_id": string(),
            "state": reference("ReplyState"),
            "failure": nullable_string(),
            "ask_to_confirm": { "type": "boolean" }
        }))
    })
}
