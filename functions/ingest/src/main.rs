//! Lambda `ingest`: turns conversation events into tickets, messages and customers.

mod handler;

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{run, service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), marketdesk_lambda::Error> {
    marketdesk_lambda::init_tracing();
    let ports = marketdesk_lambda::ports_from_env().await?;
    run(service_fn(|event: LambdaEvent<SqsEvent>| async {
        Ok::<_, marketdesk_lambda::Error>(handler::handle(&ports, event.payload).await)
    }))
    .await
}
