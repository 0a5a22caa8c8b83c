//! Lambda `api`: the agent API behind API Gateway (HTTP API, payload 2.0).

use marketdesk_http::{router, AppState};

#[tokio::main]
async fn main() -> Result<(), marketdesk_lambda::Error> {
    marketdesk_lambda::init_tracing();
    let ports = marketdesk_lambda::ports_from_env().await?;
    lambda_http::run(router(AppState { ports })).await
}
