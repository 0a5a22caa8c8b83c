//! The write side of offers (issue 18 items 4–5): stock control, automatic renewal and price
//! sync, as Allegro batch commands (allegro-api.md §8.3–8.4) through an outbox.
//!
//! Two jobs travel on the outbound queue (the sender runs them beside replies):
//!
//! - a *plan* job (`offer_plan`): a product's stock or price changed ([`product_changed`], from
//!   the catalogue) or an offer was read as ended ([`offer_changed`], from the offer sync). It
//!   reads the product and its linked offers and stores the commands to send, each with an
//!   Allegro command id made once, at a place (`seq`) derived from the job's plan id, so a plan
//!   made again after a crash finds its commands stored and makes none twice;
//! - a *command* job (`offer_command`): one step of one stored command: wait while an earlier
//!   open command of the account names any of its offers (Allegro runs one at a time and
//!   refuses a second), send it (recorded before the call; a crash sends again under the same
//!   id, which Allegro takes as the same command), back off after `Busy` or a temporary
//!   failure, read its report until every task finished (delayed jobs), then record each
//!   offer's outcome, update the stored offers, log the command in the account's event log and
//!   plan a bounded retry of the offers that failed.
//!
//! Each job step is numbered; a job delivered again for a step already made does nothing but
//! queue the next step (which may have been lost). Offer calls go through the request budget as
//! offer work, the lowest priority (`services::budget`, `CallKind::Offers` in the client), so
//! they never delay buyer conversations.
//!
//! Test-mode (simulator) accounts are never touched: no command is planned or sent for them.

use super::request::{cursor_error, RequestError};
use super::{account_log, paging, ServiceError};
use crate::domain::account_event::AccountEventKind;
use crate::domain::offer::{
    price_sync_when_linked, renewal_due, stock_commands, MarketOffer, OfferSettings, OfferStatus,
    MAX_OFFERS_PER_COMMAND,
};
use crate::domain::offer_command::{CommandPurpose, CommandState, OfferCommand, OfferOutcome};
use crate::domain::product::{ChangeSource, ChangedField, Product, DEFAULT_PRICE_LIST};
use crate::domain::{Environment, Integration, Marketplace};
use crate::ids::{IntegrationId, TenantId};
use crate::ports::offers::{CommandError, OfferChange, OfferCommands, TaskOutcome};
use crate::ports::queue::MAX_SEND_DELAY;
use crate::ports::{MarketplaceError, Ports};
use crate::repo::{integrations, is_conflict, offer_commands as repo, offers, products, Versioned};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The `kind` of a command job on the outbound queue.
pub const COMMAND_JOB: &str = "offer_command";
/// The `kind` of a plan job on the outbound queue.
pub const PLAN_JOB: &str = "offer_plan";
/// How long a command waiting for an earlier one on its offers waits before looking again.
pub const WAIT_FOR_EARLIER: Duration = Duration::from_secs(10);
/// Waits after Allegro refused a command because another ran on its offers (`Busy`); after
/// the last the command fails.
pub const BUSY_DELAYS: [Duration; 8] = [
    Duration::from_secs(15),
    Duration::from_secs(30),
    Duration::from_secs(60),
    Duration::from_secs(2 * 60),
    Duration::from_secs(5 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(15 * 60),
    Duration::from_secs(15 * 60),
];
/// Waits after a temporary failure (429, 5xx, network) of a send; after the last it fails.
pub const RETRY_DELAYS: [Duration; 5] = [
    Duration::from_secs(60),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(8 * 3600),
];
/// Waits before the 1st, 2nd, … read of a command's report; the last repeats.
pub const REPORT_DELAYS: [Duration; 6] = [
    Duration::from_secs(2),
    Duration::from_secs(5),
    Duration::from_secs(15),
    Duration::from_secs(30),
    Duration::from_secs(60),
    Duration::from_secs(5 * 60),
];
/// Most report reads before an unfinished command is closed with its open tasks failed
/// (about 2 hours; Allegro's tasks take seconds to minutes).
pub const MAX_REPORT_READS: u32 = 30;
/// How many times the offers a command failed on are tried again.
pub const MAX_RETRIES: u32 = 2;
/// How long after a failure its offers are tried again.
pub const RETRY_AFTER: Duration = Duration::from_secs(5 * 60);
/// Links of a product read per store page.
const LINK_PAGE: u32 = 1000;
/// How often a lost optimistic-update race on an offer is retried.
const OFFER_ATTEMPTS: usize = 5;
/// Store page size while listing commands.
const LIST_PAGE: u32 = 100;

// ------------------------------------------------------------------ jobs

/// One step of one stored command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandJob {
    /// Always [`COMMAND_JOB`].
    pub kind: String,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The account.
    pub integration_id: IntegrationId,
    /// The command's place.
    pub seq: String,
    /// The step this job makes (1 for the first).
    pub step: u32,
}

