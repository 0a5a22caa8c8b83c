//! The OpenAPI 3.0 document of the API (`GET /v1/openapi.json`).
//!
//! The route tests hold it to the router: every route served is documented and every
//! documented route is served, and answers are checked against the documented schemas.
//!
//! Each module gives `paths()` and `schemas()`, merged below. Every module generates them
//! with utoipa 4.2 (OpenAPI 3.0.3; utoipa 5 writes 3.1) from the `#[utoipa::path]` attributes
//! of their handlers and the types' `ToSchema` / `IntoParams` (doc comments become
//! descriptions; a handler's first doc line is its summary). Still written as `json!`, where
//! utoipa 4 would change the shape: `ProductChange` and `ErpFeedItem` (flattened tagged enums),
//! `OrderUpdateKind`, and the workflow fields `workflow::extend` adds to `Ticket` and the
//! settings with the ticket list's workflow parameters (`workflow::ticket_list_parameters`).
//! [`generated::generated`] adds what every operation shares:
//! - no `security` on the path: protected — 401, 429, 500, 503 and the API key or session
//!   (`security(())` marks a public one); admin routes list `(status = 403, response = Forbidden)`;
//! - a request body: 400, 413, 415, 422;
//! - a path parameter that is a bare `String`: the id schema (`ids::is_well_formed`);
//! - query parameters are never `nullable` (utoipa says so of every `Option`);
//! - the Rust type names in the module's rename list become the document's schema names.
//!
//! Error answers are `components/responses` ([`error_responses`]), named by marker types:
//! `(status = 404, response = NotFound)`. `paths()` below then adds 403 to writes (CSRF) and 414.
//!
//! To convert a module (`offers.rs` is the example):
//! 1. Derive `utoipa::ToSchema` on the answer and body types (in core:
//!    `#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]`), `IntoParams` with
//!    `into_params(parameter_in = Query)` on query types; `schema(...)`/`param(...)` for what
//!    serde cannot say: `required = true` on an always-present `Option` or `serde(default)`
//!    field, `nullable = false` on a `skip_serializing_if` one, `inline` on a field's enum,
//!    `minimum`/`min_length`/`pattern`/`max_items`, `value_type = String` on id newtypes.
//! 2. On each handler in `routes/`, a doc comment and `#[utoipa::path(method, path, operation_id,
//!    tag, params(("id" = String, Path, description = ...), TheQuery), request_body = T,
//!    responses((status = 200, description, body = T), (status = 404, response = NotFound)))]`.
//! 3. In the module: `#[derive(utoipa::OpenApi)] #[openapi(paths(...), components(schemas(...)))]`
//!    and `paths()` / `schemas()` returning `generated::<TheApi>(RENAMES).0` / `.1`.
//! 4. Delete its `json!`; compare the module's paths and schemas with the document before.
//!    Run `--test openapi` and the module's route tests (answers are checked against it).
//!
//! Pitfalls: utoipa 4 names a `$ref` by the type as written (`body = a::T` refers to `a.T`), so
//! import the types; give every path a `tag` (else it is the handler's module path); a tagged
//! enum becomes `oneOf` its variants (the tests' answer checker understands it). `required = false` cannot make a
//! non-`Option` field optional; `min_length = 0` is refused; `pattern` takes a literal only; a
//! `Vec`'s other schema features (`format`, `max_length`, `minimum`) apply to its items;
//! `Vec<u8>` is a binary string (`value_type = Vec<u32>` for numbers); `body = T` only names
//! `T` (nothing checks it exists: list it in `components`). `serde(deny_unknown_fields)`
//! gives `additionalProperties: false`; answers that need it get it in their module.
//! utoipa 4 drops the doc comment of a field that is a `$ref` or an inlined type: the module's
//! `REF_DESCRIPTIONS` puts it back ([`generated::describe_refs`]). A `serde(flatten)` field becomes an `allOf` (a flattened tagged enum one whose
//! fields the checker cannot see: `ProductChange`, `ErpFeedItem` stay `json!`). A map whose
//! values have a pattern, or text with fixed values: `schema_with` a function in core under the
//! feature (`product::prices_schema`). `tag` takes one tag: set a second on the path's `Value`.

use serde_json::{json, Value};

