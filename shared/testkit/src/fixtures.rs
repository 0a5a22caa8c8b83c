//! Fixtures of the service tests (core's `shared/core/tests` and the cross-crate `tests/`): an
//! embedded backend in a temp dir on a manual clock set to [`start`], with the recording
//! notifier kept; integrations, inbound disputes and messages, agents.

use chrono::{DateTime, Duration, Utc};
use marketdesk_core::domain::{
    AuthorKind, ConnectionState, ConversationKind, ConversationRef, Environment, Integration,
    IntegrationSettings, Marketplace,
};
use marketdesk_core::domain::{Language, Role, User};
use marketdesk_core::ids::{IntegrationId, TenantId, UserId};
use marketdesk_core::jobs::{InboundEvent, InboundMessage};
use marketdesk_core::ports::{ManualClock, Ports, Queue, QueueMessage};
use marketdesk_core::repo::integrations;
use marketdesk_core::repo::users::{self, StoredUser};
use std::sync::Arc;

/// A fresh embedded backend on a manual clock; its temporary directory goes when it is dropped.
pub struct Backend {
    /// Every port, on the temporary database.
    pub ports: Ports,
    /// The clock of every port; tests move it.
    pub clock: Arc<ManualClock>,
    /// What the notifier was asked to send (e-mails, alerts).
    pub notifier: Arc<marketdesk_local::RecordingNotifier>,
    _dir: tempfile::TempDir,
}

/// When every fixture's clock starts: 2026-11-22 09:00 UTC.
pub fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T09:00:00Z")
        .expect("valid")
        .with_timezone(&Utc)
}

impl Backend {
    /// The data directory (database, secrets file), e.g. to check what is stored on disk.
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }
}

/// A fresh embedded backend whose clock reads [`start`].
pub fn backend() -> Backend {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(start()));
    let local =
        marketdesk_local::LocalBackend::build(dir.path(), clock.clone()).expect("backend opens");
    Backend {
        ports: local.ports(),
        notifier: local.notifier.clone(),
        clock,
        _dir: dir,
    }
}

/// An integration of `tenant` (not stored) with a CRM field, a queue and a category set.
pub fn integration(
    tenant: &str,
    kind: Marketplace,
    active: bool,
    connection: ConnectionState,
) -> Integration {
    Integration {
        id: IntegrationId::generate(),
        tenant_id: TenantId::from(tenant),
        kind,
        display_name: "Sklep Testowy".into(),
        environment: Environment::Sandbox,
        active,
        connection,
        settings: IntegrationSettings {
            crm_field: "Allegro login".into(),
            ticket_queue: Some("Allegro".into()),
            ticket_category: Some("Reklamacje".into()),
            ..IntegrationSettings::default()
        },
        created_at: start(),
        enabled_at: start(),
    }
}

/// Stores an active, connected Allegro integration of `tenant`.
pub async fn connected_allegro(ports: &Ports, tenant: &str) -> Integration {
    let i = integration(
        tenant,
        Marketplace::Allegro,
        true,
        ConnectionState::Connected,
    );
    integrations::create(&*ports.store, &i)
        .await
        .expect("create integration");
    i
}

/// An inbound message `minutes` after [`start`].
pub fn message(id: &str, author: AuthorKind, text: &str, minutes: i64) -> InboundMessage {
    InboundMessage {
        external_id: id.into(),
        author,
        author_name: None,
        text: text.into(),
        attachments: Vec::new(),
        created_at: start() + Duration::minutes(minutes),
    }
}

/// An open Allegro dispute read from the marketplace with `status` and `messages`.
pub fn dispute(
    integration: &Integration,
    external_id: &str,
    status: &str,
    messages: Vec<InboundMessage>,
) -> InboundEvent {
    InboundEvent {
        tenant_id: integration.tenant_id.clone(),
        integration_id: integration.id.clone(),
        conversation: ConversationRef {
            kind: ConversationKind::AllegroDispute,
            external_id: external_id.into(),
        },
        subject: "Przedmiot uszkodzony".into(),
        marketplace_status: status.into(),
        open_for_replies: true,
        buyer_login: "jan_kowalski".into(),
        buyer_name: Some("Jan Kowalski".into()),
        buyer_emails: vec![
            "jan8x2+a1b2@allegromail.pl".into(),
            "jan8x2@allegromail.pl".into(),
        ],
        order_id: Some("29b3a4c0-1111-11ef-8000-000000000001".into()),
        panel: Default::default(),
        shop_reply_needed_since: None,
        messages,
    }
}

/// Receives everything currently visible on a queue (the embedded queue answers at once).
pub async fn drain(queue: &dyn Queue) -> Vec<QueueMessage> {
    let mut all = Vec::new();
    loop {
        let batch = queue
            .receive(10, std::time::Duration::from_secs(60))
            .await
            .expect("receive");
        if batch.is_empty() {
            return all;
        }
        all.extend(batch);
    }
}

/// Stores an agent of `tenant` named `name` (e-mail `<name>@sklep.pl`, lower case).
pub async fn add_user(b: &Backend, tenant: &str, name: &str, active: bool) -> UserId {
    let id = UserId::generate();
    let stored = StoredUser {
        user: User {
            id: id.clone(),
            tenant_id: TenantId::from(tenant),
            email: format!("{}@sklep.pl", name.to_lowercase()),
            name: name.into(),
            role: Role::Agent,
            language: Language::Pl,
            active,
            invitation_pending: false,
            created_at: start(),
            updated_at: start(),
            created_by: None,
            updated_by: None,
        },
        password_hash: None,
        session_generation: 0,
        reset_sent_at: None,
    };
    users::create(&*b.ports.store, &stored)
        .await
        .expect("user stored");
    id
}
