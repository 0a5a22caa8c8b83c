//! The integration routes of the OpenAPI document: marketplace accounts with their settings
//! (the request bodies say every rule the settings are checked by). Generated from the
//! handlers in `routes/integrations.rs` and the types of `core::domain::integration` and
//! `core::services::integrations`; `settings.sla` comes from `workflow.rs`.

use super::generated::generated;
use crate::error::ErrorBody;
use crate::routes::integrations::{self, IntegrationList};
use marketdesk_core::domain::business_hours::BusinessHours;
use marketdesk_core::domain::integration::{
    AutoresponderSettings, ConnectionState, Environment, Integration, IntegrationSettings,
    StatusMapping,
};
use marketdesk_core::domain::offer::OfferSettings;
use marketdesk_core::domain::Marketplace;
use marketdesk_core::services::integrations::{
    AutoresponderPatch, ErpPatch, IntegrationPatch, NewIntegration, OrdersPatch, SettingsPatch,
    StatusMappingPatch,
};
use marketdesk_core::services::offer_settings::OffersPatch;
use serde_json::{json, Value};

/// The integration operations and the schemas they use.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        integrations::create,
        integrations::list,
        integrations::get,
        integrations::update,
        integrations::delete
    ),
    components(schemas(
        ErrorBody,
        Marketplace,
        Environment,
        ConnectionState,
        StatusMapping,
        AutoresponderSettings,
        BusinessHours,
        IntegrationSettings,
        OfferSettings,
        Integration,
        IntegrationList,
        NewIntegration,
        IntegrationPatch,
        SettingsPatch,
        StatusMappingPatch,
        AutoresponderPatch,
        OrdersPatch,
        ErpPatch,
        OffersPatch
    ))
)]
struct IntegrationsApi;

/// The document's names of the Rust types.
const RENAMES: &[(&str, &str)] = &[("Marketplace", "IntegrationKind"), ("ErrorBody", "Error")];

/// The paths.
pub(super) fn paths() -> Value {
    generated::<IntegrationsApi>(RENAMES).0
}

/// The schemas.
pub(super) fn schemas() -> Value {
    let mut schemas = generated::<IntegrationsApi>(RENAMES).1;
    // Answers carry no other fields; serde cannot say so of types that must keep reading
    // what older versions stored.
    if let Some(settings) = schemas.get_mut("IntegrationSettings") {
        for part in ["orders", "erp"] {
            settings["properties"][part]["additionalProperties"] = json!(false);
        }
    }
    if let Some(offers) = schemas.get_mut("OfferSettings") {
        offers["additionalProperties"] = json!(false);
    }
    schemas
}
