//! The middleware that fires armed faults (`faults::Faults`) before a request reaches its
//! handler, answering in the marketplace's own error format.

use super::FaultKind;
use crate::state::SimulatorState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::time::Duration;

/// Middleware firing armed faults before the request reaches its handler.
pub async fn inject(State(state): State<SimulatorState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/__simulator") {
        return next.run(request).await;
    }
    let fault = state.lock().faults.take(request.method().as_str(), &path);
    let mirakl = path.starts_with("/api/");
    match fault {
        None => next.run(request).await,
        Some(FaultKind::TooManyRequests {
            retry_after_seconds,
        }) => {
            let mut response = marketplace_error(
                mirakl,
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequestsException",
                "Too many requests",
            );
            if let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Some(FaultKind::ServerError) => server_error(mirakl),
        Some(FaultKind::ServerErrorAfterProcessing) => {
            // The handler's effects stay; only its answer is lost.
            drop(next.run(request).await);
            server_error(mirakl)
        }
        Some(FaultKind::Timeout { hang_ms }) => {
            tokio::time::sleep(Duration::from_millis(hang_ms)).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        Some(FaultKind::MalformedJson) => Response::builder()
            .status(StatusCode::OK)
            .header(
                header::CONTENT_TYPE,
                if mirakl {
                    "application/json"
                } else {
                    crate::allegro::PUBLIC_JSON
                },
            )
            .body(Body::from("{\"truncated\": [1, 2"))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
    }
}

fn server_error(mirakl: bool) -> Response {
    marketplace_error(
        mirakl,
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_SERVER_ERROR",
        "Internal server error.",
    )
}

fn marketplace_error(mirakl: bool, status: StatusCode, code: &str, message: &str) -> Response {
    if mirakl {
        (
            status,
            axum::Json(json!({ "status": status.as_u16(), "message": message })),
        )
            .into_response()
    } else {
        crate::allegro::errors::errors_holder(status, code, message, None)
    }
}
