//! The Mirakl seller API routes (`/api/...`) in one router.

use super::{account, attachments, orders, reasons, reply, threads};
use crate::state::SimulatorState;
use axum::routing::{get, post};
use axum::Router;

/// The Mirakl seller API routes (`/api/...`).
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/api/account", get(account::get_account))
        .route("/api/inbox/threads", get(threads::list_threads))
        .route("/api/inbox/threads/{id}", get(threads::get_thread))
        .route("/api/inbox/threads/{id}/message", post(reply::reply))
        .route(
            "/api/inbox/threads/{id}/download",
            get(attachments::download),
        )
        .route("/api/orders", get(orders::list_orders))
        .route("/api/reasons/{reason_type}", get(reasons::list_reasons))
}
