//! The offers in the API and the workspace (issue 18 items 2 and 3): an account's offers as
//! last read (paged, by status, linked or not, searched by name, number or EAN), one offer,
//! a product's offers, and an agent's link, unlink and per-offer switches. Every change is
//! a versioned write (a poll storing the same offer meanwhile makes it read again) and is
//! recorded in the audit log under the account.

use super::audit;
use super::caller::Caller;
use super::offer_sync::rules_of;
use super::paging::{self, Position};
use super::request::RequestError;
use crate::domain::offer::{price_sync_when_linked, MarketOffer, OfferStatus};
use crate::domain::{Integration, Marketplace, Subject, SubjectKind};
use crate::ids::IntegrationId;
use crate::ports::Ports;
use crate::repo::{integrations, is_conflict, offers, products, Versioned};
use serde::{Deserialize, Serialize};

/// Audit action of an offer linked to a product by hand.
pub const OFFER_LINKED: &str = "offer.linked";
/// Audit action of an offer unlinked by hand.
pub const OFFER_UNLINKED: &str = "offer.unlinked";
/// Audit action of an offer's switches changed.
pub const OFFER_UPDATED: &str = "offer.updated";
/// Most offers looked at by one filtered list request.
const SCAN_BUDGET: usize = 1000;
/// How often a change lost to a concurrent write is tried again.
const ATTEMPTS: usize = 5;

/// `GET /v1/integrations/{id}/offers` query.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct OfferQuery {
    /// Only offers in this publication status; `ARCHIVED`: those Allegro archived (the others
    /// leave archived offers out only when a status is given).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(value_type = Option<StatusFilter>, inline))]
    pub status: Option<String>,
    /// Only linked (`true`) or unlinked (`false`) offers.
    #[serde(default)]
    pub linked: Option<bool>,
    /// Words of the name, the offer number or the EAN (every word). Applied while paging: a
    /// page may be short and still have a `next_cursor`.
    #[serde(default)]
    pub q: Option<String>,
    /// Where the previous page ended: its `next_cursor`.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")
    )]
    pub cursor: Option<String>,
    /// Page size (1–100, default 25).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100, default = 25))]
    pub limit: Option<u32>,
}

/// The `status` filter of the offer list: a publication status, or the offers Allegro archived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StatusFilter {
    /// Listed.
    Active,
    /// Being published.
    Activating,
    /// Drafts.
    Inactive,
    /// Ended, not archived.
    Ended,
    /// Archived by Allegro (60 days after ending).
    Archived,
}

impl StatusFilter {
    /// The publication status it asks for; `None` for archived offers.
    fn publication_status(self) -> Option<OfferStatus> {
        match self {
            Self::Active => Some(OfferStatus::Active),
            Self::Activating => Some(OfferStatus::Activating),
            Self::Inactive => Some(OfferStatus::Inactive),
            Self::Ended => Some(OfferStatus::Ended),
            Self::Archived => None,
        }
    }
}

/// A page of offers.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferPage {
    /// The offers, by offer number.
    pub offers: Vec<MarketOffer>,
    /// Where the list continues; `None` at its end.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// `PUT /v1/integrations/{id}/offers/{offerId}/link` body.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// The catalogue product's SKU; an unknown one answers 404.
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub sku: String,
}

/// `PATCH /v1/integrations/{id}/offers/{offerId}` body: absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OfferPatch {
    /// "Do not renew automatically".
    #[serde(default)]
    pub no_auto_renew: Option<bool>,
    /// Whether the product's price changes reach the offer.
    #[serde(default)]
    pub price_sync: Option<bool>,
}

/// A product's offers in every account.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductOffers {
    /// The offers linked to the product.
    pub offers: Vec<MarketOffer>,
    /// Where the list continues; `None` at its end.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// The caller's Allegro account `id`.
async fn account(
    ports: &Ports,
    caller: &Caller,
    id: &IntegrationId,
) -> Result<Integration, RequestError> {
    integrations::get(&*ports.store, &caller.tenant_id, id)
        .await?
        .map(|v| v.value)
        .filter(|i| i.kind == Marketplace::Allegro)
        .ok_or(RequestError::NotFound("integration"))
}

