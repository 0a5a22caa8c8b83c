//! Control routes for issues: open, write, close and reopen disputes, decide claims.

use super::conversation::{open, require_text, Conversation, Opening};
use super::files::NewFile;
use super::Empty;
use crate::allegro::inbox::attachments::AttachmentScope;
use crate::allegro::inbox::draft::Draft;
use crate::allegro::inbox::issues::{
    Issue, IssueBuyer, IssueCheckoutForm, IssueMessage, IssueOffer, IssueRole, IssueStatus,
    IssueType, CLAIM_DECISION_PERIOD, REASON_CODES,
};
use crate::allegro::inbox::{timestamp, to_millis, Inbox};
use crate::control::support::{answer, invalid, not_found, parse_or_empty, ControlError, Outcome};
use crate::state::{SimulatorState, World};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
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
    /// Who writes the opening: the buyer (default), or Allegro on the buyer's behalf.
    #[serde(default)]
    first_author: IssueOpener,
}

/// Who may write an issue's first message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum IssueOpener {
    /// The buyer.
    #[default]
    Buyer,
    /// Allegro's assistant (Allina), writing the buyer's opening for them.
    System,
    /// An Allegro adviser, writing it for them.
    Admin,
}

impl IssueOpener {
    /// The chat role of the opening.
    fn role(self) -> IssueRole {
        match self {
            IssueOpener::Buyer => IssueRole::Buyer,
            IssueOpener::System => IssueRole::System,
            IssueOpener::Admin => IssueRole::Admin,
        }
    }
}

/// `POST /issues`: a buyer opens a dispute or a claim (or Allegro opens it for them, with
/// `first_author`); 201 `{id}`.
pub(super) async fn open_issue(State(state): State<SimulatorState>, body: Bytes) -> Outcome {
    let body: OpenIssue = parse_or_empty(&body)?;
    if !REASON_CODES.contains(&body.reason.as_str()) {
        return Err(invalid(format!(
            "reason must be one of {}",
            REASON_CODES.join(", ")
        )));
    }
    require_text(&body.text, &body.attachments)?;
    let mut world = state.lock();
    let Opening {
        created: opened,
        buyer,
        order,
        files,
        ..
    } = open(
        &mut world,
        (&body.seller_id, &body.buyer_id, body.order_id.as_deref()),
        body.opened_at,
        AttachmentScope::Issue,
        body.attachments,
    )?;
    let inbox: &mut Inbox = &mut world.allegro.inbox;
    let claim = body.issue_type == IssueType::Claim;
    let opener = body.first_author.role();
    // Allegro's authors show no login (the documents: absent for ADMIN and SYSTEM).
    let login = (opener == IssueRole::Buyer).then(|| buyer.login.clone());
    let first = Draft::new(inbox, login, body.text, files, opened);
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
        messages: vec![IssueMessage::from_draft(first, opener, None)],
    };
    let id = issue.id.clone();
    inbox.issues.insert(id.clone(), issue);
    Ok(answer(StatusCode::CREATED, json!({ "id": id })))
}

impl Conversation for Issue {
    type Author = IssueRole;
    const SCOPE: AttachmentScope = AttachmentScope::Issue;

    fn author_of(
        world: &World,
        id: &str,
        author: &IssueRole,
    ) -> Result<(String, Option<String>), ControlError> {
        let issue = world
            .allegro
            .inbox
            .issues
            .get(id)
            .ok_or_else(|| not_found(format!("unknown issue {id}")))?;
        let login = match author {
            IssueRole::Buyer => Some(issue.buyer.login.clone()),
            IssueRole::Seller => Some(
                world
                    .allegro
                    .accounts
                    .sellers
                    .get(&issue.seller_id)
                    .map_or_else(|| issue.seller_id.clone(), |s| s.login.clone()),
            ),
            IssueRole::Admin | IssueRole::System => None,
        };
        Ok((issue.seller_id.clone(), login))
    }

    fn append(inbox: &mut Inbox, id: &str, author: IssueRole, draft: Draft) {
        if let Some(issue) = inbox.issues.get_mut(id) {
            issue
                .messages
                .push(IssueMessage::from_draft(draft, author, None));
        }
    }
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
    state: &SimulatorState,
    id: &str,
    wanted: IssueType,
    change: impl FnOnce(&mut Issue, DateTime<Utc>),
) -> Outcome {
    let mut world = state.lock();
    let now = to_millis(world.clock.now());
    let issue = world
        .allegro
        .inbox
        .issues
        .get_mut(id)
        .ok_or_else(|| not_found(format!("unknown issue {id}")))?;
    if issue.issue_type != wanted {
        let hint = match wanted {
            IssueType::Dispute => "this is a claim: use /claim-status",
            IssueType::Claim => "this is a dispute: use /close and /reopen",
        };
        return Err(invalid(hint));
    }
    change(issue, now);
    Ok(answer(StatusCode::OK, issue_state(issue)))
}

/// `POST /issues/{id}/close`: a dispute ends as closed or unresolved, its chat inactive.
pub(super) async fn close_issue(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Outcome {
    let body: SetStatus = parse_or_empty(&body)?;
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
    })
}

/// `POST /issues/{id}/reopen`: a dispute is ongoing again, its chat active, opened now.
pub(super) async fn reopen_issue(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Outcome {
    let _: Empty = parse_or_empty(&body)?;
    change_issue(&state, &id, IssueType::Dispute, |issue, now| {
        issue.status = IssueStatus::DisputeOngoing;
        issue.chat_active = true;
        issue.opened_date = now;
    })
}

/// `POST /issues/{id}/claim-status`: staff decide a claim (or set it back to submitted).
pub(super) async fn set_claim_status(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Outcome {
    let body: SetStatus = parse_or_empty(&body)?;
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
    })
}
