//! Lambda `api`: the agent API behind API Gateway (HTTP API, payload 2.0).

use lambda_http::request::RequestContext;
use lambda_http::RequestExt;
use marketdesk_http::{router, AppState, ClientAddr};

#[tokio::main]
async fn main() -> Result<(), marketdesk_lambda::Error> {
    marketdesk_lambda::init_tracing();
    let ports = marketdesk_lambda::ports_from_env().await?;
    let channels = marketdesk_lambda::channels_from_env(&ports).await?;
    let people = marketdesk_core::services::people::PeopleSettings::from_env(
        &marketdesk_core::config::Env::from_process(),
    )?;
    let state = AppState::new(ports)
        .with_people(people)
        .with_connector(channels.connector)
        .with_credential_check(channels.key_check)
        .with_deliveries(channels.deliveries)
        .with_webhooks(channels.webhooks, channels.webhook_settings);
    let api = tower::ServiceBuilder::new()
        .map_request(with_client_addr)
        // The answer is complete here (axum buffers it): write the request's metrics.
        .map_response(|response| {
            marketdesk_lambda::emf::flush();
            response
        })
        .service(router(state));
    lambda_http::run(api).await
}

/// Names the client for the API's failed-authentication throttling: API Gateway's
/// `requestContext.http.sourceIp` (the TCP peer it saw; `X-Forwarded-For` is the client's
/// own claim and is not used).
fn with_client_addr(mut request: lambda_http::Request) -> lambda_http::Request {
    let source = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context
            .http
            .source_ip
            .as_deref()
            .and_then(|ip| ip.parse().ok()),
        _ => None,
    };
    if let Some(addr) = source {
        request.extensions_mut().insert(ClientAddr(addr));
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    /// Feeds the sample API Gateway (HTTP API v2) event through lambda_http's decoding into the router.
    #[tokio::test]
    async fn sample_gateway_event_reaches_the_health_route() {
        let backend = marketdesk_testkit::backend::temp_backend();
        let request =
            lambda_http::request::from_str(include_str!("../../../events/api-health.json"))
                .expect("events/api-health.json is an API Gateway v2 event");
        let (parts, body) = request.into_parts();
        let request = axum::http::Request::from_parts(parts, axum::body::Body::from(body.to_vec()));
        assert_eq!(request.uri().path(), "/v1/health");

        let response = router(AppState::new(backend.ports.clone()))
            .oneshot(request)
            .await
            .expect("router answers");
        assert_eq!(response.status(), 200);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(json["status"], "ok");
    }

    /// The sample event asking for the ticket list with a wrong key, from `source_ip`.
    fn wrong_key_event(source_ip: &str) -> lambda_http::Request {
        let mut event: serde_json::Value =
            serde_json::from_str(include_str!("../../../events/api-health.json")).expect("JSON");
        event["rawPath"] = "/v1/tickets".into();
        event["requestContext"]["http"]["path"] = "/v1/tickets".into();
        event["requestContext"]["http"]["sourceIp"] = source_ip.into();
        event["headers"]["authorization"] = format!("Bearer mdk_{}", "x".repeat(43)).into();
        lambda_http::request::from_str(&event.to_string()).expect("an API Gateway v2 event")
    }

    /// API Gateway's sourceIp names the client whose failed authentications are throttled.
    #[tokio::test]
    async fn wrong_keys_are_throttled_per_gateway_source_ip() {
        let backend = marketdesk_testkit::backend::temp_backend();
        let api = tower::ServiceBuilder::new()
            .map_request(with_client_addr)
            .service(router(AppState::new(backend.ports.clone())));
        let status = |source_ip: &'static str| {
            let api = api.clone();
            async move {
                api.oneshot(wrong_key_event(source_ip))
                    .await
                    .expect("answer")
                    .status()
                    .as_u16()
            }
        };
        let burst = marketdesk_http::AuthThrottle::default().burst();
        for _ in 0..burst {
            assert_eq!(status("203.0.113.10").await, 401);
        }
        assert_eq!(status("203.0.113.10").await, 429);
        assert_eq!(status("198.51.100.7").await, 401, "another client");
    }
}
