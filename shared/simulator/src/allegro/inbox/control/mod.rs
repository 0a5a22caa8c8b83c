//! Control routes of the inbox, nested at `/__simulator/allegro/inbox`: open disputes, claims and
//! threads as a buyer, write as the buyer, marketplace staff or the seller on Allegro's own
//! site, close and reopen, decide claims, and read what sellers posted through the API.
//!
//! Bodies are JSON with unknown fields refused; bad input answers 422 and unknown ids 404, both
//! as `{"error": "…"}`. Control calls are not bound by the API's rules (closed chats, the
//! posting limit), only by the data's consistency.

mod conversation;
mod files;
mod issues;
mod threads;

use super::issues::Issue;
use super::messaging::Thread;
use super::posted::posted_view;
use super::support::query_pairs;
use crate::control::support::{answer, invalid, Outcome};
use crate::state::SimulatorState;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::routing::{get, post};
use axum::Router;
use conversation::add_message;
use serde::Deserialize;
use serde_json::{json, Value};

/// The inbox control routes.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/issues", post(issues::open_issue))
        .route("/issues/{id}/messages", post(add_message::<Issue>))
        .route("/issues/{id}/close", post(issues::close_issue))
        .route("/issues/{id}/reopen", post(issues::reopen_issue))
        .route("/issues/{id}/claim-status", post(issues::set_claim_status))
        .route("/threads", post(threads::open_thread))
        .route("/threads/{id}/messages", post(add_message::<Thread>))
        .route("/threads/{id}/close", post(threads::close_thread))
        .route("/threads/{id}/reopen", post(threads::reopen_thread))
        .route("/posted", get(posted))
}

/// An empty body (`{}` or nothing).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

/// `GET /posted[?seller_id=…][&conversation_id=…]`: `{"posted": […]}`, oldest first.
async fn posted(State(state): State<SimulatorState>, uri: Uri) -> Outcome {
    let pairs = query_pairs(&uri);
    for (name, _) in &pairs {
        if name != "seller_id" && name != "conversation_id" {
            return Err(invalid(format!(
                "unknown parameter {name}: use seller_id and/or conversation_id"
            )));
        }
    }
    let wanted = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let (seller_id, conversation_id) = (wanted("seller_id"), wanted("conversation_id"));
    let world = state.lock();
    let posted: Vec<Value> = world
        .allegro
        .inbox
        .posted
        .iter()
        .filter(|p| seller_id.as_ref().is_none_or(|s| &p.seller_id == s))
        .filter(|p| {
            conversation_id
                .as_ref()
                .is_none_or(|c| &p.conversation_id == c)
        })
        .map(posted_view)
        .collect();
    Ok(answer(StatusCode::OK, json!({ "posted": posted })))
}
