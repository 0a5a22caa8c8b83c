//! The data set the benches share: 10 000 conversations ingested through `ingest::run` as the
//! pollers deliver them, plus the workflow changes agents make, on the embedded backend and on
//! DynamoDB Local. One seeding of a DynamoDB Local table serves every bench
//! (`MARKETDESK_BENCH_DYNAMODB_SEEDED=<table>/<tenant>`, printed when a run seeds one).
//!
//! The data: a third EmpikPlace threads, the rest Allegro disputes and threads; a 3-word subject
//! and 2 messages of 12 words from [`WORDS`]; every other conversation ends with the buyer
//! (needs a reply). The Allegro account files its tickets in queue `allegro`, EmpikPlace in
//! `empik`. One agent, [`AGENT_EMAIL`]; every tenth ticket is assigned to them and tagged
//! [`TAG`], every twentieth (another tenth's half) set to `pending` (`services::workflow`).
//!
//! Environment: `MARKETDESK_BENCH_TICKETS` (10 000), `MARKETDESK_BENCH_LOCAL=0` (skip the
//! embedded backend), `MARKETDESK_TEST_DYNAMODB_ENDPOINT` (DynamoDB Local; skipped without),
//! `MARKETDESK_BENCH_DYNAMODB_TICKETS` (another count there), `MARKETDESK_BENCH_DYNAMODB_SEEDED`,
//! `MARKETDESK_BENCH_CONCURRENCY` (conversations ingested at a time, default 32).

#![allow(dead_code)] // each bench uses part of it

use chrono::{Duration, TimeZone, Utc};
use marketdesk_core::domain::{
    Actor, AuthorKind, ConversationKind, ConversationRef, Environment, Integration, Language,
    Marketplace, Role, User,
};
use marketdesk_core::ids::{TenantId, UserId};
use marketdesk_core::jobs::{InboundEvent, InboundMessage};
use marketdesk_core::ports::{
    Condition, Item, Key, Page, Ports, Query, Store, StoreError, SystemClock, WriteOp,
};
use marketdesk_core::repo::integrations;
use marketdesk_core::repo::users::{self, StoredUser};
use marketdesk_core::repo::word_index::StoreWordIndex;
use marketdesk_core::services::{ingest, workflow};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The seeded agent's e-mail (found again in a table seeded before).
pub const AGENT_EMAIL: &str = "agent@bench.example";
/// The tag of every tenth ticket.
pub const TAG: &str = "pilne";

/// Counts the store requests and the items they read (DynamoDB bills reads by item size).
pub struct Counting {
    inner: Arc<dyn Store>,
    requests: AtomicUsize,
    items: AtomicUsize,
}

impl Counting {
    pub fn wrap(inner: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            requests: AtomicUsize::new(0),
            items: AtomicUsize::new(0),
        })
    }

    /// The counts so far, then zero.
    pub fn take(&self) -> (usize, usize) {
        (
            self.requests.swap(0, Ordering::Relaxed),
            self.items.swap(0, Ordering::Relaxed),
        )
    }
}

#[async_trait::async_trait]
impl Store for Counting {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let item = self.inner.get(key).await?;
        self.items
            .fetch_add(usize::from(item.is_some()), Ordering::Relaxed);
        Ok(item)
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let page = self.inner.query(query).await?;
        self.items.fetch_add(page.items.len(), Ordering::Relaxed);
        Ok(page)
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.inner.transact(ops).await
    }
}