/// Which status filter `text` asks for: a publication status or `None` for archived.
fn status_filter(text: &str) -> Result<Option<OfferStatus>, RequestError> {
    let text = text.trim().to_ascii_uppercase();
    serde_json::from_value(serde_json::Value::String(text))
        .map(StatusFilter::publication_status)
        .map_err(|_| {
            RequestError::invalid(
                "status",
                "one of ACTIVE, ACTIVATING, INACTIVE, ENDED, ARCHIVED",
            )
        })
}

/// Whether `offer` answers every word of `words` (name, number, EAN).
fn matches_words(offer: &MarketOffer, words: &[String]) -> bool {
    let haystack = format!(
        "{} {} {}",
        offer.name.to_lowercase(),
        offer.id,
        offer.ean.as_deref().unwrap_or_default()
    );
    words.iter().all(|w| haystack.contains(w.as_str()))
}

/// One page of the account's offers, filtered (see [`OfferQuery`]).
pub async fn list(
    ports: &Ports,
    caller: &Caller,
    id: &IntegrationId,
    query: &OfferQuery,
) -> Result<OfferPage, RequestError> {
    let limit = paging::limit(query.limit)?;
    account(ports, caller, id).await?;
    let status = query.status.as_deref().map(status_filter).transpose()?;
    let words: Vec<String> = query
        .q
        .as_deref()
        .unwrap_or_default()
        .to_lowercase()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let linked = query.linked;
    let keep = |offer: &MarketOffer| {
        let status_ok = match status {
            None => true,
            Some(None) => offer.archived,
            Some(Some(wanted)) => !offer.archived && offer.status == wanted,
        };
        status_ok
            && linked.is_none_or(|linked| offer.product_sku.is_some() == linked)
            && matches_words(offer, &words)
    };
    let start = Position::decode(query.cursor.as_deref())?;
    let page_size = u32::try_from(limit).unwrap_or(paging::MAX_LIMIT).max(25);
    let store = &*ports.store;
    let tenant = &caller.tenant_id;
    let (found, next_cursor) = paging::filtered(
        start,
        limit,
        SCAN_BUDGET,
        |after| async move { Ok(offers::page(store, tenant, id, after, page_size).await?) },
        keep,
    )
    .await?;
    Ok(OfferPage {
        offers: found,
        next_cursor,
    })
}

async fn stored(
    ports: &Ports,
    caller: &Caller,
    id: &IntegrationId,
    offer_id: &str,
) -> Result<Versioned<MarketOffer>, RequestError> {
    offers::get(&*ports.store, &caller.tenant_id, id, offer_id.trim())
        .await?
        .ok_or(RequestError::NotFound("offer"))
}

/// One offer of the account.
pub async fn get(
    ports: &Ports,
    caller: &Caller,
    id: &IntegrationId,
    offer_id: &str,
) -> Result<MarketOffer, RequestError> {
    account(ports, caller, id).await?;
    Ok(stored(ports, caller, id, offer_id).await?.value)
}

/// Applies `change` to the stored offer with a versioned write, again on a lost race, and
/// records `action` in the audit log when it changed anything.
async fn change(
    ports: &Ports,
    caller: &Caller,
    integration: &Integration,
    offer_id: &str,
    action: &str,
    change: impl Fn(&mut MarketOffer),
) -> Result<MarketOffer, RequestError> {
    for _ in 0..ATTEMPTS {
        let before = stored(ports, caller, &integration.id, offer_id).await?;
        let mut after = before.value.clone();
        change(&mut after);
        if after == before.value {
            return Ok(after);
        }
        match offers::save(
            &*ports.store,
            &caller.tenant_id,
            &integration.id,
            &after,
            Some(&before),
        )
        .await
        {
            Err(error) if is_conflict(&error) => continue,
            Err(error) => return Err(error.into()),
            Ok(()) => {
                let subject = Subject {
                    kind: SubjectKind::Integration,
                    id: integration.id.to_string(),
                };
                audit::record(
                    ports,
                    &caller.tenant_id,
                    Some(&caller.actor),
                    action,
                    subject,
                    audit::state(&before.value),
                    audit::state(&after),
                )
                .await;
                return Ok(after);
            }
        }
    }
    Err(RequestError::Conflict(
        "the offer kept changing while it was saved; try again".into(),
    ))
}

