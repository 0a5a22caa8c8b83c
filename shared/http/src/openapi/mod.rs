//! The OpenAPI 3.0 document of the API (`GET /v1/openapi.json`).
//!
//! The route tests hold it to the router: every route served is documented and every
//! documented route is served, and answers are checked against the documented schemas.
//!
//! Each module gives `paths()` and `schemas()`, merged below. Converted modules (`offers`,
//! `offer_commands`) generate them with utoipa 4.2 (OpenAPI 3.0.3; utoipa 5 writes 3.1) from
//! the `#[utoipa::path]` attributes of their handlers and the types' `ToSchema` / `IntoParams`
//! (doc comments become descriptions; a handler's first doc line is its summary); the others
//! are still `json!` written by hand. [`generated::generated`] adds what every operation shares:
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
//! enum becomes `oneOf` its variants (the tests' answer checker understands it). utoipa 4 drops
//! the doc comment of a field that is a `$ref` or an inlined type: [`generated::describe_refs`]
//! puts it back. A `serde(flatten)` field becomes an `allOf` (a flattened tagged enum one whose
//! fields the checker cannot see: `ProductChange`, `ErpFeedItem` stay `json!`). A map whose
//! values have a pattern, or text with fixed values: `schema_with` a function in core under the
//! feature (`product::prices_schema`). `tag` takes one tag: set a second on the path's `Value`.

use serde_json::{json, Value};

mod account_events;
mod catalogue;
mod crm;
mod erp;
mod events;
pub(crate) mod generated;
mod health;
mod offer_commands;
mod offers;
mod order_updates;
mod orders;
mod people;
mod replies;
mod search;
mod workflow;

pub(crate) fn reference(schema: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{schema}") })
}

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

pub(crate) fn ok(description: &str, schema: &str) -> Value {
    json!({ "description": description, "content": json_content(reference(schema)) })
}

