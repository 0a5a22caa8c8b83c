//! The CRM and saved-reply routes of the OpenAPI document, and their schemas.

use super::{
    body, described, emails, error, id_parameter, id_schema, label, nullable, nullable_string,
    object, ok, paging_parameters, plain_text, protected, query, reference, strict, string, time,
    with_body_errors,
};
use serde_json::{json, Value};

/// A phone number as `services::crm` checks it: digits, spaces and `+ - ( ) . /`, at least
/// three digits, at most 40 characters (white space around is ignored).
fn phone() -> Value {
    let other = r"+ ()./-";
    json!({
        "type": "string", "maxLength": 40,
        "pattern": format!(r"^\s*[{other}]*[0-9][{other}]*[0-9][{other}]*[0-9][0-9{other}]*\s*$"),
        "description": "A phone number such as +48 600 100 200."
    })
}

fn sid_parameter() -> Value {
    json!({
        "name": "sid", "in": "path", "required": true,
        "description": "The saved reply's id.",
        "schema": id_schema()
    })
}

/// The paths.
pub(super) fn paths() -> Value {
    let mut search = vec![
        query("field", "A custom field's name, e.g. `Allegro login` (with `value`).", json!({ "type": "string", "minLength": 1, "pattern": r"\S" })),
        query("value", "The exact value of `field`.", json!({ "type": "string" })),
        query("email", "An e-mail address (any case): every customer having it.", json!({ "type": "string", "minLength": 1 })),
        query("name", "Words of the name: each must start a word of the customer's name, case and Polish diacritics ignored (`now` and `Nowak` find \"Anna Nowak\", so does `anna now`). Empty lists everyone by name. A page may hold fewer customers than `limit` while `next_cursor` says more may follow.", json!({ "type": "string" })),
    ];
    search.extend(paging_parameters());
    let mut detail = vec![id_parameter("customer")];
    detail.extend(paging_parameters());
    json!({
        "/v1/customers": {
            "get": protected(json!({
                "operationId": "searchCustomers",
                "summary": "Finds CRM customers: by a custom field's exact value (`field` and `value`), by e-mail address (`email`, paged) or by words of the name (`name`, paged).",
                "tags": ["customers"],
                "parameters": search,
                "responses": { "200": ok("The customers found.", "CustomerPage"), "422": error("ValidationFailed") }
            }), false)
        },
        "/v1/customers/{id}": {
            "get": protected(json!({
                "operationId": "getCustomer",
                "summary": "One customer with a page of their tickets.",
                "tags": ["customers"],
                "parameters": detail,
                "responses": {
                    "200": ok("The customer and their tickets.", "CustomerDetail"),
                    "404": error("NotFound"),
                    "422": error("ValidationFailed")
                }
            }), false),
            "patch": protected(with_body_errors(json!({
                "operationId": "updateCustomer",
                "summary": "Changes a customer's name, e-mail addresses, phone, custom fields or note; the caller is recorded as `updated_by`. A custom field value another customer holds is refused (422 naming the field and that customer: merge them instead).",
                "tags": ["customers"],
                "parameters": [id_parameter("customer")],
                "requestBody": body("CustomerPatch"),
                "responses": {
                    "200": ok("The customer as changed.", "Customer"),
                    "404": error("NotFound"),
                    "409": error("Conflict")
                }
            })), false)
        },
        "/v1/customers/{id}/merge": {
            "post": protected(with_body_errors(json!({
                "operationId": "mergeCustomers",
                "summary": "Merges the customer `from` (another record of the same person) into this one: its tickets move here, its details merge in (this customer's values win; e-mail addresses and field values are unioned, a field both hold keeps the other value in `other_field_values`, so both marketplace logins keep finding the person), and it is removed. Safe to repeat: once merged, the same request answers the customer again (moving any ticket that reached the removed record meanwhile).",
                "tags": ["customers"],
                "parameters": [id_parameter("customer")],
                "requestBody": body("MergeRequest"),
                "responses": {
                    "200": ok("The merged customer.", "Customer"),
                    "404": error("NotFound"),
                    "409": error("Conflict")
                }
            })), false)
        },
        "/v1/saved-replies": {
            "get": protected(json!({
                "operationId": "listSavedReplies",
                "summary": "The tenant's saved replies by title (at most 500).",
                "tags": ["saved-replies"],
                "parameters": [query("language", "Only saved replies in this language.", reference("Language"))],
                "responses": { "200": ok("The saved replies.", "SavedReplyList"), "422": error("ValidationFailed") }
            }), false),
            "post": protected(with_body_errors(json!({
                "operationId": "createSavedReply",
                "summary": "Creates a saved reply (admins). 409 `too_many_saved_replies` past 500.",
                "tags": ["saved-replies"],
                "requestBody": body("NewSavedReply"),
                "responses": { "201": ok("The saved reply.", "SavedReply"), "409": error("WrongState") }
            })), true)
        },
        "/v1/saved-replies/{id}": {
            "get": protected(json!({
                "operationId": "getSavedReply",
                "summary": "One saved reply.",
                "tags": ["saved-replies"],
                "parameters": [id_parameter("saved reply")],
                "responses": { "200": ok("The saved reply.", "SavedReply"), "404": error("NotFound") }
            }), false),
            "patch": protected(with_body_errors(json!({
                "operationId": "updateSavedReply",
                "summary": "Changes a saved reply (admins).",
                "tags": ["saved-replies"],
                "parameters": [id_parameter("saved reply")],
                "requestBody": body("SavedReplyPatch"),
                "responses": { "200": ok("The saved reply as changed.", "SavedReply"), "404": error("NotFound"), "409": error("Conflict") }
            })), true),
            "delete": protected(json!({
                "operationId": "deleteSavedReply",
                "summary": "Deletes a saved reply (admins).",
                "tags": ["saved-replies"],
                "parameters": [id_parameter("saved reply")],
                "responses": { "204": { "description": "Deleted." }, "404": error("NotFound"), "409": error("Conflict") }
            }), true)
        },
        "/v1/tickets/{id}/saved-replies/{sid}/preview": {
            "get": protected(json!({
                "operationId": "previewSavedReply",
                "summary": "A saved reply filled in for this ticket and the caller: `{buyer_login}`, `{buyer_name}` (the linked customer's name, else the login), `{order_id}`, `{shop_name}` (the integration's display name), `{agent_name}` (the caller's name); unknown values become `-`. Send the text (edited or not) with `POST /v1/tickets/{id}/replies`; the integration's signature is added then.",
                "tags": ["saved-replies"],
                "parameters": [id_parameter("ticket"), sid_parameter()],
                "responses": { "200": ok("The filled text.", "SavedReplyPreview"), "404": error("NotFound") }
            }), false)
        }
    })
}

