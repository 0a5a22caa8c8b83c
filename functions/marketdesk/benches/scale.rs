//! Issue 15 item 8: the real `marketdesk serve` (this package's binary) against the simulator
//! with thousands of connected Allegro accounts.
//!
//!   cargo bench -p marketdesk --bench scale
//!   MARKETDESK_BENCH_ACCOUNTS=1000,5000,10000 MARKETDESK_BENCH_POLL_INTERVAL=60s cargo bench -p marketdesk --bench scale
//!
//! `cargo test` runs the same code as a smoke test (`test = true` in Cargo.toml; `cargo bench`
//! passes `--bench`): 20 accounts, a 1 s poll interval, a few samples, 200 EmpikPlace tickets,
//! and it fails if any step does not happen. It lives in this package, not beside the other
//! benches in `tests/benches`, because Cargo gives only this package's tests and benches the
//! freshly built binary (`CARGO_BIN_EXE_marketdesk`, used by `tests/common`).
//!
//! For each N in `MARKETDESK_BENCH_ACCOUNTS` (default 1000,5000,10000), on a fresh simulator
//! (in this process) and a fresh data directory under `target/tmp` (the disk, not a tmpfs):
//!
//! 1. **Set-up.** N sellers with a token pair each are put straight into the simulator's
//!    state, N connected Allegro integrations straight into the data directory (one store
//!    write each, the token pairs in one write of the secrets file: connecting 10 000 accounts
//!    through OAuth would rewrite the whole file 10 000 times), plus EmpikPlace shops whose
//!    `MARKETDESK_BENCH_TICKETS` (10 000) threads of two customer messages are made through
//!    the control API before `serve` starts, at most [`THREADS_PER_SHOP`] per shop (the
//!    EmpikPlace cursor keeps 1 000 thread marks: a shop with more threads updated within the
//!    poll's 2-minute overlap re-ingests those beyond the cap on every poll). Raw SQLite
//!    single-row commits on the same disk are timed next to it.
//! 2. **Ingest.** `serve` starts (default settings, the interval of
//!    `MARKETDESK_BENCH_POLL_INTERVAL`, default 60 s); the first poll of each shop (spread over
//!    the first interval) hands its threads to ingest at once. Throughput = messages ingested /
//!    time from the first to the last (from `/metrics`, sampled every 250 ms).
//! 3. **Idle.** After one full interval, the Allegro calls of the client id are counted by the
//!    simulator over `MARKETDESK_BENCH_IDLE_MINUTES` (default 2 intervals): calls per account per
//!    minute, the same calls by endpoint (from the simulator's request log), serve's CPU over
//!    the window, and the scheduler's own report (its "polling planned" log line).
//! 4. **Buyer message → ticket.** `MARKETDESK_BENCH_SAMPLES` (20) accounts, autoresponder on
//!    with no delay: a buyer opens a Message Center thread at a random moment of an interval
//!    (idle account), the autoresponse is timed (buyer message → posted at the simulator), then,
//!    a random 0–12 s later, the buyer writes again in the now active conversation (active
//!    account). A ticket counts when `GET /v1/tickets` shows it (polled every 200 ms).
//! 5. **Autoresponse burst** (`MARKETDESK_BENCH_BURST` threads, default 0: off;
//!    `MARKETDESK_BENCH_BURST_ACCOUNTS`, default one account per thread): buyers open that
//!    many Message Center threads at once on the accounts after the samples (autoresponder on,
//!    no delay); timed until the simulator received every autoresponse: buyer message →
//!    autoresponse, serve's first read of the thread → autoresponse, and per account how much
//!    later its last one left than Allegro's 1 post a second per user allowed.
//! 6. **API.** `GET /v1/tickets` (first page of 25) with 1 client and with 50 concurrent ones.
//! 7. RSS (now and peak) and CPU of the serve process from `/proc/<pid>`.

#[path = "../tests/common/mod.rs"]
mod common;

use chrono::{DateTime, Utc};
use marketdesk_core::domain::{ConnectionState, Environment, Integration, IntegrationKind};
use marketdesk_core::ids::{IntegrationId, TenantId};
use marketdesk_core::ports::{SecretName, Secrets, SecretsError, SystemClock};
use marketdesk_core::repo::integrations;
use marketdesk_core::services::integrations::{api_key_secret_name, default_crm_field};
use marketdesk_core::services::tokens::{self, TokenSet};
use marketdesk_sandbox::RunningSandbox;
use marketdesk_testkit::SimulatorControl;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Allegro's requests a minute per client id (allegro-api.md §4.2).
const BUDGET_PER_MINUTE: f64 = 9000.0;
/// The share of it background work (polls) may use by default.
const BACKGROUND_SHARE: f64 = 0.8;
/// The tenant every integration belongs to.
const TENANT: &str = "bench";
/// The EmpikPlace shops' Mirakl key (one user owning every shop).
const SHOP_KEY: &str = "bench-shop-key";
/// Threads per EmpikPlace shop: under the 1 000 thread marks its cursor keeps.
const THREADS_PER_SHOP: usize = 500;

/// What one run measures; sizes shrink for the smoke test.
#[derive(Debug, Clone)]
struct Plan {
    smoke: bool,
    accounts: Vec<usize>,
    interval: Duration,
    idle_window: Duration,
    samples: usize,
    tickets: usize,
    /// Requests with one client, and per client with 50.
    api_single: usize,
    api_each_of_50: usize,
    /// The longest the re-read of an active account may wait (`MARKETDESK_POLL_ACTIVE_EVERY`).
    active_every: Duration,
    /// Buyers' first messages written at once for the autoresponse burst (0: no burst).
    burst: usize,
    /// Accounts the burst's threads are spread over (at most `burst`).
    burst_accounts: usize,
}

