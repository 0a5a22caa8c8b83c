//! Limits: 413 for bodies and 414 for request targets over the limit answer in the API's
//! JSON error format, and the limits the OpenAPI document states for string fields
//! (`minLength`, `maxLength`, `pattern`) are the ones the validation enforces.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use marketdesk_core::domain::{ConversationKind, IntegrationKind, Role, Source};
use marketdesk_http::{BODY_LIMIT_BYTES, URI_LIMIT_BYTES};
use marketdesk_testkit::backend::seed_connected_integration;
use serde_json::{json, Value};

fn assert_json_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.code(), code);
    assert!(answer.body["error"]["message"].is_string());
    assert!(answer
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json")));
}

#[tokio::test]
async fn too_long_request_targets_answer_414_in_json() {
    let api = Api::new();
    let key = api.key("t1", Role::Admin).await;
    let long = "x".repeat(URI_LIMIT_BYTES);
    for target in [
        format!("/v1/tickets?q={long}"),
        format!("/v1/tickets/{long}"),
        format!("/v1/health?{long}"),
        format!("/nowhere/{long}"),
    ] {
        let answer = api.get(&target, &key).await;
        assert_json_error(&answer, 414, "uri_too_long");
        let answer = api.call("GET", &target, None, None).await;
        assert_json_error(&answer, 414, "uri_too_long");
    }
    // Just within the limit is served.
    let query = format!("/v1/tickets?q={}", "x".repeat(URI_LIMIT_BYTES - 14));
    assert_eq!(query.len(), URI_LIMIT_BYTES);
    assert_eq!(api.get(&query, &key).await.status, 200);
}

#[tokio::test]
async fn too_large_bodies_answer_413_in_json() {
    let api = Api::new();
    let key = api.key("t1", Role::Admin).await;
    for path in [
        "/v1/api-keys",
        "/v1/integrations",
        "/v1/tickets/t-1/comments",
    ] {
        let request = Request::post(path)
            .header("authorization", format!("Bearer {key}"))
            .header("content-type", "application/json")
            .body(Body::from(vec![b' '; BODY_LIMIT_BYTES + 1]))
            .expect("request");
        let answer = api.send(request).await;
        assert_json_error(&answer, 413, "payload_too_large");
    }
}

/// What the document says of a string: its schema's `minLength`, `maxLength` and `pattern`.
fn documented_verdict(schema: &Value, value: &str) -> bool {
    let chars = value.chars().count() as u64;
    let min = schema["minLength"].as_u64().unwrap_or(0);
    let max = schema["maxLength"].as_u64().unwrap_or(u64::MAX);
    let pattern = schema["pattern"]
        .as_str()
        .map(|p| regex_lite::Regex::new(p).unwrap_or_else(|e| panic!("pattern {p}: {e}")));
    chars >= min && chars <= max && pattern.is_none_or(|p| p.is_match(value))
}

/// The schema of a body field, following `$ref`s and `allOf`s (`a.b.c`).
fn field_schema<'a>(doc: &'a Value, mut schema: &'a Value, path: &str) -> &'a Value {
    for name in path.split('.') {
        schema = resolve(doc, schema);
        if let Some(first) = schema["allOf"].get(0) {
            schema = resolve(doc, first);
        }
        schema = &schema["properties"][name];
    }
    let schema = resolve(doc, schema);
    match schema["allOf"].get(0) {
        Some(first) => resolve(doc, first),
        None => schema,
    }
}

/// Dotted paths of the string fields (no enum or format) of a body schema.
fn string_fields(doc: &Value, schema: &Value, prefix: &str, out: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    let schema = match schema["allOf"].get(0) {
        Some(first) => resolve(doc, first),
        None => schema,
    };
    for name in schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, _)| name)
    {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let resolved = field_schema(doc, schema, name);
        match resolved["type"].as_str() {
            Some("string")
                if resolved.get("enum").is_none() && resolved.get("format").is_none() =>
            {
                out.push(path)
            }
            Some("object") => string_fields(doc, resolved, &path, out),
            _ => {}
        }
    }
}

