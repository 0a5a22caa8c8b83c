//! List-view timings on 10 000 tickets (the data set of `corpus`, shared with the search
//! bench): view pages, the counts of every view, filtered lists and the web list's rows, through
//! the services the API and the web workspace call (`services::views`, `services::workspace`).
//!
//!   cargo bench -p marketdesk-e2e --bench views
//!   MARKETDESK_BENCH_TICKETS=200 cargo bench -p marketdesk-e2e --bench views   (a smoke run)
//!
//! Each figure is `MARKETDESK_BENCH_REPEATS` calls (default 50): p50 and p95, and the store
//! requests and items read per call. "page 5" is the fifth page of 25, reached with the cursor
//! the fourth page gave (the walk there is not timed). See `corpus` for the environment
//! (DynamoDB Local, a table seeded before). `cargo test` never runs this.

mod corpus;

use corpus::{env_number, percentile, Backend, TAG};
use marketdesk_core::domain::{Actor, Role};
use marketdesk_core::services::caller::Caller;
use marketdesk_core::services::ticket_views::TicketQuery;
use marketdesk_core::services::{views, workspace};
use std::future::Future;
use std::time::Instant;

/// A list query as `GET /v1/tickets` takes it: a page of 25, with `fields` (view, filters).
fn query(fields: serde_json::Value, sort: &str, cursor: Option<&str>) -> TicketQuery {
    let mut all = serde_json::json!({ "sort": sort, "cursor": cursor, "limit": 25 });
    if let (Some(all), Some(fields)) = (all.as_object_mut(), fields.as_object()) {
        all.extend(fields.clone());
    }
    serde_json::from_value(all).expect("query")
}

/// Times `call` (which answers how many tickets it listed) `repeats` times and prints a line.
async fn time<F, Fut>(backend: &Backend, label: &str, repeats: usize, call: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = usize>,
{
    backend.counter.take();
    let mut times = Vec::with_capacity(repeats);
    let mut listed = 0;
    for _ in 0..repeats {
        let started = Instant::now();
        listed += call().await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let (requests, items) = backend.counter.take();
    let n = repeats as f64;
    println!(
        "  {label:<44} p50 {:>8.2} ms  p95 {:>8.2} ms  {:>4.1} tickets, {:>5.1} store requests, {:>7.1} items read per call",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        listed as f64 / n,
        requests as f64 / n,
        items as f64 / n
    );
}

/// The cursor of page `page` (1 = the first) of `fields` in `sort` order; `Err` when the list
/// ends before it.
async fn cursor_of(
    backend: &Backend,
    caller: &Caller,
    fields: &serde_json::Value,
    sort: &str,
    page: usize,
) -> Result<Option<String>, ()> {
    let mut cursor = None;
    for _ in 1..page {
        let found = views::list_tickets(
            &backend.ports,
            caller,
            &query(fields.clone(), sort, cursor.as_deref()),
        )
        .await
        .expect("page");
        cursor = Some(found.next_cursor.ok_or(())?);
    }
    Ok(cursor)
}

async fn measure(backend: &Backend, repeats: usize) {
    let agent = corpus::agent(&backend.ports, &backend.tenant).await;
    let caller = Caller {
        tenant_id: backend.tenant.clone(),
        role: Role::Agent,
        actor: Actor::User {
            id: agent.clone(),
            name: "Agent Bench".into(),
        },
        session: None,
    };
    let store = &*backend.ports.store;
    let counts = views::counts(store, &backend.tenant, Some(&agent))
        .await
        .expect("counts");
    let shown: Vec<String> = counts
        .views
        .iter()
        .map(|v| format!("{} {}{}", v.name, v.count, if v.more { "+" } else { "" }))
        .collect();
    println!("  counts: {}", shown.join(", "));
    time(backend, "counts of every view", repeats, || async {
        views::counts(store, &backend.tenant, Some(&agent))
            .await
            .expect("counts")
            .views
            .len()
    })
    .await;

    let lists = [
        (
            "view needs_reply",
            serde_json::json!({ "view": "needs_reply" }),
        ),
        (
            "view unassigned",
            serde_json::json!({ "view": "unassigned" }),
        ),
        ("view mine", serde_json::json!({ "view": "mine" })),
        (
            "view queue:allegro",
            serde_json::json!({ "view": "queue:allegro" }),
        ),
        ("all tickets (no view)", serde_json::json!({})),
        (
            "filter queue=allegro + tag",
            serde_json::json!({ "queue": "allegro", "tag": TAG }),
        ),
        (
            "view needs_reply + source=empikplace",
            serde_json::json!({ "view": "needs_reply", "source": "empikplace" }),
        ),
    ];
    for (label, fields) in &lists {
        for sort in ["activity", "respond_by"] {
            for page in [1, 5] {
                let Ok(cursor) = cursor_of(backend, &caller, fields, sort, page).await else {
                    println!("  {label}, {sort}, page {page}: the list is shorter");
                    continue;
                };
                let q = query(fields.clone(), sort, cursor.as_deref());
                time(
                    backend,
                    &format!("{label}, {sort}, page {page}"),
                    repeats,
                    || async {
                        views::list_tickets(&backend.ports, &caller, &q)
                            .await
                            .expect("page")
                            .tickets
                            .len()
                    },
                )
                .await;
            }
        }
    }

    // The web list (`/tickets`, and `/tickets/rows` every 5 s): the page plus each row's
    // customer and the accounts.
    for (label, fields) in [
        ("web rows: all tickets", serde_json::json!({})),
        (
            "web rows: needs_reply",
            serde_json::json!({ "view": "needs_reply" }),
        ),
    ] {
        let q = query(fields, "activity", None);
        time(backend, label, repeats, || async {
            workspace::rows(&backend.ports, &caller, &q, None)
                .await
                .expect("rows")
                .rows
                .len()
        })
        .await;
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let repeats = env_number("MARKETDESK_BENCH_REPEATS", 50).max(1);
    for backend in corpus::backends().await {
        println!("{}: list views, {} tickets", backend.name, backend.tickets);
        measure(&backend, repeats).await;
    }
}
