//! A client of the marketplace simulator's control API (`/__sandbox`, see docs/sandbox.md):
//! seeding sellers, buyers, offers, orders and conversations, arming faults, moving the
//! simulator's clock and reading what the seller side posted.

use reqwest::Method;
use serde_json::{json, Value};

/// The simulator's control API at one base URL (e.g. `RunningSandbox::base_url`).
#[derive(Clone, Debug)]
pub struct SimulatorControl {
    http: reqwest::Client,
    base_url: String,
}

impl SimulatorControl {
    /// A client of the simulator at `base_url`; it follows no redirects.
    pub fn new(base_url: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client for the simulator's control API");
        Self::with_client(http, base_url)
    }

    /// A client of the simulator at `base_url` sending through `http` (e.g. one that also
    /// walks OAuth redirects in the same test).
    pub fn with_client(http: reqwest::Client, base_url: impl Into<String>) -> Self {
        Self {
            http,
            base_url: base_url.into(),
        }
    }

    /// The HTTP client the calls go through (e.g. for a browser step against the simulator).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The simulator's base URL (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The URL of control path `path` (`/__sandbox` + `path`).
    pub fn url(&self, path: &str) -> String {
        format!("{}/__sandbox{path}", self.base_url)
    }

    /// Any call on the control API, whatever it answers: the status and the JSON body
    /// (`Null` when the body is empty or not JSON).
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        let mut request = self.http.request(method.clone(), self.url(path));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|error| panic!("{method} {path}: {error}"));
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap_or_default();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// `POST` of `body` to `path`, whatever it answers: status and JSON body.
    pub async fn post_status(&self, path: &str, body: &Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    /// `POST` of `body` to `path`, which must succeed (2xx); the answer.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.post_status(path, &body).await;
        assert!(is_success(status), "POST {path}: {status} {answer}");
        answer
    }

    /// `POST` creating something, which must succeed; the `id` of the answer.
    pub async fn create(&self, path: &str, body: Value) -> String {
        self.created(path, body, "id").await
    }

    /// `POST` creating something, which must succeed; the answer's string field `field`.
    pub async fn created(&self, path: &str, body: Value, field: &str) -> String {
        let answer = self.post(path, body).await;
        answer[field]
            .as_str()
            .unwrap_or_else(|| panic!("POST {path}: no {field} in {answer}"))
            .to_owned()
    }

    /// `GET` of `path`, whatever it answers: status and JSON body.
    pub async fn get_status(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }

    /// `GET` of `path`, which must succeed; the answer.
    pub async fn get(&self, path: &str) -> Value {
        let (status, answer) = self.get_status(path).await;
        assert!(is_success(status), "GET {path}: {status} {answer}");
        answer
    }

    /// `PUT` of `body` to `path`, which must succeed; the answer.
    pub async fn put(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.call(Method::PUT, path, Some(&body)).await;
        assert!(is_success(status), "PUT {path}: {status} {answer}");
        answer
    }

    /// `DELETE` of `path`, which must succeed.
    pub async fn delete(&self, path: &str) {
        let (status, answer) = self.call(Method::DELETE, path, None).await;
        assert!(is_success(status), "DELETE {path}: {status} {answer}");
    }

    /// Arms a fault rule (`POST /__sandbox/faults`, answered 201).
    pub async fn fault(&self, rule: Value) {
        let (status, answer) = self.post_status("/faults", &rule).await;
        assert_eq!(status, 201, "POST /faults: {answer}");
    }

    /// Disarms every fault rule.
    pub async fn clear_faults(&self) {
        self.delete("/faults").await;
    }

    /// Moves the simulator's clock `seconds` forward (its own clock, not the backend's).
    pub async fn advance_clock(&self, seconds: i64) {
        let (status, answer) = self
            .post_status("/clock/advance", &json!({ "seconds": seconds }))
            .await;
        assert_eq!(status, 200, "POST /clock/advance: {answer}");
    }

    /// The simulator's log of calls to the marketplaces' APIs whose path starts with
    /// `path_prefix` (all with `""`), oldest first.
    pub async fn requests(&self, path_prefix: &str) -> Vec<Value> {
        let path = if path_prefix.is_empty() {
            "/requests".to_owned()
        } else {
            format!("/requests?path_prefix={path_prefix}")
        };
        self.get(&path).await["requests"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Empties the simulator's request log.
    pub async fn clear_requests(&self) {
        self.delete("/requests").await;
    }

    /// A new Allegro seller `login`, signed in when `sign_in` (the one who approves
    /// authorization requests); its id.
    pub async fn allegro_seller(&self, login: &str, sign_in: bool) -> String {
        self.create(
            "/allegro/sellers",
            json!({ "login": login, "sign_in": sign_in }),
        )
        .await
    }

    /// A new Allegro buyer (`body` as the control API takes it, at least `login`); the answer
    /// (`id`, `email`, `plain_email`, …).
    pub async fn allegro_buyer(&self, body: Value) -> Value {
        self.post("/allegro/buyers", body).await
    }

    /// A new EmpikPlace shop (`body` as the control API takes it, at least `name`); the answer
    /// (`shop_id`, `api_key`).
    pub async fn mirakl_shop(&self, body: Value) -> Value {
        self.post("/mirakl/shops", body).await
    }

    /// A new EmpikPlace customer; the answer (`customer_id`, …).
    pub async fn mirakl_customer(&self, firstname: &str, lastname: &str) -> Value {
        self.post(
            "/mirakl/customers",
            json!({ "firstname": firstname, "lastname": lastname }),
        )
        .await
    }

    /// What sellers posted through Allegro's API, per the control API; `query` filters it
    /// (`?conversation_id=…`, `?seller_id=…`, or empty for everything).
    pub async fn allegro_posted(&self, query: &str) -> Vec<Value> {
        posted(self.get(&format!("/allegro/inbox/posted{query}")).await)
    }

    /// What shops posted through M12, oldest first: into EmpikPlace thread `thread_id`, or
    /// everywhere when `None`.
    pub async fn mirakl_posted(&self, thread_id: Option<&str>) -> Vec<Value> {
        let path = match thread_id {
            Some(thread_id) => format!("/mirakl/threads/{thread_id}/posted"),
            None => "/mirakl/posted".to_owned(),
        };
        posted(self.get(&path).await)
    }
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

fn posted(answer: Value) -> Vec<Value> {
    answer["posted"].as_array().cloned().unwrap_or_default()
}
