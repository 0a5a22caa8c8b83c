//! A change of an integration's connection (connected, re-authenticated, disconnected), kept in
//! both logs it belongs to: the account's event log (`services::account_log`) and the audit log
//! (`services::audit`). Above both, so neither log module depends on the other.

use super::{account_log, audit};
use crate::domain::{Actor, ConnectionState, Integration, Subject, SubjectKind};
use crate::ports::Ports;

/// Records a change of an integration's connection (OAuth connected or re-authenticated, a
/// refused token disconnected it) in the account log and, with the connection before and
/// after, in the audit log. `actor` is `None` for the marketplace's OAuth redirect and the
/// token refresher.
pub async fn record(
    ports: &Ports,
    before: &Integration,
    after: &Integration,
    actor: Option<&Actor>,
) {
    let action = match (&before.connection, &after.connection) {
        (_, ConnectionState::Disconnected { .. }) => audit::actions::INTEGRATION_DISCONNECTED,
        (ConnectionState::Pending, ConnectionState::Connected) => {
            audit::actions::INTEGRATION_CONNECTED
        }
        (_, ConnectionState::Connected) => audit::actions::INTEGRATION_REAUTHENTICATED,
        _ => return,
    };
    account_log::connection_changed(ports, before, after).await;
    let state = |i: &Integration| serde_json::json!({ "connection": i.connection, "display_name": i.display_name });
    audit::record(
        ports,
        &after.tenant_id,
        actor,
        action,
        Subject::new(SubjectKind::Integration, &after.id),
        Some(state(before)),
        Some(state(after)),
    )
    .await;
}
