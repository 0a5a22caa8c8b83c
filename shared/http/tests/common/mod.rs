//! Shared by the API tests: the router on a temporary embedded backend, keys, seeded
//! tickets and customers, and a check of every answer against the OpenAPI document.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use http_body_util::BodyExt;
use marketdesk_core::domain::{Customer, Message, Role, Ticket};
use marketdesk_core::ids::CustomerId;
use marketdesk_core::repo::{customers, tickets};
use marketdesk_core::services::api_keys;
use marketdesk_http::{openapi_document, route_table, router, AppState};
use marketdesk_testkit::backend::{temp_backend, TempBackend};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use tower::ServiceExt;

/// An answer of the API.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The JSON body (`Null` when empty).
    pub body: Value,
}

impl Answer {
    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// The field named by an error answer.
    pub fn field(&self) -> &str {
        self.body["error"]["field"].as_str().unwrap_or("")
    }
}

/// The router on a fresh backend.
pub struct Api {
    pub backend: TempBackend,
    pub state: AppState,
    pub router: Router,
    pub doc: Value,
}

impl Api {
    pub fn new() -> Self {
        Self::with_state(|state| state)
    }

    pub fn with_state(configure: impl FnOnce(AppState) -> AppState) -> Self {
        let backend = temp_backend();
        let state = configure(AppState::new(backend.ports.clone()));
        let router = router(state.clone());
        Self {
            backend,
            state,
            router,
            doc: openapi_document(),
        }
    }

    /// Creates a key of `tenant` (and the tenant) with `role`.
    pub async fn key(&self, tenant: &str, role: Role) -> String {
        let created = api_keys::create_for_tenant(
            &self.backend.ports,
            tenant,
            role,
            Some(format!("{tenant} {role:?}")),
        )
        .await
        .expect("key created");
        created.secret.expose_secret().to_owned()
    }

    /// Sends a request; a JSON body is sent as `application/json`.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(key) = key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        let request = match body {
            Some(body) => request
                .header("content-type", "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .expect("request");
        self.send(request).await
    }

    /// Sends `text` as an `application/json` body, byte for byte (for bodies a `Value` cannot
    /// hold, such as duplicate keys).
    pub async fn send_text(&self, method: &str, path: &str, key: &str, text: &str) -> Answer {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {key}"))
            .header("content-type", "application/json")
            .body(Body::from(text.to_owned()))
            .expect("request");
        self.send(request).await
    }

    /// Sends a request as built, and checks the answer against the OpenAPI document.
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let method = request.method().as_str().to_owned();
        let path = request.uri().path().to_owned();
        let response = self.router.clone().oneshot(request).await.expect("answer");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let is_html = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        let is_json = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let body = if bytes.is_empty() {
            Value::Null
        } else if is_html || !is_json {
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{method} {path} answered {status} with a body that is not JSON ({e}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        let answer = Answer {
            status,
            headers,
            body,
        };
        check_documented(&self.doc, &method, &path, &answer);
        answer
    }

    pub async fn get(&self, path: &str, key: &str) -> Answer {
        self.call("GET", path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> Answer {
        self.call("POST", path, Some(key), Some(body)).await
    }

    pub async fn patch(&self, path: &str, key: &str, body: Value) -> Answer {
        self.call("PATCH", path, Some(key), Some(body)).await
    }

    pub async fn delete(&self, path: &str, key: &str) -> Answer {
        self.call("DELETE", path, Some(key), None).await
    }
}

/// The route template matching a concrete path, e.g. `/v1/tickets/abc` → `/v1/tickets/{id}`;
/// a literal segment wins over a parameter, as in the router (`/v1/customers/export`).
pub fn template_for(method: &str, path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    route_table()
        .into_iter()
        .filter(|route| route.method == method)
        .map(|route| route.path)
        .filter(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| (t.starts_with('{') && !s.is_empty()) || t == s)
        })
        .min_by_key(|template| template.matches('{').count())
}

/// Follows a `$ref` inside the document.
pub fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            let target = doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling $ref {reference}"));
            resolve(doc, target)
        }
        None => value,
    }
}

