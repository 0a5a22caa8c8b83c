//! The integration routes of the OpenAPI document: marketplace accounts with their settings
//! (the request bodies say every rule the settings are checked by). Generated from the
//! handlers in `routes/integrations.rs` and the types of `core::domain::integration` and
//! `core::services::integrations`; `settings.sla` comes from `workflow.rs`.

use super::generated::{describe_refs, generated};
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

/// Descriptions of fields that are a `$ref`, which utoipa 4 drops (see `describe_refs`).
const REF_DESCRIPTIONS: &[(&str, &str, &str)] = &[
    (
        "AutoresponderPatch",
        "business_hours",
        "When set with `out_of_hours_text`, buyers writing outside these hours get that text.",
    ),
    (
        "ErpPatch",
        "customers",
        "`none` (default: orders go to the ERP with the unspecified customer), `all` (every buyer's card) or `with_nip` (only cards with a NIP). Allegro accounts only; another value is refused with 422 naming `settings.erp.customers`.",
    ),
    (
        "SettingsPatch",
        "offers",
        "Allegro accounts only (422 naming `settings.offers` otherwise).",
    ),
];

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
    describe_refs(&mut schemas, REF_DESCRIPTIONS);
    schemas
}
