//! `/sale/issues` (beta only, scope `allegro:api:disputes`): list, read, chat and reply.

use super::attachments::{check_references, AttachmentScope, MAX_ATTACHMENTS_PER_ISSUE_MESSAGE};
use super::issues::{
    issue_view, message_view, Issue, IssueMessage, IssueMessageType, IssueRole, IssueStatus,
    IssueType, ISSUE_TEXT_MAX_CHARS,
};
use super::posted::{posted_attachments, ConversationKind, PostedMessage};
use super::posting_limit::too_many_requests;
use super::support::{
    base_url, beta_json, finish, int_param, parse_json, query_pairs, query_value, validation_error,
    Answer,
};
use super::to_millis;
use crate::allegro::errors::{error_entry, errors_holder, errors_response};
use crate::allegro::guard::{authorize, require_content_type, Media};
use crate::state::{SandboxState, World};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

const SCOPE: &str = "allegro:api:disputes";

/// The issue routes (attachments live in `attachments_api`).
pub fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/sale/issues", get(list))
        .route("/sale/issues/{issue_id}", get(read))
        .route("/sale/issues/{issue_id}/chat", get(chat))
        .route("/sale/issues/{issue_id}/message", post(post_message))
}

/// 404 for an issue that does not exist or is another seller's.
fn issue_not_found(id: &str, path: &str) -> Response {
    let message = format!("Issue {id} not found");
    errors_response(
        StatusCode::NOT_FOUND,
        vec![error_entry(
            "NotFoundException",
            &message,
            Some(path),
            &message,
        )],
    )
}

/// The caller's issue with this id.
fn own_issue<'a>(
    world: &'a World,
    seller_id: &str,
    id: &str,
    path: &str,
) -> Result<&'a Issue, Response> {
    world
        .allegro
        .inbox
        .issues
        .get(id)
        .filter(|issue| issue.seller_id == seller_id)
        .ok_or_else(|| issue_not_found(id, path))
}

async fn list(State(state): State<SandboxState>, headers: HeaderMap, uri: Uri) -> Response {
    finish(list_issues(&state, &headers, &uri))
}

fn list_issues(state: &SandboxState, headers: &HeaderMap, uri: &Uri) -> Answer {
    let mut world = state.lock();
    let caller = authorize(&mut world, headers, SCOPE, Media::Beta)?;
    let pairs = query_pairs(uri);
    let limit = int_param(&pairs, "limit", 1, 100, 10)?;
    let offset = int_param(&pairs, "offset", 0, i64::from(i32::MAX), 0)?;
    let mut statuses = Vec::new();
    for (_, value) in pairs.iter().filter(|(name, _)| name == "status") {
        for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let status = IssueStatus::parse(name).ok_or_else(|| {
                validation_error(&format!("Unknown issue status '{name}'"), Some("status"))
            })?;
            statuses.push(status);
        }
    }
    let checkout_form = query_value(&pairs, "checkoutForm.id");
    if let Some(id) = checkout_form {
        if uuid::Uuid::parse_str(id).is_err() {
            return Err(validation_error(
                &format!("Invalid checkout form id '{id}': a UUID is expected"),
                Some("checkoutForm.id"),
            ));
        }
    }
    let base = base_url(headers);
    let inbox = &world.allegro.inbox;
    let mut found: Vec<&Issue> = inbox
        .issues
        .values()
        .filter(|i| i.seller_id == caller.seller_id)
        .filter(|i| statuses.is_empty() || statuses.contains(&i.status))
        .filter(|i| {
            checkout_form.is_none_or(|id| i.checkout_form.as_ref().is_some_and(|f| f.id == id))
        })
        .collect();
    found.sort_by_key(|i| std::cmp::Reverse((i.opened_date, i.seq)));
    let issues: Vec<_> = found
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .map(|issue| issue_view(issue, &inbox.attachments, &base))
        .collect();
    Ok(beta_json(StatusCode::OK, &json!({ "issues": issues })))
}

