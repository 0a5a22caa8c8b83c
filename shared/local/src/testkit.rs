//! Helpers for other crates' tests (feature `testkit`): a real embedded backend in a
//! temporary directory, and integrations seeded into it.

use crate::LocalBackend;
use chrono::Utc;
use marketdesk_core::domain::{ConnectionState, Environment, Integration, IntegrationKind};
use marketdesk_core::ports::{Clock, Ports, SystemClock};
use marketdesk_core::repo::integrations;
use std::sync::Arc;

/// Every port on SQLite in a temporary directory, removed when this is dropped.
pub struct TempBackend {
    /// The ports.
    pub ports: Ports,
    /// The directory holding the data; kept alive with the backend.
    pub dir: tempfile::TempDir,
}

/// A fresh backend on the system clock.
pub fn temp_backend() -> TempBackend {
    temp_backend_with_clock(Arc::new(SystemClock))
}

/// A fresh backend on the given clock.
pub fn temp_backend_with_clock(clock: Arc<dyn Clock>) -> TempBackend {
    let dir = tempfile::tempdir().expect("a temporary directory for the test backend");
    let ports = LocalBackend::open(dir.path(), clock).expect("the test backend opens");
    TempBackend { ports, dir }
}

/// Stores an active integration with working credentials (what the scheduler polls).
pub async fn seed_connected_integration(
    ports: &Ports,
    tenant: &str,
    id: &str,
    kind: IntegrationKind,
) -> Integration {
    let mut integration = Integration::new(
        id.into(),
        tenant.into(),
        kind,
        format!("{kind:?} {id}"),
        Environment::Sandbox,
        Utc::now(),
    );
    integration.connection = ConnectionState::Connected;
    integrations::create(&*ports.store, &integration)
        .await
        .expect("the test integration is stored");
    integration
}
