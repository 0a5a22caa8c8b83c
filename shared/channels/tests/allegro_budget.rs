//! The client id's request budget against the simulator: a 429 during a burst of polls across
//! many accounts and several workers stops every call with the client id (the simulator
//! counts them), the work waits in its queue, and a reply passes queued polls when the budget
//! is tight.

use marketdesk_allegro::{AccessToken, AllegroError};
use marketdesk_channels::allegro::AllegroClients;
use marketdesk_channels::budget::{allegro_key, AllegroBudgetGate};
use marketdesk_core::adapter_ports;
use marketdesk_core::domain::{Environment, Marketplace};
use marketdesk_core::ports::{ManualClock, MemoryBudget};
use marketdesk_core::services::budget::{as_active_read, Budget, BudgetPolicy};
use marketdesk_core::services::{poller, scheduler};
use marketdesk_simulator::RunningSimulator;
use marketdesk_testkit::backend::{seed_connected_integration, temp_backend};
use marketdesk_testkit::SimulatorControl;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

mod common;

use common::{allegro_registry, simulator_allegro_config, CLIENT_ID};

/// Clients on the simulator whose every call passes `gate`.
fn gated_clients(simulator: &RunningSimulator, gate: AllegroBudgetGate) -> AllegroClients {
    let config = simulator_allegro_config(&simulator.base_url);
    let gate: Arc<dyn marketdesk_allegro::RequestGate> = Arc::new(gate);
    AllegroClients::with_adjusted(&config, |c| {
        c.with_timeout(Duration::from_secs(5))
            .with_gate(gate.clone())
    })
    .expect("clients")
}

/// The simulator's counts for the application: `(total, rejected, blocks)`.
async fn simulator_counts(control: &SimulatorControl) -> (u64, u64, u64) {
    let answer = control.get("/allegro/rate-limit").await;
    let client = answer["clients"]
        .as_array()
        .and_then(|clients| clients.iter().find(|c| c["client_id"] == CLIENT_ID))
        .cloned()
        .unwrap_or(json!({}));
    let n = |field: &str| client[field].as_u64().unwrap_or(0);
    (n("total"), n("rejected"), n("blocks"))
}