/// Buyers' first names (each in about 1/12 of the tickets).
pub const FIRST_NAMES: [&str; 12] = [
    "Jan",
    "Anna",
    "Piotr",
    "Katarzyna",
    "Tomasz",
    "Magdalena",
    "Paweł",
    "Agnieszka",
    "Michał",
    "Zofia",
    "Krzysztof",
    "Ewa",
];
/// Buyers' surnames (each in about 1/16 of the tickets).
pub const LAST_NAMES: [&str; 16] = [
    "Kowalski",
    "Nowak",
    "Wiśniewski",
    "Wójcik",
    "Kowalczyk",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymański",
    "Woźniak",
    "Dąbrowski",
    "Kozłowski",
    "Jankowski",
    "Mazur",
    "Kwiatkowski",
    "Krawczyk",
];
/// The words of subjects and messages (each in about 3 600 of 10 000 tickets).
pub const WORDS: [&str; 60] = [
    "paczka",
    "zamówienie",
    "kurier",
    "zwrot",
    "reklamacja",
    "towar",
    "uszkodzony",
    "faktura",
    "dostawa",
    "przesyłka",
    "rozmiar",
    "kolor",
    "pudełko",
    "gwarancja",
    "naprawa",
    "wymiana",
    "pieniądze",
    "przelew",
    "opóźnienie",
    "numer",
    "śledzenia",
    "paczkomat",
    "odbiór",
    "sklep",
    "produkt",
    "instrukcja",
    "ładowarka",
    "bateria",
    "ekran",
    "obudowa",
    "pęknięty",
    "brakuje",
    "części",
    "zestaw",
    "kabel",
    "adapter",
    "etykieta",
    "adres",
    "telefon",
    "termin",
    "wysyłka",
    "dzisiaj",
    "jutro",
    "tydzień",
    "proszę",
    "dziękuję",
    "pomoc",
    "problem",
    "działa",
    "nie",
    "został",
    "otrzymałem",
    "zamówiłam",
    "czekam",
    "odpowiedź",
    "zdjęcie",
    "allegro",
    "empik",
    "książka",
    "płyta",
];

/// A small deterministic generator (the bench must seed the same data every run).
pub struct Lcg(pub u64);

impl Lcg {
    /// The next number below `below`.
    pub fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % below
    }
}