/// What a plan job plans for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum PlanTarget {
    /// A product's stock or prices changed: its linked offers follow.
    Product {
        /// The product.
        sku: String,
        /// Whether its stock changed.
        stock_changed: bool,
        /// Whether the change came from an ERP sync (the API or a CSV import): a rise is then
        /// pushed only to accounts with "raise stock" on.
        erp_sync: bool,
        /// The price lists whose price changed.
        #[serde(default)]
        price_lists: Vec<String>,
        /// Only these offers (a retry of offers a command failed on); `None`: every linked one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        only_offers: Option<Vec<String>>,
        /// How many retries lie behind this plan.
        #[serde(default)]
        retry: u32,
    },
    /// An offer was read as ended: renew it if due.
    Offer {
        /// The account.
        integration_id: IntegrationId,
        /// The offer.
        offer_id: String,
    },
}

/// A plan to make (its commands are placed by `plan`, a time-ordered id made once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanJob {
    /// Always [`PLAN_JOB`].
    pub kind: String,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The plan's id (UUIDv7): its commands' places derive from it.
    pub plan: String,
    /// What to plan for.
    pub target: PlanTarget,
}

/// Whether a queue message body is an offer job (the sender also takes reply jobs).
pub fn is_job(body: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .is_some_and(|value| value["kind"] == COMMAND_JOB || value["kind"] == PLAN_JOB)
}

/// What one job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// Commands stored and queued by a plan (their places).
    Planned(Vec<String>),
    /// The command waits (for an earlier command, or after `Busy` or a temporary failure).
    Waiting(OfferCommand),
    /// Allegro accepted the command; its report is read next.
    Sent(OfferCommand),
    /// The report was read and is not complete yet.
    Running(OfferCommand),
    /// The command finished (done or failed).
    Closed(OfferCommand),
    /// Nothing to do now: closed before, this step made before, not yet due, or another
    /// worker is on it.
    Nothing,
}

/// Decodes a queue message body and runs it.
pub async fn handle_body(
    ports: &Ports,
    commands: Option<&dyn OfferCommands>,
    body: &str,
) -> Result<JobOutcome, ServiceError> {
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| ServiceError::Malformed(e.to_string()))?;
    if value["kind"] == PLAN_JOB {
        let job: PlanJob = super::decode_job(body)?;
        return run_plan(ports, &job).await;
    }
    let job: CommandJob = super::decode_job(body)?;
    run_command(ports, commands, &job).await
}

async fn send_json<T: Serialize>(
    ports: &Ports,
    job: &T,
    delay: Duration,
) -> Result<(), ServiceError> {
    let body = serde_json::to_string(job).map_err(|e| ServiceError::Malformed(e.to_string()))?;
    ports
        .queues
        .outbound
        .send(&body, delay.min(MAX_SEND_DELAY))
        .await?;
    Ok(())
}

fn new_plan_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

fn plan_job(tenant: &TenantId, target: PlanTarget) -> PlanJob {
    PlanJob {
        kind: PLAN_JOB.into(),
        tenant_id: tenant.clone(),
        plan: new_plan_id(),
        target,
    }
}

// ------------------------------------------------------------------ triggers

/// A product's stock or prices changed (`changes`, as recorded by the catalogue from
/// `source`): queues a plan for its linked offers, if it has any. Never fails the write that
/// caused it: a store or queue failure is logged (that change then reaches the offers with the
/// product's next change).
pub async fn product_changed(
    ports: &Ports,
    tenant: &TenantId,
    sku: &str,
    source: ChangeSource,
    changes: &[ChangedField],
) {
    let stock_changed = changes
        .iter()
        .any(|c| matches!(c, ChangedField::Stock { .. }));
    let price_lists: Vec<String> = changes
        .iter()
        .filter_map(|c| match c {
            ChangedField::Price { price_list, .. } => Some(price_list.clone()),
            ChangedField::Stock { .. } => None,
        })
        .collect();
    if !stock_changed && price_lists.is_empty() {
        return;
    }
    match offers::linked_to_product(&*ports.store, tenant, sku, None, 1).await {
        Ok((links, _)) if links.is_empty() => return,
        Ok(_) => {}
        Err(error) => {
            tracing::warn!(tenant = %tenant, sku, %error, "linked offers not read; planning anyway");
        }
    }
    let job = plan_job(
        tenant,
        PlanTarget::Product {
            sku: sku.to_owned(),
            stock_changed,
            erp_sync: matches!(source, ChangeSource::Api | ChangeSource::CsvImport),
            price_lists,
            only_offers: None,
            retry: 0,
        },
    );
    if let Err(error) = send_json(ports, &job, Duration::ZERO).await {
        tracing::error!(tenant = %tenant, sku, %error, "product change not queued for its offers");
    }
}

