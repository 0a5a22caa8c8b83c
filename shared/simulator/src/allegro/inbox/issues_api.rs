//! `/sale/issues` (beta only, scope `allegro:api:disputes`): list, read, chat and reply.

use super::attachments::{check_references, AttachmentScope, MAX_ATTACHMENTS_PER_ISSUE_MESSAGE};
use super::draft::Draft;
use super::issues::{
    issue_view, message_view, Issue, IssueMessage, IssueMessageType, IssueRole, IssueStatus,
    IssueType, ISSUE_TEXT_MAX_CHARS,
};
use super::posted::{log_post, ConversationKind};
use super::support::{
    attachment_error, attachment_ids, base_url, beta_body, int_param, query_pairs, query_value,
    validation_error, Answer, AttachmentRef,
};
use crate::allegro::errors::errors_holder;
use crate::allegro::guard::{authorized, json_response, Media};
use crate::state::{SimulatorState, World};
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
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/sale/issues", get(list))
        .route("/sale/issues/{issue_id}", get(read))
        .route("/sale/issues/{issue_id}/chat", get(chat))
        .route("/sale/issues/{issue_id}/message", post(post_message))
}

/// How many items to skip and to show: `offset` (default 0) and `limit` (1..=100, default 10).
fn offset_paging(pairs: &[(String, String)]) -> Result<(usize, usize), Response> {
    let limit = int_param(pairs, "limit", 1, 100, 10)?;
    let offset = int_param(pairs, "offset", 0, i64::from(i32::MAX), 0)?;
    Ok((
        usize::try_from(offset).unwrap_or(usize::MAX),
        usize::try_from(limit).unwrap_or(0),
    ))
}

/// 404 for an issue that does not exist or is another seller's.
fn issue_not_found(id: &str, path: &str) -> Response {
    errors_holder(
        StatusCode::NOT_FOUND,
        "NotFoundException",
        &format!("Issue {id} not found"),
        Some(path),
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

async fn list(State(state): State<SimulatorState>, headers: HeaderMap, uri: Uri) -> Answer {
    let (world, caller) = authorized(&state, &headers, SCOPE, Media::Beta)?;
    let pairs = query_pairs(&uri);
    let (skip, take) = offset_paging(&pairs)?;
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
    let base = base_url(&headers);
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
        .skip(skip)
        .take(take)
        .map(|issue| issue_view(issue, &inbox.attachments, &base))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        Media::Beta,
        &json!({ "issues": issues }),
    ))
}

async fn read(
    State(state): State<SimulatorState>,
    Path(issue_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    let (world, caller) = authorized(&state, &headers, SCOPE, Media::Beta)?;
    let issue = own_issue(&world, &caller.seller_id, &issue_id, uri.path())?;
    let view = issue_view(issue, &world.allegro.inbox.attachments, &base_url(&headers));
    Ok(json_response(StatusCode::OK, Media::Beta, &view))
}

async fn chat(
    State(state): State<SimulatorState>,
    Path(issue_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    let (world, caller) = authorized(&state, &headers, SCOPE, Media::Beta)?;
    let pairs = query_pairs(&uri);
    let (skip, take) = offset_paging(&pairs)?;
    let issue = own_issue(&world, &caller.seller_id, &issue_id, uri.path())?;
    let base = base_url(&headers);
    // Oldest first, as Allegro answers in practice (GH#12650, GH#12733).
    let chat: Vec<_> = issue
        .messages
        .iter()
        .skip(skip)
        .take(take)
        .map(|m| message_view(m, &world.allegro.inbox.attachments, &base))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        Media::Beta,
        &json!({ "chat": chat }),
    ))
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
    State(state): State<SimulatorState>,
    Path(issue_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Answer {
    let (mut world, caller) = authorized(&state, &headers, SCOPE, Media::Beta)?;
    let request: MessageRequest = beta_body(&headers, &body)?;
    let issue = own_issue(&world, &caller.seller_id, &issue_id, uri.path())?;
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
    let attachments = attachment_ids(request.attachments);
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
        return Err(attachment_error(
            &format!("A message may carry at most {MAX_ATTACHMENTS_PER_ISSUE_MESSAGE} attachment"),
            "attachments",
        ));
    }
    let inbox = &world.allegro.inbox;
    check_references(
        &inbox.attachments,
        &caller.seller_id,
        AttachmentScope::Issue,
        &attachments,
    )
    .map_err(|reason| attachment_error(&reason, "attachments"))?;

    // No posting limit here: allegro-api.md §4.2 lists it for /messaging posts only.
    let now = super::to_millis(world.clock.now());
    let login = world
        .allegro
        .accounts
        .sellers
        .get(&caller.seller_id)
        .map_or_else(|| caller.seller_id.clone(), |s| s.login.clone());
    let inbox = &mut world.allegro.inbox;
    let draft = Draft::new(inbox, Some(login), text, attachments, now);
    let Some(issue) = inbox.issues.get_mut(&issue_id) else {
        return Err(issue_not_found(&issue_id, uri.path()));
    };
    if issue.issue_type == IssueType::Claim {
        if let Some(decision) = message_type.return_decision() {
            issue.return_required = Some(decision);
        }
    }
    let message = IssueMessage::from_draft(draft.clone(), IssueRole::Seller, Some(message_type));
    issue.messages.push(message.clone());
    log_post(
        inbox,
        &caller.seller_id,
        (ConversationKind::Issue, &issue_id),
        Some(message_type.name()),
        &draft,
    );
    let view = message_view(&message, &inbox.attachments, &base_url(&headers));
    Ok(json_response(StatusCode::CREATED, Media::Beta, &view))
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