/// `body` with the dotted `path` set to `value`.
fn with_field(mut body: Value, path: &str, value: &str) -> Value {
    let mut at = &mut body;
    for name in path.split('.') {
        if !at[name].is_object() && path.ends_with(name) {
            at[name] = Value::String(value.to_owned());
            break;
        }
        at = &mut at[name];
    }
    body
}

/// Values that probe lengths, blanks, control characters and the time format.
fn probes(schema: &Value) -> Vec<String> {
    let mut values: Vec<String> = [
        "", " ", "ok", "\t", "a\u{1}b", "a\nb", "a\tb", "tab\t", "ż", "a/b", "12:00", " 7:05 ",
        "8:5", "12:00:00",
    ]
    .iter()
    .map(|v| v.to_string())
    .collect();
    if let Some(max) = schema["maxLength"].as_u64() {
        let max = max as usize;
        values.extend([
            "x".repeat(max),
            "x".repeat(max + 1),
            "ż".repeat(max),
            "ż".repeat(max + 1),
        ]);
    }
    values
}

#[tokio::test]
async fn documented_string_limits_are_the_limits_enforced() {
    let api = Api::new();
    let admin = api.key("t1", Role::Admin).await;
    let integration = api.post("/v1/integrations", &admin, empik_body()).await;
    let integration_id = integration.body["id"].as_str().expect("id").to_owned();
    seed_connected_integration(
        &api.backend.ports,
        "t1",
        "int-e",
        IntegrationKind::Empikplace,
    )
    .await;
    // Offer settings are Allegro's (documented so, refused for EmpikPlace): probed on an
    // Allegro account.
    seed_connected_integration(&api.backend.ports, "t1", "int-a", IntegrationKind::Allegro).await;
    let allegro_patch = "/v1/integrations/int-a".to_owned();
    let mut empik_ticket = ticket("t1", "int-e", "E-1", 1);
    empik_ticket.conversation.kind = ConversationKind::EmpikThread;
    empik_ticket.source = Source::Empikplace;
    store_ticket(&api, &empik_ticket).await;

    let mut settings_base = empik_body();
    settings_base["settings"]["autoresponder"]["enabled"] = json!(false);
    settings_base["settings"]["autoresponder"]["business_hours"] =
        json!({ "days": [1, 2], "start": "00:00", "end": "23:59" });
    settings_base["settings"]["sla"]["business_hours"] =
        json!({ "days": [1, 2], "start": "00:00", "end": "23:59" });
    let mut patch_base = settings_base.clone();
    if let Some(object) = patch_base.as_object_mut() {
        object.remove("kind");
        object.remove("environment");
    }
    store_customer(&api, "t1", "c-1", "Anna Nowak", "Allegro login", "anna_n").await;
    let saved = api
        .post(
            "/v1/saved-replies",
            &admin,
            json!({ "title": "Thanks", "text": "Hello {buyer_name}" }),
        )
        .await;
    let saved_id = saved.body["id"].as_str().expect("id").to_owned();
    let reply_base = json!({
        "text": "Hello there",
        "attachment": { "filename": "a.pdf", "content_type": "application/pdf", "data_base64": "AAAA" }
    });
    let routes = [
        (
            "POST",
            "/v1/api-keys".to_owned(),
            json!({ "role": "agent" }),
        ),
        ("POST", "/v1/integrations".to_owned(), settings_base),
        (
            "PATCH",
            format!("/v1/integrations/{integration_id}"),
            patch_base,
        ),
        (
            "PATCH",
            allegro_patch.clone(),
            json!({ "settings": { "offers": { "enabled": true } } }),
        ),
        (
            "POST",
            format!("/v1/tickets/{}/comments", empik_ticket.id),
            json!({ "text": "a note" }),
        ),
        (
            "POST",
            format!("/v1/tickets/{}/replies", empik_ticket.id),
            reply_base,
        ),
        (
            "POST",
            "/v1/saved-replies".to_owned(),
            json!({ "title": "Thanks", "text": "Hello" }),
        ),
        (
            "PATCH",
            format!("/v1/saved-replies/{saved_id}"),
            json!({ "title": "Thanks", "text": "Hello" }),
        ),
        (
            "PATCH",
            "/v1/customers/c-1".to_owned(),
            json!({ "name": "Anna", "phone": "600 100 200", "note": "ok" }),
        ),
        (
            "PATCH",
            format!("/v1/tickets/{}", empik_ticket.id),
            json!({ "priority": "high" }),
        ),
    ];
    // The reply text's length is the conversation's (documented in words, and in the maximum);
    // an assignee must also be a user of the tenant (any other well-formed id is refused).
    let not_probed = ["text@/v1/tickets/{id}/replies", "assignee@/v1/tickets/{id}"];
    let mut probed = 0;
    for (method, path, base) in routes {
        let template = template_for(method, &path).expect("a route");
        let body_schema = &api.doc["paths"][template][method.to_lowercase()]["requestBody"]
            ["content"]["application/json"]["schema"];
        assert!(body_schema.is_object(), "{method} {template} has a body");
        let mut fields = Vec::new();
        string_fields(&api.doc, body_schema, "", &mut fields);
        assert!(!fields.is_empty(), "{method} {template}");
        for field in fields {
            if not_probed.contains(&format!("{field}@{template}").as_str()) {
                continue;
            }
            if field.starts_with("settings.offers.") != (path == allegro_patch) {
                continue;
            }
            let schema = field_schema(&api.doc, body_schema, &field);
            for value in probes(schema) {
                let body = with_field(base.clone(), &field, &value);
                let answer = api.call(method, &path, Some(&admin), Some(body)).await;
                let documented = documented_verdict(schema, &value);
                let shown: String = format!("{value:?}").chars().take(40).collect();
                let what = format!("{method} {template} {field} = {shown}");
                if documented {
                    assert!(
                        answer.status.is_success(),
                        "{what}: the document allows it, the API answered {} {}",
                        answer.status,
                        answer.body
                    );
                } else {
                    assert_eq!(
                        answer.status, 422,
                        "{what}: the document refuses it, the API answered {}",
                        answer.body
                    );
                    assert_eq!(answer.field(), field, "{what}: {}", answer.body);
                }
                probed += 1;
            }
        }
    }
    assert!(probed > 200, "{probed}");
}

#[tokio::test]
async fn query_parameters_documented_as_not_empty_are_refused_empty() {
    let api = Api::new();
    let key = api.key("t1", Role::Agent).await;
    store_customer(&api, "t1", "c-1", "Celina", "Allegro login", "celina").await;
    let mut checked = 0;
    for (template, path, base) in [
        ("/v1/tickets", "/v1/tickets", ""),
        ("/v1/customers", "/v1/customers", "name=a&"),
        ("/v1/customers/{id}", "/v1/customers/c-1", ""),
    ] {
        for parameter in api.doc["paths"][template]["get"]["parameters"]
            .as_array()
            .expect("parameters")
        {
            let name = parameter["name"].as_str().expect("name");
            if parameter["in"] != "query" || parameter["schema"]["minLength"].as_u64() < Some(1) {
                continue;
            }
            let query = match (template, name) {
                ("/v1/customers", "field") => format!("{name}=&value=x"),
                _ => format!("{base}{name}="),
            };
            let answer = api.get(&format!("{path}?{query}"), &key).await;
            assert_eq!(answer.status, 422, "{path}?{query}: {}", answer.body);
            assert_eq!(answer.field(), name, "{path}?{query}");
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked}");
}