mod account_events;
mod api_keys;
mod catalogue;
mod crm;
mod erp;
mod events;
pub(crate) mod generated;
mod health;
mod integrations;
mod oauth;
mod offer_commands;
mod offers;
mod order_updates;
mod orders;
mod people;
mod public_health;
mod replies;
mod search;
mod tickets;
mod workflow;

pub(crate) fn reference(schema: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{schema}") })
}

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

pub(crate) fn error(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

/// The schema of every id in a path; others answer 404 (`marketdesk_core::ids::is_well_formed`).
pub(crate) fn id_schema() -> Value {
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": marketdesk_core::ids::MAX_ID_LEN,
        "pattern": "^[A-Za-z0-9_-]+$"
    })
}

pub(crate) fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn paths() -> Value {
    let mut all = serde_json::Map::new();
    for part in [
        public_health::paths(),
        tickets::paths(),
        api_keys::paths(),
        oauth::paths(),
        integrations::paths(),
        replies::paths(),
        people::paths(),
        crm::paths(),
        workflow::paths(),
        events::paths(),
        search::paths(),
        health::paths(),
        orders::paths(),
        catalogue::paths(),
        erp::paths(),
        account_events::paths(),
        offer_commands::paths(),
        order_updates::paths(),
        offers::paths(),
    ] {
        if let Value::Object(map) = part {
            // A path may get operations from several modules (GET and PATCH of a ticket).
            for (path, operations) in map {
                match (all.get_mut(&path), operations) {
                    (Some(Value::Object(known)), Value::Object(more)) => known.extend(more),
                    (_, operations) => {
                        all.insert(path, operations);
                    }
                }
            }
        }
    }
    // Writes made with a session cookie need the CSRF token: 403 `csrf_failed` without it.
    for operations in all.values_mut() {
        if let Value::Object(operations) = operations {
            for (method, operation) in operations.iter_mut() {
                let needs_credentials = operation["security"] != json!([]);
                if method != "get" && needs_credentials {
                    operation["responses"]["403"] = error("Forbidden");
                }
            }
        }
    }
    // Any request target over the limit is refused before routing.
    for operation in all
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
    {
        operation["responses"]["414"] = error("UriTooLong");
    }
    Value::Object(all)
}

fn error_responses() -> Value {
    let answer = |description: &str| json!({ "description": description, "content": json_content(reference("Error")) });
    json!({
        "Unauthorized": answer("No `Authorization: Bearer <key>` header or session cookie, a key nobody issued, or a session that has ended (code `unauthorized`)."),
        "Forbidden": answer("The caller's role may not do this: admin routes refuse agents (code `forbidden`); or a write made with the session cookie lacks the session's `X-CSRF-Token` (code `csrf_failed`)."),
        "InvalidCredentials": answer("The e-mail address or the password is wrong (code `invalid_credentials`); the same answer whether or not the account exists or is active."),
        "TooManyAttempts": {
            "description": "Too many failed sign-ins for this address or from this client (code `too_many_attempts`); `Retry-After` says in how many seconds to try again.",
            "headers": { "Retry-After": { "schema": { "type": "integer" }, "description": "Seconds to wait." } },
            "content": json_content(reference("Error"))
        },
        "TooManyRequests": {
            "description": "Too many wrong API keys from this client address (code `too_many_requests`): every request that needs a key is refused until `Retry-After` seconds have passed. Each address may send 10 wrong keys at once, then one more every 6 seconds.",
            "headers": { "Retry-After": { "description": "Seconds to wait.", "schema": { "type": "integer", "minimum": 1 } } },
            "content": json_content(reference("Error"))
        },
        "NotFound": answer("No such item in the caller's tenant; other tenants' ids are not found either, nor are malformed ids (anything but 1 to 128 ASCII letters, digits, `-` and `_`) (code `not_found`)."),
        "Conflict": answer("The item kept changing meanwhile; try again (code `conflict`)."),
        "LastAdminKey": answer("The key is the tenant's last admin key (code `last_admin_key`), or the tenant's keys kept changing meanwhile (code `conflict`)."),
        "NotConfigured": answer("This deployment has no Allegro application or public callback URL configured (code `not_configured`)."),
        "WrongState": answer("Not possible in the current state; the code says which: `conversation_closed` (only internal comments are possible), `reply_not_failed`, `account_disconnected`, `attachment_unavailable`, `marketplace_not_configured`; people: `last_admin` (the tenant's last active admin cannot be demoted or deactivated), `invalid_link` (an invitation or reset link unknown, used or expired), `not_configured` (no public URL for e-mailed links), `not_signed_in` (the route needs a session, not an API key), `invitation_accepted`, `user_inactive`; webhooks: `too_many_webhooks`; or `conflict` when an address already has an account."),
        "MarketplaceRefused": answer("The marketplace refused the request (code `marketplace_refused`)."),
        "InvalidJson": answer("The body is not JSON (code `invalid_json`), repeats a key within an object (`duplicate_key`, `field` names it) or cannot be read (`invalid_body`)."),
        "PayloadTooLarge": answer("The body is larger than 16 MiB (code `payload_too_large`)."),
        "UriTooLong": answer("The path and query string are longer than 8 KiB (code `uri_too_long`)."),
        "UnsupportedMediaType": answer("The body is not sent as `application/json` (code `unsupported_media_type`)."),
        "ValidationFailed": answer("A field or parameter breaks a rule, is unknown or missing; `field` names it, e.g. `settings.autoresponder.delay_minutes` (code `validation_failed`, or a rule's own code such as `orders_from_too_early`). A body that is not a JSON object answers code `body_not_object`; an array where an object belongs is a `validation_failed` naming the field."),
        "Internal": answer("An internal error; details are logged, not returned (code `internal`)."),
        "Unavailable": answer("A backing service (store, secrets, marketplace) is unavailable; try again shortly (code `unavailable`).")
    })
}