impl Plan {
    fn from_env(smoke: bool) -> Self {
        let interval = env_duration("MARKETDESK_BENCH_POLL_INTERVAL")
            .unwrap_or(Duration::from_secs(if smoke { 1 } else { 60 }));
        let accounts = std::env::var("MARKETDESK_BENCH_ACCOUNTS")
            .ok()
            .map(|list| {
                list.split(',')
                    .filter_map(|n| n.trim().replace('_', "").parse().ok())
                    .collect()
            })
            .unwrap_or_else(|| {
                if smoke {
                    vec![20]
                } else {
                    vec![1000, 5000, 10_000]
                }
            });
        let idle_window = std::env::var("MARKETDESK_BENCH_IDLE_MINUTES")
            .ok()
            .and_then(|m| m.parse::<f64>().ok())
            .map(Duration::from_secs_f64)
            .map(|d| d * 60)
            .unwrap_or(if smoke {
                Duration::from_secs(3)
            } else {
                interval * 2
            });
        let count = |name: &str, bench: usize, smoke_count: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(if smoke { smoke_count } else { bench })
        };
        Self {
            smoke,
            accounts,
            interval,
            idle_window,
            samples: count("MARKETDESK_BENCH_SAMPLES", 20, 3),
            tickets: count("MARKETDESK_BENCH_TICKETS", 10_000, 200),
            api_single: count("MARKETDESK_BENCH_API_REQUESTS", 300, 20),
            api_each_of_50: if smoke { 2 } else { 20 },
            active_every: if smoke {
                Duration::from_secs(1)
            } else {
                Duration::from_secs(12)
            },
            burst: count("MARKETDESK_BENCH_BURST", 0, 6),
            burst_accounts: count("MARKETDESK_BENCH_BURST_ACCOUNTS", usize::MAX, 3),
        }
    }
}

/// `60s`, `5m`, `500ms` or plain seconds.
fn env_duration(name: &str) -> Option<Duration> {
    let text = std::env::var(name).ok()?;
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((text, "s"), |at| text.split_at(at));
    let value: f64 = number.parse().ok()?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(seconds))
}

/// p-th percentile of sorted values (nearest rank).
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

fn p50_p95(values: &[f64]) -> String {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match (percentile(&sorted, 0.5), percentile(&sorted, 0.95)) {
        (Some(p50), Some(p95)) => format!("{p50:.1} / {p95:.1} s"),
        _ => "-".to_owned(),
    }
}

/// One line about the machine: cores and load average (the machine is shared).
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("nproc {cores}, load average {}", load.join(" "))
}

/// CPU seconds (user + system) and RSS / peak RSS in MiB of a process.
#[derive(Debug, Clone, Copy, Default)]
struct ProcessStats {
    cpu_seconds: f64,
    rss_mib: f64,
    peak_rss_mib: f64,
}