pub(crate) fn error(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

pub(crate) fn body(schema: &str) -> Value {
    json!({ "required": true, "content": json_content(reference(schema)) })
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

pub(crate) fn id_parameter(what: &str) -> Value {
    json!({
        "name": "id", "in": "path", "required": true,
        "description": format!("The {what}'s id."),
        "schema": id_schema()
    })
}

pub(crate) fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

pub(crate) fn paging_parameters() -> Vec<Value> {
    vec![
        query(
            "cursor",
            "Where to continue: the `next_cursor` of the previous page.",
            json!({ "type": "string", "minLength": 1, "pattern": "^[A-Za-z0-9_-]+$" }),
        ),
        query(
            "limit",
            "Page size, 1 to 100 (default 25).",
            json!({ "type": "integer", "minimum": 1, "maximum": 100, "default": 25 }),
        ),
    ]
}

/// Adds the answers every protected operation may give.
pub(crate) fn protected(mut operation: Value, admin: bool) -> Value {
    let responses = &mut operation["responses"];
    responses["401"] = error("Unauthorized");
    responses["429"] = error("TooManyRequests");
    if admin {
        responses["403"] = error("Forbidden");
    }
    responses["500"] = error("Internal");
    responses["503"] = error("Unavailable");
    operation["security"] = json!([{ "apiKey": [] }, { "session": [] }]);
    operation
}

pub(crate) fn with_body_errors(mut operation: Value) -> Value {
    let responses = &mut operation["responses"];
    responses["400"] = error("InvalidJson");
    responses["413"] = error("PayloadTooLarge");
    responses["415"] = error("UnsupportedMediaType");
    responses["422"] = error("ValidationFailed");
    operation
}

fn resource_paths() -> Value {
    let ticket_filters = {
        let mut parameters = vec![
            query(
                "source",
                "Only tickets from this marketplace.",
                reference("Source"),
            ),
            query(
                "status",
                "Only tickets in this status.",
                reference("TicketStatus"),
            ),
            query(
                "queue",
                "Only tickets in this queue (exact).",
                json!({ "type": "string" }),
            ),
            query(
                "category",
                "Only tickets of this category (exact).",
                json!({ "type": "string" }),
            ),
            query(
                "integration",
                "Only tickets of this integration (id).",
                json!({ "type": "string" }),
            ),
            query(
                "customer",
                "Only tickets linked to this customer (id).",
                json!({ "type": "string" }),
            ),
            query(
                "needs_reply",
                "Only tickets that do (true) or do not (false) wait for a person's answer.",
                json!({ "type": "boolean" }),
            ),
            query(
                "q",
                "Text contained in the subject or the buyer's login, case-insensitive, matched while paging. This is a list filter, not the search box: order ids, names, e-mails and words of the messages are found by `GET /v1/search` (which the web workspace's search box uses).",
                json!({ "type": "string" }),
            ),
            query(
                "archived",
                "`true`: only archived tickets (Allegro discussions closed more than 14 days ago or idle for 30 days); default: only the others. Nothing is deleted.",
                json!({ "type": "boolean" }),
            ),
            query(
                "last_author",
                "Only tickets whose last buyer-visible message has this author; `autoresponder` lists those the autoresponder answered that still need a person.",
                reference("AuthorKind"),
            ),
            query(
                "delivery",
                "Only tickets whose latest reply from marketdesk is in this state; `failed` lists those whose latest reply could not be sent (they need a reply).",
                json!({ "type": "string", "enum": ["sending", "sent", "failed"] }),
            ),
        ];
        parameters.extend(workflow::ticket_list_parameters());
        parameters.extend(paging_parameters());
        parameters
    };
    json!({
        "/v1/health": {
            "get": {
                "operationId": "health",
                "summary": "Is the API up, and do its store and queues answer? Needs no key and tells nothing of any tenant; 503 when the store or a queue fails. Admins get more from `/v1/health/details`.",
                "tags": ["health"],
                "security": [],
                "responses": {
                    "200": ok("The API works.", "Health"),
                    "503": error("Unavailable")
                }
            }
        },
        "/oauth/allegro/callback": {
            "get": {
                "operationId": "allegroCallback",
                "summary": "Where Allegro sends the admin's browser back after authorization. Checks the single-use `state`, exchanges the code, stores the token pair and answers with an HTML page saying whether the account is connected. When the flow was started from the web workspace (cookie `md_oauth`), answers 303 to `/settings/integrations` with a flash instead. Needs no key.",
                "tags": ["oauth"],
                "security": [],
                "parameters": [
                    query("code", "The authorization code.", json!({ "type": "string" })),
                    query("state", "The state sent with the authorization request.", json!({ "type": "string" })),
                    query("error", "Set by Allegro when access was not granted.", json!({ "type": "string" })),
                    query("error_description", "Allegro's explanation.", json!({ "type": "string" }))
                ],
                "responses": {
                    "200": { "description": "The account is connected (HTML page).", "content": { "text/html": { "schema": { "type": "string" } } } },
                    "303": { "description": "Started from the web workspace: back to its integrations page, with a flash saying whether the account is connected." },
                    "400": { "description": "Unknown, used or expired state, or access not granted (HTML page).", "content": { "text/html": { "schema": { "type": "string" } } } },
                    "502": { "description": "Allegro refused the code (HTML page).", "content": { "text/html": { "schema": { "type": "string" } } } },
                    "503": { "description": "Allegro or a backing service is unavailable (HTML page).", "content": { "text/html": { "schema": { "type": "string" } } } }
                }
            }
        },
        "/v1/integrations/{id}/oauth/start": {
            "post": protected(json!({
                "operationId": "startAllegroAuthorization",
                "summary": "The Allegro authorization page to open in the admin's browser (the sandbox host for test-mode integrations), with a single-use state and PKCE. Re-authentication is the same call.",
                "tags": ["oauth"],
                "parameters": [id_parameter("integration")],
                "responses": {
                    "200": ok("Where to send the browser.", "AuthorizeUrl"),
                    "404": error("NotFound"),
                    "409": error("NotConfigured"),
                    "422": error("ValidationFailed"),
                    "502": error("MarketplaceRefused")
                }
            }), true)
        },
        "/v1/integrations/{id}/oauth/device": {
            "post": protected(json!({
                "operationId": "startAllegroDeviceAuthorization",
                "summary": "Starts Allegro's device flow for setups without a public callback URL: confirm the user code on the verification page; the grant completes in the background within a minute.",
                "tags": ["oauth"],
                "parameters": [id_parameter("integration")],
                "responses": {
                    "200": ok("The code to confirm.", "DeviceAuthorization"),
                    "404": error("NotFound"),
                    "409": error("NotConfigured"),
                    "422": error("ValidationFailed"),
                    "502": error("MarketplaceRefused")
                }
            }), true)
        },
        "/v1/openapi.json": {
            "get": protected(json!({
                "operationId": "openapi",
                "summary": "This document.",
                "tags": ["meta"],
                "responses": {
                    "200": { "description": "The OpenAPI 3.0 document.", "content": json_content(json!({ "type": "object" })) }
                }
            }), false)
        },
        "/v1/api-keys": {
            "post": protected(with_body_errors(json!({
                "operationId": "createApiKey",
                "summary": "Creates an API key of the caller's tenant. The key is in the answer, and only there.",
                "tags": ["api-keys"],
                "requestBody": body("NewApiKey"),
                "responses": { "201": ok("The key, with its secret shown once.", "CreatedApiKey") }
            })), true),
            "get": protected(json!({
                "operationId": "listApiKeys",
                "summary": "The tenant's API keys (never their secrets).",
                "tags": ["api-keys"],
                "responses": { "200": ok("The keys.", "ApiKeyList") }
            }), true)
        },
        "/v1/api-keys/{id}": {
            "delete": protected(json!({
                "operationId": "revokeApiKey",
                "summary": "Revokes an API key: it stops working at once. The tenant's last admin key cannot be revoked (create another admin key first).",
                "tags": ["api-keys"],
                "parameters": [id_parameter("API key")],
                "responses": { "204": { "description": "Revoked." }, "404": error("NotFound"), "409": error("LastAdminKey") }
            }), true)
        },
        "/v1/integrations": {
            "post": protected(with_body_errors(json!({
                "operationId": "createIntegration",
                "summary": "Connects a marketplace account. EmpikPlace needs `api_key` (stored as a secret, never returned); Allegro accounts stay pending until authorised with OAuth.",
                "tags": ["integrations"],
                "requestBody": body("NewIntegration"),
                "responses": { "201": ok("The integration.", "Integration") }
            })), true),
            "get": protected(json!({
                "operationId": "listIntegrations",
                "summary": "The tenant's marketplace accounts with their connection state.",
                "tags": ["integrations"],
                "responses": { "200": ok("The integrations.", "IntegrationList") }
            }), true)
        },
        "/v1/integrations/{id}": {
            "get": protected(json!({
                "operationId": "getIntegration",
                "summary": "One integration.",
                "tags": ["integrations"],
                "parameters": [id_parameter("integration")],
                "responses": { "200": ok("The integration.", "Integration"), "404": error("NotFound") }
            }), true),
            "patch": protected(with_body_errors(json!({
                "operationId": "updateIntegration",
                "summary": "Renames, switches on or off (switching on restarts the import window), changes settings or replaces the EmpikPlace API key. Only the fields given change.",
                "tags": ["integrations"],
                "parameters": [id_parameter("integration")],
                "requestBody": body("IntegrationPatch"),
                "responses": {
                    "200": ok("The integration as changed.", "Integration"),
                    "404": error("NotFound"),
                    "409": error("Conflict")
                }
            })), true),
            "delete": protected(json!({
                "operationId": "deleteIntegration",
                "summary": "Deletes the integration and its credentials. Its tickets stay. Refused while any of its offers is linked to a catalogue product.",
                "tags": ["integrations"],
                "parameters": [id_parameter("integration")],
                "responses": { "204": { "description": "Deleted." }, "404": error("NotFound"), "409": { "description": "Offers of the account are linked to catalogue products (code `integration_has_linked_offers`), or it kept changing (code `conflict`).", "content": json_content(reference("Error")) } }
            }), true)
        },
        "/v1/tickets": {
            "get": protected(json!({
                "operationId": "listTickets",
                "summary": "The tenant's tickets, most recent activity first, filtered while paging: a page may hold fewer than `limit` tickets (even none) and still have a `next_cursor`.",
                "tags": ["tickets"],
                "parameters": ticket_filters,
                "responses": { "200": ok("A page of tickets.", "TicketPage"), "422": error("ValidationFailed") }
            }), false)
        },
        "/v1/tickets/{id}": {
            "get": protected(json!({
                "operationId": "getTicket",
                "summary": "One ticket with its messages (authors included), panel and customer.",
                "tags": ["tickets"],
                "parameters": [id_parameter("ticket")],
                "responses": { "200": ok("The ticket.", "TicketDetail"), "404": error("NotFound") }
            }), false)
        },
        "/v1/tickets/{id}/comments": {
            "post": protected(with_body_errors(json!({
                "operationId": "addComment",
                "summary": "Adds an internal comment (plain text, never sent to the buyer; closed conversations take comments too).",
                "tags": ["tickets"],
                "parameters": [id_parameter("ticket")],
                "requestBody": body("NewComment"),
                "responses": { "201": ok("The comment, stored as a message.", "Message"), "404": error("NotFound") }
            })), false)
        }
    })
}

fn paths() -> Value {
    let mut all = serde_json::Map::new();
    for part in [
        resource_paths(),
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

/// A request body object: unknown fields are refused.
pub(crate) fn strict(required: &[&str], properties: Value) -> Value {
    let mut schema = object(required, properties);
    schema["additionalProperties"] = json!(false);
    schema
}

fn enumeration(values: &[&str]) -> Value {
    json!({ "type": "string", "enum": values })
}

pub(crate) fn emails(description: &str) -> Value {
    json!({ "type": "array", "maxItems": 10, "description": description, "items": { "type": "string", "format": "email", "maxLength": 254 } })
}

/// Control characters as `char::is_control` has them (Unicode Cc), inside a pattern's class.
const CONTROL: &str = r"\x00-\x1F\x7F-\x9F";
/// Control characters but line break, carriage return and tab (plain text keeps those).
const CONTROL_BUT_LINES: &str = r"\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F";

/// Text over `allowed`, with at least one character that is not white space (the check
/// trims): `^[allowed]*[allowed but not \s][allowed]*$`, `allowed` given as what it excludes.
fn not_blank_pattern(excluded: &str) -> String {
    format!(r"^[^{excluded}]*[^\s{excluded}][^{excluded}]*$")
}

/// A one-line label as `services::validation::label` checks it: not blank, at most `max`
/// characters, no control characters.
pub(crate) fn label(max: usize) -> Value {
    json!({ "type": "string", "minLength": 1, "maxLength": max, "pattern": not_blank_pattern(CONTROL) })
}

/// Plain text as `services::validation::plain_text` checks it: not blank, at most `max`
/// characters, no control characters but line breaks and tabs (and no HTML, which a pattern
/// cannot say).
pub(crate) fn plain_text(max: usize) -> Value {
    json!({ "type": "string", "minLength": 1, "maxLength": max, "pattern": not_blank_pattern(CONTROL_BUT_LINES) })
}

/// Adds to a string schema: `null` allowed.
pub(crate) fn nullable(mut schema: Value) -> Value {
    schema["nullable"] = json!(true);
    schema
}

/// Adds to a string schema: the empty string allowed too.
pub(crate) fn or_empty(mut schema: Value) -> Value {
    if let Some(pattern) = schema["pattern"].as_str() {
        schema["pattern"] = json!(format!("^$|{pattern}"));
    }
    schema["minLength"] = json!(0);
    schema
}

/// Adds a description to a schema.
pub(crate) fn described(mut schema: Value, description: &str) -> Value {
    schema["description"] = json!(description);
    schema
}

/// `H:MM` or `HH:MM`, 00:00 to 23:59 (white space around is ignored).
const CLOCK_TIME: &str = r"^\s*([01]?[0-9]|2[0-3]):[0-5][0-9]\s*$";

/// An EmpikPlace API key: 1 to 256 characters, no white space or control characters.
fn api_key(description: &str) -> Value {
    json!({
        "type": "string", "writeOnly": true, "minLength": 1, "maxLength": 256,
        "pattern": format!(r"^[^\s{CONTROL}]+$"), "description": description
    })
}

fn key_and_integration_schemas() -> Value {
    let ticket_status = reference("TicketStatus");
    json!({
        "Error": object(&["error"], json!({
            "error": object(&["code", "message"], json!({
                "code": { "type": "string", "description": "Machine-readable: unauthorized, forbidden, csrf_failed, invalid_credentials, too_many_attempts, not_found, conflict, validation_failed, body_not_object, invalid_json, duplicate_key, invalid_body, payload_too_large, uri_too_long, unsupported_media_type, method_not_allowed, too_many_requests, last_admin_key, internal, unavailable, or a state code (see WrongState)." },
                "message": { "type": "string", "description": "What went wrong, for people." },
                "field": { "type": "string", "description": "The request field or parameter at fault (validation errors), as a dotted path." }
            }))
        })),
        "Health": object(&["status", "version", "store", "queues", "rate_limits"], json!({
            "status": { "type": "string", "enum": ["ok", "degraded"], "description": "`degraded`: works, but a dead-letter queue holds failed work (details: `/v1/health/details`)." },
            "version": string(),
            "store": enumeration(&["ok"]),
            "queues": enumeration(&["ok"]),
            "rate_limits": {
                "type": "array",
                "description": "Marketplace request budgets blocked after a 429 (an Allegro client id, an EmpikPlace shop): no call is made until `until`; the work waits in its queues.",
                "items": object(&["marketplace", "since", "until"], json!({
                    "marketplace": string(),
                    "since": { "type": "string", "format": "date-time" },
                    "until": { "type": "string", "format": "date-time" }
                }))
            }
        })),
        "Role": enumeration(&["agent", "admin"]),
        "ApiKey": object(&["id", "tenant_id", "role", "name", "hint", "created_at"], json!({
            "id": string(),
            "tenant_id": string(),
            "role": reference("Role"),
            "name": nullable_string(),
            "hint": { "type": "string", "description": "The key's first characters, e.g. `mdk_AbCd…`." },
            "created_at": time()
        })),
        "CreatedApiKey": {
            "allOf": [
                reference("ApiKey"),
                object(&["key"], json!({ "key": { "type": "string", "description": "The key: send it as `Authorization: Bearer <key>`. Shown only in this answer." } }))
            ]
        },
        "ApiKeyList": object(&["api_keys"], json!({ "api_keys": { "type": "array", "items": reference("ApiKey") } })),
        "NewApiKey": strict(&["role"], json!({
            "role": reference("Role"),
            "name": nullable(label(100))
        })),
        "IntegrationKind": enumeration(&["allegro", "empikplace"]),
        "Environment": enumeration(&["production", "sandbox"]),
        "TicketStatus": enumeration(&["open", "pending", "solved", "closed"]),
        "ConnectionState": object(&["state"], json!({
            "state": enumeration(&["pending", "connected", "disconnected"]),
            "reason": { "type": "string", "description": "Why it is disconnected (state disconnected only)." },
            "since": { "type": "string", "format": "date-time", "description": "Since when it is disconnected (state disconnected only)." }
        })),
        "StatusMapping": object(&["open", "resolved", "unresolved", "claim_accepted", "claim_rejected"], json!({
            "open": ticket_status, "resolved": ticket_status, "unresolved": ticket_status,
            "claim_accepted": ticket_status, "claim_rejected": ticket_status
        })),
        "AutoresponderSettings": object(&["enabled", "text", "delay_minutes", "notify"], json!({
            "enabled": { "type": "boolean" },
            "text": { "type": "string", "maxLength": 2000 },
            "delay_minutes": { "type": "integer", "minimum": 0, "maximum": 55 },
            "notify": emails("Told about every autoresponse sent."),
            "business_hours": { "allOf": [reference("BusinessHours")], "nullable": true },
            "out_of_hours_text": { "type": "string", "nullable": true, "maxLength": 2000 },
            "kinds": { "type": "array", "items": enumeration(&["allegro_dispute", "allegro_claim", "allegro_purchase_problem", "allegro_common_thread", "empik_thread"]), "description": "Conversation kinds answered (default: all)." }
        })),
        "BusinessHours": strict(&["days", "start", "end"], json!({
            "days": { "type": "array", "minItems": 1, "items": { "type": "integer", "minimum": 1, "maximum": 7 }, "description": "1 = Monday … 7 = Sunday." },
            "start": { "type": "string", "pattern": CLOCK_TIME, "example": "08:00", "description": "Opening time, Europe/Warsaw." },
            "end": { "type": "string", "pattern": CLOCK_TIME, "example": "16:00", "description": "Closing time, Europe/Warsaw; after `start`." }
        })),
        "IntegrationSettings": object(&["crm_field", "ticket_queue", "ticket_category", "status_mapping", "closure_message", "autoresponder"], json!({
            "crm_field": { "type": "string", "description": "CRM text field matched against the buyer's login (empty: no CRM linking)." },
            "ticket_queue": nullable_string(),
            "ticket_category": nullable_string(),
            "status_mapping": reference("StatusMapping"),
            "closure_message": nullable_string(),
            "autoresponder": reference("AutoresponderSettings"),
            "alert_emails": emails("Told when the account needs attention (e.g. it was disconnected)."),
            "shop_id": { "type": "integer", "format": "int64", "nullable": true, "description": "EmpikPlace: the shop to act on when the API key reaches several." },
            "signature": { "type": "string", "nullable": true, "description": "Plain-text signature appended to agents' replies." },
            "orders": { "type": "object", "required": ["enabled", "create_automatically"], "additionalProperties": false, "description": "Allegro orders: whether the order journal is read (one call per poll interval) and whether paid checkout forms become orders at once.", "properties": { "enabled": { "type": "boolean" }, "create_automatically": { "type": "boolean" }, "from": { "type": "string", "format": "date-time", "description": "Where the journal started (or will start): the first order event at or after this time." } } },
            "erp": { "type": "object", "required": ["customers"], "additionalProperties": false, "description": "What goes to the seller's ERP with an order (`GET /v1/erp/orders`, `order.created`).", "properties": { "customers": reference("ErpCustomers") } },
            "offers": reference("OfferSettings")
        })),
        "OfferSettings": strict(&["enabled", "link_automatically", "stock_control", "raise_stock", "renew_automatically", "renew_at_current_price", "price_sync"], json!({
            "enabled": { "type": "boolean", "description": "The account's offers are read and kept." },
            "link_automatically": { "type": "boolean", "description": "Offers are linked to the catalogue product with the same EAN when they next appear in the offer journal." },
            "link_automatically_since": { "type": "string", "format": "date-time", "description": "When automatic linking was switched on (read-only)." },
            "stock_control": { "type": "boolean", "description": "Products' stock is pushed to their linked offers (production accounts only)." },
            "raise_stock": { "type": "boolean", "description": "Offers' stock is raised when the product's stock rises after an ERP sync." },
            "renew_automatically": { "type": "boolean", "description": "Ended buy-now offers whose product has stock are renewed under the same number." },
            "renew_at_current_price": { "type": "boolean", "description": "A renewed offer gets the product's price from the account's price list." },
            "price_sync": { "type": "boolean", "description": "Product price changes are sent to linked offers that take them." },
            "price_sync_since": { "type": "string", "format": "date-time", "description": "When price sync was switched on (read-only)." },
            "price_list": { "type": "string", "description": "The account's price list (absent: `Default`)." },
            "default_category": { "type": "string", "description": "The account's default category id (shown; marketdesk creates no offers)." }
        })),
        "OffersPatch": strict(&[], json!({
            "enabled": { "type": "boolean" },
            "link_automatically": { "type": "boolean" },
            "stock_control": { "type": "boolean" },
            "raise_stock": { "type": "boolean" },
            "renew_automatically": { "type": "boolean" },
            "renew_at_current_price": { "type": "boolean" },
            "price_sync": { "type": "boolean" },
            "price_list": nullable(label(100)),
            "default_category": nullable(label(100))
        })),
        "Integration": object(&["id", "tenant_id", "kind", "display_name", "environment", "active", "connection", "settings", "created_at", "enabled_at"], json!({
            "id": string(),
            "tenant_id": string(),
            "kind": reference("IntegrationKind"),
            "display_name": string(),
            "environment": reference("Environment"),
            "active": { "type": "boolean" },
            "connection": reference("ConnectionState"),
            "settings": reference("IntegrationSettings"),
            "created_at": time(),
            "enabled_at": { "type": "string", "format": "date-time", "description": "When it was last switched on: older EmpikPlace conversations are not imported." }
        })),
        "AuthorizeUrl": strict(&["authorize_url"], json!({ "authorize_url": string() })),
        "DeviceAuthorization": strict(&["user_code", "verification_uri", "verification_uri_complete", "expires_at"], json!({
            "user_code": string(),
            "verification_uri": string(),
            "verification_uri_complete": nullable_string(),
            "expires_at": time()
        })),
        "IntegrationList": object(&["integrations"], json!({ "integrations": { "type": "array", "items": reference("Integration") } })),
        "StatusMappingPatch": strict(&[], json!({
            "open": ticket_status, "resolved": ticket_status, "unresolved": ticket_status,
            "claim_accepted": ticket_status, "claim_rejected": ticket_status
        })),
        "AutoresponderPatch": strict(&[], json!({
            "enabled": { "type": "boolean" },
            "text": described(or_empty(plain_text(2000)), "Plain text with the placeholders `{buyer_login}`, `{order_id}`, `{shop_name}`; required (not empty) when enabled."),
            "delay_minutes": { "type": "integer", "minimum": 0, "maximum": 55 },
            "notify": emails("Told about every autoresponse sent."),
            "business_hours": { "allOf": [reference("BusinessHours")], "nullable": true, "description": "When set with `out_of_hours_text`, buyers writing outside these hours get that text." },
            "out_of_hours_text": described(nullable(plain_text(2000)), "Plain text with the same placeholders."),
            "kinds": { "type": "array", "items": enumeration(&["allegro_dispute", "allegro_claim", "allegro_purchase_problem", "allegro_common_thread", "empik_thread"]) }
        })),
        "SettingsPatch": strict(&[], json!({
            "crm_field": { "type": "string", "maxLength": 100, "pattern": format!(r"^(\s*|[^{CONTROL}]*)$"), "description": "One line; blank turns CRM linking off." },
            "ticket_queue": nullable(label(100)),
            "ticket_category": nullable(label(100)),
            "status_mapping": reference("StatusMappingPatch"),
            "closure_message": described(nullable(plain_text(20000)), "Plain text; HTML is refused."),
            "autoresponder": reference("AutoresponderPatch"),
            "alert_emails": emails("Told when the account needs attention."),
            "shop_id": { "type": "integer", "format": "int64", "minimum": 1, "nullable": true, "description": "EmpikPlace only: the shop to act on when the API key reaches several." },
            "signature": described(nullable(plain_text(2000)), "Plain text (HTML is refused) appended below agents' replies after a blank line when they are stored, so the ticket shows what the buyer gets; not to autoresponses or comments. The conversation's length limit counts it. `null`: none."),
            "orders": reference("OrdersPatch"),
            "erp": reference("ErpPatch"),
            "offers": { "allOf": [reference("OffersPatch")], "description": "Allegro accounts only (422 naming `settings.offers` otherwise)." }
        })),
        "ErpPatch": strict(&[], json!({
            "customers": { "allOf": [reference("ErpCustomers")], "description": "`none` (default: orders go to the ERP with the unspecified customer), `all` (every buyer's card) or `with_nip` (only cards with a NIP). Allegro accounts only; another value is refused with 422 naming `settings.erp.customers`." }
        })),
        "OrdersPatch": strict(&[], json!({
            "enabled": { "type": "boolean", "description": "Read the account's order journal (one more Allegro call per poll interval). Allegro accounts only." },
            "create_automatically": { "type": "boolean", "description": "Paid checkout forms become orders at once; otherwise they wait in `GET /v1/orders/paid-forms` for an agent." },
            "from": { "type": "string", "format": "date-time", "nullable": true, "description": "Start a new journal at the first order event at or after this time instead of the newest (events before it are skipped). Accepted only for accounts added within the last 7 days (code `orders_from_not_allowed`), not in the future (`orders_from_in_future`) and not more than 60 days ago, which is what Allegro keeps (`orders_from_too_early`); all answered 422 with `field` `settings.orders.from`. Set it before the first orders poll (before enabling). `null`: start at the newest event." }
        })),
        "NewIntegration": strict(&["kind", "display_name"], json!({
            "kind": reference("IntegrationKind"),
            "display_name": label(100),
            "environment": reference("Environment"),
            "active": { "type": "boolean", "default": true },
            "settings": reference("SettingsPatch"),
            "api_key": api_key("EmpikPlace only, and required there: the shop's Mirakl API key. Stored as a secret, never returned.")
        })),
        "IntegrationPatch": strict(&[], json!({
            "display_name": label(100),
            "active": { "type": "boolean" },
            "settings": reference("SettingsPatch"),
            "api_key": api_key("EmpikPlace only: a replacement API key.")
        })),
    })
}

fn ticket_schemas() -> Value {
    let ticket_status = reference("TicketStatus");
    json!({
        "Source": enumeration(&["allegro", "empikplace"]),
        "ConversationRef": object(&["kind", "external_id"], json!({
            "kind": enumeration(&["allegro_dispute", "allegro_claim", "allegro_purchase_problem", "allegro_common_thread", "empik_thread"]),
            "external_id": string()
        })),
        "PanelProduct": object(&["name", "quantity"], json!({
            "name": string(),
            "quantity": { "type": "integer", "minimum": 0 },
            "offer_id": nullable_string(),
            "offer_url": nullable_string(),
            "ean": nullable_string()
        })),
        "TicketPanel": object(&[], json!({
            "reason_code": nullable_string(),
            "conversation_url": nullable_string(),
            "order_url": nullable_string(),
            "products": { "type": "array", "items": reference("PanelProduct") }
        })),
        "MessagePreview": object(&["author", "text"], json!({
            "author": reference("AuthorKind"),
            "author_name": nullable_string(),
            "text": string()
        })),
        "AuthorKind": enumeration(&["buyer", "seller_via_marketdesk", "seller_via_marketplace", "marketplace_staff", "marketplace_system", "marketplace_for_buyer", "autoresponder", "internal_comment"]),
        "Ticket": object(&["id", "tenant_id", "integration_id", "conversation", "source", "subject", "status", "marketplace_status", "open_for_replies", "buyer_login", "needs_reply", "created_at", "updated_at"], json!({
            "id": string(),
            "tenant_id": string(),
            "integration_id": string(),
            "conversation": reference("ConversationRef"),
            "source": enumeration(&["allegro", "empikplace"]),
            "subject": string(),
            "status": ticket_status,
            "marketplace_status": { "type": "string", "description": "The marketplace's own status, verbatim." },
            "open_for_replies": { "type": "boolean" },
            "marketplace_observed_at": { "type": "string", "format": "date-time", "nullable": true, "description": "When the marketplace state was read." },
            "queue": nullable_string(),
            "category": nullable_string(),
            "buyer_login": string(),
            "customer_id": nullable_string(),
            "order_id": nullable_string(),
            "panel": reference("TicketPanel"),
            "last_author": { "allOf": [reference("AuthorKind")], "nullable": true },
            "needs_reply": { "type": "boolean", "description": "Whether a person has to answer (rules: docs/architecture.md, \"Ticket state\")." },
            "delivery": { "type": "string", "enum": ["sending", "sent", "failed"], "nullable": true, "description": "Delivery state of the ticket's latest reply from marketdesk; `failed`: it could not be sent and the ticket needs a reply." },
            "created_at": time(),
            "updated_at": time(),
            "opening": { "type": "integer", "description": "1, then one more each time the conversation is reopened." },
            "opening_after": { "type": "string", "format": "date-time", "nullable": true },
            "closed_at": { "type": "string", "format": "date-time", "nullable": true, "description": "When marketdesk saw the conversation close." },
            "decided_at": { "type": "string", "format": "date-time", "nullable": true, "description": "When marketdesk first saw the marketplace decide the case (dispute closed or unresolved, claim accepted or rejected); messages written before it count as answered." },
            "autoreply": { "allOf": [reference("AutoreplyPlan")], "nullable": true }
        })),
        "AutoreplyPlan": object(&["opening", "buyer_message_id", "buyer_message_at", "due_at", "deadline", "state"], json!({
            "opening": { "type": "integer" },
            "buyer_message_id": string(),
            "buyer_message_at": time(),
            "due_at": time(),
            "deadline": time(),
            "state": enumeration(&["pending", "queued", "sent", "skipped"]),
            "skip_reason": nullable_string()
        })),
    })
}

fn message_and_customer_schemas() -> Value {
    json!({
        "Attachment": object(&["filename", "url"], json!({
            "id": { "type": "string", "description": "The `aid` to download it with `GET /v1/tickets/{id}/attachments/{aid}`, on every file of a read ticket (buyers' and replies')." },
            "link": { "type": "string", "description": "marketdesk's own download path, `/v1/tickets/{id}/attachments/{aid}` (with the API key); on every file of a read ticket, in both directions." },
            "filename": string(),
            "content_type": nullable_string(),
            "url": { "type": "string", "description": "The marketplace's address of the file: it answers only with the seller's marketplace credentials (use `link`); empty for files of replies." }
        })),
        "Message": object(&["id", "ticket_id", "author", "text", "attachments", "created_at"], json!({
            "id": string(),
            "ticket_id": string(),
            "external_id": nullable_string(),
            "author": reference("AuthorKind"),
            "author_name": nullable_string(),
            "text": string(),
            "attachments": { "type": "array", "items": reference("Attachment") },
            "created_at": time(),
            "delivery": { "allOf": [reference("Delivery")], "description": "Replies sent from marketdesk: where the delivery stands." },
            "actor": { "allOf": [reference("Actor")], "description": "Comments and replies written in marketdesk: the user or API key (never sent to the marketplace)." }
        })),
        "TicketPage": object(&["tickets", "next_cursor"], json!({
            "tickets": { "type": "array", "items": reference("Ticket") },
            "next_cursor": nullable_string()
        })),
        "TicketDetail": object(&["ticket", "messages", "customer"], json!({
            "ticket": reference("Ticket"),
            "messages": { "type": "array", "items": reference("Message") },
            "customer": { "allOf": [reference("Customer")], "nullable": true },
            "order": { "allOf": [reference("Order")], "nullable": true, "description": "The order made of the checkout form the conversation is about (Allegro), if any." }
        })),
        "NewComment": strict(&["text"], json!({
            "text": described(plain_text(20000), "Plain text; HTML is refused.")
        }))
    })
}

fn schemas() -> Value {
    let mut all = serde_json::Map::new();
    for part in [
        key_and_integration_schemas(),
        ticket_schemas(),
        message_and_customer_schemas(),
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
