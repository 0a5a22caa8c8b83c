//! The core's `OrderJournal` port on Allegro: `/order/event-stats`, `/order/events` (up to 1000
//! events a page) and `/order/checkout-forms/{id}`, mapped to the core's order types.

use super::access::{self, AllegroAccess};
use super::client::AllegroClients;
use async_trait::async_trait;
use marketdesk_allegro::models::Price;
use marketdesk_allegro::order_events::MAX_EVENTS_PER_PAGE;
use marketdesk_allegro::orders::{CheckoutForm, CheckoutFormStatus};
use marketdesk_core::domain::checkout_form::{
    CheckoutFormData, FormStatus, Money, OrderBuyer, OrderDelivery, OrderInvoice, OrderLine,
    OrderPayment, PostalAddress,
};
use marketdesk_core::domain::Integration;
use marketdesk_core::ports::orders::{JournalEvent, OrderJournal};
use marketdesk_core::ports::MarketplaceError;

/// Reads Allegro accounts' order journals.
pub struct AllegroOrderJournal {
    access: AllegroAccess,
    clients: AllegroClients,
}

impl AllegroOrderJournal {
    /// A journal reader using the core's clock and access tokens and the Allegro clients.
    pub fn new(access: AllegroAccess, clients: AllegroClients) -> Self {
        Self { access, clients }
    }
}

#[async_trait]
impl OrderJournal for AllegroOrderJournal {
    async fn newest_event(
        &self,
        integration: &Integration,
    ) -> Result<Option<String>, MarketplaceError> {
        let client = self.clients.for_environment(integration.environment);
        access::with_token(&self.access, integration, |token| async move {
            client.order_event_stats(&token).await
        })
        .await
        .map(|latest| latest.and_then(|e| e.id))
    }

    async fn events_after(
        &self,
        integration: &Integration,
        from: Option<&str>,
    ) -> Result<Vec<JournalEvent>, MarketplaceError> {
        let client = self.clients.for_environment(integration.environment);
        let events = access::with_token(&self.access, integration, |token| async move {
            client.order_events(&token, from, MAX_EVENTS_PER_PAGE).await
        })
        .await?;
        Ok(events
            .into_iter()
            .filter_map(|event| {
                let checkout_form_id = event.checkout_form_id().map(str::to_owned);
                let revision = event
                    .order
                    .as_ref()
                    .and_then(|o| o.checkout_form.as_ref())
                    .and_then(|c| c.revision.clone());
                let occurred_at = event.occurred_at.as_ref().and_then(|t| t.as_datetime());
                Some(JournalEvent {
                    id: event.id?,
                    checkout_form_id,
                    revision,
                    occurred_at,
                })
            })
            .collect())
    }

    async fn checkout_form(
        &self,
        integration: &Integration,
        id: &str,
    ) -> Result<Option<CheckoutFormData>, MarketplaceError> {
        let client = self.clients.for_environment(integration.environment);
        let form = access::with_token(&self.access, integration, |token| async move {
            client.checkout_form(&token, id).await
        })
        .await?;
        Ok(form.map(form_data))
    }
}

fn money(price: Option<&Price>) -> Option<Money> {
    let price = price?;
    Some(Money {
        amount: price.amount.clone()?,
        currency: price.currency.clone().unwrap_or_else(|| "PLN".into()),
    })
}

