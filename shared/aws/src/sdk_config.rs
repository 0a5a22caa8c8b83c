//! The default AWS SDK configuration, loaded once per process (a Lambda cold start): the
//! adapters and the Allegro application secret share it instead of each resolving region and
//! credentials again.

use aws_config::{BehaviorVersion, SdkConfig};
use tokio::sync::OnceCell;

static SHARED: OnceCell<SdkConfig> = OnceCell::const_new();

/// The default configuration (region, credentials, endpoint overrides such as
/// `AWS_ENDPOINT_URL_DYNAMODB`), loaded on the first call; later calls get the same one.
pub async fn shared() -> SdkConfig {
    SHARED
        .get_or_init(|| aws_config::load_defaults(BehaviorVersion::latest()))
        .await
        .clone()
}
