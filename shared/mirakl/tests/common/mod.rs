//! A simulator per test, seeded through its control API (`/__sandbox/mirakl/...`).
#![allow(dead_code)] // each test binary uses a different part

use marketdesk_mirakl::{MiraklClient, MiraklConfig, RetryPolicy};
use marketdesk_sandbox::RunningSandbox;
use marketdesk_testkit::SimulatorControl;
use serde_json::{json, Value};
use std::time::Duration;

/// The key of the shop every test starts with.
pub const API_KEY: &str = "test-key-8f2c1e9a";

/// A running simulator with one shop (key [`API_KEY`]) and one customer.
pub struct World {
    /// The simulator.
    pub sandbox: RunningSandbox,
    /// The simulator's control API.
    pub control: SimulatorControl,
    /// The shop.
    pub shop_id: i64,
    /// The customer.
    pub customer_id: String,
}

impl World {
    /// A fresh simulator with shop "Sklep Testowy" and customer Jan Kowalski.
    pub async fn new() -> Self {
        let sandbox = RunningSandbox::start_local().await.expect("sandbox starts");
        let mut world = Self {
            control: SimulatorControl::new(&sandbox.base_url),
            sandbox,
            shop_id: 0,
            customer_id: String::new(),
        };
        world.shop_id = world.create_shop("Sklep Testowy", Some(API_KEY)).await;
        world.customer_id = world.create_customer("Jan", "Kowalski").await;
        world
    }

    /// Settings for the simulator with fast retries (tests stay short).
    pub fn config(&self, api_key: &str) -> MiraklConfig {
        MiraklConfig::new(api_key.to_owned())
            .with_base_url(format!("{}/api", self.sandbox.base_url))
            .with_timeout(Duration::from_secs(5))
            .with_retry(RetryPolicy {
                max_attempts: 3,
                base_delay: Duration::from_millis(20),
                max_delay: Duration::from_millis(100),
                max_inline_retry_after: Duration::from_secs(5),
            })
    }

    /// A client of the first shop.
    pub fn client(&self) -> MiraklClient {
        MiraklClient::new(self.config(API_KEY)).expect("client")
    }

    /// A new shop; `api_key` names an existing key to give it a second shop.
    pub async fn create_shop(&self, name: &str, api_key: Option<&str>) -> i64 {
        let mut body = json!({ "name": name });
        if let Some(key) = api_key {
            body["api_key"] = json!(key);
        }
        let created = self.control.post("/mirakl/shops", body).await;
        created["shop_id"].as_i64().expect("shop_id")
    }

    /// A new customer.
    pub async fn create_customer(&self, firstname: &str, lastname: &str) -> String {
        let created = self
            .control
            .post(
                "/mirakl/customers",
                json!({ "firstname": firstname, "lastname": lastname }),
            )
            .await;
        created["customer_id"]
            .as_str()
            .expect("customer_id")
            .to_owned()
    }

    /// A new order of the first shop's customer; `lines` as the control API takes them.
    pub async fn create_order(&self, lines: Value) -> String {
        let created = self
            .control
            .post(
                "/mirakl/orders",
                json!({ "shop_id": self.shop_id, "customer_id": self.customer_id, "lines": lines }),
            )
            .await;
        created["order_id"].as_str().expect("order_id").to_owned()
    }

    /// A thread opened by the customer; extra fields (`order_id`, `date`, `attachment`,
    /// `topic`) merged into the control body.
    pub async fn create_thread(&self, body: &str, extra: Value) -> Value {
        let mut request = json!({
            "shop_id": self.shop_id,
            "customer_id": self.customer_id,
            "topic": { "type": "FREE_TEXT", "value": "Pytanie o dostawę" },
            "body": body,
        });
        if let (Some(target), Some(fields)) = (request.as_object_mut(), extra.as_object()) {
            for (key, value) in fields {
                target.insert(key.clone(), value.clone());
            }
        }
        self.control.post("/mirakl/threads", request).await
    }

    /// The id of a thread created with [`Self::create_thread`].
    pub async fn thread_id(&self, body: &str, extra: Value) -> String {
        self.create_thread(body, extra).await["thread_id"]
            .as_str()
            .expect("thread_id")
            .to_owned()
    }

    /// A message written in the thread by CUSTOMER, OPERATOR or SHOP (the panel).
    pub async fn add_message(&self, thread_id: &str, from: &str, body: &str) -> Value {
        self.control
            .post(
                &format!("/mirakl/threads/{thread_id}/messages"),
                json!({ "from": from, "body": body }),
            )
            .await
    }

    /// Arms a fault (`POST /__sandbox/faults`).
    pub async fn fault(&self, rule: Value) {
        self.control.fault(rule).await;
    }

    /// What the seller posted to `thread_id` through M12.
    pub async fn posted(&self, thread_id: &str) -> Vec<Value> {
        self.control.mirakl_posted(Some(thread_id)).await
    }
}