/// The offer sync stored `offer` of `integration`: when it is an ended offer due for renewal
/// (its product has stock, the account renews automatically, …: `domain::offer::renewal_due`),
/// queues the plan that renews it. Whether a plan was queued.
pub async fn offer_changed(
    ports: &Ports,
    integration: &Integration,
    offer: &MarketOffer,
) -> Result<bool, ServiceError> {
    if offer.status != OfferStatus::Ended {
        return Ok(false);
    }
    let Some(sku) = &offer.product_sku else {
        return Ok(false);
    };
    let rules = integration.settings.offers.rules(test_mode(integration));
    let stock = products::get(&*ports.store, &integration.tenant_id, sku)
        .await?
        .map(|p| p.value.stock);
    if !renewal_due(&rules, offer, stock, ports.clock.now()) {
        return Ok(false);
    }
    let job = plan_job(
        &integration.tenant_id,
        PlanTarget::Offer {
            integration_id: integration.id.clone(),
            offer_id: offer.id.clone(),
        },
    );
    send_json(ports, &job, Duration::ZERO).await?;
    Ok(true)
}

fn test_mode(integration: &Integration) -> bool {
    integration.environment == Environment::Sandbox
}

// ------------------------------------------------------------------ planning

/// A command to store: why, what, for which offers.
struct Planned {
    purpose: CommandPurpose,
    change: OfferChange,
    offer_ids: Vec<String>,
}

fn chunked(purpose: CommandPurpose, change: OfferChange, ids: Vec<String>) -> Vec<Planned> {
    ids.chunks(MAX_OFFERS_PER_COMMAND)
        .map(|chunk| Planned {
            purpose,
            change: change.clone(),
            offer_ids: chunk.to_vec(),
        })
        .collect()
}

/// The price of `product` in the account's price list, with the list's currency.
async fn account_price(
    ports: &Ports,
    tenant: &TenantId,
    settings: &OfferSettings,
    product: &Product,
) -> Result<Option<(String, String, String)>, ServiceError> {
    let list = settings
        .price_list
        .clone()
        .unwrap_or_else(|| DEFAULT_PRICE_LIST.to_owned());
    let Some(amount) = product.prices.get(&list) else {
        return Ok(None);
    };
    let currency = if list == DEFAULT_PRICE_LIST {
        crate::domain::product::DEFAULT_CURRENCY.to_owned()
    } else {
        match products::price_lists(&*ports.store, tenant)
            .await?
            .into_iter()
            .find(|l| l.name == list)
        {
            Some(found) => found.currency,
            None => return Ok(None),
        }
    };
    Ok(Some((list, amount.clone(), currency)))
}

/// The account, if commands may be planned for it: an Allegro account in production.
async fn writable_account(
    ports: &Ports,
    tenant: &TenantId,
    id: &IntegrationId,
) -> Result<Option<Integration>, ServiceError> {
    let Some(integration) = integrations::get(&*ports.store, tenant, id).await? else {
        return Ok(None);
    };
    let integration = integration.value;
    if integration.kind != Marketplace::Allegro || test_mode(&integration) {
        return Ok(None);
    }
    Ok(Some(integration))
}

/// The renewal commands of `candidates` (ended offers due for renewal, all linked to
/// `product`) of one account: an optional price command (renew at the current price), a
/// quantity command for those with no stock, then `ACTIVATE`. Each offer's ending is claimed
/// for this plan first, so it is renewed once.
async fn plan_renewals(
    ports: &Ports,
    integration: &Integration,
    product: &Product,
    candidates: Vec<&MarketOffer>,
    plan: &str,
) -> Result<Vec<Planned>, ServiceError> {
    let mut claimed = Vec::new();
    for offer in candidates {
        let Some(ended_at) = offer.ended_at else {
            continue;
        };
        if repo::claim_renewal(
            &*ports.store,
            &integration.tenant_id,
            &integration.id,
            &offer.id,
            ended_at,
            plan,
        )
        .await?
        {
            claimed.push(offer);
        }
    }
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    let settings = &integration.settings.offers;
    let mut planned = Vec::new();
    if settings.renew_at_current_price {
        if let Some((_, amount, currency)) =
            account_price(ports, &integration.tenant_id, settings, product).await?
        {
            let ids = claimed
                .iter()
                .filter(|o| o.price.as_deref() != Some(amount.as_str()))
                .map(|o| o.id.clone())
                .collect();
            planned.extend(chunked(
                CommandPurpose::Renewal,
                OfferChange::Price { amount, currency },
                ids,
            ));
        }
    }
    let empty: Vec<String> = claimed
        .iter()
        .filter(|o| o.stock == 0)
        .map(|o| o.id.clone())
        .collect();
    planned.extend(chunked(
        CommandPurpose::Renewal,
        OfferChange::Quantity {
            value: product.stock,
        },
        empty,
    ));
    let all = claimed.iter().map(|o| o.id.clone()).collect();
    planned.extend(chunked(CommandPurpose::Renewal, OfferChange::Activate, all));
    Ok(planned)
}

