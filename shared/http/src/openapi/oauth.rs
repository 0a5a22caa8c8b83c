//! The Allegro connection routes of the OpenAPI document: the authorization and device flows
//! (admin) and the browser's return (public), and the document's own route. Generated from
//! the handlers in `routes/oauth.rs` and `routes/openapi.rs`.

use super::generated::generated;
use crate::routes::oauth::{self, AuthorizeUrl};
use crate::routes::openapi;
use marketdesk_core::ports::DeviceAuthorizationInfo;
use serde_json::{json, Value};

/// The OAuth operations, the document's route and the schemas they use.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(oauth::callback, oauth::start, oauth::device, openapi::document),
    components(schemas(AuthorizeUrl, DeviceAuthorizationInfo))
)]
struct OauthApi;

/// The document's names of the Rust types.
const RENAMES: &[(&str, &str)] = &[("DeviceAuthorizationInfo", "DeviceAuthorization")];

/// The paths.
pub(super) fn paths() -> Value {
    generated::<OauthApi>(RENAMES).0
}

/// The schemas: answers that carry no other fields.
pub(super) fn schemas() -> Value {
    let mut schemas = generated::<OauthApi>(RENAMES).1;
    for name in ["AuthorizeUrl", "DeviceAuthorization"] {
        if let Some(schema) = schemas.get_mut(name) {
            schema["additionalProperties"] = json!(false);
        }
    }
    schemas
}
