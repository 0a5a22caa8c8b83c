//! The core's offer ports on Allegro (allegro-api.md §8), every call passing the request budget
//! gate as offer work (the lowest priority, after replies, tokens, polls and orders):
//!
//! * [`AllegroOfferReader`] (`OfferReader`): `/sale/offers` pages, the offer journal
//!   (`/sale/offer-events`), and one offer with its EAN (`/sale/product-offers/{id}`, plus
//!   `/sale/offers?offer.id=` for the end time of an ended offer, which the full offer lacks).
//! * [`AllegroOfferCommands`] (`OfferCommands`): quantity, price and publication commands by the
//!   caller's command id, and their reports. A report reads the command's summary and, once it
//!   has finished, its tasks (all pages); while it runs the tasks are not read (`completed` is
//!   false, `tasks` empty), which keeps a waiting runner at one call per look.

use super::access::{self, AllegroAccess};
use super::client::AllegroClients;
use async_trait::async_trait;
use marketdesk_allegro::offer_commands::{
    CommandEndpoint, CommandSendError, CommandTask, OfferModification,
};
use marketdesk_allegro::offer_list::{ListedOffer, MAX_OFFERS_PER_PAGE, MAX_OFFER_EVENTS_PER_PAGE};
use marketdesk_allegro::offers::ProductOffer;
use marketdesk_core::domain::offer::{OfferStatus, SellingFormat};
use marketdesk_core::domain::Integration;
use marketdesk_core::ports::offers::{
    CommandError, CommandReport, OfferChange, OfferCommandKind, OfferCommands, OfferData,
    OfferEvent, OfferEventKind, OfferPage, OfferReader, TaskOutcome,
};
use marketdesk_core::ports::MarketplaceError;

/// Most journal pages [`OfferReader::newest_event`] reads to reach the end (24 hours of a
/// busy account fit many times over).
const MAX_JOURNAL_PAGES: usize = 1000;

/// Reads Allegro accounts' offers and offer journals.
pub struct AllegroOfferReader {
    access: AllegroAccess,
    clients: AllegroClients,
}

impl AllegroOfferReader {
    /// A reader using the core's clock and access tokens and the Allegro clients.
    pub fn new(access: AllegroAccess, clients: AllegroClients) -> Self {
        Self { access, clients }
    }
}

/// `publication.status` as the core knows it; `None` for a value it does not.
fn status(value: Option<&str>) -> Option<OfferStatus> {
    match value? {
        "INACTIVE" => Some(OfferStatus::Inactive),
        "ACTIVATING" => Some(OfferStatus::Activating),
        "ACTIVE" => Some(OfferStatus::Active),
        "ENDED" => Some(OfferStatus::Ended),
        _ => None,
    }
}

/// `sellingMode.format` as the core knows it; `None` for a value it does not.
fn format(value: Option<&str>) -> Option<SellingFormat> {
    match value? {
        "BUY_NOW" => Some(SellingFormat::BuyNow),
        "AUCTION" => Some(SellingFormat::Auction),
        "ADVERTISEMENT" => Some(SellingFormat::Advertisement),
        _ => None,
    }
}

