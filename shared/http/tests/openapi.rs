//! `GET /v1/openapi.json`: a well-formed OpenAPI 3.0 document that matches the router.

mod common;

use common::*;
use marketdesk_core::domain::Role;
use marketdesk_http::route_table;
use serde_json::Value;
use std::collections::BTreeSet;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn documented_routes(doc: &Value) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().expect("path item") {
            assert!(
                METHODS.contains(&method.as_str()),
                "{path}: {method} is not a method"
            );
            routes.insert((method.to_uppercase(), path.clone()));
        }
    }
    routes
}

#[tokio::test]
async fn the_document_is_served_to_key_holders() {
    let api = Api::new();
    let key = api.key("t1", Role::Agent).await;
    let answer = api.get("/v1/openapi.json", &key).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["openapi"], "3.0.3");
    assert_eq!(answer.body, marketdesk_http::openapi_document());
    assert_eq!(
        api.call("GET", "/v1/openapi.json", None, None).await.status,
        401
    );
}

/// Routes a person calls without credentials: signing in, accepting an invitation,
/// resetting a password.
fn is_people_public_route(path: &str) -> bool {
    path == "/v1/sessions"
        || path.starts_with("/v1/invitations/")
        || path.starts_with("/v1/password-resets")
}

#[test]
fn every_route_is_documented_and_every_documented_route_exists() {
    let doc = marketdesk_http::openapi_document();
    let served: BTreeSet<(String, String)> = route_table()
        .into_iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(
        served.len(),
        route_table().len(),
        "no route registered twice"
    );
    let documented = documented_routes(&doc);
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not documented: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:?}"
    );
}

#[tokio::test]
async fn the_router_answers_every_documented_route() {
    let api = Api::new();
    for (method, path) in documented_routes(&api.doc) {
        let concrete = path
            .replace("{id}", "some-id")
            .replace("{token}", "some-token");
        let answer = api.call(&method, &concrete, None, None).await;
        let expected = match path.as_str() {
            "/v1/health" => 200,
            // The browser's OAuth return needs no key; without code and state it is refused.
            "/oauth/allegro/callback" => 400,
            // Sign-in, invitations and resets need no key; a request without a JSON body is refused.
            _ if method.eq_ignore_ascii_case("post") && is_people_public_route(&path) => 415,
            _ => 401,
        };
        assert_eq!(answer.status, expected, "{method} {path}: {}", answer.body);
    }
    let answer = api.call("PUT", "/v1/tickets", None, None).await;
    assert!(
        answer.status == 405 || answer.status == 401,
        "{}",
        answer.status
    );
    let answer = api.call("GET", "/v1/unknown", None, None).await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.code(), "not_found");
}

#[test]
fn the_document_is_well_formed() {
    let doc = marketdesk_http::openapi_document();
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let mut operation_ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        assert!(
            path.starts_with("/v1/") || path == "/oauth/allegro/callback",
            "{path}"
        );
        let template_params: BTreeSet<String> = path
            .split('/')
            .filter(|s| s.starts_with('{'))
            .map(|s| s.trim_matches(|c| c == '{' || c == '}').to_owned())
            .collect();
        for (method, operation) in item.as_object().expect("item") {
            let here = format!("{method} {path}");
            let id = operation["operationId"].as_str().expect("operationId");
            assert!(
                operation_ids.insert(id.to_owned()),
                "{here}: operationId {id} twice"
            );
            assert!(operation["summary"].is_string(), "{here}: summary");
            let responses = operation["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{here}: responses");
            for (status, response) in responses {
                assert!(
                    status.len() == 3 && status.chars().all(|c| c.is_ascii_digit()),
                    "{here}: status {status}"
                );
                let response = resolve(&doc, response);
                assert!(
                    response["description"].is_string(),
                    "{here} {status}: description"
                );
                let html_page = response.pointer("/content/text~1html").is_some();
                if (status.starts_with('4') || status.starts_with('5')) && !html_page {
                    let schema = response
                        .pointer("/content/application~1json/schema/$ref")
                        .and_then(Value::as_str);
                    assert_eq!(
                        schema,
                        Some("#/components/schemas/Error"),
                        "{here} {status}"
                    );
                }
            }
            let path_params: BTreeSet<String> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| {
                    assert_eq!(p["required"], true, "{here}: path parameters are required");
                    p["name"].as_str().expect("name").to_owned()
                })
                .collect();
            assert_eq!(path_params, template_params, "{here}: path parameters");
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                assert!(parameter["schema"].is_object(), "{here}: parameter schema");
                assert!(["path", "query"].contains(&parameter["in"].as_str().unwrap_or("")));
            }
            let public = path == "/v1/health"
                || path == "/oauth/allegro/callback"
                || (method == "post" && is_people_public_route(path));
            assert_eq!(
                operation["security"] == serde_json::json!([]),
                public,
                "{here}: only health, the OAuth callback, sign-in, invitations and resets are open"
            );
            // Sign-in answers 401 to wrong credentials although it needs none.
            let signs_in = method == "post" && path == "/v1/sessions";
            assert_eq!(
                responses.contains_key("401"),
                !public || signs_in,
                "{here}: 401"
            );
            // Action routes (`.../oauth/start`, `.../retry`, `.../invitation`,
            // `.../rotate-secret`, `.../test`) take no body; every other write does.
            let action = path.contains("/oauth/")
                || path.ends_with("/retry")
                || path.ends_with("/invitation")
                || path.ends_with("/rotate-secret")
                || path.ends_with("/test");
            if ["post", "patch"].contains(&method.as_str()) && !action {
                let body = &operation["requestBody"];
                assert_eq!(body["required"], true, "{here}: request body");
                // JSON bodies refuse unknown fields; files (CSV, PDF) have their own checks.
                let json_body = &body["content"]["application/json"]["schema"];
                if !json_body.is_null() {
                    let schema = resolve(&doc, json_body);
                    assert_eq!(
                        schema["additionalProperties"], false,
                        "{here}: bodies refuse unknown fields"
                    );
                }
                assert!(responses.contains_key("422") && responses.contains_key("400"));
            }
        }
    }
    // OpenAPI 3.0 refuses empty `required` lists.
    fn no_empty_required(value: &Value) {
        match value {
            Value::Object(map) => {
                if let Some(required) = map.get("required").and_then(Value::as_array) {
                    assert!(!required.is_empty(), "empty required list in {value}");
                }
                map.values().for_each(no_empty_required);
            }
            Value::Array(list) => list.iter().for_each(no_empty_required),
            _ => {}
        }
    }
    no_empty_required(&doc["components"]);
    // Every $ref resolves.
    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(list) => list.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for reference in all {
        assert!(
            doc.pointer(reference.trim_start_matches('#')).is_some(),
            "dangling {reference}"
        );
    }
}

