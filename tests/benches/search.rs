//! Search timings on 10 000 ingested tickets: the embedded backend (SQLite + FTS5) always, and
//! DynamoDB Local (word entries) when `MARKETDESK_TEST_DYNAMODB_ENDPOINT` is set.
//!
//!   cargo bench -p marketdesk-e2e --bench search
//!   MARKETDESK_BENCH_TICKETS=200 cargo bench -p marketdesk-e2e --bench search   (a smoke run)
//!
//! `MARKETDESK_BENCH_DYNAMODB_TICKETS` seeds DynamoDB Local with another count (the emulator
//! slows down as one partition grows: 10 000 tickets take over half an hour on 2 cores).
//! `MARKETDESK_BENCH_LOCAL=0` skips the embedded backend; `MARKETDESK_BENCH_DYNAMODB_SEEDED=
//! <table>/<tenant>` measures a table an earlier run seeded (both are printed).
//!
//! Tickets go through `ingest::run` (identifier entries and words written as in production),
//! then each kind of query runs `MARKETDESK_BENCH_QUERIES` times (default 200) through
//! `services::search::search`; p50 and p95 are printed. `cargo test` never runs this.

use chrono::{Duration, TimeZone, Utc};
use marketdesk_core::domain::{
    AuthorKind, ConversationKind, ConversationRef, Environment, Integration, IntegrationKind,
};
use marketdesk_core::ids::TenantId;
use marketdesk_core::jobs::{InboundEvent, InboundMessage};
use marketdesk_core::ports::{
    Condition, Item, Key, Page, Ports, Query, Store, StoreError, SystemClock, WriteOp,
};
use marketdesk_core::repo::integrations;
use marketdesk_core::repo::word_index::StoreWordIndex;
use marketdesk_core::services::{ingest, search};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Counts the store requests and the items they read (DynamoDB bills reads by item size).
struct Counting {
    inner: Arc<dyn Store>,
    requests: AtomicUsize,
    items: AtomicUsize,
}