/// Allegro's checkout form as the core keeps it.
fn form_data(form: CheckoutForm) -> CheckoutFormData {
    let status = match form.status {
        Some(CheckoutFormStatus::Bought) => FormStatus::Bought,
        Some(CheckoutFormStatus::FilledIn) => FormStatus::FilledIn,
        Some(CheckoutFormStatus::ReadyForProcessing) => FormStatus::ReadyForProcessing,
        Some(CheckoutFormStatus::Cancelled) => FormStatus::Cancelled,
        Some(CheckoutFormStatus::Unknown(other)) => FormStatus::Other(other),
        None => FormStatus::Other(String::new()),
    };
    let buyer = form.buyer.clone().unwrap_or_default();
    let delivery = form.delivery.clone().unwrap_or_default();
    let invoice = form.invoice.clone().unwrap_or_default();
    let invoice_address = invoice.address.as_ref().map(|a| PostalAddress {
        name: a
            .natural_person
            .as_ref()
            .map(|p| {
                format!(
                    "{} {}",
                    p.first_name.as_deref().unwrap_or(""),
                    p.last_name.as_deref().unwrap_or("")
                )
                .trim()
                .to_owned()
            })
            .unwrap_or_default(),
        company: a.company.as_ref().and_then(|c| c.name.clone()),
        street: a.street.clone().unwrap_or_default(),
        city: a.city.clone().unwrap_or_default(),
        zip_code: a.zip_code.clone().unwrap_or_default(),
        country_code: a.country_code.clone().unwrap_or_default(),
        phone: None,
    });
    CheckoutFormData {
        id: form.id.clone(),
        revision: form.revision.clone(),
        status,
        fulfillment_status: form.fulfillment.as_ref().and_then(|f| f.status.clone()),
        buyer: OrderBuyer {
            id: buyer.id.clone().unwrap_or_default(),
            login: buyer.login.clone().unwrap_or_default(),
            email: buyer.email.clone(),
            first_name: buyer.first_name.clone(),
            last_name: buyer.last_name.clone(),
            company_name: buyer.company_name.clone(),
            phone: buyer.phone_number.clone(),
        },
        delivery: OrderDelivery {
            address: delivery.address.as_ref().map(|a| PostalAddress {
                name: format!(
                    "{} {}",
                    a.first_name.as_deref().unwrap_or(""),
                    a.last_name.as_deref().unwrap_or("")
                )
                .trim()
                .to_owned(),
                company: a.company_name.clone(),
                street: a.street.clone().unwrap_or_default(),
                city: a.city.clone().unwrap_or_default(),
                zip_code: a.zip_code.clone().unwrap_or_default(),
                country_code: a.country_code.clone().unwrap_or_default(),
                phone: a.phone_number.clone(),
            }),
            method: delivery.method.as_ref().and_then(|m| m.name.clone()),
            pickup_point: delivery
                .pickup_point
                .as_ref()
                .and_then(|p| p.get("id"))
                .and_then(|id| id.as_str())
                .map(str::to_owned),
            cost: money(delivery.cost.as_ref()),
        },
        invoice: OrderInvoice {
            required: invoice.required.unwrap_or(false),
            // The core's rule: the first valid `PL_NIP` id, never the deprecated `taxId`.
            nip: marketdesk_core::domain::erp::pl_nip(
                invoice
                    .address
                    .iter()
                    .filter_map(|a| a.company.as_ref())
                    .flat_map(|c| &c.ids)
                    .map(|id| (id.id_type.as_deref(), id.value.as_deref())),
            ),
            address: invoice_address,
        },
        lines: form
            .line_items
            .iter()
            .map(|line| OrderLine {
                offer_id: line
                    .offer
                    .as_ref()
                    .and_then(|o| o.id.clone())
                    .unwrap_or_default(),
                offer_name: line
                    .offer
                    .as_ref()
                    .and_then(|o| o.name.clone())
                    .unwrap_or_default(),
                external_id: line
                    .offer
                    .as_ref()
                    .and_then(|o| o.external.as_ref())
                    .and_then(|e| e.id.clone()),
                quantity: line.quantity.unwrap_or(0),
                price: money(line.price.as_ref()),
            })
            .collect(),
        payment: OrderPayment {
            payment_type: form.payment.as_ref().and_then(|p| p.payment_type.clone()),
            paid_amount: money(form.payment.as_ref().and_then(|p| p.paid_amount.as_ref())),
            finished_at: form
                .payment
                .as_ref()
                .and_then(|p| p.finished_at.as_ref())
                .and_then(|t| t.as_datetime()),
        },
        total: money(form.summary.as_ref().and_then(|s| s.total_to_pay.as_ref())),
        message_to_seller: form.message_to_seller.clone(),
        updated_at: form.updated_at.as_ref().and_then(|t| t.as_datetime()),
        link: None,
    }
}