/// Checks that the answer's status is documented for the route and its body fits the schema.
pub fn check_documented(doc: &Value, method: &str, path: &str, answer: &Answer) {
    let Some(template) = template_for(method, path) else {
        return;
    };
    let operation = &doc["paths"][template][method.to_lowercase()];
    assert!(
        operation.is_object(),
        "{method} {template} is served but not documented"
    );
    let status = answer.status.as_str();
    let documented = &operation["responses"][status];
    assert!(
        documented.is_object(),
        "{method} {path} answered {status}, which the document does not list: {}",
        answer.body
    );
    let documented = resolve(doc, documented);
    if documented
        .pointer("/content/application~1octet-stream")
        .is_some()
    {
        assert!(
            answer.body.is_string(),
            "{method} {path} answered {status} without the documented file"
        );
        return;
    }
    let text_file = ["/content/text~1csv", "/content/application~1xml"]
        .iter()
        .any(|media| documented.pointer(media).is_some());
    if text_file {
        assert!(
            answer.body.is_string(),
            "{method} {path} answered {status} without the documented file"
        );
        return;
    }
    if documented.pointer("/content/text~1html").is_some() {
        assert!(
            answer.body.is_string(),
            "{method} {path} answered {status} without the documented HTML page"
        );
        return;
    }
    match documented.pointer("/content/application~1json/schema") {
        Some(schema) => {
            if let Err(problem) = check_schema(doc, schema, &answer.body, "$") {
                panic!(
                    "{method} {path} answered {status} with a body that does not fit the document: {problem}\n{}",
                    answer.body
                );
            }
        }
        None => assert!(
            answer.body.is_null(),
            "{method} {path} answered {status} with a body the document does not describe"
        ),
    }
}

/// Checks `value` against the subset of JSON Schema the document uses. Answers may hold
/// no property the document does not describe.
pub fn check_schema(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    check(doc, schema, value, at, true)
}