fn process_stats(pid: u32) -> ProcessStats {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at index 2 of the split.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    // utime and stime are fields 14 and 15 of stat, 11 and 12 after the name; 100 ticks/s on
    // Linux (USER_HZ).
    let cpu_seconds = ticks(11).unwrap_or(0.0) / 100.0 + ticks(12).unwrap_or(0.0) / 100.0;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |field: &str| {
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    ProcessStats {
        cpu_seconds,
        rss_mib: kib("VmRSS:") / 1024.0,
        peak_rss_mib: kib("VmHWM:") / 1024.0,
    }
}

/// Collects the token pairs and keys the set-up stores, written to the secrets file at once.
#[derive(Default)]
struct CollectedSecrets(Mutex<BTreeMap<String, String>>);

#[async_trait::async_trait]
impl Secrets for CollectedSecrets {
    async fn put(&self, name: &SecretName, value: &SecretString) -> Result<(), SecretsError> {
        self.0
            .lock()
            .expect("lock")
            .insert(name.as_str().to_owned(), value.expose_secret().to_owned());
        Ok(())
    }
    async fn get(&self, name: &SecretName) -> Result<Option<SecretString>, SecretsError> {
        Ok(self
            .0
            .lock()
            .expect("lock")
            .get(name.as_str())
            .map(|v| SecretString::from(v.clone())))
    }
    async fn delete(&self, name: &SecretName) -> Result<(), SecretsError> {
        self.0.lock().expect("lock").remove(name.as_str());
        Ok(())
    }
}

/// A connected account: the simulator's seller behind one integration.
#[derive(Debug, Clone)]
struct Account {
    seller_id: String,
}

/// Everything one N needs.
struct Setup {
    sandbox: RunningSandbox,
    _dir: tempfile::TempDir,
    data: PathBuf,
    log: PathBuf,
    key: String,
    accounts: Vec<Account>,
    buyer_id: String,
    client_id: String,
}

/// The simulator's control API through `http`.
fn control(http: &reqwest::Client, sandbox: &RunningSandbox) -> SimulatorControl {
    SimulatorControl::with_client(http.clone(), &sandbox.base_url)
}

/// Sellers and token pairs in the simulator, integrations and tokens in the data directory.
async fn set_up(plan: &Plan, n: usize, http: &reqwest::Client) -> Setup {
    let started = Instant::now();
    let sandbox = RunningSandbox::start_local().await.expect("sandbox");
    let now = Utc::now();
    let (client_id, grants) = {
        let mut world = sandbox.state.lock();
        let accounts = &mut world.allegro.accounts;
        let client_id = accounts.app.client_id.clone();
        let scopes = marketdesk_sandbox::allegro::oauth::grant_scopes(None).expect("scopes");
        let grants: Vec<(
            String,
            String,
            marketdesk_sandbox::allegro::accounts::TokenPair,
        )> = (0..n)
            .map(|i| {
                let login = format!("bench_seller_{i}");
                let email = format!("{login}@sandbox.example");
                let id = accounts.add_seller(&login, &email, None).id.clone();
                let pair = accounts.issue_pair(&id, &client_id, scopes.clone(), now);
                (id, login, pair)
            })
            .collect();
        (client_id, grants)
    };
    let buyer = control(http, &sandbox)
        .post(
            "/allegro/buyers",
            json!({"login": "kupujacy_bench", "first_name": "Jan", "last_name": "Kowalski"}),
        )
        .await;
    let buyer_id = buyer["id"].as_str().expect("buyer id").to_owned();
    let mut shop_ids = Vec::new();
    for s in 0..plan.tickets.div_ceil(THREADS_PER_SHOP).max(1) {
        let shop = control(http, &sandbox)
            .post(
                "/mirakl/shops",
                json!({"name": format!("Sklep Bench {s}"), "api_key": SHOP_KEY}),
            )
            .await;
        shop_ids.push(shop["shop_id"].as_i64().expect("shop id"));
    }

    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let data = dir.path().join("data");
    let key = common::admin_key(&data, TENANT);
    let tenant = TenantId(TENANT.into());
    let mut ports =
        marketdesk_local::LocalBackend::open(&data, Arc::new(SystemClock)).expect("backend");
    let collected = Arc::new(CollectedSecrets::default());
    ports.secrets = collected.clone();
    let mut accounts = Vec::with_capacity(n);
    for (i, (seller_id, login, pair)) in grants.into_iter().enumerate() {
        let mut integration = Integration::new(
            IntegrationId::generate(),
            tenant.clone(),
            IntegrationKind::Allegro,
            login,
            Environment::Sandbox,
            now,
        );
        integration.connection = ConnectionState::Connected;
        integration.settings.crm_field = default_crm_field(IntegrationKind::Allegro).to_owned();
        if i < plan.samples + plan.burst_accounts.min(plan.burst) {
            let autoresponder = &mut integration.settings.autoresponder;
            autoresponder.enabled = true;
            autoresponder.delay_minutes = 0;
            autoresponder.text = "Dzień dobry {buyer_login}, dziękujemy za wiadomość.".into();
        }
        integrations::create(&*ports.store, &integration)
            .await
            .expect("integration");
        let pair = TokenSet {
            access_token: SecretString::from(pair.access_token),
            refresh_token: SecretString::from(pair.refresh_token),
            access_expires_at: now + chrono::Duration::hours(12),
        };
        tokens::save(&ports, &tenant, &integration.id, &pair)
            .await
            .expect("tokens");
        accounts.push(Account { seller_id });
    }
    // The shops, enabled a minute ago so the threads made below are new to them.
    for (s, shop_id) in shop_ids.iter().enumerate() {
        let mut shop = Integration::new(
            IntegrationId::generate(),
            tenant.clone(),
            IntegrationKind::Empikplace,
            format!("Sklep Bench {s}"),
            Environment::Sandbox,
            now - chrono::Duration::minutes(1),
        );
        shop.connection = ConnectionState::Connected;
        shop.settings.crm_field = default_crm_field(IntegrationKind::Empikplace).to_owned();
        shop.settings.shop_id = Some(*shop_id);
        integrations::create(&*ports.store, &shop)
            .await
            .expect("shop integration");
        let key_name = api_key_secret_name(&tenant, &shop.id).expect("name");
        ports
            .secrets
            .put(&key_name, &SecretString::from(SHOP_KEY.to_owned()))
            .await
            .expect("key");
    }
    drop(ports);
    write_secrets(&data, &collected);
    let seeded = started.elapsed();

    let threads_started = Instant::now();
    make_shop_threads(http, &sandbox, &shop_ids, plan.tickets).await;
    println!(
        "  set-up: {n} accounts seeded in {:.1} s; {} EmpikPlace threads in {} shops made in {:.1} s",
        seeded.as_secs_f64(),
        plan.tickets,
        shop_ids.len(),
        threads_started.elapsed().as_secs_f64()
    );
    let log = dir.path().join("serve.log");
    Setup {
        sandbox,
        _dir: dir,
        data,
        log,
        key,
        accounts,
        buyer_id,
        client_id,
    }
}

/// Adds the collected secrets to the data directory's secrets file in one write, in the
/// format of `marketdesk_local::FileSecrets` (a JSON object of name → value).
fn write_secrets(data: &Path, collected: &CollectedSecrets) {
    let file = data.join("secrets").join(marketdesk_local::SECRETS_FILE);
    let mut all: BTreeMap<String, Value> = std::fs::read(&file)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    for (name, value) in collected.0.lock().expect("lock").iter() {
        all.insert(name.clone(), Value::String(value.clone()));
    }
    std::fs::create_dir_all(file.parent().expect("dir")).expect("secrets dir");
    std::fs::write(&file, serde_json::to_vec(&all).expect("json")).expect("write secrets");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("mode");
    }
}

/// `count` EmpikPlace threads spread over `shops`, each a customer's opening message and a
/// second one.
async fn make_shop_threads(
    http: &reqwest::Client,
    sandbox: &RunningSandbox,
    shops: &[i64],
    count: usize,
) {
    let mut customers = Vec::new();
    for i in 0..50.min(count.max(1)) {
        let made = control(http, sandbox)
            .post(
                "/mirakl/customers",
                json!({"firstname": format!("Klient{i}"), "lastname": "Testowy"}),
            )
            .await;
        customers.push(made["customer_id"].as_str().expect("customer").to_owned());
    }
    let customers = Arc::new(customers);
    let shops = Arc::new(shops.to_vec());
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..8 {
        let (http, base, customers, shops, next) = (
            http.clone(),
            sandbox.base_url.clone(),
            customers.clone(),
            shops.clone(),
            next.clone(),
        );
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= count {
                    return;
                }
                let thread: Value = http
                    .post(format!("{base}/__sandbox/mirakl/threads"))
                    .json(&json!({
                        "shop_id": shops[i % shops.len()],
                        "customer_id": customers[i % customers.len()],
                        "topic": {"type": "FREE_TEXT", "value": format!("Pytanie o zamówienie {i}")},
                        "body": format!("Dzień dobry, kiedy wyślecie paczkę numer {i}? Czekam od tygodnia."),
                    }))
                    .send()
                    .await
                    .expect("thread")
                    .json()
                    .await
                    .expect("json");
                let id = thread["thread_id"].as_str().expect("thread id");
                http.post(format!("{base}/__sandbox/mirakl/threads/{id}/messages"))
                    .json(&json!({"from": "CUSTOMER", "body": "Proszę o numer przesyłki."}))
                    .send()
                    .await
                    .expect("message")
                    .error_for_status()
                    .expect("message status");
            }
        }));
    }
    for worker in workers {
        worker.await.expect("worker");
    }
}

