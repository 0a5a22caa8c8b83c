//! How long one scheduler tick takes on the SQLite backend with thousands of Allegro accounts
//! (issue 15: at 6 000 accounts a tick took 40–100 s while each lease and queue write was a
//! commit of its own). Ignored by default; run it with
//! `cargo test --release -p marketdesk-local --test tick_bench -- --ignored --nocapture`
//! (`MARKETDESK_TICK_BENCH_ACCOUNTS`, default 6000). It prints the figures; it asserts only
//! that every due read was asked for.

use chrono::{DateTime, Utc};
use marketdesk_core::domain::Marketplace;
use marketdesk_core::services::{polling::PollingSettings, scheduler};
use marketdesk_testkit::backend::{manual_backend, seed_connected_integration};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run with --ignored --nocapture"]
async fn one_scheduler_tick_with_thousands_of_allegro_accounts() {
    let accounts: usize = std::env::var("MARKETDESK_TICK_BENCH_ACCOUNTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(6000);
    let start: DateTime<Utc> = "2026-12-05T10:00:00Z".parse().expect("time");
    let (backend, clock) = manual_backend(start);
    let ports = &backend.ports;
    let seeding = Instant::now();
    for n in 0..accounts {
        seed_connected_integration(
            ports,
            "t-bench",
            &format!("int-{n:05}"),
            Marketplace::Allegro,
        )
        .await;
    }
    println!(
        "{accounts} integrations seeded in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let settings = PollingSettings::new(Duration::from_secs(60));
    // Tick 1: every lease free (no item); tick 2, five minutes later: every lease left by
    // tick 1 has expired (a version-conditioned take); tick 3, a minute later: every lease
    // still held by a queued job (the reads are recorded on them or merged).
    for (label, advance) in [
        ("fresh leases", 0),
        ("expired leases", 300),
        ("held leases", 60),
    ] {
        clock.advance(chrono::Duration::seconds(advance));
        let began = Instant::now();
        let report = scheduler::schedule(ports, &settings).await.expect("tick");
        let took = began.elapsed().as_secs_f64();
        println!(
            "schedule, {label}: {took:.2} s for {} integrations: {} queued, {} recorded on a held lease, {} merged, {} not due",
            report.fan_out.integrations,
            report.fan_out.jobs,
            report.deferred,
            report.fan_out.merged,
            report.not_due
        );
        assert_eq!(report.fan_out.integrations, accounts);
        assert_eq!(
            report.fan_out.jobs + report.deferred + report.fan_out.merged + report.not_due,
            2 * accounts,
            "every inbox asked for or not due"
        );
    }
    clock.advance(chrono::Duration::seconds(600));
    let began = Instant::now();
    let report = scheduler::fan_out(ports).await.expect("fan out");
    println!(
        "fan_out (every inbox now, leases expired): {:.2} s, {} queued",
        began.elapsed().as_secs_f64(),
        report.jobs
    );
}