async fn read(
    State(state): State<SandboxState>,
    Path(issue_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    finish(read_issue(&state, &issue_id, &headers, &uri))
}

fn read_issue(state: &SandboxState, issue_id: &str, headers: &HeaderMap, uri: &Uri) -> Answer {
    let mut world = state.lock();
    let caller = authorize(&mut world, headers, SCOPE, Media::Beta)?;
    let issue = own_issue(&world, &caller.seller_id, issue_id, uri.path())?;
    let view = issue_view(issue, &world.allegro.inbox.attachments, &base_url(headers));
    Ok(beta_json(StatusCode::OK, &view))
}

async fn chat(
    State(state): State<SandboxState>,
    Path(issue_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    finish(read_chat(&state, &issue_id, &headers, &uri))
}

fn read_chat(state: &SandboxState, issue_id: &str, headers: &HeaderMap, uri: &Uri) -> Answer {
    let mut world = state.lock();
    let caller = authorize(&mut world, headers, SCOPE, Media::Beta)?;
    let pairs = query_pairs(uri);
    let limit = int_param(&pairs, "limit", 1, 100, 10)?;
    let offset = int_param(&pairs, "offset", 0, i64::from(i32::MAX), 0)?;
    let issue = own_issue(&world, &caller.seller_id, issue_id, uri.path())?;
    let base = base_url(headers);
    // Oldest first, as Allegro answers in practice (GH#12650, GH#12733).
    let chat: Vec<_> = issue
        .messages
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .map(|m| message_view(m, &world.allegro.inbox.attachments, &base))
        .collect();
    Ok(beta_json(StatusCode::OK, &json!({ "chat": chat })))
}

/// `{"id": …}` in a message's `attachments`.
#[derive(Debug, Deserialize)]
struct AttachmentRef {
    id: String,
}

/// `MessageRequest`.
#[derive(Debug, Deserialize)]
struct MessageRequest {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    attachments: Option<Vec<AttachmentRef>>,
    #[serde(default, rename = "type")]
    message_type: Option<String>,
}

async fn post_message(
    State(state): State<SandboxState>,
    Path(issue_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    finish(add_message(&state, &issue_id, &headers, &uri, &body))
}

fn add_message(
    state: &SandboxState,
    issue_id: &str,
    headers: &HeaderMap,
    uri: &Uri,
    body: &[u8],
) -> Answer {
    let mut world = state.lock();
    let caller = authorize(&mut world, headers, SCOPE, Media::Beta)?;
    require_content_type(headers, Media::Beta)?;
    let request: MessageRequest = parse_json(body)?;
    let issue = own_issue(&world, &caller.seller_id, issue_id, uri.path())?;
    if !issue.chat_active {
        return Err(errors_holder(
            StatusCode::CONFLICT,
            "DISPUTE_ALREADY_RESOLVED",
            "Dispute is in a state that forbids adding new messages",
            None,
        ));
    }
    let message_type = checked_type(request.message_type.as_deref(), issue.issue_type)?;
    let text = request.text.unwrap_or_default();
    let attachments: Vec<String> = request
        .attachments
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.id)
        .collect();
    if text.trim().is_empty() && attachments.is_empty() {
        return Err(validation_error(
            "A message needs a text, an attachment or both",
            Some("text"),
        ));
    }
    if text.chars().count() > ISSUE_TEXT_MAX_CHARS {
        return Err(validation_error(
            &format!("The text may have at most {ISSUE_TEXT_MAX_CHARS} characters"),
            Some("text"),
        ));
    }
    if attachments.len() > MAX_ATTACHMENTS_PER_ISSUE_MESSAGE {
        return Err(attachment_error(&format!(
            "A message may carry at most {MAX_ATTACHMENTS_PER_ISSUE_MESSAGE} attachment"
        )));
    }
    let inbox = &world.allegro.inbox;
    check_references(
        &inbox.attachments,
        &caller.seller_id,
        AttachmentScope::Issue,
        &attachments,
    )
    .map_err(|reason| attachment_error(&reason))?;

    let now = to_millis(world.clock.now());
    if let Err(wait) = world
        .allegro
        .inbox
        .posting_limit
        .check(&caller.seller_id, now)
    {
        return Err(too_many_requests(wait));
    }
    let login = world
        .allegro
        .accounts
        .sellers
        .get(&caller.seller_id)
        .map_or_else(|| caller.seller_id.clone(), |s| s.login.clone());
    let inbox = &mut world.allegro.inbox;
    let message = IssueMessage {
        id: uuid::Uuid::new_v4().to_string(),
        seq: inbox.next_seq(),
        role: IssueRole::Seller,
        login: Some(login),
        text,
        attachments,
        message_type: Some(message_type),
        created_at: now,
    };
    let Some(issue) = inbox.issues.get_mut(issue_id) else {
        return Err(issue_not_found(issue_id, uri.path()));
    };
    if issue.issue_type == IssueType::Claim {
        if let Some(decision) = message_type.return_decision() {
            issue.return_required = Some(decision);
        }
    }
    issue.messages.push(message.clone());
    inbox.posted.push(PostedMessage {
        seller_id: caller.seller_id.clone(),
        conversation: ConversationKind::Issue,
        conversation_id: issue_id.to_owned(),
        message_id: message.id.clone(),
        text: message.text.clone(),
        message_type: Some(message_type.name()),
        attachments: posted_attachments(&inbox.attachments, &message.attachments),
        posted_at: now,
    });
    inbox.posting_limit.record(&caller.seller_id, now);
    let view = message_view(&message, &inbox.attachments, &base_url(headers));
    Ok(beta_json(StatusCode::CREATED, &view))
}

/// 422 `ATTACHMENT_ERROR`, the code Allegro uses for issue attachment problems.
fn attachment_error(message: &str) -> Response {
    errors_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        vec![error_entry(
            "ATTACHMENT_ERROR",
            message,
            Some("attachments"),
            message,
        )],
    )
}

/// The message type, present, known and allowed for the issue's type.
fn checked_type(name: Option<&str>, issue_type: IssueType) -> Result<IssueMessageType, Response> {
    let Some(name) = name else {
        return Err(validation_error(
            "The message type is required",
            Some("type"),
        ));
    };
    let message_type: IssueMessageType =
        serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|_| {
            validation_error(&format!("Unknown message type '{name}'"), Some("type"))
        })?;
    if !message_type.allowed_for(issue_type) {
        let only = if message_type == IssueMessageType::EndRequest {
            "disputes"
        } else {
            "claims"
        };
        return Err(validation_error(
            &format!("Message type {name} is allowed for {only} only"),
            Some("type"),
        ));
    }
    Ok(message_type)
}