/// Single-row commits a second into a fresh SQLite file in WAL mode (as the store opens its
/// database) on the same disk as the data directory.
fn raw_commits_per_second(beside: &Path, for_how_long: Duration) -> f64 {
    let path = beside.join("raw.sqlite");
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.execute_batch("CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB NOT NULL)")
        .expect("table");
    let payload = vec![b'x'; 1024];
    let started = Instant::now();
    let mut rows = 0u64;
    while started.elapsed() < for_how_long {
        conn.execute(
            "INSERT INTO t (k, v) VALUES (?1, ?2)",
            rusqlite::params![format!("row-{rows}"), payload],
        )
        .expect("insert");
        rows += 1;
    }
    rows as f64 / started.elapsed().as_secs_f64()
}

/// The running `serve` process and what reaches it.
struct Serve {
    child: Child,
    api: String,
    metrics: String,
    started: Instant,
}

fn start_serve(plan: &Plan, setup: &Setup) -> Serve {
    let port = common::free_port();
    let metrics_port = common::free_port();
    let log = std::fs::File::create(&setup.log).expect("log file");
    let interval = format!("{}ms", plan.interval.as_millis());
    let mut child = common::marketdesk()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--poll-interval", &interval, "--data"])
        .arg(&setup.data)
        .env("MARKETDESK_ALLEGRO_CLIENT_ID", &setup.client_id)
        .env("MARKETDESK_ALLEGRO_CLIENT_SECRET", "sandbox-client-secret")
        .env("MARKETDESK_ALLEGRO_API_URL", &setup.sandbox.base_url)
        .env("MARKETDESK_ALLEGRO_AUTH_URL", &setup.sandbox.base_url)
        .env("MARKETDESK_EMPIK_API_URL", &setup.sandbox.base_url)
        .env(
            "MARKETDESK_METRICS_LISTEN",
            format!("127.0.0.1:{metrics_port}"),
        )
        .env("MARKETDESK_LOG_FORMAT", "json")
        // Warnings and errors, plus the scheduler's one line a tick.
        .env(
            "MARKETDESK_LOG",
            "warn,marketdesk_core::services::ticks=info",
        )
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("serve");
    let started = Instant::now();
    common::wait_for_health(port, &mut child);
    Serve {
        child,
        api: format!("http://127.0.0.1:{port}"),
        metrics: format!("http://127.0.0.1:{metrics_port}/metrics"),
        started,
    }
}