/// Links the offer to product `sku` (in place of any other): price sync on when the
/// account's price sync was on already, as for an automatic link.
pub async fn link(
    ports: &Ports,
    caller: &Caller,
    id: &IntegrationId,
    offer_id: &str,
    request: LinkRequest,
) -> Result<MarketOffer, RequestError> {
    let sku = request.sku.trim().to_owned();
    if sku.is_empty() {
        return Err(RequestError::invalid("sku", "a product's SKU is required"));
    }
    let integration = account(ports, caller, id).await?;
    stored(ports, caller, id, offer_id).await?;
    if products::get(&*ports.store, &caller.tenant_id, &sku)
        .await?
        .is_none()
    {
        return Err(RequestError::NotFound("product"));
    }
    let rules = rules_of(&integration);
    let now = ports.clock.now();
    change(
        ports,
        caller,
        &integration,
        offer_id,
        OFFER_LINKED,
        |offer| {
            if offer.product_sku.as_deref() != Some(sku.as_str()) {
                offer.product_sku = Some(sku.clone());
                offer.linked_at = Some(now);
                offer.price_sync = price_sync_when_linked(&rules, now);
            }
        },
    )
    .await
}

/// Unlinks the offer (its switches stay as they are).
pub async fn unlink(
    ports: &Ports,
    caller: &Caller,
    id: &IntegrationId,
    offer_id: &str,
) -> Result<MarketOffer, RequestError> {
    let integration = account(ports, caller, id).await?;
    change(
        ports,
        caller,
        &integration,
        offer_id,
        OFFER_UNLINKED,
        |offer| {
            offer.product_sku = None;
            offer.linked_at = None;
        },
    )
    .await
}

/// Changes the offer's own switches.
pub async fn update(
    ports: &Ports,
    caller: &Caller,
    id: &IntegrationId,
    offer_id: &str,
    patch: OfferPatch,
) -> Result<MarketOffer, RequestError> {
    let integration = account(ports, caller, id).await?;
    change(
        ports,
        caller,
        &integration,
        offer_id,
        OFFER_UPDATED,
        |offer| {
            if let Some(value) = patch.no_auto_renew {
                offer.no_auto_renew = value;
            }
            if let Some(value) = patch.price_sync {
                offer.price_sync = value;
            }
        },
    )
    .await
}

/// The offers linked to product `sku`, in every account of the tenant.
pub async fn for_product(
    ports: &Ports,
    caller: &Caller,
    sku: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<ProductOffers, RequestError> {
    let limit = paging::limit(limit)?;
    let sku = sku.trim();
    let store = &*ports.store;
    let tenant = &caller.tenant_id;
    if products::get(store, tenant, sku).await?.is_none() {
        return Err(RequestError::NotFound("product"));
    }
    let start = Position::decode(cursor)?;
    let page_size = u32::try_from(limit).unwrap_or(paging::MAX_LIMIT);
    let (links, next_cursor) = paging::filtered(
        start,
        limit,
        limit,
        |after| async move {
            Ok(offers::linked_to_product(store, tenant, sku, after, page_size).await?)
        },
        |_| true,
    )
    .await?;
    let mut found = Vec::with_capacity(links.len());
    for link in links {
        // The index is written with the offer, so a missing offer is one deleted since.
        if let Some(offer) =
            offers::get(store, tenant, &link.integration_id, &link.offer_id).await?
        {
            found.push(offer.value);
        }
    }
    Ok(ProductOffers {
        offers: found,
        next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_filter_takes_a_publication_status_or_archived_in_any_case() {
        assert_eq!(
            status_filter(" ended ").ok(),
            Some(Some(OfferStatus::Ended))
        );
        assert_eq!(
            status_filter("ACTIVE").ok(),
            Some(Some(OfferStatus::Active))
        );
        assert_eq!(status_filter("archived").ok(), Some(None));
        assert!(status_filter("SOLD").is_err());
    }
}
