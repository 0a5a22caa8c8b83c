//! Lambda `token-refresher`: every hour, looks after the Allegro token pairs.

mod handler;

use lambda_runtime::{run, service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), marketdesk_lambda::Error> {
    marketdesk_lambda::init_tracing();
    let ports = marketdesk_lambda::ports_from_env().await?;
    run(service_fn(|event: LambdaEvent<handler::ScheduledEvent>| {
        handler::handle(&ports, event.payload)
    }))
    .await
}
