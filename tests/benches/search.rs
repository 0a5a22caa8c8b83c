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

mod corpus;

use corpus::{env_number, percentile, Counting, Lcg, FIRST_NAMES, LAST_NAMES, WORDS};
use marketdesk_core::ids::TenantId;
use marketdesk_core::ports::Ports;
use marketdesk_core::services::search;
use std::time::Instant;

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
    let queries = env_number("MARKETDESK_BENCH_QUERIES", 200);
    for backend in corpus::backends().await {
        println!("{}: search, {} tickets", backend.name, backend.tickets);
        measure_all(
            &backend.ports,
            &backend.counter,
            &backend.tenant,
            backend.tickets,
            queries,
        )
        .await;
    }
}