/// Stores the planned commands of one account at `plan`'s places from `*next` on and queues
/// their first step; a place already taken (the plan made again after a crash) keeps the
/// stored command, whose first step is queued again if it never ran.
#[allow(clippy::too_many_arguments)]
async fn store_planned(
    ports: &Ports,
    integration: &Integration,
    plan: &str,
    next: &mut usize,
    planned: Vec<Planned>,
    product_sku: Option<&str>,
    retry: u32,
    places: &mut Vec<String>,
) -> Result<(), ServiceError> {
    let now = ports.clock.now();
    for command in planned {
        if command.offer_ids.is_empty() {
            continue;
        }
        let seq = format!("{plan}#{:04}", *next);
        *next += 1;
        let stored = OfferCommand {
            id: uuid::Uuid::new_v4().hyphenated().to_string(),
            seq: seq.clone(),
            tenant_id: integration.tenant_id.clone(),
            integration_id: integration.id.clone(),
            purpose: command.purpose,
            outcomes: command
                .offer_ids
                .iter()
                .map(|id| (id.clone(), OfferOutcome::Pending))
                .collect(),
            change: command.change,
            offer_ids: command.offer_ids,
            product_sku: product_sku.map(str::to_owned),
            retry_of: None,
            retry,
            state: CommandState::Waiting,
            steps: 0,
            attempts: 0,
            busy: 0,
            report_reads: 0,
            next_step_at: None,
            last_error: None,
            created_at: now,
            sent_at: None,
            finished_at: None,
        };
        let fresh = repo::create(&*ports.store, &stored).await?;
        if !fresh {
            let existing =
                repo::get(&*ports.store, &integration.tenant_id, &integration.id, &seq).await?;
            if existing.is_some_and(|c| c.value.steps > 0) {
                continue;
            }
        }
        queue_step(ports, &stored, 1, Duration::ZERO).await?;
        places.push(seq);
    }
    Ok(())
}

async fn queue_step(
    ports: &Ports,
    command: &OfferCommand,
    step: u32,
    delay: Duration,
) -> Result<(), ServiceError> {
    let job = CommandJob {
        kind: COMMAND_JOB.into(),
        tenant_id: command.tenant_id.clone(),
        integration_id: command.integration_id.clone(),
        seq: command.seq.clone(),
        step,
    };
    send_json(ports, &job, delay).await
}

/// Every offer linked to `sku`, by account.
async fn linked_offers(
    ports: &Ports,
    tenant: &TenantId,
    sku: &str,
) -> Result<BTreeMap<IntegrationId, Vec<String>>, ServiceError> {
    let mut by_account: BTreeMap<IntegrationId, Vec<String>> = BTreeMap::new();
    let mut after = None;
    loop {
        let (links, next) =
            offers::linked_to_product(&*ports.store, tenant, sku, after, LINK_PAGE).await?;
        for link in links {
            by_account
                .entry(link.integration_id)
                .or_default()
                .push(link.offer_id);
        }
        match next {
            Some(next) => after = Some(next),
            None => return Ok(by_account),
        }
    }
}

/// Runs a plan job: stores and queues the commands it calls for.
pub async fn run_plan(ports: &Ports, job: &PlanJob) -> Result<JobOutcome, ServiceError> {
    let store = &*ports.store;
    let tenant = &job.tenant_id;
    let now = ports.clock.now();
    let mut places = Vec::new();
    let mut next = 0;
    match &job.target {
        PlanTarget::Offer {
            integration_id,
            offer_id,
        } => {
            let Some(integration) = writable_account(ports, tenant, integration_id).await? else {
                return Ok(JobOutcome::Nothing);
            };
            let Some(offer) = offers::get(store, tenant, integration_id, offer_id).await? else {
                return Ok(JobOutcome::Nothing);
            };
            let Some(sku) = offer.value.product_sku.clone() else {
                return Ok(JobOutcome::Nothing);
            };
            let Some(product) = products::get(store, tenant, &sku).await? else {
                return Ok(JobOutcome::Nothing);
            };
            let rules = integration.settings.offers.rules(false);
            if !renewal_due(&rules, &offer.value, Some(product.value.stock), now) {
                return Ok(JobOutcome::Nothing);
            }
            let planned = plan_renewals(
                ports,
                &integration,
                &product.value,
                vec![&offer.value],
                &job.plan,
            )
            .await?;
            store_planned(
                ports,
                &integration,
                &job.plan,
                &mut next,
                planned,
                Some(&sku),
                0,
                &mut places,
            )
            .await?;
        }
        PlanTarget::Product {
            sku,
            stock_changed,
            erp_sync,
            price_lists,
            only_offers,
            retry,
        } => {
            let Some(product) = products::get(store, tenant, sku).await? else {
                return Ok(JobOutcome::Nothing);
            };
            let product = product.value;
            for (integration_id, offer_ids) in linked_offers(ports, tenant, sku).await? {
                let Some(integration) = writable_account(ports, tenant, &integration_id).await?
                else {
                    continue;
                };
                let mut linked = Vec::new();
                for offer_id in offer_ids {
                    if only_offers
                        .as_ref()
                        .is_some_and(|only| !only.contains(&offer_id))
                    {
                        continue;
                    }
                    if let Some(offer) = offers::get(store, tenant, &integration_id, &offer_id)
                        .await?
                        .filter(|o| o.value.product_sku.as_deref() == Some(sku.as_str()))
                    {
                        linked.push(offer.value);
                    }
                }
                let planned = plan_account(
                    ports,
                    &integration,
                    &product,
                    &linked,
                    AccountPlan {
                        stock_changed: *stock_changed,
                        erp_sync: *erp_sync,
                        price_lists,
                        plan: &job.plan,
                        now,
                    },
                )
                .await?;
                store_planned(
                    ports,
                    &integration,
                    &job.plan,
                    &mut next,
                    planned,
                    Some(sku),
                    *retry,
                    &mut places,
                )
                .await?;
            }
        }
    }
    if !places.is_empty() {
        tracing::info!(tenant = %tenant, plan = %job.plan, commands = places.len(), "offer commands planned");
    }
    Ok(JobOutcome::Planned(places))
}

