//! Reading the orders (and the offers' EANs) behind new conversations, each at most once per
//! poll. The order matters (products, the buyer's e-mails), so its transient failures fail the
//! poll; an EAN is a nicety, so only failures that would hit every call (429, 401, network,
//! 5xx) stop the poll and the rest leave the EAN empty.

use super::panel::OrderContext;
use marketdesk_allegro::orders::CheckoutForm;
use marketdesk_allegro::{AccessToken, AllegroClient, AllegroError};
use std::collections::HashMap;

/// Orders and offer EANs read during one poll.
pub(crate) struct OrderLookup<'a> {
    client: &'a AllegroClient,
    token: &'a AccessToken,
    forms: HashMap<String, Option<CheckoutForm>>,
    eans: HashMap<String, Option<String>>,
}

impl<'a> OrderLookup<'a> {
    /// An empty lookup for one poll.
    pub(crate) fn new(client: &'a AllegroClient, token: &'a AccessToken) -> Self {
        Self {
            client,
            token,
            forms: HashMap::new(),
            eans: HashMap::new(),
        }
    }

    /// The order context of a checkout form id (empty without an id).
    pub(crate) async fn context(
        &mut self,
        checkout_form_id: Option<&str>,
    ) -> Result<OrderContext, AllegroError> {
        let Some(id) = checkout_form_id.map(str::trim).filter(|id| !id.is_empty()) else {
            return Ok(OrderContext::default());
        };
        let form = self.checkout_form(id).await?;
        let mut eans = HashMap::new();
        if let Some(form) = &form {
            for offer_id in OrderContext::offer_ids(form) {
                if let Some(ean) = self.ean(&offer_id).await? {
                    eans.insert(offer_id, ean);
                }
            }
        }
        Ok(OrderContext {
            checkout_form: form,
            eans,
        })
    }

    async fn checkout_form(&mut self, id: &str) -> Result<Option<CheckoutForm>, AllegroError> {
        if let Some(known) = self.forms.get(id) {
            return Ok(known.clone());
        }
        let form = match self.client.checkout_form(self.token, id).await {
            Ok(form) => form,
            Err(error) if error.is_account_blocked() => return Err(error),
            // A malformed id or another seller's order: the ticket simply has no products.
            Err(error @ (AllegroError::Validation { .. } | AllegroError::Forbidden { .. })) => {
                tracing::warn!(%error, "Allegro refused to show a conversation's order");
                None
            }
            Err(error) => return Err(error),
        };
        self.forms.insert(id.to_owned(), form.clone());
        Ok(form)
    }

    async fn ean(&mut self, offer_id: &str) -> Result<Option<String>, AllegroError> {
        if let Some(known) = self.eans.get(offer_id) {
            return Ok(known.clone());
        }
        let ean = match self.client.product_offer(self.token, offer_id).await {
            Ok(offer) => offer.and_then(|o| o.ean().map(str::to_owned)),
            Err(error)
                if error.is_transient()
                    || is_unauthorized(&error)
                    || error.is_account_blocked() =>
            {
                return Err(error)
            }
            Err(error) => {
                tracing::debug!(%error, "no EAN for an offer");
                None
            }
        };
        self.eans.insert(offer_id.to_owned(), ean.clone());
        Ok(ean)
    }
}

fn is_unauthorized(error: &AllegroError) -> bool {
    matches!(error, AllegroError::Unauthorized { .. })
}
