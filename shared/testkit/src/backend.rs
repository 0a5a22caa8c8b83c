//! The embedded backend (SQLite, file secrets, recording notifier) in a temporary directory,
//! and integrations seeded into it: the backend most service and adapter tests run on.

use chrono::{DateTime, Utc};
use marketdesk_core::domain::{ConnectionState, Environment, Integration, IntegrationKind};
use marketdesk_core::ports::{Clock, ManualClock, Ports, SystemClock};
use marketdesk_core::repo::integrations;
use marketdesk_local::LocalBackend;
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

/// A fresh backend on a manual clock set to `now`, and the clock (tests move it).
pub fn manual_backend(now: DateTime<Utc>) -> (TempBackend, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(now));
    (temp_backend_with_clock(clock.clone()), clock)
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
