//! The offer command route of the OpenAPI document and its schemas (issue 18 items 4–5).
//! Generated from the handler in `routes/offer_commands.rs` and the types of
//! `core::domain::offer_command`.

use super::generated::generated;
use crate::routes::offer_commands;
use marketdesk_core::domain::offer_command::{OfferCommand, OfferOutcome};
use marketdesk_core::ports::offers::OfferChange;
use marketdesk_core::services::offer_commands::CommandsPage;
use serde_json::Value;

/// The offer command operation and the schemas it uses.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(offer_commands::list),
    components(schemas(OfferChange, OfferOutcome, OfferCommand, CommandsPage))
)]
struct OfferCommandsApi;

/// The document's names of the Rust types.
const RENAMES: &[(&str, &str)] = &[("CommandsPage", "OfferCommandPage")];

/// The paths.
pub(super) fn paths() -> Value {
    generated::<OfferCommandsApi>(RENAMES).0
}

/// The schemas.
pub(super) fn schemas() -> Value {
    generated::<OfferCommandsApi>(RENAMES).1
}