/// A number from the environment, or `default`.
pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `n`th conversation: Allegro disputes and threads, EmpikPlace threads in turn.
fn conversation(
    integration: &Integration,
    empik: &Integration,
    n: usize,
    rng: &mut Lcg,
) -> InboundEvent {
    let first = FIRST_NAMES[rng.next(FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.next(LAST_NAMES.len())];
    let at = Utc
        .with_ymd_and_hms(2026, 1, 1, 8, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::minutes(n as i64);
    let mut text = |count: usize| {
        (0..count)
            .map(|_| WORDS[rng.next(WORDS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let subject = text(3);
    let messages = (0..2)
        .map(|m| InboundMessage {
            external_id: format!("msg-{n}-{m}"),
            // Every other conversation ends with the buyer (needs a reply), the rest with the
            // seller answering on the marketplace's site.
            author: if m == 0 || n.is_multiple_of(2) {
                AuthorKind::Buyer
            } else {
                AuthorKind::SellerViaMarketplace
            },
            author_name: None,
            text: text(12),
            attachments: vec![],
            created_at: at + Duration::minutes(m),
        })
        .collect();
    let is_empik = n % 3 == 2;
    let (owner, kind, order) = if is_empik {
        (
            empik,
            ConversationKind::EmpikThread,
            format!("EMP{:07}-A", n),
        )
    } else if n % 3 == 1 {
        (
            integration,
            ConversationKind::AllegroCommonThread,
            format!("{:08x}-0000-11ef-8000-{:012x}", n, n),
        )
    } else {
        (
            integration,
            ConversationKind::AllegroDispute,
            format!("{:08x}-0000-11ef-8000-{:012x}", n, n),
        )
    };
    InboundEvent {
        tenant_id: owner.tenant_id.clone(),
        integration_id: owner.id.clone(),
        conversation: ConversationRef {
            kind,
            external_id: format!("conv-{n:06}"),
        },
        subject,
        marketplace_status: "ONGOING".into(),
        open_for_replies: true,
        buyer_login: if is_empik {
            format!("{}", 900_000 + n)
        } else {
            format!("{}_{}{n}", first.to_lowercase(), last.to_lowercase())
        },
        buyer_name: Some(format!("{first} {last}")),
        buyer_emails: if is_empik {
            vec![]
        } else {
            vec![format!("buyer{n}+x1@allegromail.pl")]
        },
        order_id: Some(order),
        panel: Default::default(),
        shop_reply_needed_since: None,
        messages,
    }
}

/// The `p` quantile (0–1) of sorted figures.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Keeps the last state of every item written through it (`None`: deleted), to write the same
/// items to another store afterwards.
struct Recorder {
    inner: Arc<dyn Store>,
    items: Mutex<HashMap<Key, Option<Item>>>,
}

impl Recorder {
    fn keep(&self, key: Key, item: Option<Item>) {
        self.items.lock().expect("recorder").insert(key, item);
    }
}

#[async_trait::async_trait]
impl Store for Recorder {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.inner.put(item.clone(), condition).await?;
        self.keep(item.key.clone(), Some(item));
        Ok(())
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(key, condition).await?;
        self.keep(key.clone(), None);
        Ok(())
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.inner.transact(ops.clone()).await?;
        for op in ops {
            match op {
                WriteOp::Put { item, .. } => self.keep(item.key.clone(), Some(item)),
                WriteOp::Delete { key, .. } => self.keep(key, None),
                WriteOp::Check { .. } => {}
            }
        }
        Ok(())
    }
}

/// Seeds `tenant` through ingest on a scratch embedded store whose search words are store
/// entries (as on AWS), then writes every item that left there to `target` (`PutItem`,
/// `MARKETDESK_BENCH_CONCURRENCY` × 2 at a time): the items production writes, without
/// DynamoDB Local answering every read and transaction of the ingest on one huge partition.
async fn seed_by_copy(
    ports: &Ports,
    target: &Arc<dyn Store>,
    tenant: &TenantId,
    tickets: usize,
) -> std::time::Duration {
    let scratch = tempfile::tempdir().expect("temporary directory");
    let mut local = marketdesk_local::LocalBackend::open(scratch.path(), Arc::new(SystemClock))
        .expect("backend");
    let recorder = Arc::new(Recorder {
        inner: local.store.clone(),
        items: Mutex::new(HashMap::new()),
    });
    let recorded: Arc<dyn Store> = recorder.clone();
    local.store = recorded.clone();
    local.text_index = Arc::new(StoreWordIndex::new(recorded));
    local.clock = ports.clock.clone();
    let started = Instant::now();
    seed(&local, tenant, tickets).await;
    let items: Vec<Item> = std::mem::take(&mut *recorder.items.lock().expect("recorder"))
        .into_values()
        .flatten()
        .collect();
    eprintln!(
        "  {} items written through ingest in {:.0} s; copying them",
        items.len(),
        started.elapsed().as_secs_f64()
    );
    let at_a_time = 2 * env_number("MARKETDESK_BENCH_CONCURRENCY", 32).max(1);
    let mut tasks = tokio::task::JoinSet::new();
    for (n, item) in items.into_iter().enumerate() {
        if n % 20_000 == 0 {
            eprintln!(
                "  … {n} items copied ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
        while tasks.len() >= at_a_time {
            if let Some(done) = tasks.join_next().await {
                done.expect("task");
            }
        }
        let target = target.clone();
        tasks.spawn(async move { target.put(item, Condition::None).await.expect("copy") });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task");
    }
    started.elapsed()
}

/// The agent tickets are assigned to, stored once per tenant.
async fn add_agent(ports: &Ports, tenant: &TenantId) -> UserId {
    let now = Utc::now();
    let id = UserId::generate();
    let stored = StoredUser {
        user: User {
            id: id.clone(),
            tenant_id: tenant.clone(),
            email: AGENT_EMAIL.into(),
            name: "Agent Bench".into(),
            role: Role::Agent,
            language: Language::Pl,
            active: true,
            invitation_pending: false,
            created_at: now,
            updated_at: now,
            created_by: None,
            updated_by: None,
        },
        password_hash: None,
        session_generation: 0,
        reset_sent_at: None,
    };
    users::create(&*ports.store, &stored).await.expect("agent");
    id
}

/// The agent seeded with the tenant.
pub async fn agent(ports: &Ports, tenant: &TenantId) -> UserId {
    users::list(&*ports.store, tenant)
        .await
        .expect("users read")
        .into_iter()
        .map(|stored| stored.value.user)
        .find(|user| user.email == AGENT_EMAIL)
        .expect("the seeded agent")
        .id
}

/// What agents did to the `n`th ticket, if anything (see the module's header).
fn agents_change(n: usize, agent: &UserId) -> Option<workflow::TicketPatch> {
    let change = match n % 20 {
        3 | 13 => serde_json::json!({ "assignee": agent.to_string(), "tags": [TAG] }),
        7 => serde_json::json!({ "status": "pending" }),
        _ => return None,
    };
    Some(serde_json::from_value(change).expect("patch"))
}

/// Ingests `tickets` conversations for `tenant` (and applies the agents' changes), keeping
/// `MARKETDESK_BENCH_CONCURRENCY` of them under way; how long it took.
pub async fn seed(ports: &Ports, tenant: &TenantId, tickets: usize) -> std::time::Duration {
    let mut owners = Vec::new();
    for (kind, queue) in [
        (Marketplace::Allegro, "allegro"),
        (Marketplace::Empik, "empik"),
    ] {
        let mut integration = Integration::new(
            marketdesk_core::ids::IntegrationId::generate(),
            tenant.clone(),
            kind,
            "Bench",
            Environment::Sandbox,
            Utc::now(),
        );
        integration.settings.crm_field = "Login".into();
        integration.settings.ticket_queue = Some(queue.into());
        integrations::create(&*ports.store, &integration)
            .await
            .expect("integration");
        owners.push(integration);
    }
    let agent = add_agent(ports, tenant).await;
    let actor = Actor::User {
        id: agent.clone(),
        name: "Agent Bench".into(),
    };
    let mut rng = Lcg(42);
    let events: Vec<InboundEvent> = (0..tickets)
        .map(|n| conversation(&owners[0], &owners[1], n, &mut rng))
        .collect();
    let at_a_time = env_number("MARKETDESK_BENCH_CONCURRENCY", 32).max(1);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (n, event) in events.into_iter().enumerate() {
        if n % 500 == 0 {
            eprintln!(
                "  … {n} tickets ingested ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
        while tasks.len() >= at_a_time {
            if let Some(done) = tasks.join_next().await {
                done.expect("task");
            }
        }
        let (ports, change, actor) = (ports.clone(), agents_change(n, &agent), actor.clone());
        tasks.spawn(async move {
            let ticket = ingest::run(&ports, &event).await.expect("ingest").ticket_id;
            if let Some(change) = change {
                let checked = workflow::check(&ports, &event.tenant_id, change, "")
                    .await
                    .expect("change checked");
                workflow::update(&ports, &event.tenant_id, &ticket, &actor, &checked)
                    .await
                    .expect("change");
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task");
    }
    started.elapsed()
}

/// One backend to measure, with its seeded tenant.
pub struct Backend {
    /// How the figures are labelled.
    pub name: &'static str,
    /// The services' ports, the store counted.
    pub ports: Ports,
    /// Counts the store reads.
    pub counter: Arc<Counting>,
    /// The seeded tenant.
    pub tenant: TenantId,
    /// How many tickets it holds.
    pub tickets: usize,
    /// Keeps the embedded backend's files (its queue and files serve DynamoDB's ports too)
    /// until the bench ends.
    _dir: Arc<tempfile::TempDir>,
}

async fn seeded(
    name: &'static str,
    ports: Ports,
    counter: Arc<Counting>,
    tickets: usize,
    dir: Arc<tempfile::TempDir>,
    copy_to: Option<Arc<dyn Store>>,
) -> Backend {
    let tenant = TenantId(format!("bench-{}", uuid::Uuid::new_v4().simple()));
    // Printed first, so a seeding stopped early can still be measured.
    println!("  (seeding tenant {tenant})");
    let took = match &copy_to {
        Some(target) => seed_by_copy(&ports, target, &tenant, tickets).await,
        None => seed(&ports, &tenant, tickets).await,
    };
    println!(
        "{name}: {tickets} tickets ingested in {:.1} s ({:.2} ms each, 2 messages of 12 words and a 3-word subject), tenant {tenant}",
        took.as_secs_f64(),
        took.as_secs_f64() * 1000.0 / tickets as f64
    );
    Backend {
        name,
        ports,
        counter,
        tenant,
        tickets,
        _dir: dir,
    }
}

/// The backends of this run, seeded (or, for DynamoDB Local, found seeded before).
pub async fn backends() -> Vec<Backend> {
    let tickets = env_number("MARKETDESK_BENCH_TICKETS", 10_000);
    let dir = Arc::new(tempfile::tempdir().expect("temporary directory"));
    let mut local =
        marketdesk_local::LocalBackend::open(dir.path(), Arc::new(SystemClock)).expect("backend");
    let local_counter = Counting::wrap(local.store.clone());
    local.store = local_counter.clone();
    let mut found = Vec::new();
    if env_number("MARKETDESK_BENCH_LOCAL", 1) != 0 {
        found.push(
            seeded(
                "embedded (SQLite, FTS5)",
                local.clone(),
                local_counter,
                tickets,
                dir.clone(),
                None,
            )
            .await,
        );
    }
    let Ok(endpoint) = std::env::var("MARKETDESK_TEST_DYNAMODB_ENDPOINT") else {
        println!("DynamoDB Local: skipped (MARKETDESK_TEST_DYNAMODB_ENDPOINT not set)");
        return found;
    };
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .test_credentials()
        .load()
        .await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let before = std::env::var("MARKETDESK_BENCH_DYNAMODB_SEEDED").ok();
    let (table, tenant) = match before.as_deref().and_then(|s| s.split_once('/')) {
        Some((table, tenant)) => (table.to_owned(), Some(TenantId::from(tenant))),
        None => {
            let table = format!("marketdesk-bench-{}", uuid::Uuid::new_v4().simple());
            marketdesk_aws::create_table(&client, &table)
                .await
                .expect("table");
            println!("  (DynamoDB table {table}; reuse it with MARKETDESK_BENCH_DYNAMODB_SEEDED={table}/<tenant>)");
            (table, None)
        }
    };
    let counter = Counting::wrap(Arc::new(marketdesk_aws::DynamoStore::new(client, table)));
    let store: Arc<dyn Store> = counter.clone();
    let mut ports = local;
    ports.text_index = Arc::new(StoreWordIndex::new(store.clone()));
    ports.store = store;
    let tickets = env_number("MARKETDESK_BENCH_DYNAMODB_TICKETS", tickets);
    let name = "DynamoDB Local (word entries)";
    match tenant {
        Some(tenant) => {
            println!("{name}: {tickets} tickets seeded before, tenant {tenant}");
            found.push(Backend {
                name,
                ports,
                counter,
                tenant,
                tickets,
                _dir: dir,
            });
        }
        None => {
            // MARKETDESK_BENCH_DYNAMODB_COPY=1: ingest on a scratch store, copy the items.
            let copy = (env_number("MARKETDESK_BENCH_DYNAMODB_COPY", 0) != 0)
                .then(|| -> Arc<dyn Store> { counter.clone() });
            found.push(seeded(name, ports, counter, tickets, dir, copy).await)
        }
    }
    found
}
