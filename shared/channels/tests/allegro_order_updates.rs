//! Fulfillment statuses and invoices to Allegro through the outbox against the simulator
//! (issue 17 item 4): they arrive once even when their jobs are delivered again, a 429 or a
//! 5xx is retried with back-off and nothing is lost, and an invoice declared by an attempt
//! whose answer was lost is found instead of declared twice. The first runs on DynamoDB Local
//! + moto too (skipped without the emulators).

mod common;

use chrono::Duration;
use common::orders::World;
use marketdesk_channels::allegro::order_updates::AllegroOrderUpdates;
use marketdesk_core::domain::order::Order;
use marketdesk_core::domain::order_update::{OrderUpdate, OrderUpdateState};
use marketdesk_core::domain::{Actor, Role};
use marketdesk_core::ports::{DeliveryRegistry, ManualClock};
use marketdesk_core::repo::{order_updates as updates_repo, orders};
use marketdesk_core::services::caller::Caller;
use marketdesk_core::services::order_updates::{
    self, FulfillmentRequest, InvoiceFile, OrderUpdateJob, UpdateOutcome,
};
use marketdesk_core::services::sender;
use marketdesk_testkit::aws::{endpoints, pipeline_ports};
use marketdesk_testkit::backend::manual_backend;
use serde_json::{json, Value};
use std::sync::Arc;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

struct Desk {
    w: World,
    /// The manual clock of the embedded backend (`None` on AWS, which runs on the system clock).
    clock: Option<Arc<ManualClock>>,
    deliveries: DeliveryRegistry,
    caller: Caller,
    order: Order,
}

impl Desk {
    /// A seller whose buyer paid an order that marketdesk made an order of.
    async fn start(login: &str) -> Self {
        let (backend, clock) = manual_backend(chrono::Utc::now());
        let w = {
            let ports = backend.ports.clone();
            World::start_on(ports, Some(backend), login, true).await
        };
        Self::on(w, Some(clock)).await
    }

    /// The same on DynamoDB Local + moto; `None` without the emulators.
    async fn on_aws(login: &str) -> Option<Self> {
        let (dynamodb, moto) = endpoints()?;
        let ports = pipeline_ports(&dynamodb, &moto).await;
        let w = World::start_on(ports, None, login, true).await;
        Some(Self::on(w, None).await)
    }

    /// The paid order made in `w`, and the order-update writer.
    async fn on(w: World, clock: Option<Arc<ManualClock>>) -> Self {
        w.poll().await; // the journal starts at the newest event
        let form_id = w.purchase(json!({})).await;
        w.act(&format!("/allegro/orders/{form_id}/pay"), json!({}))
            .await;
        w.poll().await;
        let order = w.order(&form_id).await.expect("an order");
        let deliveries =
            DeliveryRegistry::empty().with_order_updates(Arc::new(AllegroOrderUpdates::new(
                common::allegro_access(&w.ports, &w.clients),
                w.clients.clone(),
            )));
        let caller = Caller {
            tenant_id: w.integration.tenant_id.clone(),
            role: Role::Agent,
            actor: Actor::User {
                id: "u-1".into(),
                name: "Ola".into(),
            },
            session: None,
        };
        Self {
            w,
            clock,
            deliveries,
            caller,
            order,
        }
    }

    /// Moves the manual clock on (embedded backend only).
    fn advance(&self, by: Duration) {
        self.clock
            .as_ref()
            .expect("a manual clock (embedded backend)")
            .advance(by);
    }

    /// Receives every visible outbound job and runs it as the sender does; their bodies.
    async fn send_queued(&self) -> Vec<String> {
        let queue = &self.w.ports.queues.outbound;
        let mut bodies = Vec::new();
        loop {
            let batch = queue
                .receive(10, std::time::Duration::from_secs(30))
                .await
                .expect("receive");
            if batch.is_empty() {
                return bodies;
            }
            for message in batch {
                sender::handle_body(&self.w.ports, &self.deliveries, &message.body)
                    .await
                    .expect("handled");
                queue.delete(&message.receipt).await.expect("delete");
                bodies.push(message.body);
            }
        }
    }

