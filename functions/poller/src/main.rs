//! Lambda `poller`: reads one marketplace inbox per poll job and queues what it found.

mod handler;

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{run, service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), marketdesk_lambda::Error> {
    marketdesk_lambda::init_tracing();
    let deps = handler::Deps::new(marketdesk_lambda::ports_from_env().await?);
    run(service_fn(|event: LambdaEvent<SqsEvent>| async {
        Ok::<_, marketdesk_lambda::Error>(handler::handle(&deps, event.payload).await)
    }))
    .await
}
