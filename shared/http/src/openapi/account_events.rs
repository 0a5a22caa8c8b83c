//! The account event log route of the OpenAPI document and its schemas (issue 17 item 5).
//! Generated from the handler in `routes/account_events.rs` and the types of
//! `core::domain::account_event` and `core::services::account_log`.

use super::generated::generated;
use crate::routes::account_events;
use marketdesk_core::domain::account_event::{AccountEvent, AccountEventKind};
use marketdesk_core::services::account_log::EventsPage;
use serde_json::Value;

/// The account event log operation and the schemas it uses.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(account_events::list),
    components(schemas(AccountEventKind, AccountEvent, EventsPage))
)]
struct AccountEventsApi;

/// The document's names of the Rust types.
const RENAMES: &[(&str, &str)] = &[("EventsPage", "AccountEventPage")];

/// The paths.
pub(super) fn paths() -> Value {
    generated::<AccountEventsApi>(RENAMES).0
}

/// The schemas.
pub(super) fn schemas() -> Value {
    generated::<AccountEventsApi>(RENAMES).1
}
