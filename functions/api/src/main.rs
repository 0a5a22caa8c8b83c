//! Lambda `api`: the agent API behind API Gateway (HTTP API, payload 2.0).

use marketdesk_http::{router, AppState};

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
        .with_deliveries(channels.deliveries);
    lambda_http::run(router(state)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    /// Feeds the sample API Gateway (HTTP API v2) event through lambda_http's decoding into the router.
    #[tokio::test]
    async fn sample_gateway_event_reaches_the_health_route() {
        let backend = marketdesk_local::testkit::temp_backend();
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
}
