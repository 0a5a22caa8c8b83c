//! Issue 15 item 5 on the real binary: `marketdesk serve` at a 60 s poll and scheduler interval
//! against the simulator. A delayed autoresponse leaves when it is due (its wake-up), not on
//! the next scheduler tick; an agent's reply during the delay cancels it.
//!
//! Delays are whole minutes (settings, 0–55), so the delay here is 1 minute and the buyer
//! writes 25 s into a tick interval: due 25 s after a tick. Waiting for the next tick would
//! post it some 35 s late. About 3–4 minutes: the account's first poll comes at the tick after
//! it was connected, at its phase.

mod common;

use common::*;
use marketdesk_sandbox::RunningSandbox;
use marketdesk_testkit::SimulatorControl;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// What the seller side posted into `conversation`, oldest first.
async fn posted(control: &SimulatorControl, conversation: &str) -> Vec<String> {
    control
        .allegro_posted(&format!("?conversation_id={conversation}"))
        .await
        .iter()
        .filter_map(|m| m["text"].as_str().map(str::to_owned))
        .collect()
}

/// The ticket of `conversation`, once ingested.
async fn ticket_of(api: &str, key: &str, conversation: &str) -> Option<String> {
    let list: Value = reqwest::Client::new()
        .get(format!("{api}/v1/tickets"))
        .bearer_auth(key)
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    list["tickets"].as_array()?.iter().find_map(|t| {
        (t["conversation"]["external_id"] == conversation)
            .then(|| t["id"].as_str().map(str::to_owned))
            .flatten()
    })
}

const AUTORESPONSE: &str = "Dzień dobry, odpowiemy wkrótce.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delayed_autoresponse_leaves_when_due_not_on_the_next_tick() {
    let sandbox = RunningSandbox::start_local().await.expect("sandbox");
    let data = tempfile::tempdir().expect("temp dir");
    let key = admin_key(data.path(), "sklep");
    let port = free_port();
    let started = Instant::now();
    let mut child = allegro_simulator(
        &mut serve_command(data.path(), port, Some("60s")),
        &sandbox.base_url,
    )
    .spawn()
    .expect("serve");
    wait_for_health(port, &mut child);
    let api = format!("http://127.0.0.1:{port}");

    let control = SimulatorControl::new(&sandbox.base_url);
    let seller_id = control.allegro_seller("sklep_z_kubkami", true).await;
    let buyer = control
        .allegro_buyer(json!({"login": "kupujaca_ola"}))
        .await;
    let buyer_id = buyer["id"].as_str().expect("id").to_owned();
    connect_allegro_over_api(
        &api,
        &key,
        json!({"autoresponder": {"enabled": true, "delay_minutes": 1, "text": AUTORESPONSE}}),
    )
    .await;

    // A first conversation, read at the account's first poll (the tick after it was connected,
    // at the account's phase: up to 2 minutes), makes the account active: re-read every 12 s.
    let thread = |text: &str| json!({"seller_id": seller_id, "buyer_id": buyer_id, "type": "COMMON", "text": text});
    let first = control
        .post("/allegro/inbox/threads", thread("Dzień dobry"))
        .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    while ticket_of(&api, &key, &first).await.is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(150),
            "no first poll"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The buyer writes in two threads 25 s into a tick interval: due 25 s after a tick, 35 s
    // before the next one.
    let into_interval = started.elapsed().as_secs() % 60;
    let wait = (85 - into_interval) % 60;
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let waiting = control
        .post("/allegro/inbox/threads", thread("Kiedy wysyłka?"))
        .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let answered = control
        .post("/allegro/inbox/threads", thread("Czy jest faktura?"))
        .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let wrote = Instant::now();
    let due = Duration::from_secs(60);

    // The agent answers the second thread as soon as its ticket is there, within the delay.
    let ticket = loop {
        if let Some(ticket) = ticket_of(&api, &key, &answered).await {
            break ticket;
        }
        if wrote.elapsed() >= due {
            let list = reqwest::Client::new()
                .get(format!("{api}/v1/tickets"))
                .bearer_auth(&key)
                .send()
                .await
                .expect("tickets")
                .text()
                .await
                .expect("text");
            panic!("the thread {answered} was not read within a poll interval: {list}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let read_after = wrote.elapsed();
    let reply = reqwest::Client::new()
        .post(format!("{api}/v1/tickets/{ticket}/replies"))
        .bearer_auth(&key)
        .json(&json!({"text": "Tak, wystawiamy fakturę."}))
        .send()
        .await
        .expect("reply");
    assert!(reply.status().is_success(), "{}", reply.status());
    assert!(
        wrote.elapsed() < due,
        "the agent must answer within the delay (read after {read_after:?})"
    );

    // The first thread's autoresponse arrives when due, well before the tick at ~120 s.
    let latency = loop {
        let texts = posted(&control, &waiting).await;
        if texts.iter().any(|t| t == AUTORESPONSE) {
            break wrote.elapsed();
        }
        assert!(
            wrote.elapsed() < due + Duration::from_secs(20),
            "no autoresponse {:?} after the buyer wrote ({:?} after start)",
            wrote.elapsed(),
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    eprintln!(
        "buyer message → delayed autoresponse in the simulator: {} ms (delay 60 s, 60 s poll and scheduler interval; thread read after {} ms)",
        latency.as_millis(),
        read_after.as_millis()
    );
    assert!(
        latency < due + Duration::from_secs(8),
        "posted {latency:?} after the buyer wrote: the delay is 60 s"
    );
    assert_eq!(
        posted(&control, &waiting).await,
        vec![AUTORESPONSE.to_owned()],
        "exactly one"
    );

    // The answered thread gets the agent's reply and no autoresponse.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        posted(&control, &answered).await,
        vec!["Tak, wystawiamy fakturę.".to_owned()]
    );
    terminate(child);
}
