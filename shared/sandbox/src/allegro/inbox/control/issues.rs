//! Control routes for issues: open, write, close and reopen disputes, decide claims.

use super::{
    answer, finish, invalid, not_found, parse, parties, require_text, store_files, Empty, NewFile,
    Outcome,
};
use crate::allegro::inbox::attachments::AttachmentScope;
use crate::allegro::inbox::issues::{
    Issue, IssueBuyer, IssueCheckoutForm, IssueMessage, IssueOffer, IssueRole, IssueStatus,
    IssueType, CLAIM_DECISION_PERIOD, REASON_CODES,
};
use crate::allegro::inbox::{timestamp, to_millis, Inbox};
use crate::state::SandboxState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Datelike, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

/// Body of `POST /issues`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenIssue {
    seller_id: String,
    buyer_id: String,
    #[serde(default)]
    order_id: Option<String>,
    #[serde(rename = "type")]
    issue_type: IssueType,
    reason: String,
    text: String,
    #[serde(default)]
    opened_at: Option<DateTime<Utc>>,
    #[serde(default)]
    attachments: Vec<NewFile>,
}

pub(super) async fn open_issue(State(state): State<SandboxState>, body: Bytes) -> Response {
    finish(create_issue(&state, &body))
}

fn create_issue(state: &SandboxState, body: &[u8]) -> Outcome {
    let body: OpenIssue = parse(body)?;
    if !REASON_CODES.contains(&body.reason.as_str()) {
        return Err(invalid(&format!(
            "reason must be one of {}",
            REASON_CODES.join(", ")
        )));
    }
    require_text(&body.text, &body.attachments)?;
    let mut world = state.lock();
    let now = to_millis(world.clock.now());
    let opened = body.opened_at.map_or(now, to_millis);
    let (_, buyer, order) = parties(
        &world,
        &body.seller_id,
        &body.buyer_id,
        body.order_id.as_deref(),
    )?;
    let files = store_files(
        &mut world,
        AttachmentScope::Issue,
        &body.seller_id,
        body.attachments,
        opened,
    )?;
    let inbox: &mut Inbox = &mut world.allegro.inbox;
    let claim = body.issue_type == IssueType::Claim;
    let first = IssueMessage {
        id: uuid::Uuid::new_v4().to_string(),
        seq: inbox.next_seq(),
        role: IssueRole::Buyer,
        login: Some(buyer.login.clone()),
        text: body.text,
        attachments: files,
        message_type: None,
        created_at: opened,
    };
    let issue = Issue {
        id: uuid::Uuid::new_v4().to_string(),
        seq: first.seq,
        seller_id: body.seller_id,
        issue_type: body.issue_type,
        reason: body.reason,
        buyer: IssueBuyer {
            id: buyer.id,
            login: buyer.login,
        },
        checkout_form: order.as_ref().map(|o| IssueCheckoutForm {
            id: o.id.clone(),
            created_at: to_millis(o.bought_at),
        }),
        offer: order
            .as_ref()
            .and_then(|o| o.line_items.first())
            .map(|line| IssueOffer {
                id: line.offer_id.clone(),
                quantity: line.quantity,
            }),
        opened_date: opened,
        status: if claim {
            IssueStatus::ClaimSubmitted
        } else {
            IssueStatus::DisputeOngoing
        },
        status_due_date: claim.then(|| opened + CLAIM_DECISION_PERIOD),
        decision_due_date: claim.then(|| opened + CLAIM_DECISION_PERIOD),
        reference_number: claim.then(|| inbox.next_claim_reference(opened.year())),
        return_required: None,
        right: claim.then(|| "COMPLAINT".to_owned()),
        chat_active: true,
        messages: vec![first],
    };
    let id = issue.id.clone();
    inbox.issues.insert(id.clone(), issue);
    Ok(answer(StatusCode::CREATED, json!({ "id": id })))
}

/// Body of `POST /issues/{id}/messages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddIssueMessage {
    author: IssueRole,
    text: String,
    #[serde(default)]
    attachments: Vec<NewFile>,
}