impl Counting {
    fn wrap(inner: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            requests: AtomicUsize::new(0),
            items: AtomicUsize::new(0),
        })
    }

    /// The counts so far, then zero.
    fn take(&self) -> (usize, usize) {
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

const FIRST_NAMES: [&str; 12] = [
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
const LAST_NAMES: [&str; 16] = [
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
const WORDS: [&str; 60] = [
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
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % below
    }
}

fn env_number(name: &str, default: usize) -> usize {
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
            author: if m == 0 {
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

async fn seed(ports: &Ports, tenant: &TenantId, tickets: usize) -> std::time::Duration {
    let mut integrations = Vec::new();
    for kind in [IntegrationKind::Allegro, IntegrationKind::Empikplace] {
        let mut integration = Integration::new(
            marketdesk_core::ids::IntegrationId::generate(),
            tenant.clone(),
            kind,
            "Bench",
            Environment::Sandbox,
            Utc::now(),
        );
        integration.settings.crm_field = "Login".into();
        integrations::create(&*ports.store, &integration)
            .await
            .expect("integration");
        integrations.push(integration);
    }
    let mut rng = Lcg(42);
    let events: Vec<InboundEvent> = (0..tickets)
        .map(|n| conversation(&integrations[0], &integrations[1], n, &mut rng))
        .collect();
    let started = Instant::now();
    for (n, batch) in events.chunks(32).enumerate() {
        if n % 32 == 0 {
            eprintln!("  … {} tickets ingested", n * 32);
        }
        let mut tasks = tokio::task::JoinSet::new();
        for event in batch {
            let (ports, event) = (ports.clone(), event.clone());
            tasks.spawn(async move { ingest::run(&ports, &event).await.map(|_| ()) });
        }
        while let Some(done) = tasks.join_next().await {
            done.expect("task").expect("ingest");
        }
    }
    started.elapsed()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn measure(
    ports: &Ports,
    counter: &Counting,
    tenant: &TenantId,
    label: &str,
    queries: &[String],
) {
    counter.take();
    let mut times = Vec::new();
    let mut answers = 0;
    for q in queries {
        let started = Instant::now();
        let found = search::search(
            ports,
            tenant,
            &search::SearchQuery {
                q: Some(q.clone()),
                limit: None,
            },
        )
        .await
        .expect("search");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        answers += found.results.len();
    }
    times.sort_by(f64::total_cmp);
    let (requests, items) = counter.take();
    let n = times.len() as f64;
    println!(
        "  {label:<32} p50 {:>7.2} ms  p95 {:>7.2} ms  {:>4.1} answers, {:>4.1} store requests, {:>6.1} items read per search",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        answers as f64 / n,
        requests as f64 / n,
        items as f64 / n
    );
}

async fn run(
    backend: &str,
    ports: &Ports,
    counter: &Counting,
    tickets: usize,
    queries: usize,
    seeded: Option<TenantId>,
) {
    if let Some(tenant) = seeded {
        println!("{backend}: {tickets} tickets seeded before, tenant {tenant}");
        return measure_all(ports, counter, &tenant, tickets, queries).await;
    }
    let tenant = TenantId(format!("bench-{}", uuid::Uuid::new_v4().simple()));
    let took = seed(ports, &tenant, tickets).await;
    println!("  (table and tenant kept: {tenant})");
    println!(
        "{backend}: {tickets} tickets ingested in {:.1} s ({:.2} ms each, 2 messages of 12 words and a 3-word subject)",
        took.as_secs_f64(),
        took.as_secs_f64() * 1000.0 / tickets as f64
    );
    measure_all(ports, counter, &tenant, tickets, queries).await;
}

async fn measure_all(
    ports: &Ports,
    counter: &Counting,
    tenant: &TenantId,
    tickets: usize,
    queries: usize,
) {
    let tenant = tenant.clone();
    let mut rng = Lcg(7);
    let mut pick = |make: &dyn Fn(usize, &mut Lcg) -> String| {
        let mut rng2 = Lcg(rng.next(1 << 30) as u64);
        (0..queries)
            .map(|_| {
                let n = rng2.next(tickets);
                make(n, &mut rng2)
            })
            .collect::<Vec<_>>()
    };
    let orders = pick(&|n, _| {
        if n % 3 == 2 {
            format!("EMP{n:07}-A")
        } else {
            format!("{:08x}-0000-11ef-8000-{:012x}", n, n)
        }
    });
    let commercial = pick(&|n, _| {
        let n = n - n % 3 + 2;
        format!("EMP{n:07}")
    });
    let emails = pick(&|n, _| {
        let n = n - n % 3;
        format!("buyer{n}+x1@allegromail.pl")
    });
    let surnames = pick(&|_, r| LAST_NAMES[r.next(LAST_NAMES.len())].to_owned());
    let full_names = pick(&|_, r| {
        format!(
            "{} {}",
            FIRST_NAMES[r.next(FIRST_NAMES.len())],
            LAST_NAMES[r.next(LAST_NAMES.len())]
        )
    });
    let one_word = pick(&|_, r| WORDS[r.next(WORDS.len())].to_owned());
    let two_words = pick(&|_, r| {
        format!(
            "{} {}",
            WORDS[r.next(WORDS.len())],
            WORDS[r.next(WORDS.len())]
        )
    });
    let nothing = pick(&|n, _| format!("zzz{n}"));
    measure(ports, counter, &tenant, "order id (exact)", &orders).await;
    measure(ports, counter, &tenant, "Mirakl commercial id", &commercial).await;
    measure(ports, counter, &tenant, "e-mail", &emails).await;
    measure(
        ports,
        counter,
        &tenant,
        "surname (~625 tickets each)",
        &surnames,
    )
    .await;
    measure(ports, counter, &tenant, "first name + surname", &full_names).await;
    measure(
        ports,
        counter,
        &tenant,
        "one word (~3600 tickets each)",
        &one_word,
    )
    .await;
    measure(ports, counter, &tenant, "two words", &two_words).await;
    measure(ports, counter, &tenant, "no match", &nothing).await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let tickets = env_number("MARKETDESK_BENCH_TICKETS", 10_000);
    let queries = env_number("MARKETDESK_BENCH_QUERIES", 200);
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut local =
        marketdesk_local::LocalBackend::open(dir.path(), Arc::new(SystemClock)).expect("backend");
    let local_counter = Counting::wrap(local.store.clone());
    local.store = local_counter.clone();
    if env_number("MARKETDESK_BENCH_LOCAL", 1) != 0 {
        run(
            "embedded (SQLite, FTS5)",
            &local,
            &local_counter,
            tickets,
            queries,
            None,
        )
        .await;
    }

    if let Ok(endpoint) = std::env::var("MARKETDESK_TEST_DYNAMODB_ENDPOINT") {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .test_credentials()
            .load()
            .await;
        let client = aws_sdk_dynamodb::Client::new(&config);
        // A table seeded by an earlier run (its name and tenant are printed) skips the seeding.
        let seeded = std::env::var("MARKETDESK_BENCH_DYNAMODB_SEEDED").ok();
        let (table, tenant) = match seeded.as_deref().and_then(|s| s.split_once('/')) {
            Some((table, tenant)) => (table.to_owned(), Some(TenantId::from(tenant))),
            None => {
                let table = format!("marketdesk-bench-{}", uuid::Uuid::new_v4().simple());
                marketdesk_aws::create_table(&client, &table)
                    .await
                    .expect("table");
                println!("  (DynamoDB table {table})");
                (table, None)
            }
        };
        let counter = Counting::wrap(Arc::new(marketdesk_aws::DynamoStore::new(client, table)));
        let store: Arc<dyn Store> = counter.clone();
        let mut ports = local.clone();
        ports.text_index = Arc::new(StoreWordIndex::new(store.clone()));
        ports.store = store;
        let tickets = env_number("MARKETDESK_BENCH_DYNAMODB_TICKETS", tickets);
        run(
            "DynamoDB Local (word entries)",
            &ports,
            &counter,
            tickets,
            queries,
            tenant,
        )
        .await;
    } else {
        println!("DynamoDB Local: skipped (MARKETDESK_TEST_DYNAMODB_ENDPOINT not set)");
    }
}