fn check(doc: &Value, schema: &Value, value: &Value, at: &str, strict: bool) -> Result<(), String> {
    let schema = resolve(doc, schema);
    if value.is_null() {
        return if schema["nullable"] == json!(true) {
            Ok(())
        } else {
            Err(format!("{at} is null but not nullable"))
        };
    }
    if let Some(all) = schema["allOf"].as_array() {
        for part in all {
            check(doc, part, value, at, false)?;
        }
        if let (true, Some(object)) = (strict, value.as_object()) {
            for name in object.keys() {
                if !documented_somewhere(doc, schema, name) {
                    return Err(format!("{at}.{name} is not documented"));
                }
            }
        }
    }
    // A tagged enum: the value fits exactly one variant's schema.
    if let Some(parts) = schema["oneOf"].as_array() {
        let fitting = parts
            .iter()
            .filter(|part| check(doc, part, value, at, strict).is_ok())
            .count();
        if fitting != 1 {
            return Err(format!(
                "{at} = {value} fits {fitting} of the oneOf schemas, not exactly one"
            ));
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        if !values.contains(value) {
            return Err(format!("{at} = {value} is not one of {values:?}"));
        }
    }
    let Some(kind) = schema["type"].as_str() else {
        return Ok(());
    };
    let fits = match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        other => return Err(format!("{at}: schema type {other} unknown to the checker")),
    };
    if !fits {
        return Err(format!("{at} = {value} is not of type {kind}"));
    }
    if let Some(object) = value.as_object() {
        let properties = schema["properties"].as_object();
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                return Err(format!("{at}.{name} is required but missing"));
            }
        }
        for (name, field) in object {
            let here = format!("{at}.{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(field_schema) => check(doc, field_schema, field, &here, true)?,
                None => match &schema["additionalProperties"] {
                    extra @ Value::Object(_) => check(doc, extra, field, &here, true)?,
                    Value::Bool(true) => {}
                    _ if strict && properties.is_some() => {
                        return Err(format!("{here} is not documented"))
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, item) in list.iter().enumerate() {
            check(doc, items, item, &format!("{at}[{i}]"), true)?;
        }
    }
    Ok(())
}

fn documented_somewhere(doc: &Value, schema: &Value, name: &str) -> bool {
    let schema = resolve(doc, schema);
    if schema["properties"].get(name).is_some() {
        return true;
    }
    // A nullable `$ref` is `allOf` one schema, which may be a tagged enum (`oneOf`).
    ["allOf", "oneOf"]
        .iter()
        .filter_map(|key| schema[*key].as_array())
        .flatten()
        .any(|part| documented_somewhere(doc, part, name))
}

/// A ticket of `tenant`, built from JSON as the store holds it; `minutes_ago` orders activity.
pub fn ticket(tenant: &str, integration: &str, external: &str, minutes_ago: i64) -> Ticket {
    let at: DateTime<Utc> = Utc::now() - Duration::minutes(minutes_ago);
    serde_json::from_value(json!({
        "id": format!("tk-{tenant}-{external}"),
        "tenant_id": tenant,
        "integration_id": integration,
        "conversation": { "kind": "allegro_dispute", "external_id": external },
        "source": "allegro",
        "subject": format!("Problem {external}"),
        "status": "open",
        "marketplace_status": "ONGOING",
        "open_for_replies": true,
        "queue": null,
        "category": null,
        "buyer_login": format!("buyer_{external}"),
        "customer_id": null,
        "order_id": null,
        "panel": { "reason_code": null, "conversation_url": null, "order_url": null, "products": [] },
        "last_author": "buyer",
        "needs_reply": true,
        "created_at": at,
        "updated_at": at
    }))
    .expect("a ticket decodes from its JSON form")
}

/// Stores a ticket.
pub async fn store_ticket(api: &Api, ticket: &Ticket) {
    tickets::create_for_conversation(&*api.backend.ports.store, ticket)
        .await
        .expect("ticket stored");
}

/// Stores a message of a ticket.
pub async fn store_message(api: &Api, ticket: &Ticket, external: &str, author: &str, text: &str) {
    let message: Message = serde_json::from_value(json!({
        "id": format!("m-{external}"),
        "ticket_id": ticket.id,
        "external_id": external,
        "author": author,
        "author_name": "someone",
        "text": text,
        "attachments": [],
        "created_at": ticket.updated_at
    }))
    .expect("a message decodes");
    tickets::add_message(
        &*api.backend.ports.store,
        &ticket.tenant_id,
        &message,
        &format!("X{external}"),
    )
    .await
    .expect("message stored");
}

/// Stores a customer with one custom field.
pub async fn store_customer(
    api: &Api,
    tenant: &str,
    id: &str,
    name: &str,
    field: &str,
    value: &str,
) -> Customer {
    let customer = Customer {
        emails: vec![format!("{id}@example.com")],
        custom_fields: BTreeMap::from([(field.to_owned(), value.to_owned())]),
        ..Customer::new(CustomerId::from(id), tenant.into(), name, Utc::now())
    };
    customers::create(&*api.backend.ports.store, &customer)
        .await
        .expect("customer stored");
    customer
}

/// The app state letting webhooks target private addresses (the tests' receivers).
pub fn allowing_private(state: AppState) -> AppState {
    let settings = marketdesk_core::services::webhooks::WebhookSettings {
        policy: marketdesk_core::ports::AddressPolicy {
            allow_private: true,
        },
        ..Default::default()
    };
    let resolver = state.webhook_resolver.clone();
    state.with_webhooks(resolver, settings)
}

/// A valid body creating an EmpikPlace integration.
pub fn empik_body() -> Value {
    json!({
        "kind": "empikplace",
        "display_name": "Empik shop",
        "environment": "sandbox",
        "api_key": "mirakl-secret-key-123",
        "settings": {
            "crm_field": "Empik ID",
            "ticket_queue": "Empik",
            "ticket_category": "Marketplace",
            "status_mapping": { "resolved": "solved", "unresolved": "closed" },
            "closure_message": "Is everything fine now?",
            "autoresponder": {
                "enabled": true,
                "text": "Thanks, we answer within a day.",
                "delay_minutes": 5,
                "notify": ["ops@example.com"]
            }
        }
    })
}

/// Stores an Allegro account `id` named `name` of `tenant` in `environment`.
pub async fn store_allegro(
    api: &Api,
    tenant: &str,
    id: &str,
    name: &str,
    environment: marketdesk_core::domain::Environment,
) -> marketdesk_core::domain::Integration {
    let integration = marketdesk_core::domain::Integration::new(
        id.into(),
        tenant.into(),
        marketdesk_core::domain::Marketplace::Allegro,
        name,
        environment,
        Utc::now(),
    );
    marketdesk_core::repo::integrations::create(&*api.backend.ports.store, &integration)
        .await
        .expect("integration stored");
    integration
}

/// A buy-now offer `id` of `integration` in `status`: 4 in stock at 19.90 PLN, with an EAN
/// and an image, not linked, "do not renew" on (the default).
pub fn sample_offer(
    integration: &str,
    id: &str,
    name: &str,
    status: marketdesk_core::domain::offer::OfferStatus,
) -> marketdesk_core::domain::offer::MarketOffer {
    marketdesk_core::domain::offer::MarketOffer {
        id: id.into(),
        integration_id: integration.into(),
        name: name.into(),
        status,
        format: marketdesk_core::domain::offer::SellingFormat::BuyNow,
        stock: 4,
        price: Some("19.90".into()),
        currency: Some("PLN".into()),
        ean: Some("5901234123457".into()),
        image_url: Some("https://a.allegroimg.com/kubek.jpg".into()),
        ended_at: None,
        archived: false,
        product_sku: None,
        linked_at: None,
        no_auto_renew: true,
        price_sync: false,
        read_at: Utc::now(),
    }
}

/// Stores `offer` of tenant `tenant` (a new offer).
pub async fn store_offer(
    api: &Api,
    tenant: &str,
    offer: &marketdesk_core::domain::offer::MarketOffer,
) {
    marketdesk_core::repo::offers::save(
        &*api.backend.ports.store,
        &tenant.into(),
        &offer.integration_id.as_str().into(),
        offer,
        None,
    )
    .await
    .expect("offer stored");
}