/// A counter of the Prometheus text with `label` (summed over its series when `None`).
fn metric(text: &str, name: &str, label: &str) -> f64 {
    text.lines()
        .filter(|line| line.starts_with(name) && line.contains(label))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Ingest of the shops' threads: messages a second from the first to the last ingested.
struct Ingest {
    messages: f64,
    tickets: f64,
    seconds: f64,
    cpu_share: f64,
}

async fn measure_ingest(plan: &Plan, serve: &Serve, http: &reqwest::Client) -> Ingest {
    let wanted = plan.tickets as f64;
    let label = "channel=\"empik_threads\"";
    let deadline = Instant::now() + plan.interval * 3 + Duration::from_secs(300);
    let pid = serve.child.id();
    let mut first: Option<(Instant, f64, f64)> = None;
    let mut last = (Instant::now(), 0.0, 0.0, 0.0);
    loop {
        let text = match http.get(&serve.metrics).send().await {
            Ok(answer) => answer.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let at = Instant::now();
        let messages = metric(&text, "marketdesk_messages_ingested_total", label);
        let tickets = metric(&text, "marketdesk_tickets_created_total", label);
        let cpu = process_stats(pid).cpu_seconds;
        if messages > 0.0 && first.is_none() {
            first = Some((at, messages, cpu));
        }
        if messages > last.1 {
            last = (at, messages, tickets, cpu);
        }
        if tickets >= wanted || at > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let Some((t0, m0, cpu0)) = first else {
        return Ingest {
            messages: 0.0,
            tickets: 0.0,
            seconds: 0.0,
            cpu_share: 0.0,
        };
    };
    let seconds = (last.0 - t0).as_secs_f64().max(0.001);
    Ingest {
        // The first sample already counted what arrived before it; the rate is over the
        // span between the samples.
        messages: last.1 - m0,
        tickets: last.2,
        seconds,
        cpu_share: (last.3 - cpu0) / seconds,
    }
}

/// The scheduler's last "polling planned" line: each channel's accounts, cadence, planned
/// calls a minute and worst staleness.
fn scheduler_report(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .rev()
        .filter(|line| line.contains("polling planned"))
        .find_map(|line| serde_json::from_str::<Value>(line).ok())
        .and_then(|line| line["channels"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "(no report yet)".to_owned())
}

/// Warnings and errors serve logged.
fn log_problems(log: &Path) -> (usize, usize, Option<String>) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut warnings = 0;
    let mut errors = 0;
    let mut first = None;
    for line in text.lines() {
        let level = serde_json::from_str::<Value>(line)
            .ok()
            .and_then(|v| v["level"].as_str().map(str::to_owned))
            .unwrap_or_default();
        match level.as_str() {
            "WARN" => warnings += 1,
            "ERROR" => errors += 1,
            _ => continue,
        }
        if first.is_none() {
            first = Some(line.chars().take(300).collect());
        }
    }
    (warnings, errors, first)
}

fn client_calls(setup: &Setup) -> (u64, u64) {
    let world = setup.sandbox.state.lock();
    world
        .allegro
        .accounts
        .rate
        .get(&setup.client_id)
        .map_or((0, 0), |w| (w.total, w.rejected))
}

/// The idle window: calls per account per minute and serve's CPU share.
struct Idle {
    calls_per_account_minute: f64,
    rejected: u64,
    cpu_share: f64,
    scheduler: String,
    /// Allegro calls in the window by method and path (ids replaced by `{id}`), most first.
    endpoints: Vec<(String, u64)>,
}

/// `GET /messaging/threads/{id}/messages` for a logged call: path segments that carry an id
/// (a digit, or longer than 16 characters) become `{id}`.
fn endpoint_of(method: &str, path: &str) -> String {
    let segments: Vec<&str> = path
        .split('/')
        .map(|segment| {
            if segment.len() > 16 || segment.chars().any(|c| c.is_ascii_digit()) {
                "{id}"
            } else {
                segment
            }
        })
        .collect();
    format!("{method} {}", segments.join("/"))
}

/// Counts the Allegro calls the simulator logs from now on, by endpoint and status: its log
/// keeps the last 10 000 calls, so it is read every second and continued from the last
/// sequence number seen (EmpikPlace's `/api/...` calls are left out).
struct EndpointTally {
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
    /// When serve first read each Message Center thread's messages.
    first_reads: Arc<Mutex<HashMap<String, DateTime<Utc>>>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl EndpointTally {
    fn start(sandbox: &RunningSandbox) -> Self {
        let counts = Arc::new(Mutex::new(BTreeMap::new()));
        let first_reads = Arc::new(Mutex::new(HashMap::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let state = sandbox.state.clone();
        let last_seen = |state: &marketdesk_sandbox::state::SandboxState| {
            state
                .lock()
                .requests
                .matching("")
                .last()
                .map_or(0, |entry| entry.seq)
        };
        let mut last = last_seen(&state);
        let (counts_in, reads_in, stop_in) = (counts.clone(), first_reads.clone(), stop.clone());
        let task = tokio::spawn(async move {
            loop {
                let done = stop_in.load(std::sync::atomic::Ordering::Relaxed);
                let fresh: Vec<_> = {
                    let world = state.lock();
                    world
                        .requests
                        .matching("")
                        .into_iter()
                        .filter(|entry| entry.seq > last)
                        .collect()
                };
                for entry in fresh {
                    last = last.max(entry.seq);
                    if entry.path.starts_with("/api/") {
                        continue;
                    }
                    if let Some(thread) = entry
                        .path
                        .strip_prefix("/messaging/threads/")
                        .and_then(|rest| rest.strip_suffix("/messages"))
                        .filter(|_| entry.method == "GET")
                    {
                        reads_in
                            .lock()
                            .expect("lock")
                            .entry(thread.to_owned())
                            .or_insert(entry.at);
                    }
                    let mut key = endpoint_of(&entry.method, &entry.path);
                    if entry.status != 200 && entry.status != 201 {
                        key = format!("{key} → {}", entry.status);
                    }
                    *counts_in.lock().expect("lock").entry(key).or_default() += 1;
                }
                if done {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        Self {
            counts,
            first_reads,
            stop,
            task,
        }
    }

    /// When serve first read `thread`'s messages, so far.
    fn first_read(&self, thread: &str) -> Option<DateTime<Utc>> {
        self.first_reads.lock().expect("lock").get(thread).copied()
    }

    /// Stops counting; the endpoints, most calls first.
    async fn finish(self) -> Vec<(String, u64)> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = self.task.await;
        let mut counts: Vec<(String, u64)> = self
            .counts
            .lock()
            .expect("lock")
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        counts
    }
}

async fn measure_idle(plan: &Plan, setup: &Setup, serve: &Serve) -> Idle {
    let tally = EndpointTally::start(&setup.sandbox);
    let (calls0, rejected0) = client_calls(setup);
    let cpu0 = process_stats(serve.child.id()).cpu_seconds;
    let started = Instant::now();
    tokio::time::sleep(plan.idle_window).await;
    let (calls1, rejected1) = client_calls(setup);
    let cpu1 = process_stats(serve.child.id()).cpu_seconds;
    let minutes = started.elapsed().as_secs_f64() / 60.0;
    Idle {
        calls_per_account_minute: (calls1 - calls0) as f64 / setup.accounts.len() as f64 / minutes,
        rejected: rejected1 - rejected0,
        cpu_share: (cpu1 - cpu0) / (minutes * 60.0),
        scheduler: scheduler_report(&setup.log),
        endpoints: tally.finish().await,
    }
}

/// What the ticket list showed of one conversation: when first, and when its preview first
/// held a given text.
#[derive(Default)]
struct Seen {
    tickets: HashMap<String, Instant>,
    previews: HashMap<(String, String), Instant>,
    watched_texts: Vec<(String, String)>,
}

/// Polls `GET /v1/tickets?limit=100` every 200 ms until `stop`.
fn watch_tickets(
    http: reqwest::Client,
    api: String,
    key: String,
    seen: Arc<Mutex<Seen>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let answer = http
                .get(format!("{api}/v1/tickets?limit=100"))
                .bearer_auth(&key)
                .send()
                .await;
            let at = Instant::now();
            if let Ok(answer) = answer {
                let page: Value = answer.json().await.unwrap_or(Value::Null);
                let mut seen = seen.lock().expect("lock");
                let watched = seen.watched_texts.clone();
                for ticket in page["tickets"].as_array().into_iter().flatten() {
                    let Some(id) = ticket["conversation"]["external_id"].as_str() else {
                        continue;
                    };
                    seen.tickets.entry(id.to_owned()).or_insert(at);
                    let preview = ticket["preview"]["text"].as_str().unwrap_or_default();
                    for (conversation, text) in &watched {
                        if conversation == id && preview.contains(text.as_str()) {
                            seen.previews
                                .entry((conversation.clone(), text.clone()))
                                .or_insert(at);
                        }
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
}

/// One sample account's timings, in seconds.
#[derive(Debug, Default, Clone)]
struct Sample {
    idle_ticket: Option<f64>,
    autoresponse: Option<f64>,
    active_ticket: Option<f64>,
}

/// A deterministic spread of moments (no rand dependency).
fn spread(i: usize, span: Duration) -> Duration {
    let fraction = ((i as u64 * 2_654_435_761) % 1000) as f64 / 1000.0;
    span.mul_f64(fraction)
}

async fn wait_until<T>(deadline: Instant, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    loop {
        if let Some(found) = probe() {
            return Some(found);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// When the simulator recorded the seller's first post to the conversation.
fn posted_at(setup: &Setup, conversation: &str) -> Option<DateTime<Utc>> {
    let world = setup.sandbox.state.lock();
    world
        .allegro
        .inbox
        .posted
        .iter()
        .find(|p| p.conversation_id == conversation)
        .map(|p| p.posted_at)
}

async fn one_sample(
    i: usize,
    plan: Plan,
    setup: Arc<Setup>,
    seen: Arc<Mutex<Seen>>,
    http: reqwest::Client,
    wait_limit: Duration,
) -> Sample {
    let mut sample = Sample::default();
    tokio::time::sleep(spread(i, plan.interval)).await;
    let account = &setup.accounts[i];
    let sent_at = Instant::now();
    let sent_utc = Utc::now();
    let thread = control(&http, &setup.sandbox)
        .post(
            "/allegro/inbox/threads",
            json!({"seller_id": account.seller_id, "buyer_id": setup.buyer_id, "type": "COMMON",
            "text": format!("Dzień dobry, mam pytanie o przedmiot numer {i}.")}),
        )
        .await;
    let thread_id = thread["id"].as_str().expect("thread id").to_owned();
    let deadline = sent_at + wait_limit;
    let ticket_at = wait_until(deadline, || {
        seen.lock().expect("lock").tickets.get(&thread_id).copied()
    })
    .await;
    let Some(ticket_at) = ticket_at else {
        return sample;
    };
    sample.idle_ticket = Some((ticket_at - sent_at).as_secs_f64());
    let posted = wait_until(Instant::now() + wait_limit, || {
        posted_at(&setup, &thread_id)
    })
    .await;
    if let Some(posted) = posted {
        sample.autoresponse = Some((posted - sent_utc).num_milliseconds() as f64 / 1000.0);
    }
    // The conversation is active now: the buyer writes again a moment later.
    tokio::time::sleep(spread(i + 7, plan.active_every)).await;
    let marker = format!("dopisek {i}-{}", uuid::Uuid::new_v4().simple());
    seen.lock()
        .expect("lock")
        .watched_texts
        .push((thread_id.clone(), marker.clone()));
    let again = Instant::now();
    control(&http, &setup.sandbox)
        .post(
            &format!("/allegro/inbox/threads/{thread_id}/messages"),
            json!({"author": "BUYER", "text": format!("Jeszcze jedno: {marker}")}),
        )
        .await;
    let key = (thread_id.clone(), marker);
    if let Some(at) = wait_until(again + wait_limit, || {
        seen.lock().expect("lock").previews.get(&key).copied()
    })
    .await
    {
        sample.active_ticket = Some((at - again).as_secs_f64());
    }
    sample
}

async fn measure_samples(
    plan: &Plan,
    setup: Arc<Setup>,
    serve: &Serve,
    http: &reqwest::Client,
) -> Vec<Sample> {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = watch_tickets(
        http.clone(),
        serve.api.clone(),
        setup.key.clone(),
        seen.clone(),
        stop.clone(),
    );
    // An idle account at 10 000 is read every ~106 s (the budget stretches the cadence).
    let wait_limit = plan.interval * 4 + Duration::from_secs(if plan.smoke { 30 } else { 120 });
    let tasks: Vec<_> = (0..plan.samples.min(setup.accounts.len()))
        .map(|i| {
            tokio::spawn(one_sample(
                i,
                plan.clone(),
                setup.clone(),
                seen.clone(),
                http.clone(),
                wait_limit,
            ))
        })
        .collect();
    let mut samples = Vec::new();
    for task in tasks {
        samples.push(task.await.expect("sample"));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = watcher.await;
    samples
}

/// The autoresponse burst: `plan.burst` buyers' first messages at once, spread over
/// `plan.burst_accounts` accounts (the ones after the samples, autoresponder on, no delay).
struct Burst {
    threads: usize,
    accounts: usize,
    /// Autoresponses the simulator received.
    sent: usize,
    /// Seconds from the first buyer message to the last autoresponse.
    drained: Option<f64>,
    /// Buyer message → autoresponse posted, seconds.
    latencies: Vec<f64>,
    /// serve's first read of the thread → autoresponse posted, seconds.
    after_read: Vec<f64>,
    /// Per account: how much later its last autoresponse left than the posting limit (one
    /// a second per user, from the first read of its threads) allowed, seconds.
    beyond_limit: Vec<f64>,
    /// Allegro calls by endpoint while it drained.
    endpoints: Vec<(String, u64)>,
}

/// One account's burst: serve's first read of any of its threads, and when each of its
/// autoresponses was posted.
type AccountPosts = (Option<DateTime<Utc>>, Vec<DateTime<Utc>>);

async fn measure_burst(plan: &Plan, setup: &Setup, http: &reqwest::Client) -> Burst {
    let accounts = plan
        .burst_accounts
        .min(plan.burst)
        .min(setup.accounts.len().saturating_sub(plan.samples))
        .max(1);
    let tally = EndpointTally::start(&setup.sandbox);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let made = Arc::new(Mutex::new(Vec::with_capacity(plan.burst)));
    let mut writers = Vec::new();
    for _ in 0..16 {
        let (http, base, next, made) = (
            http.clone(),
            setup.sandbox.base_url.clone(),
            next.clone(),
            made.clone(),
        );
        let sellers: Vec<String> = (0..accounts)
            .map(|a| setup.accounts[plan.samples + a].seller_id.clone())
            .collect();
        let (buyer, burst) = (setup.buyer_id.clone(), plan.burst);
        writers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= burst {
                    return;
                }
                let account = i % sellers.len();
                let sent = Utc::now();
                let thread: Value = http
                    .post(format!("{base}/__sandbox/allegro/inbox/threads"))
                    .json(
                        &json!({"seller_id": sellers[account], "buyer_id": buyer, "type": "COMMON",
                        "text": format!("Dzień dobry, pytanie numer {i} z serii.")}),
                    )
                    .send()
                    .await
                    .expect("thread")
                    .json()
                    .await
                    .expect("json");
                let id = thread["id"].as_str().expect("thread id").to_owned();
                made.lock().expect("lock").push((id, account, sent));
            }
        }));
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    let made = made.lock().expect("lock").clone();
    let first_sent = made
        .iter()
        .map(|(_, _, at)| *at)
        .min()
        .unwrap_or_else(Utc::now);
    // Every account read within an interval (or its stretched cadence), then one post a
    // second per account.
    let per_account = plan.burst.div_ceil(accounts) as u64;
    let deadline = Instant::now() + plan.interval * 4 + Duration::from_secs(120 + per_account * 2);
    let posted_all = || {
        let world = setup.sandbox.state.lock();
        let mut first: HashMap<&str, DateTime<Utc>> = HashMap::new();
        for post in &world.allegro.inbox.posted {
            first
                .entry(post.conversation_id.as_str())
                .or_insert(post.posted_at);
        }
        made.iter()
            .map(|(id, account, sent)| {
                (id.clone(), *account, *sent, first.get(id.as_str()).copied())
            })
            .collect::<Vec<_>>()
    };
    let mut posts = posted_all();
    while posts.iter().any(|p| p.3.is_none()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        posts = posted_all();
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let seconds =
        |from: DateTime<Utc>, to: DateTime<Utc>| (to - from).num_milliseconds() as f64 / 1000.0;
    let mut latencies = Vec::new();
    let mut after_read = Vec::new();
    let mut by_account: HashMap<usize, AccountPosts> = HashMap::new();
    for (id, account, sent, posted) in &posts {
        let Some(posted) = posted else { continue };
        latencies.push(seconds(*sent, *posted));
        let read = tally.first_read(id);
        if let Some(read) = read {
            after_read.push(seconds(read, *posted));
        }
        let entry = by_account.entry(*account).or_default();
        entry.0 = match (entry.0, read) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        entry.1.push(*posted);
    }
    let beyond_limit = by_account
        .values()
        .filter_map(|(read, posted)| {
            let last = posted.iter().max()?;
            Some(seconds(*read.as_ref()?, *last) - (posted.len() as f64 - 1.0))
        })
        .collect();
    let last_post = posts.iter().filter_map(|p| p.3).max();
    Burst {
        threads: made.len(),
        accounts,
        sent: posts.iter().filter(|p| p.3.is_some()).count(),
        drained: last_post.map(|last| seconds(first_sent, last)),
        latencies,
        after_read,
        beyond_limit,
        endpoints: tally.finish().await,
    }
}

/// p50 / p99 in ms and requests a second of `GET /v1/tickets` with `clients` at once.
async fn measure_api(serve: &Serve, key: &str, clients: usize, each: usize) -> (f64, f64, f64) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");
    let url = format!("{}/v1/tickets", serve.api);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (http, url, key) = (http.clone(), url.clone(), key.to_owned());
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(each);
                for _ in 0..each {
                    let at = Instant::now();
                    let answer = http.get(&url).bearer_auth(&key).send().await.expect("list");
                    assert!(answer.status().is_success(), "{}", answer.status());
                    let body = answer.bytes().await.expect("body");
                    assert!(!body.is_empty());
                    times.push(at.elapsed().as_secs_f64() * 1000.0);
                }
                times
            })
        })
        .collect();
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.expect("client"));
    }
    let seconds = started.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    (
        percentile(&times, 0.5).unwrap_or(0.0),
        percentile(&times, 0.99).unwrap_or(0.0),
        times.len() as f64 / seconds,
    )
}

/// One N's figures.
struct Row {
    n: usize,
    load: String,
    idle: Idle,
    ingest: Ingest,
    raw_commits: f64,
    samples: Vec<Sample>,
    api_1: (f64, f64, f64),
    api_50: (f64, f64, f64),
    stats: ProcessStats,
    elapsed: f64,
    burst: Option<Burst>,
}

async fn run_one(plan: &Plan, n: usize) -> Row {
    println!("\nN = {n} ({}):", machine());
    let http = reqwest::Client::new();
    let setup = set_up(plan, n, &http).await;
    let raw_commits = raw_commits_per_second(
        setup.data.parent().expect("dir"),
        Duration::from_secs(if plan.smoke { 1 } else { 3 }),
    );
    println!("  raw SQLite single-row commits on this disk: {raw_commits:.0}/s");
    let serve = start_serve(plan, &setup);

    let ingest = measure_ingest(plan, &serve, &http).await;
    println!(
        "  ingest: {:.0} messages in {:.1} s = {:.0} messages/s ({:.0} tickets), {:.2} of raw commits; serve CPU {:.0} %",
        ingest.messages,
        ingest.seconds,
        ingest.messages / ingest.seconds,
        ingest.tickets,
        ingest.messages / ingest.seconds / raw_commits,
        ingest.cpu_share * 100.0
    );
    // Every account read at least once before counting.
    let warm = (plan.interval + Duration::from_secs(2)).saturating_sub(serve.started.elapsed());
    tokio::time::sleep(warm).await;
    let idle = measure_idle(plan, &setup, &serve).await;
    println!(
        "  idle: {:.2} calls/account/min over {:.0} s ({} refused with 429), serve CPU {:.1} % of one core",
        idle.calls_per_account_minute,
        plan.idle_window.as_secs_f64(),
        idle.rejected,
        idle.cpu_share * 100.0
    );
    println!("  scheduler: {}", idle.scheduler);
    let per_minute = |count: u64| count as f64 / plan.idle_window.as_secs_f64() * 60.0;
    for (endpoint, count) in &idle.endpoints {
        println!(
            "    {endpoint}: {count} ({:.0}/min, {:.3}/account/min)",
            per_minute(*count),
            per_minute(*count) / n as f64
        );
    }

    let setup = Arc::new(setup);
    let samples = measure_samples(plan, setup.clone(), &serve, &http).await;
    let pick = |f: fn(&Sample) -> Option<f64>| samples.iter().filter_map(f).collect::<Vec<_>>();
    println!(
        "  buyer message → ticket: idle {} ({} of {}), active {} ({}); buyer message → autoresponse posted {}",
        p50_p95(&pick(|s| s.idle_ticket)),
        pick(|s| s.idle_ticket).len(),
        samples.len(),
        p50_p95(&pick(|s| s.active_ticket)),
        pick(|s| s.active_ticket).len(),
        p50_p95(&pick(|s| s.autoresponse)),
    );

    let burst = if plan.burst > 0 {
        let burst = measure_burst(plan, &setup, &http).await;
        println!(
            "  autoresponse burst ({}): {} threads over {} accounts, {} autoresponses sent, all out {} s after the first buyer message; buyer message → autoresponse {}, serve's first read of the thread → autoresponse {}, later than the 1 post/s/user limit allowed {}",
            machine(),
            burst.threads,
            burst.accounts,
            burst.sent,
            burst.drained.map_or("-".to_owned(), |s| format!("{s:.1}")),
            p50_p95(&burst.latencies),
            p50_p95(&burst.after_read),
            p50_p95(&burst.beyond_limit),
        );
        for (endpoint, count) in &burst.endpoints {
            println!("    {endpoint}: {count}");
        }
        Some(burst)
    } else {
        None
    };

    let api_1 = measure_api(&serve, &setup.key, 1, plan.api_single).await;
    let api_50 = measure_api(&serve, &setup.key, 50, plan.api_each_of_50).await;
    println!(
        "  GET /v1/tickets: 1 client p50 {:.1} / p99 {:.1} ms ({:.0}/s); 50 clients p50 {:.1} / p99 {:.1} ms ({:.0}/s)",
        api_1.0, api_1.1, api_1.2, api_50.0, api_50.1, api_50.2
    );
    let stats = process_stats(serve.child.id());
    let elapsed = serve.started.elapsed().as_secs_f64();
    println!(
        "  serve: RSS {:.0} MiB (peak {:.0}), CPU {:.0} s in {:.0} s ({:.1} % of one core on average)",
        stats.rss_mib,
        stats.peak_rss_mib,
        stats.cpu_seconds,
        elapsed,
        stats.cpu_seconds / elapsed * 100.0
    );
    let (warnings, errors, first) = log_problems(&setup.log);
    println!("  serve log: {warnings} warnings, {errors} errors");
    if let Some(first) = first {
        println!("    first: {first}");
    }
    let status = common::terminate(serve.child);
    assert!(status.success(), "serve exited with {status}");
    Row {
        n,
        load: machine(),
        idle,
        ingest,
        raw_commits,
        samples,
        api_1,
        api_50,
        stats,
        elapsed,
        burst,
    }
}

fn print_table(plan: &Plan, rows: &[Row]) {
    println!(
        "\n| accounts | calls/account/min idle | serve CPU idle | RSS (peak) | msg → ticket idle p50/p95 | active p50/p95 | autoresponse p50/p95 | ingest msg/s (÷ raw commits/s) | GET /v1/tickets p50/p99, 1 client | 50 clients | load |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for row in rows {
        let pick =
            |f: fn(&Sample) -> Option<f64>| row.samples.iter().filter_map(f).collect::<Vec<_>>();
        let rate = row.ingest.messages / row.ingest.seconds;
        println!(
            "| {} | {:.2} | {:.1} % | {:.0} ({:.0}) MiB | {} | {} | {} | {:.0} ({:.2} of {:.0}) | {:.1} / {:.1} ms | {:.1} / {:.1} ms | {} |",
            row.n,
            row.idle.calls_per_account_minute,
            row.idle.cpu_share * 100.0,
            row.stats.rss_mib,
            row.stats.peak_rss_mib,
            p50_p95(&pick(|s| s.idle_ticket)),
            p50_p95(&pick(|s| s.active_ticket)),
            p50_p95(&pick(|s| s.autoresponse)),
            rate,
            rate / row.raw_commits,
            row.raw_commits,
            row.api_1.0,
            row.api_1.1,
            row.api_50.0,
            row.api_50.1,
            row.load.trim_start_matches("nproc "),
        );
    }
    // The largest N from the least-loaded run: where the scheduler had not stretched cadences.
    if let Some(row) = rows.iter().min_by_key(|r| r.n) {
        let per_account = row.idle.calls_per_account_minute;
        if per_account > 0.0 {
            let share = BUDGET_PER_MINUTE * BACKGROUND_SHARE;
            let reserve = share * (1.0 - 0.05);
            println!(
                "\nLargest N inside the budget at the default settings ({:.2} calls/account/min measured at N = {}, poll interval {:.0} s): {:.0} accounts at 80 % of {BUDGET_PER_MINUTE:.0}/min, {:.0} with the 5 % reserve for active accounts",
                per_account,
                row.n,
                plan.interval.as_secs_f64(),
                share / per_account,
                reserve / per_account
            );
        }
    }
    for row in rows {
        println!("scheduler at N = {}: {}", row.n, row.idle.scheduler);
        println!("  (N = {} took {:.0} s of serve time)", row.n, row.elapsed);
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let plan = Plan::from_env(smoke);
    println!(
        "scale bench{}: accounts {:?}, poll interval {:.1} s, idle window {:.0} s, {} samples, {} EmpikPlace tickets; {}",
        if smoke { " (smoke run)" } else { "" },
        plan.accounts,
        plan.interval.as_secs_f64(),
        plan.idle_window.as_secs_f64(),
        plan.samples,
        plan.tickets,
        machine()
    );
    let mut rows = Vec::new();
    for &n in &plan.accounts {
        let row = run_one(&plan, n).await;
        if plan.smoke {
            check_smoke(&plan, &row);
        }
        rows.push(row);
    }
    print_table(&plan, &rows);
}

/// The smoke run fails when a step did not happen (no timing thresholds: the machine is shared).
fn check_smoke(plan: &Plan, row: &Row) {
    assert!(
        row.idle.calls_per_account_minute > 0.0,
        "no Allegro calls while idle"
    );
    assert_eq!(
        row.ingest.tickets as usize, plan.tickets,
        "every shop thread became a ticket"
    );
    assert_eq!(row.samples.len(), plan.samples);
    for (i, sample) in row.samples.iter().enumerate() {
        assert!(sample.idle_ticket.is_some(), "sample {i}: no ticket");
        assert!(sample.autoresponse.is_some(), "sample {i}: no autoresponse");
        assert!(
            sample.active_ticket.is_some(),
            "sample {i}: second message not seen"
        );
    }
    assert!(
        row.api_1.2 > 0.0 && row.api_50.2 > 0.0,
        "the ticket list answered"
    );
    assert!(row.stats.rss_mib > 0.0, "RSS read from /proc");
    let burst = row.burst.as_ref().expect("the burst ran");
    assert_eq!(
        (burst.threads, burst.sent),
        (plan.burst, plan.burst),
        "every buyer of the burst got the autoresponse"
    );
}
