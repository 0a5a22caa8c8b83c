//! Lambda `token-refresher`: every hour, looks after the Allegro token pairs.

mod handler;

use lambda_runtime::{run, service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), marketdesk_lambda::Error> {
    marketdesk_lambda::init_tracing();
    let ports = marketdesk_lambda::ports_from_env().await?;
    let channels = marketdesk_lambda::channels_from_env(&ports).await?;
    run(service_fn(|event: LambdaEvent<handler::ScheduledEvent>| {
        marketdesk_lambda::emf::flushing(handler::handle(&ports, &channels, event.payload))
    }))
    .await
}