    /// Runs a job body again, as a queue redelivering it would.
    async fn redeliver(&self, body: &str) {
        sender::handle_body(&self.w.ports, &self.deliveries, body)
            .await
            .expect("handled again");
    }

    /// What the seller sent about the order, as the simulator recorded it.
    async fn at_allegro(&self) -> Value {
        self.w
            .http
            .get(format!(
                "{}/__sandbox/allegro/orders/{}/seller",
                self.w.sandbox.base_url, self.order.checkout_form_id
            ))
            .send()
            .await
            .expect("control")
            .json()
            .await
            .expect("json")
    }

    async fn update(&self, id: &str) -> OrderUpdate {
        updates_repo::get(
            &*self.w.ports.store,
            &self.caller.tenant_id,
            &self.order.id,
            id,
        )
        .await
        .expect("read")
        .expect("stored")
        .value
    }

    async fn fault(&self, path: &str, method: &str, kind: Value) {
        let mut rule = json!({ "path_prefix": path, "method": method, "remaining": 1 });
        if let (Some(rule), Some(kind)) = (rule.as_object_mut(), kind.as_object()) {
            rule.extend(kind.clone());
        }
        self.w.act("/faults", rule).await;
    }

    fn invoice(&self) -> InvoiceFile {
        InvoiceFile {
            filename: "FV-7-2026.pdf".into(),
            content_type: "application/pdf".into(),
            data: PDF.to_vec(),
            invoice_number: Some("FV 7/2026".into()),
        }
    }
}