/// The schemas.
pub(super) fn schemas() -> Value {
    let saved_text = "Plain text (HTML is refused) with the placeholders `{buyer_login}`, `{buyer_name}`, `{order_id}`, `{shop_name}`, `{agent_name}`; any other `{word}` is refused.";
    json!({
        "FieldValue": object(&["field", "value"], json!({ "field": string(), "value": string() })),
        "Customer": object(&["id", "tenant_id", "name", "emails", "custom_fields", "created_at"], json!({
            "id": string(),
            "tenant_id": string(),
            "name": string(),
            "emails": { "type": "array", "items": string() },
            "custom_fields": { "type": "object", "additionalProperties": string(), "description": "Named values, e.g. `Allegro login`; each value identifies this customer in the tenant." },
            "phone": nullable_string(),
            "note": nullable_string(),
            "other_field_values": { "type": "array", "items": reference("FieldValue"), "description": "Field values kept from merged records where this customer had its own value (e.g. a second Allegro login); they still find this customer." },
            "created_at": time(),
            "updated_at": { "type": "string", "format": "date-time", "nullable": true },
            "updated_by": { "allOf": [reference("Actor")], "nullable": true, "description": "Who last changed or merged the customer." },
            "trade": { "allOf": [reference("TradeDetails")], "nullable": true, "description": "Company, NIP, addresses and customer type from the buyer's orders (the ERP card): addresses and type from the latest order, company and NIP from the latest order that had them." }
        })),
        "CustomerPage": object(&["customers", "next_cursor"], json!({
            "customers": { "type": "array", "items": reference("Customer") },
            "next_cursor": nullable_string()
        })),
        "CustomerDetail": object(&["customer", "tickets", "next_cursor"], json!({
            "customer": reference("Customer"),
            "tickets": { "type": "array", "items": reference("Ticket") },
            "next_cursor": nullable_string()
        })),
        "CustomerPatch": strict(&[], json!({
            "name": label(200),
            "emails": emails("The complete list (replaces the stored one); duplicates ignoring case are dropped."),
            "phone": nullable(phone()),
            "custom_fields": {
                "type": "object", "maxProperties": 20,
                "additionalProperties": nullable(label(150)),
                "description": "Fields to set (names 1 to 50 characters, ignoring case; values 1 to 150); `null` removes a field; fields not named stay. At most 20 fields."
            },
            "note": described(nullable(plain_text(5000)), "Plain text for colleagues; HTML is refused. `null` clears it.")
        })),
        "MergeRequest": strict(&["from"], json!({
            "from": described(id_schema(), "The other customer's id: merged into this one and removed.")
        })),
        "SavedReply": object(&["id", "tenant_id", "title", "language", "text", "created_at", "updated_at"], json!({
            "id": string(),
            "tenant_id": string(),
            "title": string(),
            "language": reference("Language"),
            "text": string(),
            "created_at": time(),
            "created_by": { "allOf": [reference("Actor")], "nullable": true },
            "updated_at": time(),
            "updated_by": { "allOf": [reference("Actor")], "nullable": true }
        })),
        "SavedReplyList": object(&["saved_replies"], json!({
            "saved_replies": { "type": "array", "items": reference("SavedReply") }
        })),
        "NewSavedReply": strict(&["title", "text"], json!({
            "title": label(100),
            "language": reference("Language"),
            "text": described(plain_text(20000), saved_text)
        })),
        "SavedReplyPatch": strict(&[], json!({
            "title": label(100),
            "language": reference("Language"),
            "text": described(plain_text(20000), saved_text)
        })),
        "SavedReplyPreview": object(&["saved_reply_id", "text"], json!({
            "saved_reply_id": string(),
            "text": string()
        }))
    })
}
