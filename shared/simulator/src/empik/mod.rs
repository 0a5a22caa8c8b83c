//! The EmpikPlace (Mirakl) side of the simulator: the seller API (`/api/...`: A01, M10–M13,
//! OR11, RE02) with Mirakl's raw-API-key auth, `shop_id` scoping, error bodies, seek and offset
//! paging, plus a control API (`/__simulator/empik/...`) that plays customers and the operator.
//!
//! Rate limiting: Mirakl publishes no numbers (only "call frequency" advice), so the simulator
//! has no rate rule of its own; 429 with `Retry-After` comes from injected faults
//! (`POST /__simulator/faults`).

pub mod account;
pub mod api;
pub mod attachments;
pub mod auth;
pub mod control;
pub mod errors;
pub mod model;
pub mod orders;
pub mod params;
pub mod reasons;
pub mod reply;
pub mod threads;

use model::{ApiKey, Customer, Order, Posted, Shop, StoredAttachment, Thread};
use reasons::Reason;
use std::collections::{BTreeMap, HashMap};

/// Everything the simulated EmpikPlace knows.
#[derive(Debug)]
pub struct EmpikWorld {
    /// Shops by id.
    pub shops: BTreeMap<i64, Shop>,
    /// API keys and the shops each may act for.
    pub api_keys: HashMap<String, ApiKey>,
    /// Customers by id.
    pub customers: BTreeMap<String, Customer>,
    /// Orders, in creation order.
    pub orders: Vec<Order>,
    /// Threads, in creation order.
    pub threads: Vec<Thread>,
    /// Attachment files by id.
    pub attachments: HashMap<String, StoredAttachment>,
    /// What sellers posted through M12, oldest first.
    pub posted: Vec<Posted>,
    /// Reasons (RE02), in their display order.
    pub reasons: Vec<Reason>,
    /// Secret signing seek-pagination tokens.
    token_secret: String,
    next_seq: u64,
}

impl Default for EmpikWorld {
    fn default() -> Self {
        Self {
            shops: BTreeMap::new(),
            api_keys: HashMap::new(),
            customers: BTreeMap::new(),
            orders: Vec::new(),
            threads: Vec::new(),
            attachments: HashMap::new(),
            posted: Vec::new(),
            reasons: reasons::default_reasons(),
            token_secret: uuid::Uuid::new_v4().to_string(),
            next_seq: 0,
        }
    }
}

impl EmpikWorld {
    /// The next number of a per-world sequence (ids and sort tie-breaks).
    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// The secret signing page tokens.
    pub fn token_secret(&self) -> &str {
        &self.token_secret
    }

    /// The thread `id` of `shop_id`, if it exists.
    pub fn thread(&self, shop_id: i64, id: &str) -> Option<&Thread> {
        self.threads
            .iter()
            .find(|thread| thread.id == id && thread.shop_id == shop_id)
    }

    /// The thread `id` of `shop_id`, mutably.
    pub fn thread_mut(&mut self, shop_id: i64, id: &str) -> Option<&mut Thread> {
        self.threads
            .iter_mut()
            .find(|thread| thread.id == id && thread.shop_id == shop_id)
    }

    /// The order `id`, if it exists.
    pub fn order(&self, id: &str) -> Option<&Order> {
        self.orders.iter().find(|order| order.id == id)
    }
}

//END
