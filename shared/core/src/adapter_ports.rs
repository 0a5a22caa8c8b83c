//! The narrow ports the core lends marketplace adapters, built over the [`Ports`] bundle by
//! the composition root (`channels::wiring`). Each is a trait object of [`crate::ports`], so an
//! adapter crate names no service or repository: it gets a clock, an access-token provider
//! (which also says what to do after a 401), the stored API keys and the request budget, and
//! nothing else. Its test (`channels/tests/pure_adapter.rs`) holds it to that.

use crate::ports::{
    AccessTokens, AccountConnector, ApiKeys, CallBudget, OAuthProvider, Ports, TokenRefresher,
};
use crate::services::account_access::{StoredAccessTokens, StoredApiKeys};
use crate::services::budget::Budget;
use crate::services::connect::OAuthConnector;
use std::sync::Arc;

/// The request budget shared by every worker, waiting at most the default time for a slot.
pub fn call_budget(ports: &Ports) -> Arc<dyn CallBudget> {
    Arc::new(Budget::new(ports.budget.clone(), ports.clock.clone()))
}

/// The access tokens of OAuth accounts, refreshed with `refresher` under the core's lease.
pub fn access_tokens(ports: &Ports, refresher: Arc<dyn TokenRefresher>) -> Arc<dyn AccessTokens> {
    Arc::new(StoredAccessTokens::new(ports.clone(), refresher))
}

/// The stored API keys of key-authenticated accounts (EmpikPlace shops).
pub fn api_keys(ports: &Ports) -> Arc<dyn ApiKeys> {
    Arc::new(StoredApiKeys::new(ports.clone()))
}

/// The API's account connector over a marketplace's OAuth side, sending browsers back to
/// `redirect_uri` (`None`: device flow only).
pub fn oauth_connector(
    provider: Arc<dyn OAuthProvider>,
    redirect_uri: Option<String>,
) -> Arc<dyn AccountConnector> {
    Arc::new(OAuthConnector::new(provider, redirect_uri))
}
