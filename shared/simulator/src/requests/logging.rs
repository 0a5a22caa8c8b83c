//! The middleware that writes the request log (`requests::RequestLog`).

use super::LoggedRequest;
use crate::state::SimulatorState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// Middleware logging every call outside `/__simulator` with the status it got. It wraps the
/// fault injection, so a faulted call is logged with the fault's status.
pub async fn record(State(state): State<SimulatorState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/__simulator") {
        return next.run(request).await;
    }
    let method = request.method().as_str().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let response = next.run(request).await;
    let mut world = state.lock();
    let at = world.clock.now();
    world.requests.push(LoggedRequest {
        seq: 0,
        method,
        path,
        query,
        status: response.status().as_u16(),
        at,
    });
    response
}
