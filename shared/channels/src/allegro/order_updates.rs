//! The core's `OrderUpdates` port on Allegro: fulfillment status and invoices through the
//! order management API (every call passes the request budget gate as order work).

use super::access::{self, AllegroAccess};
use super::client::AllegroClients;
use async_trait::async_trait;
use marketdesk_allegro::orders::CheckoutFormStatus;
use marketdesk_allegro::AllegroError;
use marketdesk_core::domain::order_update::FulfillmentStatus;
use marketdesk_core::domain::Integration;
use marketdesk_core::ports::order_updates::{MarketplaceInvoice, OrderUpdates};
use marketdesk_core::ports::MarketplaceError;

/// Writes fulfillment statuses and invoices to Allegro accounts' orders.
pub struct AllegroOrderUpdates {
    access: AllegroAccess,
    clients: AllegroClients,
}

impl AllegroOrderUpdates {
    /// A writer using the core's clock and access tokens and the Allegro clients.
    pub fn new(access: AllegroAccess, clients: AllegroClients) -> Self {
        Self { access, clients }
    }
}

/// What a fulfillment attempt with one revision came to.
enum Attempt {
    Done,
    /// The revision was stale: Allegro's current form has this revision and status.
    Stale(Option<String>, Option<CheckoutFormStatus>),
}

#[async_trait]
impl OrderUpdates for AllegroOrderUpdates {
    async fn set_fulfillment(
        &self,
        integration: &Integration,
        checkout_form_id: &str,
        status: FulfillmentStatus,
        revision: Option<&str>,
    ) -> Result<(), MarketplaceError> {
        let client = self.clients.for_environment(integration.environment);
        let attempt = |revision: Option<String>| {
            access::with_token(&self.access, integration, move |token| {
                let revision = revision.clone();
                async move {
                    match client
                        .set_fulfillment_status(
                            &token,
                            checkout_form_id,
                            status.as_str(),
                            revision.as_deref(),
                        )
                        .await
                    {
                        Ok(()) => Ok(Attempt::Done),
                        // The form changed since marketdesk read it: read it again.
                        Err(AllegroError::Conflict { .. }) => {
                            let form = client.checkout_form(&token, checkout_form_id).await?;
                            Ok(Attempt::Stale(
                                form.as_ref().and_then(|f| f.revision.clone()),
                                form.and_then(|f| f.status),
                            ))
                        }
                        Err(other) => Err(other),
                    }
                }
            })
        };
        match attempt(revision.map(str::to_owned)).await? {
            Attempt::Done => Ok(()),
            Attempt::Stale(_, Some(CheckoutFormStatus::Cancelled))
                if status != FulfillmentStatus::Cancelled =>
            {
                Err(MarketplaceError::Refused(
                    "the order was cancelled on Allegro meanwhile".into(),
                ))
            }
            Attempt::Stale(fresh, _) => match attempt(fresh).await? {
                Attempt::Done => Ok(()),
                Attempt::Stale(..) => Err(MarketplaceError::Unavailable(
                    "the order kept changing on Allegro".into(),
                )),
            },
        }
    }

    async fn invoices(
        &self,
        integration: &Integration,
        checkout_form_id: &str,
    ) -> Result<Vec<MarketplaceInvoice>, MarketplaceError> {
        let client = self.clients.for_environment(integration.environment);
        let listed = access::with_token(&self.access, integration, |token| async move {
            client.order_invoices(&token, checkout_form_id).await
        })
        .await?;
        Ok(listed
            .invoices
            .into_iter()
            .filter_map(|invoice| {
                Some(MarketplaceInvoice {
                    id: invoice.id?,
                    invoice_number: invoice.invoice_number,
                    file_name: invoice.file.as_ref().and_then(|f| f.name.clone()),
                    file_uploaded: invoice.file.is_some_and(|f| f.uploaded_at.is_some()),
                })
            })
            .collect())
    }

    async fn declare_invoice(
        &self,
        integration: &Integration,
        checkout_form_id: &str,
        file_name: &str,
        invoice_number: Option<&str>,
    ) -> Result<String, MarketplaceError> {
        let client = self.clients.for_environment(integration.environment);
        access::with_token(&self.access, integration, |token| async move {
            client
                .declare_order_invoice(&token, checkout_form_id, file_name, invoice_number)
                .await
        })
        .await
    }

    async fn upload_invoice_file(
        &self,
        integration: &Integration,
        checkout_form_id: &str,
        invoice_id: &str,
        pdf: &[u8],
    ) -> Result<(), MarketplaceError> {
        let client = self.clients.for_environment(integration.environment);
        access::with_token(&self.access, integration, |token| async move {
            match client
                .upload_order_invoice_file(&token, checkout_form_id, invoice_id, pdf.to_vec())
                .await
            {
                // An earlier attempt got the file there.
                Err(AllegroError::Conflict { .. }) => Ok(()),
                other => other,
            }
        })
        .await
    }
}