pub(super) async fn add_issue_message(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    finish((|| -> Outcome {
        let body: AddIssueMessage = parse(&body)?;
        require_text(&body.text, &body.attachments)?;
        let mut world = state.lock();
        let now = to_millis(world.clock.now());
        let issue = world
            .allegro
            .inbox
            .issues
            .get(&id)
            .ok_or_else(|| not_found(&format!("unknown issue {id}")))?;
        let (seller_id, buyer_login) = (issue.seller_id.clone(), issue.buyer.login.clone());
        let login = match body.author {
            IssueRole::Buyer => Some(buyer_login),
            IssueRole::Seller => Some(
                world
                    .allegro
                    .accounts
                    .sellers
                    .get(&seller_id)
                    .map_or_else(|| seller_id.clone(), |s| s.login.clone()),
            ),
            IssueRole::Admin | IssueRole::System => None,
        };
        let files = store_files(
            &mut world,
            AttachmentScope::Issue,
            &seller_id,
            body.attachments,
            now,
        )?;
        let inbox = &mut world.allegro.inbox;
        let message = IssueMessage {
            id: uuid::Uuid::new_v4().to_string(),
            seq: inbox.next_seq(),
            role: body.author,
            login,
            text: body.text,
            attachments: files,
            message_type: None,
            created_at: now,
        };
        let message_id = message.id.clone();
        if let Some(issue) = inbox.issues.get_mut(&id) {
            issue.messages.push(message);
        }
        Ok(answer(StatusCode::CREATED, json!({ "id": message_id })))
    })())
}

/// Body of `POST /issues/{id}/close` and `POST /issues/{id}/claim-status`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetStatus {
    status: IssueStatus,
    #[serde(default)]
    chat_active: Option<bool>,
}

/// The issue's state as control answers show it.
fn issue_state(issue: &Issue) -> Value {
    json!({
        "id": issue.id,
        "status": issue.status,
        "chat_active": issue.chat_active,
        "opened_date": timestamp(issue.opened_date),
    })
}

/// Applies `change` to an issue of `wanted` type, answering its new state.
fn change_issue(
    state: &SandboxState,
    id: &str,
    wanted: IssueType,
    change: impl FnOnce(&mut Issue, DateTime<Utc>) -> Result<(), Response>,
) -> Outcome {
    let mut world = state.lock();
    let now = to_millis(world.clock.now());
    let issue = world
        .allegro
        .inbox
        .issues
        .get_mut(id)
        .ok_or_else(|| not_found(&format!("unknown issue {id}")))?;
    if issue.issue_type != wanted {
        let hint = match wanted {
            IssueType::Dispute => "this is a claim: use /claim-status",
            IssueType::Claim => "this is a dispute: use /close and /reopen",
        };
        return Err(invalid(hint));
    }
    change(issue, now)?;
    Ok(answer(StatusCode::OK, issue_state(issue)))
}

pub(super) async fn close_issue(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    finish((|| -> Outcome {
        let body: SetStatus = parse(&body)?;
        if !matches!(
            body.status,
            IssueStatus::DisputeClosed | IssueStatus::DisputeUnresolved
        ) || body.chat_active.is_some()
        {
            return Err(invalid(
                "close takes {\"status\": \"DISPUTE_CLOSED\" | \"DISPUTE_UNRESOLVED\"}",
            ));
        }
        change_issue(&state, &id, IssueType::Dispute, |issue, _| {
            issue.status = body.status;
            issue.chat_active = false;
            Ok(())
        })
    })())
}

pub(super) async fn reopen_issue(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    finish((|| -> Outcome {
        let _: Empty = parse(&body)?;
        change_issue(&state, &id, IssueType::Dispute, |issue, now| {
            issue.status = IssueStatus::DisputeOngoing;
            issue.chat_active = true;
            issue.opened_date = now;
            Ok(())
        })
    })())
}

pub(super) async fn set_claim_status(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    finish((|| -> Outcome {
        let body: SetStatus = parse(&body)?;
        let final_status = match body.status {
            IssueStatus::ClaimAccepted | IssueStatus::ClaimRejected => true,
            IssueStatus::ClaimSubmitted => false,
            _ => {
                return Err(invalid(
                    "status must be CLAIM_ACCEPTED, CLAIM_REJECTED or CLAIM_SUBMITTED",
                ))
            }
        };
        change_issue(&state, &id, IssueType::Claim, |issue, now| {
            issue.status = body.status;
            issue.status_due_date = (!final_status).then(|| now + CLAIM_DECISION_PERIOD);
            if let Some(active) = body.chat_active {
                issue.chat_active = active;
            }
            Ok(())
        })
    })())
}