async fn set_limit(control: &SimulatorControl, per_minute: u32) {
    control
        .put("/allegro/rate-limit", json!({ "per_minute": per_minute }))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_429_during_a_burst_stops_every_worker_until_the_block_ends() {
    let simulator = RunningSimulator::start_local().await.expect("simulator");
    let backend = temp_backend();
    let ports = backend.ports.clone();
    let control = SimulatorControl::new(&simulator.base_url);
    let http = control.http().clone();
    let clients = gated_clients(
        &simulator,
        AllegroBudgetGate::new(adapter_ports::call_budget(&ports), BudgetPolicy::allegro()),
    );
    let accounts = 12;
    for n in 0..accounts {
        let login = format!("sprzedawca{n}");
        let seller = control.allegro_seller(&login, true).await;
        assert!(!seller.is_empty());
        let integration =
            seed_connected_integration(&ports, "t1", &format!("allegro-{n}"), Marketplace::Allegro)
                .await;
        common::connect(
            &ports,
            clients.for_environment(Environment::Sandbox),
            &http,
            &integration,
        )
        .await;
    }
    // The connections are counted too; Allegro's limit, made small: the burst overruns it.
    let (connected, _, _) = simulator_counts(&control).await;
    set_limit(&control, connected as u32 + 10).await;

    let registry = allegro_registry(&ports, &clients);
    scheduler::fan_out(&ports).await.expect("fan out");
    let jobs = 2 * accounts;
    let done = Arc::new(AtomicUsize::new(0));
    let limited = Arc::new(AtomicUsize::new(0));
    let workers = (0..4).map(|_| {
        let ports = ports.clone();
        let registry = registry.clone();
        let done = done.clone();
        let limited = limited.clone();
        tokio::spawn(async move {
            loop {
                let batch = ports
                    .queues
                    .poll_jobs
                    .receive(1, Duration::from_secs(300))
                    .await
                    .expect("receive");
                let Some(job) = batch.into_iter().next() else {
                    return;
                };
                match poller::handle_body(&ports, &registry, &job.body).await {
                    Ok(_) => {
                        ports
                            .queues
                            .poll_jobs
                            .delete(&job.receipt)
                            .await
                            .expect("delete");
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                    // Left in the queue, as serve delays a rate-limited job: nothing is lost.
                    Err(error) => {
                        assert!(error.to_string().contains("rate limited"), "{error}");
                        limited.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        })
    });
    for worker in futures_util::future::join_all(workers).await {
        worker.expect("worker");
    }
    let (total, rejected, blocks) = simulator_counts(&control).await;
    assert_eq!(blocks, 1, "one overrun");
    assert!(
        rejected <= 4,
        "after the 429 only calls already in flight (one per worker) reach Allegro: {rejected}"
    );
    assert!(total <= connected + 10 + 4, "{total} calls");
    let handled = done.load(Ordering::SeqCst);
    let waiting = limited.load(Ordering::SeqCst);
    assert_eq!(
        handled + waiting,
        jobs,
        "every job ran once: done or waiting"
    );
    assert!(waiting > 0 && handled > 0);
    let blocks_in_force = backend
        .ports
        .budget
        .blocks(chrono::Utc::now())
        .await
        .expect("blocks");
    assert_eq!(blocks_in_force.len(), 1);
    assert_eq!(blocks_in_force[0].key, allegro_key(CLIENT_ID));
    assert!(blocks_in_force[0].until >= chrono::Utc::now() + chrono::Duration::seconds(55));

    // A later call with the client id is refused in the process, not sent.
    let before = simulator_counts(&control).await;
    let refused = clients
        .for_environment(Environment::Sandbox)
        .me(&AccessToken::new("any"))
        .await;
    assert!(
        matches!(refused, Err(AllegroError::RateLimited { retry_after, .. }) if retry_after >= Duration::from_secs(55))
    );
    assert_eq!(simulator_counts(&control).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_passes_queued_polls_when_the_budget_is_tight() {
    let simulator = RunningSimulator::start_local().await.expect("simulator");
    let backend = temp_backend();
    let control = SimulatorControl::new(&simulator.base_url);
    // 120 a minute: 2 calls a second, polls may take 1 (80 % rounded down), replies 2.
    let policy = BudgetPolicy {
        per_minute: Some(120),
        background_share: 0.8,
    };
    let clients = gated_clients(
        &simulator,
        AllegroBudgetGate::new(
            Arc::new(
                Budget::new(backend.ports.budget.clone(), backend.ports.clock.clone())
                    .with_max_wait(Duration::from_secs(30)),
            ),
            policy,
        ),
    );
    let client = clients.for_environment(Environment::Sandbox).clone();
    let token = AccessToken::new("not-a-token");
    let polls = (0..5).map(|_| {
        let client = client.clone();
        let token = token.clone();
        tokio::spawn(async move { client.me(&token).await })
    });
    let polls: Vec<_> = polls.collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    // A write to a conversation: the budget's reply priority (the thread does not exist).
    let reply = client
        .mark_thread_read(&token, "no-such-thread", true)
        .await;
    let reply_took = started.elapsed();
    assert!(reply.is_err());
    for poll in polls {
        let _ = poll.await.expect("poll task");
    }
    let polls_took = started.elapsed();
    assert!(
        reply_took < Duration::from_millis(1500),
        "the reply waited {reply_took:?}"
    );
    assert!(
        polls_took >= Duration::from_millis(2500),
        "five polls at one a second span at least four second boundaries: {polls_took:?}"
    );
    let log = control.get("/requests").await;
    let paths: Vec<&str> = log["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter_map(|r| r["path"].as_str())
        .collect();
    let reply_at = paths
        .iter()
        .position(|p| p.starts_with("/messaging"))
        .expect("the reply reached the simulator");
    assert!(
        reply_at <= 2,
        "the reply went out before most polls: {paths:?}"
    );
}

/// Whether the gate refused the call (it was not sent).
fn rate_limited<T>(answer: &Result<T, AllegroError>) -> bool {
    matches!(answer, Err(AllegroError::RateLimited { .. }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_active_re_read_gets_a_slot_where_an_idle_poll_is_refused() {
    let simulator = RunningSimulator::start_local().await.expect("simulator");
    let control = SimulatorControl::new(&simulator.base_url);
    // One second that does not end (a clock standing still) and no waiting in the process:
    // whatever the gate refuses comes back at once as `RateLimited`, unsent.
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    // 120 a minute: 2 calls a second, conversation reads 1 of them (80 % rounded down).
    let policy = BudgetPolicy {
        per_minute: Some(120),
        background_share: 0.8,
    };
    let clients = gated_clients(
        &simulator,
        AllegroBudgetGate::new(
            Arc::new(
                Budget::new(Arc::new(MemoryBudget::new()), clock).with_max_wait(Duration::ZERO),
            ),
            policy,
        ),
    );
    let client = clients.for_environment(Environment::Sandbox).clone();
    let token = AccessToken::new("not-a-token");
    // A scheduled read of an idle inbox takes the second's share; the next one is refused.
    assert!(!rate_limited(&client.me(&token).await), "sent");
    assert!(rate_limited(&client.me(&token).await), "the share is used");
    // The same kind of call made by a re-read job books the next second's first slot ahead
    // of the idle reads, and is sent then.
    let re_read = as_active_read(client.issue(&token, "active-conversation")).await;
    assert!(!rate_limited(&re_read), "the re-read was sent: {re_read:?}");
    assert!(
        rate_limited(&client.me(&token).await),
        "outside the re-read's scope a read is an idle poll again"
    );
    let log = control.get("/requests").await;
    let paths: Vec<&str> = log["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter_map(|r| r["path"].as_str())
        .collect();
    assert_eq!(paths, ["/me", "/sale/issues/active-conversation"]);
}