/// What changed, for [`plan_account`].
struct AccountPlan<'a> {
    stock_changed: bool,
    erp_sync: bool,
    price_lists: &'a [String],
    plan: &'a str,
    now: DateTime<Utc>,
}

/// The commands one account's linked offers need after a change of their product.
///
/// - Stock control: live offers get the product's stock (`domain::offer::stock_commands`:
///   grouped by quantity, 1 000 a command, never 0). With "raise stock" off, an ERP sync
///   (API or CSV import) only lowers offers: an offer whose stock would rise is left as it is
///   (a change made by an agent in the workspace is pushed either way).
/// - Price sync: with the account's price sync on, live offers with their own price sync on
///   get the product's price in the account's price list, when that price changed.
/// - Renewal: when the stock changed and the product has stock, its ended offers due for
///   renewal are renewed.
async fn plan_account(
    ports: &Ports,
    integration: &Integration,
    product: &Product,
    linked: &[MarketOffer],
    change: AccountPlan<'_>,
) -> Result<Vec<Planned>, ServiceError> {
    let settings = &integration.settings.offers;
    let mut planned = Vec::new();
    if change.stock_changed && settings.stock_control {
        let raise = settings.raise_stock || !change.erp_sync;
        let pairs = linked
            .iter()
            .filter(|offer| raise || product.stock <= offer.stock)
            .map(|offer| (offer, product.stock));
        for (quantity, ids) in stock_commands(pairs) {
            planned.push(Planned {
                purpose: CommandPurpose::Stock,
                change: OfferChange::Quantity { value: quantity },
                offer_ids: ids,
            });
        }
    }
    if settings.price_sync {
        if let Some((list, amount, currency)) =
            account_price(ports, &integration.tenant_id, settings, product).await?
        {
            if change.price_lists.contains(&list) {
                let ids: BTreeSet<String> = linked
                    .iter()
                    .filter(|o| {
                        o.price_sync
                            && !o.archived
                            && matches!(o.status, OfferStatus::Active | OfferStatus::Activating)
                            && o.price.as_deref() != Some(amount.as_str())
                    })
                    .map(|o| o.id.clone())
                    .collect();
                planned.extend(chunked(
                    CommandPurpose::PriceSync,
                    OfferChange::Price { amount, currency },
                    ids.into_iter().collect(),
                ));
            }
        }
    }
    if change.stock_changed && product.stock > 0 {
        let rules = settings.rules(false);
        let due: Vec<&MarketOffer> = linked
            .iter()
            .filter(|o| renewal_due(&rules, o, Some(product.stock), change.now))
            .collect();
        if !due.is_empty() {
            planned.extend(plan_renewals(ports, integration, product, due, change.plan).await?);
        }
    }
    Ok(planned)
}

// ------------------------------------------------------------------ running a command