/// The file as the simulator shows what arrived.
fn as_uploaded(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

#[tokio::test]
async fn fulfillment_and_invoice_arrive_once_even_when_their_jobs_come_again() {
    arrive_once(Desk::start("sklep_realizacja").await).await;
}

#[tokio::test]
async fn on_aws_fulfillment_and_invoice_arrive_once_even_when_their_jobs_come_again() {
    let Some(desk) = Desk::on_aws("sklep_realizacja_aws").await else {
        eprintln!("SKIPPED: DynamoDB Local and moto are not configured");
        return;
    };
    arrive_once(desk).await;
}

/// A fulfillment status and an invoice reach the simulator once, whatever is redelivered.
async fn arrive_once(d: Desk) {
    let ports = &d.w.ports;
    let form = orders::get_form(
        &*ports.store,
        &d.w.integration.tenant_id,
        &d.w.integration.id,
        &d.order.checkout_form_id,
    )
    .await
    .expect("read")
    .expect("form")
    .value;

    let set = order_updates::set_fulfillment(
        ports,
        &d.caller,
        &d.order.id,
        FulfillmentRequest {
            status: "PROCESSING".into(),
        },
    )
    .await
    .expect("queued");
    let bodies = d.send_queued().await;
    assert_eq!(bodies.len(), 1);
    let at = d.at_allegro().await;
    assert_eq!(at["fulfillment_status"], "PROCESSING");
    assert_eq!(at["fulfillment_changes"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        at["fulfillment_changes"][0]["revision"],
        json!(form.form.revision),
        "sent with the form's revision as last read"
    );
    let sent = d.update(&set.id).await;
    assert_eq!(sent.state, OrderUpdateState::Sent);
    assert!(sent.sent_at.is_some());
    assert_eq!(
        d.w.order(&d.order.checkout_form_id)
            .await
            .and_then(|o| o.fulfillment_status),
        Some("PROCESSING".into())
    );

    d.redeliver(&bodies[0]).await;
    let at = d.at_allegro().await;
    assert_eq!(
        at["fulfillment_changes"].as_array().map(Vec::len),
        Some(1),
        "a job delivered again sends nothing: {at}"
    );

    let invoice = order_updates::attach_invoice(ports, &d.caller, &d.order.id, d.invoice())
        .await
        .expect("queued");
    let bodies = d.send_queued().await;
    assert_eq!(bodies.len(), 1);
    d.redeliver(&bodies[0]).await;
    let at = d.at_allegro().await;
    let invoices = at["invoices"].as_array().expect("invoices");
    assert_eq!(invoices.len(), 1, "{at}");
    assert_eq!(invoices[0]["file_name"], "FV-7-2026.pdf");
    assert_eq!(invoices[0]["invoice_number"], "FV 7/2026");
    assert_eq!(
        invoices[0]["data_base64"],
        as_uploaded(PDF).as_str(),
        "the PDF as attached"
    );
    let sent = d.update(&invoice.id).await;
    assert_eq!(sent.state, OrderUpdateState::Sent);

    // The journal reads Allegro's FULFILLMENT_STATUS_CHANGED and agrees.
    d.w.poll().await;
    assert_eq!(
        d.w.order(&d.order.checkout_form_id)
            .await
            .and_then(|o| o.fulfillment_status),
        Some("PROCESSING".into())
    );
}

#[tokio::test]
async fn a_429_or_a_lost_answer_is_retried_with_back_off_and_nothing_is_lost_or_doubled() {
    let d = Desk::start("sklep_ponowienia").await;
    let ports = &d.w.ports;
    let form = &d.order.checkout_form_id;

    d.fault(
        &format!("/order/checkout-forms/{form}/fulfillment"),
        "PUT",
        json!({ "kind": "too_many_requests", "retry_after_seconds": 90 }),
    )
    .await;
    let set = order_updates::set_fulfillment(
        ports,
        &d.caller,
        &d.order.id,
        FulfillmentRequest {
            status: "SENT".into(),
        },
    )
    .await
    .expect("queued");
    let first = d.send_queued().await;
    assert_eq!(first.len(), 1, "the follow-up waits in the queue");
    let waiting = d.update(&set.id).await;
    assert_eq!(waiting.state, OrderUpdateState::Pending);
    assert_eq!(waiting.attempts, 1);
    assert!(waiting
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("rate limited")));
    let due = waiting.next_attempt_at.expect("a next attempt");
    assert!(
        due >= ports.clock.now() + Duration::seconds(89),
        "waits at least what Allegro asked: {due}"
    );
    assert_eq!(d.at_allegro().await["fulfillment_status"], "NEW");

    let follow_up = OrderUpdateJob {
        kind: order_updates::JOB_KIND.into(),
        tenant_id: d.caller.tenant_id.clone(),
        order_id: d.order.id.clone(),
        update_id: set.id.clone(),
        attempt: 2,
    };
    let writer = d.deliveries.order_updates().expect("writer");
    let early = order_updates::run(ports, Some(&*writer), &follow_up)
        .await
        .expect("run");
    assert_eq!(early, UpdateOutcome::Nothing, "not due yet: it waits again");
    d.advance(Duration::seconds(120));
    let outcome = order_updates::run(ports, Some(&*writer), &follow_up)
        .await
        .expect("run");
    assert!(matches!(outcome, UpdateOutcome::Sent(_)), "{outcome:?}");
    assert_eq!(d.at_allegro().await["fulfillment_status"], "SENT");

    // The declaration reaches Allegro but its answer is lost (a 500 after processing): the
    // next attempt finds it and uploads the file to it instead of declaring again.
    d.fault(
        &format!("/order/checkout-forms/{form}/invoices"),
        "POST",
        json!({ "kind": "server_error_after_processing" }),
    )
    .await;
    let invoice = order_updates::attach_invoice(ports, &d.caller, &d.order.id, d.invoice())
        .await
        .expect("queued");
    d.send_queued().await;
    let waiting = d.update(&invoice.id).await;
    assert_eq!(waiting.state, OrderUpdateState::Pending, "{waiting:?}");
    let at = d.at_allegro().await;
    assert_eq!(at["invoices"].as_array().map(Vec::len), Some(1));
    assert!(at["invoices"][0]["uploaded_at"].is_null());
    d.advance(Duration::minutes(2));
    let retry = OrderUpdateJob {
        update_id: invoice.id.clone(),
        ..follow_up.clone()
    };
    let outcome = order_updates::run(ports, Some(&*writer), &retry)
        .await
        .expect("run");
    assert!(matches!(outcome, UpdateOutcome::Sent(_)), "{outcome:?}");
    let at = d.at_allegro().await;
    let invoices = at["invoices"].as_array().expect("invoices");
    assert_eq!(invoices.len(), 1, "declared once: {at}");
    assert_eq!(invoices[0]["data_base64"], as_uploaded(PDF).as_str());
}
