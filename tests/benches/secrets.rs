//! Cost of reading one account's token pair with many accounts stored: the embedded secrets
//! file (`FileSecrets`), `MARKETDESK_BENCH_ACCOUNTS` accounts (default 5 000).
//!
//!   cargo bench -p marketdesk-e2e --bench secrets
//!   MARKETDESK_BENCH_ACCOUNTS=200 cargo bench -p marketdesk-e2e --bench secrets   (a smoke run)
//!
//! Stores one token pair per account through `services::tokens::save` (the shape a poll job
//! reads), then reads `MARKETDESK_BENCH_GETS` (default 2 000) random accounts' secrets and
//! prints the mean and p50/p95 per `get`. `cargo test` never runs this.

use chrono::Utc;
use marketdesk_core::ids::{IntegrationId, TenantId};
use marketdesk_core::ports::Secrets;
use marketdesk_core::services::tokens;
use marketdesk_local::{FileSecrets, SECRETS_FILE};
use secrecy::SecretString;
use std::time::Instant;

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A token pair of the size Allegro issues (JWTs of about 1 KB each).
fn token_json(i: usize) -> String {
    let jwt = |kind: &str| format!("{kind}.{}.{i:08}", "x".repeat(1000));
    serde_json::json!({
        "access_token": jwt("access"),
        "refresh_token": jwt("refresh"),
        "access_expires_at": Utc::now() + chrono::Duration::hours(12),
    })
    .to_string()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let accounts = env_count("MARKETDESK_BENCH_ACCOUNTS", 5_000);
    let gets = env_count("MARKETDESK_BENCH_GETS", 2_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let tenant = TenantId("bench".into());
    let names: Vec<_> = (0..accounts)
        .map(|i| tokens::secret_name(&tenant, &IntegrationId(format!("acct-{i}"))))
        .collect();
    // Written as one file (the format `FileSecrets` keeps): 5 000 single puts would rewrite
    // the whole file 5 000 times, which is what a long-running installation did over months.
    let file: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str().to_owned(), token_json(i).into()))
        .collect();
    let bytes = serde_json::to_vec_pretty(&file).expect("encode");
    std::fs::write(dir.path().join(SECRETS_FILE), &bytes).expect("write");
    let secrets = FileSecrets::open(dir.path()).expect("secrets");
    println!(
        "{accounts} token pairs stored ({:.1} MiB file)",
        bytes.len() as f64 / 1_048_576.0
    );
    // A put as well, so the measured reads follow a write through the adapter.
    secrets
        .put(&names[0], &SecretString::from(token_json(0)))
        .await
        .expect("put");

    let mut timings = Vec::with_capacity(gets);
    // A fixed pseudo-random walk over the accounts (no rand dependency needed).
    let mut at = 7usize;
    for _ in 0..gets {
        at = (at * 1_103_515_245 + 12_345) % accounts.max(1);
        let started = Instant::now();
        let value = secrets.get(&names[at]).await.expect("get");
        timings.push(started.elapsed());
        assert!(value.is_some(), "every account has a secret");
    }
    timings.sort();
    let mean = timings.iter().sum::<std::time::Duration>() / gets.max(1) as u32;
    let pct = |p: f64| timings[((timings.len() as f64 * p) as usize).min(timings.len() - 1)];
    println!(
        "FileSecrets::get with {accounts} accounts: mean {:.3} ms, p50 {:.3} ms, p95 {:.3} ms ({gets} gets)",
        mean.as_secs_f64() * 1e3,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.95).as_secs_f64() * 1e3,
    );
}