fn stock(available: Option<u64>) -> u32 {
    available.map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// A listed offer as the core keeps it (no EAN: the list does not carry it); `None` when it
/// has no id or a status or format the core does not know.
fn listed(offer: ListedOffer) -> Option<OfferData> {
    let selling = offer.selling_mode.unwrap_or_default();
    let price = selling.price.unwrap_or_default();
    let publication = offer.publication.unwrap_or_default();
    let (Some(status), Some(format)) = (
        status(publication.status.as_deref()),
        format(selling.format.as_deref()),
    ) else {
        tracing::warn!(offer = ?offer.id, "offer with an unknown status or format skipped");
        return None;
    };
    Some(OfferData {
        id: offer.id?,
        name: offer.name.unwrap_or_default(),
        status,
        format,
        stock: stock(offer.stock.and_then(|s| s.available)),
        price: price.amount,
        currency: price.currency,
        ean: None,
        image_url: offer.primary_image.and_then(|i| i.url),
        category_id: offer.category.and_then(|c| c.id),
        ended_at: publication.ended_at.and_then(|t| t.as_datetime()),
    })
}

/// A full offer as the core keeps it, with its EAN; `None` like [`listed`].
fn full(offer: ProductOffer) -> Option<OfferData> {
    let ean = offer.ean().map(str::to_owned);
    let selling = offer.selling_mode.unwrap_or_default();
    let price = selling.price.unwrap_or_default();
    let (Some(status), Some(format)) = (
        status(offer.publication.and_then(|p| p.status).as_deref()),
        format(selling.format.as_deref()),
    ) else {
        tracing::warn!(offer = ?offer.id, "offer with an unknown status or format skipped");
        return None;
    };
    Some(OfferData {
        id: offer.id?,
        name: offer.name.unwrap_or_default(),
        status,
        format,
        stock: stock(offer.stock.and_then(|s| s.available)),
        price: price.amount,
        currency: price.currency,
        ean,
        image_url: offer.images.into_iter().next(),
        category_id: offer.category.and_then(|c| c.id),
        ended_at: None,
    })
}

/// What a journal event's `type` means to the core.
fn event_kind(kind: Option<&str>) -> OfferEventKind {
    match kind.unwrap_or_default() {
        "OFFER_ACTIVATED" => OfferEventKind::Activated,
        "OFFER_CHANGED" => OfferEventKind::Changed,
        "OFFER_STOCK_CHANGED" => OfferEventKind::StockChanged,
        "OFFER_PRICE_CHANGED" => OfferEventKind::PriceChanged,
        "OFFER_ENDED" => OfferEventKind::Ended,
        "OFFER_ARCHIVED" => OfferEventKind::Archived,
        _ => OfferEventKind::Other,
    }
}

#[async_trait]
impl OfferReader for AllegroOfferReader {
    async fn offers(
        &self,
        integration: &Integration,
        offset: u64,
        limit: u32,
    ) -> Result<OfferPage, MarketplaceError> {
        let client = self.clients.for_environment(integration.environment);
        let offset = u32::try_from(offset).map_err(|_| {
            MarketplaceError::Refused(format!("offset {offset} is beyond Allegro's list"))
        })?;
        let limit = limit.clamp(1, MAX_OFFERS_PER_PAGE);
        let page = access::with_token(&self.access, integration, |token| async move {
            client.sale_offers(&token, offset, limit).await
        })
        .await?;
        let total = page.total_count.unwrap_or(page.offers.len() as u64);
        Ok(OfferPage {
            offers: page.offers.into_iter().filter_map(listed).collect(),
            total,
        })
    }

    async fn newest_event(
        &self,
        integration: &Integration,
    ) -> Result<Option<String>, MarketplaceError> {
        // The journal has no "latest" call: read it to its end (one call for a quiet account).
        let mut newest: Option<String> = None;
        for _ in 0..MAX_JOURNAL_PAGES {
            let page = self.events_after(integration, newest.as_deref()).await?;
            let full = page.len() >= MAX_OFFER_EVENTS_PER_PAGE as usize;
            if let Some(last) = page.last() {
                newest = Some(last.id.clone());
            }
            if !full {
                break;
            }
        }
        Ok(newest)
    }

    async fn events_after(
        &self,
        integration: &Integration,
        from: Option<&str>,
    ) -> Result<Vec<OfferEvent>, MarketplaceError> {
        let client = self.clients.for_environment(integration.environment);
        let events = access::with_token(&self.access, integration, |token| async move {
            client
                .offer_events(&token, from, MAX_OFFER_EVENTS_PER_PAGE)
                .await
        })
        .await?;
        Ok(events
            .into_iter()
            .filter_map(|event| {
                Some(OfferEvent {
                    id: event.id?,
                    offer_id: event.offer.and_then(|o| o.id)?,
                    kind: event_kind(event.event_type.as_deref()),
                    occurred_at: event.occurred_at.and_then(|t| t.as_datetime())?,
                })
            })
            .collect())
    }

    async fn offer(
        &self,
        integration: &Integration,
        offer_id: &str,
    ) -> Result<Option<OfferData>, MarketplaceError> {
        let client = self.clients.for_environment(integration.environment);
        let found = access::with_token(&self.access, integration, |token| async move {
            let Some(offer) = client.product_offer(&token, offer_id).await? else {
                return Ok(None);
            };
            let ended =
                offer.publication.as_ref().and_then(|p| p.status.as_deref()) == Some("ENDED");
            // Only the list says when an offer ended (renewal needs it).
            let listed = if ended {
                client.sale_offer(&token, offer_id).await?
            } else {
                None
            };
            Ok(Some((offer, listed)))
        })
        .await?;
        Ok(found.and_then(|(offer, listed)| {
            let mut data = full(offer)?;
            if let Some(listed) = listed {
                data.ended_at = listed
                    .publication
                    .and_then(|p| p.ended_at)
                    .and_then(|t| t.as_datetime());
                if data.image_url.is_none() {
                    data.image_url = listed.primary_image.and_then(|i| i.url);
                }
            }
            Some(data)
        }))
    }
}

/// Sends Allegro accounts' offer commands and reads their reports.
pub struct AllegroOfferCommands {
    access: AllegroAccess,
    clients: AllegroClients,
}

impl AllegroOfferCommands {
    /// A command sender using the core's clock and access tokens and the Allegro clients.
    pub fn new(access: AllegroAccess, clients: AllegroClients) -> Self {
        Self { access, clients }
    }
}

fn modification(change: &OfferChange) -> OfferModification {
    match change {
        OfferChange::Quantity { value } => OfferModification::FixedQuantity(*value),
        OfferChange::Price { amount, currency } => OfferModification::FixedPrice {
            amount: amount.clone(),
            currency: currency.clone(),
        },
        OfferChange::Activate => OfferModification::Activate,
        OfferChange::End => OfferModification::End,
    }
}

fn endpoint(kind: OfferCommandKind) -> CommandEndpoint {
    match kind {
        OfferCommandKind::Quantity => CommandEndpoint::Quantity,
        OfferCommandKind::Price => CommandEndpoint::Price,
        OfferCommandKind::Publication => CommandEndpoint::Publication,
    }
}

/// A 409 that is not an error of the call: what it says.
enum Conflict {
    Busy,
    IdReused,
}

fn outcome(task: &CommandTask) -> TaskOutcome {
    match task.status.as_deref() {
        Some("SUCCESS") => TaskOutcome::Succeeded,
        Some("FAIL") => TaskOutcome::Failed(task.failure()),
        _ => TaskOutcome::Pending,
    }
}

#[async_trait]
impl OfferCommands for AllegroOfferCommands {
    async fn send(
        &self,
        integration: &Integration,
        command_id: &str,
        change: &OfferChange,
        offer_ids: &[String],
    ) -> Result<(), CommandError> {
        let client = self.clients.for_environment(integration.environment);
        let modification = modification(change);
        let modification = &modification;
        let sent = access::with_token(&self.access, integration, |token| async move {
            match client
                .send_offer_command(&token, command_id, modification, offer_ids)
                .await
            {
                Ok(_) => Ok(None),
                Err(CommandSendError::Busy) => Ok(Some(Conflict::Busy)),
                Err(CommandSendError::IdReused) => Ok(Some(Conflict::IdReused)),
                Err(CommandSendError::Api(error)) => Err(error),
            }
        })
        .await?;
        match sent {
            None => Ok(()),
            Some(Conflict::Busy) => Err(CommandError::Busy),
            Some(Conflict::IdReused) => Err(CommandError::Marketplace(MarketplaceError::Refused(
                format!(
                    "Allegro says command id {command_id} was already used for another command"
                ),
            ))),
        }
    }

    async fn report(
        &self,
        integration: &Integration,
        kind: OfferCommandKind,
        command_id: &str,
    ) -> Result<CommandReport, MarketplaceError> {
        let client = self.clients.for_environment(integration.environment);
        let endpoint = endpoint(kind);
        let report = access::with_token(&self.access, integration, |token| async move {
            let Some(summary) = client
                .offer_command_report(&token, endpoint, command_id)
                .await?
            else {
                return Ok(None);
            };
            if summary.completed_at.is_none() {
                return Ok(Some(CommandReport {
                    completed: false,
                    tasks: Vec::new(),
                }));
            }
            let tasks = client
                .offer_command_tasks(&token, endpoint, command_id)
                .await?
                .unwrap_or_default();
            Ok(Some(CommandReport {
                completed: true,
                tasks: tasks
                    .iter()
                    .filter_map(|t| Some((t.offer_id()?.to_owned(), outcome(t))))
                    .collect(),
            }))
        })
        .await?;
        report.ok_or_else(|| {
            MarketplaceError::Refused(format!(
                "Allegro does not know command {command_id}; send it again with the same id"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_formats_and_events_map_to_the_core_and_unknown_ones_are_left_out() {
        assert_eq!(status(Some("ENDED")), Some(OfferStatus::Ended));
        assert_eq!(status(Some("PAUSED")), None);
        assert_eq!(format(Some("AUCTION")), Some(SellingFormat::Auction));
        assert_eq!(format(None), None);
        assert_eq!(
            event_kind(Some("OFFER_STOCK_CHANGED")),
            OfferEventKind::StockChanged
        );
        assert_eq!(event_kind(Some("OFFER_BID_PLACED")), OfferEventKind::Other);
        let odd: ListedOffer = serde_json::from_value(serde_json::json!({
            "id": "1", "sellingMode": { "format": "BARTER" }, "publication": { "status": "ACTIVE" }
        }))
        .expect("decodes");
        assert_eq!(listed(odd), None);
        let ok: ListedOffer = serde_json::from_value(serde_json::json!({
            "id": 17, "name": "Kubek", "sellingMode": { "format": "BUY_NOW", "price": { "amount": "9.99", "currency": "PLN" } },
            "stock": { "available": 3 }, "publication": { "status": "ENDED", "endedAt": "2026-11-01T10:00:00.000Z" },
            "primaryImage": { "url": "https://a.allegroimg.com/1" }, "category": { "id": "257931" }
        }))
        .expect("decodes");
        let data = listed(ok).expect("mapped");
        assert_eq!(data.id, "17");
        assert_eq!((data.stock, data.price.as_deref()), (3, Some("9.99")));
        assert!(data.ended_at.is_some());
        assert_eq!(
            data.image_url.as_deref(),
            Some("https://a.allegroimg.com/1")
        );
    }
}
