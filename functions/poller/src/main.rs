//! Lambda `poller`: reads one marketplace inbox per poll job and queues what it found.

mod handler;

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{run, service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), marketdesk_lambda::Error> {
    marketdesk_lambda::init_tracing();
    let ports = marketdesk_lambda::ports_from_env().await?;
    let channels = marketdesk_lambda::channels_from_env(&ports).await?;
    let deps = handler::Deps::new(ports, channels.registry).with_polling(channels.polling);
    run(service_fn(|event: LambdaEvent<SqsEvent>| async {
        Ok::<_, marketdesk_lambda::Error>(handler::handle(&deps, event.payload).await)
    }))
    .await
}