pub(crate) fn string() -> Value {
    json!({ "type": "string" })
}

pub(crate) fn nullable_string() -> Value {
    json!({ "type": "string", "nullable": true })
}

pub(crate) fn time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

pub(crate) fn object(required: &[&str], properties: Value) -> Value {
    let mut schema = json!({ "type": "object", "properties": properties });
    // OpenAPI 3.0 wants `required` absent rather than empty.
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

fn enumeration(values: &[&str]) -> Value {
    json!({ "type": "string", "enum": values })
}

fn schemas() -> Value {
    let mut all = serde_json::Map::new();
    for part in [
        public_health::schemas(),
        tickets::schemas(),
        api_keys::schemas(),
        oauth::schemas(),
        integrations::schemas(),
        replies::schemas(),
        people::schemas(),
        crm::schemas(),
        workflow::schemas(),
        events::schemas(),
        search::schemas(),
        health::schemas(),
        orders::schemas(),
        catalogue::schemas(),
        erp::schemas(),
        account_events::schemas(),
        offer_commands::schemas(),
        order_updates::schemas(),
        offers::schemas(),
    ] {
        if let Value::Object(map) = part {
            all.extend(map);
        }
    }
    workflow::extend(&mut all);
    Value::Object(all)
}

/// The OpenAPI 3.0 document of every route.
pub fn document() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "marketdesk agent API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Allegro and EmpikPlace buyer conversations as tickets, with a CRM. Every route but /v1/health, sign-in, invitation acceptance and password resets needs `Authorization: Bearer <API key>` (programs) or the session cookie of a signed-in person (writes then need `X-CSRF-Token`); a caller reaches only its own tenant's data. Errors answer `{\"error\": {\"code\", \"message\", \"field\"?}}`. Request bodies are JSON (at most 16 MiB) and refuse unknown fields."
        },
        "servers": [{ "url": "/" }],
        "tags": [
            { "name": "health" }, { "name": "meta" }, { "name": "api-keys" },
            { "name": "integrations" }, { "name": "tickets" }, { "name": "customers" }, { "name": "saved-replies" }, { "name": "people" },
            { "name": "audit" }, { "name": "webhooks" }, { "name": "orders" }, { "name": "catalogue" }, { "name": "offers" }, { "name": "erp" }
        ],
        "paths": paths(),
        "components": {
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key (`mdk_…`) from `marketdesk api-key create` or `POST /v1/api-keys`."
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "md_session",
                    "description": "The session cookie set by `POST /v1/sessions`. Writes need the session's CSRF token in `X-CSRF-Token`."
                }
            },
            "responses": error_responses(),
            "schemas": schemas()
        },
        "security": [{ "apiKey": [] }]
    })
}