fn remaining(due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Duration {
    due.and_then(|due| (due - now).to_std().ok())
        .unwrap_or(Duration::ZERO)
}

fn after(now: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(wait).unwrap_or_default()
}

/// Runs one step of a command.
pub async fn run_command(
    ports: &Ports,
    commands: Option<&dyn OfferCommands>,
    job: &CommandJob,
) -> Result<JobOutcome, ServiceError> {
    let store = &*ports.store;
    let read = repo::get(store, &job.tenant_id, &job.integration_id, &job.seq)
        .await?
        .ok_or_else(|| ServiceError::Gone(format!("offer command {} no longer exists", job.seq)))?;
    let command = &read.value;
    if !command.state.is_open() {
        return Ok(JobOutcome::Nothing);
    }
    let now = ports.clock.now();
    if command.steps >= job.step {
        // This step was made (a job delivered again): its follow-up may have been lost with a
        // crash, so queue it; a duplicate of it is made harmless by this same check.
        if command.steps == job.step {
            queue_step(
                ports,
                command,
                job.step + 1,
                remaining(command.next_step_at, now),
            )
            .await?;
        }
        return Ok(JobOutcome::Nothing);
    }
    if command.next_step_at.is_some_and(|due| due > now) {
        // A wait longer than the queue's longest delay: hop again.
        send_json(ports, job, remaining(command.next_step_at, now)).await?;
        return Ok(JobOutcome::Nothing);
    }
    let integration = integrations::get(store, &job.tenant_id, &job.integration_id)
        .await?
        .map(|v| v.value);
    let Some(integration) = integration else {
        return close_failed(ports, read, job.step, "the marketplace account was deleted").await;
    };
    if test_mode(&integration) {
        return close_failed(
            ports,
            read,
            job.step,
            "the account is in Allegro's test environment: offers are not changed",
        )
        .await;
    }
    let Some(commands) = commands else {
        return close_failed(
            ports,
            read,
            job.step,
            "this installation has no Allegro application configured",
        )
        .await;
    };
    match command.state {
        CommandState::Waiting => {
            let earlier =
                repo::open_before(store, &job.tenant_id, &job.integration_id, &job.seq).await?;
            if let Some(blocking) = earlier.iter().find(|e| e.shares_offers_with(command)) {
                tracing::debug!(command = %command.id, blocking = %blocking.id, "offer command waits for an earlier one");
                let mut next = command.clone();
                next.steps = job.step;
                next.next_step_at = Some(after(now, WAIT_FOR_EARLIER));
                return save_and_queue(ports, read.version, next, WAIT_FOR_EARLIER, |c| {
                    JobOutcome::Waiting(c)
                })
                .await;
            }
            send(ports, commands, &integration, read, job.step).await
        }
        CommandState::Sending => send(ports, commands, &integration, read, job.step).await,
        CommandState::Running => read_report(ports, commands, &integration, read, job.step).await,
        CommandState::Done | CommandState::Failed => Ok(JobOutcome::Nothing),
    }
}

/// Writes `next` over `version` and queues its next step after `delay`.
async fn save_and_queue(
    ports: &Ports,
    version: u64,
    next: OfferCommand,
    delay: Duration,
    outcome: impl FnOnce(OfferCommand) -> JobOutcome,
) -> Result<JobOutcome, ServiceError> {
    match repo::update(&*ports.store, &next, version).await {
        Ok(()) => {}
        Err(e) if is_conflict(&e) => return Ok(JobOutcome::Nothing),
        Err(e) => return Err(e.into()),
    }
    queue_step(ports, &next, next.steps + 1, delay).await?;
    Ok(outcome(next))
}

/// Sends the command (recorded as `Sending` first, so a crash sends it again under the same
/// id) and records what Allegro said.
async fn send(
    ports: &Ports,
    commands: &dyn OfferCommands,
    integration: &Integration,
    read: Versioned<OfferCommand>,
    step: u32,
) -> Result<JobOutcome, ServiceError> {
    let mut sending = read.value.clone();
    sending.state = CommandState::Sending;
    sending.steps = step;
    sending.attempts += 1;
    sending.next_step_at = None;
    match repo::update(&*ports.store, &sending, read.version).await {
        Ok(()) => {}
        Err(e) if is_conflict(&e) => return Ok(JobOutcome::Nothing),
        Err(e) => return Err(e.into()),
    }
    let version = read.version + 1;
    let result = commands
        .send(
            integration,
            &sending.id,
            &sending.change,
            &sending.offer_ids,
        )
        .await;
    let now = ports.clock.now();
    let mut next = sending.clone();
    match result {
        Ok(()) => {
            next.state = CommandState::Running;
            next.sent_at = Some(now);
            next.last_error = None;
            let wait = REPORT_DELAYS[0];
            next.next_step_at = Some(after(now, wait));
            tracing::info!(command = %next.id, offers = next.offer_ids.len(), "offer command accepted");
            save_and_queue(ports, version, next, wait, JobOutcome::Sent).await
        }
        Err(CommandError::Busy) => {
            let Some(wait) = BUSY_DELAYS.get(next.busy as usize).copied() else {
                let reason =
                    "Allegro kept refusing it: another command kept running on these offers";
                return close(ports, version, next, Err(reason.into())).await;
            };
            next.busy += 1;
            next.state = CommandState::Waiting;
            next.last_error = Some("another command still runs on these offers".into());
            next.next_step_at = Some(after(now, wait));
            tracing::info!(command = %next.id, busy = next.busy, "offer command refused as busy; retried later");
            save_and_queue(ports, version, next, wait, JobOutcome::Waiting).await
        }
        Err(CommandError::Marketplace(error)) => {
            let temporary = matches!(
                error,
                MarketplaceError::RateLimited { .. } | MarketplaceError::Unavailable(_)
            );
            let failures = next.attempts - next.busy;
            let delay = RETRY_DELAYS
                .get(usize::try_from(failures).unwrap_or(usize::MAX) - 1)
                .filter(|_| temporary);
            let Some(delay) = delay else {
                return close(ports, version, next, Err(error.to_string())).await;
            };
            let wait = match &error {
                MarketplaceError::RateLimited { retry_after } => (*retry_after).max(*delay),
                _ => *delay,
            };
            // The outcome of a send that failed for now is unknown: it is sent again with the
            // same id, which Allegro takes as the same command.
            next.state = CommandState::Sending;
            next.last_error = Some(error.to_string());
            next.next_step_at = Some(after(now, wait));
            tracing::warn!(command = %next.id, %error, "offer command not sent; retried later");
            save_and_queue(ports, version, next, wait, JobOutcome::Waiting).await
        }
    }
}

/// Reads the command's report: records the tasks' outcomes, and closes the command when every
/// task finished (or after [`MAX_REPORT_READS`]).
async fn read_report(
    ports: &Ports,
    commands: &dyn OfferCommands,
    integration: &Integration,
    read: Versioned<OfferCommand>,
    step: u32,
) -> Result<JobOutcome, ServiceError> {
    let command = &read.value;
    let report = commands
        .report(integration, command.change.kind(), &command.id)
        .await;
    let mut next = command.clone();
    next.steps = step;
    next.report_reads += 1;
    let reads = next.report_reads;
    match report {
        Ok(report) => {
            for (offer, outcome) in report.tasks {
                if let Some(slot) = next.outcomes.get_mut(&offer) {
                    *slot = match outcome {
                        TaskOutcome::Pending => OfferOutcome::Pending,
                        TaskOutcome::Succeeded => OfferOutcome::Succeeded,
                        TaskOutcome::Failed(message) => OfferOutcome::Failed { message },
                    };
                }
            }
            if report.completed {
                for outcome in next.outcomes.values_mut() {
                    if *outcome == OfferOutcome::Pending {
                        *outcome = OfferOutcome::Failed {
                            message: "not in Allegro's report".into(),
                        };
                    }
                }
                return close(ports, read.version, next, Ok(())).await;
            }
        }
        Err(error) => {
            next.last_error = Some(format!("report not read: {error}"));
        }
    }
    if reads >= MAX_REPORT_READS {
        for outcome in next.outcomes.values_mut() {
            if *outcome == OfferOutcome::Pending {
                *outcome = OfferOutcome::Failed {
                    message: "Allegro's report did not complete".into(),
                };
            }
        }
        return close(ports, read.version, next, Ok(())).await;
    }
    let index = usize::try_from(reads).unwrap_or(usize::MAX);
    let wait = REPORT_DELAYS[index.min(REPORT_DELAYS.len() - 1)];
    next.next_step_at = Some(after(ports.clock.now(), wait));
    save_and_queue(ports, read.version, next, wait, JobOutcome::Running).await
}

async fn close_failed(
    ports: &Ports,
    read: Versioned<OfferCommand>,
    step: u32,
    reason: &str,
) -> Result<JobOutcome, ServiceError> {
    let mut next = read.value;
    next.steps = step;
    close(ports, read.version, next, Err(reason.to_owned())).await
}

/// Closes the command (done: its report is complete; failed: not accepted), then updates the
/// offers it changed, logs it in the account's event log and plans a retry of the offers it
/// failed on.
async fn close(
    ports: &Ports,
    version: u64,
    mut next: OfferCommand,
    result: Result<(), String>,
) -> Result<JobOutcome, ServiceError> {
    let now = ports.clock.now();
    next.finished_at = Some(now);
    next.next_step_at = None;
    match result {
        Ok(()) => next.state = CommandState::Done,
        Err(reason) => {
            next.state = CommandState::Failed;
            next.last_error = Some(reason.clone());
            for outcome in next.outcomes.values_mut() {
                if *outcome == OfferOutcome::Pending {
                    *outcome = OfferOutcome::Failed {
                        message: reason.clone(),
                    };
                }
            }
        }
    }
    match repo::update(&*ports.store, &next, version).await {
        Ok(()) => {}
        Err(e) if is_conflict(&e) => return Ok(JobOutcome::Nothing),
        Err(e) => return Err(e.into()),
    }
    if next.state == CommandState::Done {
        record_on_offers(ports, &next).await?;
    }
    let kind = match next.purpose {
        CommandPurpose::Renewal => AccountEventKind::OfferRenewal,
        CommandPurpose::Stock | CommandPurpose::PriceSync => AccountEventKind::StockPriceCommand,
    };
    account_log::record(
        ports,
        &next.tenant_id,
        &next.integration_id,
        kind,
        Some(&next.summary()),
    )
    .await;
    tracing::info!(command = %next.id, state = ?next.state, "offer command closed");
    retry_failed(ports, &next).await;
    Ok(JobOutcome::Closed(next))
}

/// The stored offers show what Allegro accepted (the next read confirms it), so the next plan
/// compares the product with what the offers have now. A renewed offer gets price sync on
/// when the account's price sync was on (`domain::offer::price_sync_when_linked`).
async fn record_on_offers(ports: &Ports, command: &OfferCommand) -> Result<(), ServiceError> {
    let store = &*ports.store;
    let now = ports.clock.now();
    let rules = match integrations::get(store, &command.tenant_id, &command.integration_id).await? {
        Some(integration) => integration.value.settings.offers.rules(false),
        None => return Ok(()),
    };
    for offer_id in command.succeeded_offers() {
        for _ in 0..OFFER_ATTEMPTS {
            let Some(read) =
                offers::get(store, &command.tenant_id, &command.integration_id, offer_id).await?
            else {
                break;
            };
            let mut offer = read.value.clone();
            match &command.change {
                OfferChange::Quantity { value } => offer.stock = *value,
                OfferChange::Price { amount, currency } => {
                    offer.price = Some(amount.clone());
                    offer.currency = Some(currency.clone());
                }
                OfferChange::Activate => {
                    offer.status = OfferStatus::Activating;
                    offer.price_sync = offer.price_sync || price_sync_when_linked(&rules, now);
                }
                OfferChange::End => offer.status = OfferStatus::Ended,
            }
            if offer == read.value {
                break;
            }
            match offers::save(
                store,
                &command.tenant_id,
                &command.integration_id,
                &offer,
                Some(&read),
            )
            .await
            {
                Ok(()) => break,
                Err(e) if is_conflict(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

/// Plans the offers a command failed on again, after [`RETRY_AFTER`], at most
/// [`MAX_RETRIES`] times: stock and price commands by planning the product again for those
/// offers (so a newer stock or price wins over the one that failed), renewal steps as the same
/// change under a new command id. A failure to queue is logged.
async fn retry_failed(ports: &Ports, command: &OfferCommand) {
    let failed: Vec<String> = command
        .failed_offers()
        .into_iter()
        .map(|(id, _)| id.to_owned())
        .collect();
    if failed.is_empty() || command.retry >= MAX_RETRIES {
        return;
    }
    let result = match (command.purpose, &command.product_sku) {
        (CommandPurpose::Stock | CommandPurpose::PriceSync, Some(sku)) => {
            let (stock_changed, price_lists) = match &command.change {
                OfferChange::Price { .. } => {
                    let lists = integrations::get(
                        &*ports.store,
                        &command.tenant_id,
                        &command.integration_id,
                    )
                    .await
                    .ok()
                    .flatten()
                    .map(|i| {
                        i.value
                            .settings
                            .offers
                            .price_list
                            .unwrap_or_else(|| DEFAULT_PRICE_LIST.to_owned())
                    });
                    (false, lists.into_iter().collect())
                }
                _ => (true, Vec::new()),
            };
            let job = plan_job(
                &command.tenant_id,
                PlanTarget::Product {
                    sku: sku.clone(),
                    stock_changed,
                    erp_sync: true,
                    price_lists,
                    only_offers: Some(failed),
                    retry: command.retry + 1,
                },
            );
            send_json(ports, &job, RETRY_AFTER).await
        }
        _ => {
            let seq = format!("{}#0000", new_plan_id());
            let now = ports.clock.now();
            let retry = OfferCommand {
                id: uuid::Uuid::new_v4().hyphenated().to_string(),
                seq,
                outcomes: failed
                    .iter()
                    .map(|id| (id.clone(), OfferOutcome::Pending))
                    .collect(),
                offer_ids: failed,
                retry_of: Some(command.id.clone()),
                retry: command.retry + 1,
                state: CommandState::Waiting,
                steps: 0,
                attempts: 0,
                busy: 0,
                report_reads: 0,
                next_step_at: Some(after(now, RETRY_AFTER)),
                last_error: None,
                created_at: now,
                sent_at: None,
                finished_at: None,
                ..command.clone()
            };
            match repo::create(&*ports.store, &retry).await {
                Ok(_) => queue_step(ports, &retry, 1, RETRY_AFTER).await,
                Err(e) => Err(e.into()),
            }
        }
    };
    if let Err(error) = result {
        tracing::error!(command = %command.id, %error, "retry of the offers a command failed on not planned");
    }
}

// ------------------------------------------------------------------ the API

/// The query of `GET /v1/integrations/{id}/offer-commands`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct CommandsQuery {
    /// Where to continue (from `next_cursor`).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")
    )]
    pub cursor: Option<String>,
    /// Page size, 1–100 (default 25).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100, default = 25))]
    pub limit: Option<u32>,
}

/// One page of an account's offer commands.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandsPage {
    /// Newest first.
    pub commands: Vec<OfferCommand>,
    /// Pass as `cursor` for the next page; `null` at the end.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// The account's offer commands, newest first, with their state and each offer's outcome.
pub async fn list(
    ports: &Ports,
    tenant: &TenantId,
    id: &IntegrationId,
    query: &CommandsQuery,
) -> Result<CommandsPage, RequestError> {
    let limit = paging::limit(query.limit)?;
    let start = paging::Position::decode(query.cursor.as_deref())?;
    integrations::get(&*ports.store, tenant, id)
        .await?
        .ok_or(RequestError::NotFound("integration"))?;
    let store = &*ports.store;
    let (commands, next_cursor) = paging::filtered(
        start,
        limit,
        limit,
        |cursor| async move {
            repo::page(store, tenant, id, cursor, LIST_PAGE)
                .await
                .map_err(cursor_error)
        },
        |_: &OfferCommand| true,
    )
    .await?;
    Ok(CommandsPage {
        commands,
        next_cursor,
    })
}