/// With `openapi-spec-validator` installed (in the repository's `.venv` or on PATH), the
/// document passes the reference validator too; without it this test says SKIPPED.
#[test]
fn the_reference_validator_accepts_the_document() {
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../.venv/bin/openapi-spec-validator");
    let program = if venv.exists() {
        venv.into_os_string()
    } else {
        "openapi-spec-validator".into()
    };
    let file = std::env::temp_dir().join(format!("marketdesk-openapi-{}.json", std::process::id()));
    std::fs::write(
        &file,
        serde_json::to_vec_pretty(&marketdesk_http::openapi_document()).expect("JSON"),
    )
    .expect("write the document");
    let output = std::process::Command::new(&program).arg(&file).output();
    let _ = std::fs::remove_file(&file);
    match output {
        Err(_) => eprintln!("SKIPPED: openapi-spec-validator is not installed"),
        Ok(output) => assert!(
            output.status.success(),
            "openapi-spec-validator refused the document:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// Tagged enums are documented as `oneOf` their variants (utoipa); an answer fits exactly one.
#[test]
fn the_answer_checker_holds_a_tagged_enum_to_one_variant() {
    let doc = marketdesk_http::openapi_document();
    let outcome = serde_json::json!({ "$ref": "#/components/schemas/OfferOutcome" });
    let fits = |value: Value| check_schema(&doc, &outcome, &value, "$");
    assert_eq!(
        fits(serde_json::json!({ "status": "failed", "message": "no stock" })),
        Ok(())
    );
    assert_eq!(fits(serde_json::json!({ "status": "pending" })), Ok(()));
    for wrong in [
        serde_json::json!({ "status": "failed" }),
        serde_json::json!({ "status": "pending", "message": "no stock" }),
        serde_json::json!({ "status": "lost" }),
        serde_json::json!("pending"),
    ] {
        assert!(fits(wrong.clone()).is_err(), "{wrong} was accepted");
    }
}

/// utoipa 4 drops the doc comment of a field that is a `$ref`; the modules put those back.
#[test]
fn fields_that_are_references_keep_their_descriptions() {
    let schemas = &marketdesk_http::openapi_document()["components"]["schemas"];
    for (schema, property, words) in [
        ("Message", "actor", "never sent to the marketplace"),
        ("Message", "delivery", "where the delivery stands"),
        ("TicketDetail", "order", "checkout form"),
        ("AutoresponderPatch", "business_hours", "out_of_hours_text"),
        ("ErpPatch", "customers", "refused with 422"),
        ("SettingsPatch", "offers", "Allegro accounts only"),
        ("Customer", "trade", "ERP card"),
        ("Customer", "updated_by", "merged"),
        ("Me", "user", "null for API keys"),
        ("Order", "created_by", "created automatically"),
    ] {
        let description = schemas[schema]["properties"][property]["description"]
            .as_str()
            .unwrap_or_default();
        assert!(
            description.contains(words),
            "{schema}.{property}: {description:?}"
        );
    }
}
