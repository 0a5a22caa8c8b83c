//! Allegro's batch offer commands as the simulator runs them (allegro-api.md §8.3–8.4): quantity,
//! price and publication commands, each a client-chosen id, a modification and up to 1000 offers
//! per criterion, with one task per offer.
//!
//! Tasks run asynchronously: a command's tasks stay `NEW` for the book's task delay (settable
//! through the control API) and are carried out, in the order the commands arrived, by the
//! first request that comes after. While a command's tasks run, another command naming one of
//! its offers is refused (409, like Allegro's "previous edition still processing").

use super::offer_journal::RenewRefusal;
use super::{parse_hundredths, Catalog, Price, MARKETPLACE_ID};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

/// Most offers one criterion names (`OfferCriterium.offers`).
pub const MAX_OFFERS_PER_CRITERION: usize = 1000;
/// How long a command's tasks stay `NEW` unless the control API says otherwise.
pub const DEFAULT_TASK_DELAY: Duration = Duration::milliseconds(100);

/// The three command endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CommandKind {
    /// `/sale/offer-quantity-change-commands`.
    Quantity,
    /// `/sale/offer-price-change-commands`.
    Price,
    /// `/sale/offer-publication-commands`.
    Publication,
}

impl CommandKind {
    /// Every kind.
    pub const ALL: [CommandKind; 3] = [Self::Quantity, Self::Price, Self::Publication];

    /// The name the control API uses.
    pub fn name(self) -> &'static str {
        match self {
            Self::Quantity => "quantity",
            Self::Price => "price",
            Self::Publication => "publication",
        }
    }

    /// The task's `field` (what it changes).
    pub fn field(self) -> &'static str {
        match self {
            Self::Quantity => "quantity",
            Self::Price => "price",
            Self::Publication => "publication",
        }
    }
}

/// How a price command changes the buy-now price (`PriceModification.type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriceChange {
    /// `FIXED_PRICE`: the new price.
    Fixed(Price),
    /// `INCREASE_PRICE`: by an amount.
    Increase(Price),
    /// `DECREASE_PRICE`: by an amount.
    Decrease(Price),
    /// `INCREASE_PERCENTAGE`: by hundredths of a percent.
    IncreasePercent(u64),
    /// `DECREASE_PERCENTAGE`: by hundredths of a percent.
    DecreasePercent(u64),
}

/// What a command does to each of its offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modification {
    /// `FIXED` (new stock) or `GAIN` (difference).
    Quantity {
        /// `FIXED` when true, `GAIN` otherwise.
        fixed: bool,
        /// The stock or the difference.
        value: i64,
    },
    /// A price change on a marketplace (the offer's base one when `None`).
    Price {
        /// The change.
        change: PriceChange,
        /// `marketplaceId`.
        marketplace: Option<String>,
    },
    /// `ACTIVATE` (publish or renew under the same id) or `END`.
    Publication {
        /// `ACTIVATE` when true, `END` otherwise.
        activate: bool,
    },
}

/// A task's state (`CommandTask.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    /// Waiting to run.
    New,
    /// Done.
    Success,
    /// Refused (see the message).
    Fail,
}

impl TaskStatus {
    /// Allegro's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::Success => "SUCCESS",
            Self::Fail => "FAIL",
        }
    }
}

/// One offer of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandTask {
    /// The offer.
    pub offer_id: String,
    /// Its state.
    pub status: TaskStatus,
    /// Why it failed (`(code, message)`).
    pub failure: Option<(String, String)>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
}

/// A command as received, and how its tasks fared.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferCommand {
    /// The client's command id.
    pub id: String,
    /// Its endpoint.
    pub kind: CommandKind,
    /// The seller who sent it.
    pub seller_id: String,
    /// The body as sent, to tell a repeat from another command with the same id.
    pub request: Value,
    /// What it does.
    pub modification: Modification,
    /// When it arrived.
    pub created_at: DateTime<Utc>,
    /// When its tasks run.
    pub due_at: DateTime<Utc>,
    /// When its tasks finished.
    pub completed_at: Option<DateTime<Utc>>,
    /// One per offer, in the order the criteria named them (repeats dropped).
    pub tasks: Vec<CommandTask>,
}

impl OfferCommand {
    /// Tasks done / failed.
    pub fn counts(&self) -> (usize, usize) {
        let count = |s| self.tasks.iter().filter(|t| t.status == s).count();
        (count(TaskStatus::Success), count(TaskStatus::Fail))
    }

    /// Whether its tasks still run.
    pub fn running(&self) -> bool {
        self.completed_at.is_none()
    }
}

/// Every command received, and the task delay.
#[derive(Debug, Clone)]
pub struct CommandBook {
    commands: BTreeMap<String, OfferCommand>,
    order: Vec<String>,
    /// How long a command's tasks stay `NEW`.
    pub task_delay: Duration,
}

impl Default for CommandBook {
    fn default() -> Self {
        Self {
            commands: BTreeMap::new(),
            order: Vec::new(),
            task_delay: DEFAULT_TASK_DELAY,
        }
    }
}

impl CommandBook {
    /// The command with this id.
    pub fn get(&self, id: &str) -> Option<&OfferCommand> {
        self.commands.get(id)
    }

    /// Every command, oldest first.
    pub fn all(&self) -> impl Iterator<Item = &OfferCommand> {
        self.order.iter().filter_map(|id| self.commands.get(id))
    }

    /// How many commands of `kind` arrived.
    pub fn count(&self, kind: CommandKind) -> usize {
        self.commands.values().filter(|c| c.kind == kind).count()
    }
}

/// Why a command was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The id names another command (409 "Command id was already used").
    IdReused,
    /// A running command of the seller names this offer (409).
    Busy(String),
}

impl Catalog {
    /// The commands received.
    pub fn commands(&self) -> &CommandBook {
        &self.commands
    }

    /// The commands received, to change the task delay.
    pub fn commands_mut(&mut self) -> &mut CommandBook {
        &mut self.commands
    }

    /// Takes command `id`, or finds it when the same command was sent before (idempotent PUT):
    /// the command either way.
    pub fn submit_command(
        &mut self,
        command: OfferCommand,
        now: DateTime<Utc>,
    ) -> Result<&OfferCommand, Refusal> {
        self.settle_commands(now);
        if let Some(known) = self.commands.commands.get(&command.id) {
            let same = known.kind == command.kind
                && known.seller_id == command.seller_id
                && known.request == command.request;
            return if same {
                Ok(&self.commands.commands[&command.id])
            } else {
                Err(Refusal::IdReused)
            };
        }
        if let Some(offer) = command.tasks.iter().find(|task| {
            self.commands.commands.values().any(|running| {
                running.running()
                    && running.seller_id == command.seller_id
                    && running.tasks.iter().any(|t| t.offer_id == task.offer_id)
            })
        }) {
            return Err(Refusal::Busy(offer.offer_id.clone()));
        }
        let id = command.id.clone();
        self.commands.order.push(id.clone());
        Ok(self.commands.commands.entry(id).or_insert(command))
    }

    /// Runs the tasks of every command whose delay is over at `now` (all when `everything`),
    /// oldest command first.
    pub fn settle_commands_at(&mut self, now: DateTime<Utc>, everything: bool) {
        let due: Vec<String> = self
            .commands
            .order
            .iter()
            .filter(|id| {
                self.commands
                    .commands
                    .get(*id)
                    .is_some_and(|c| c.running() && (everything || c.due_at <= now))
            })
            .cloned()
            .collect();
        for id in due {
            let Some(mut command) = self.commands.commands.remove(&id) else {
                continue;
            };
            let mut tasks = std::mem::take(&mut command.tasks);
            for task in &mut tasks {
                let outcome = self.run_task(&command, &task.offer_id, now);
                task.status = if outcome.is_ok() {
                    TaskStatus::Success
                } else {
                    TaskStatus::Fail
                };
                task.failure = outcome.err();
                task.finished_at = Some(now);
            }
            command.tasks = tasks;
            command.completed_at = Some(now);
            self.commands.commands.insert(id, command);
        }
    }

    /// [`Self::settle_commands_at`] for the commands due at `now`.
    pub fn settle_commands(&mut self, now: DateTime<Utc>) {
        self.settle_commands_at(now, false);
    }

    /// Carries out one task: `Err((code, message))` when Allegro would refuse it.
    fn run_task(
        &mut self,
        command: &OfferCommand,
        offer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), (String, String)> {
        let Some(offer) = self
            .offers
            .get(offer_id)
            .filter(|o| o.seller_id == command.seller_id && !o.is_archived(now))
        else {
            return Err(failure(
                "OfferNotFoundException",
                &format!("The offer {offer_id} does not exist."),
            ));
        };
        match &command.modification {
            Modification::Quantity { fixed, value } => {
                let stock = if *fixed {
                    *value
                } else {
                    i64::from(offer.stock) + value
                };
                let stock = u32::try_from(stock).map_err(|_| {
                    failure(
                        "ATTEMPT_TO_CHANGE_OFFER_QUANTITY_TO_INVALID_VALUE",
                        "The quantity of the offer cannot be negative.",
                    )
                })?;
                self.set_offer_stock(offer_id, stock, now);
            }
            Modification::Price {
                change,
                marketplace,
            } => {
                if marketplace.as_deref().is_some_and(|m| m != MARKETPLACE_ID) {
                    return Err(failure(
                        "MarketplaceNotFoundException",
                        "The offer is not listed on this marketplace.",
                    ));
                }
                let price = new_price(&offer.price, change)?;
                self.set_offer_price(offer_id, price, now);
            }
            Modification::Publication { activate: false } => {
                self.end_offer(offer_id, "USER", now);
            }
            Modification::Publication { activate: true } => {
                if offer.status == "ACTIVE" || offer.status == "ACTIVATING" {
                    return Ok(());
                }
                match self.renew_offer(offer_id, now) {
                    Some(Ok(())) | None => {}
                    Some(Err(refusal)) => return Err(renew_failure(refusal)),
                }
            }
        }
        Ok(())
    }
}

fn failure(code: &str, message: &str) -> (String, String) {
    (code.to_owned(), message.to_owned())
}

fn renew_failure(refusal: RenewRefusal) -> (String, String) {
    match refusal {
        RenewRefusal::Auction => failure(
            "OFFER_AUCTION_CANNOT_BE_RENEWED",
            "An auction cannot be renewed; list a new offer instead.",
        ),
        RenewRefusal::Archived => failure(
            "OfferNotFoundException",
            "The offer is archived and cannot be renewed.",
        ),
        RenewRefusal::NoStock => failure(
            "OFFER_STOCK_REQUIRED",
            "The offer cannot be activated without stock.",
        ),
        RenewRefusal::NotEnded => failure(
            "OFFER_CANNOT_BE_ACTIVATED",
            "Only an ended offer can be activated again.",
        ),
    }
}

/// The price after `change`: more than zero, in the offer's currency.
fn new_price(current: &Price, change: &PriceChange) -> Result<Price, (String, String)> {
    let wrong_currency = || {
        failure(
            "INVALID_CURRENCY",
            &format!("The price must be given in {}.", current.currency),
        )
    };
    let now = current.hundredths().unwrap_or(0);
    let by = |price: &Price| {
        if price.currency == current.currency {
            price.hundredths().ok_or_else(wrong_currency)
        } else {
            Err(wrong_currency())
        }
    };
    // Percentages are hundredths of a percent: now × p / 10 000, rounded half up.
    let percent = |p: u64| (u128::from(now) * u128::from(p) + 5_000) / 10_000;
    let target: i128 = match change {
        PriceChange::Fixed(price) => i128::from(by(price)?),
        PriceChange::Increase(price) => i128::from(now) + i128::from(by(price)?),
        PriceChange::Decrease(price) => i128::from(now) - i128::from(by(price)?),
        PriceChange::IncreasePercent(p) => i128::from(now) + percent(*p) as i128,
        PriceChange::DecreasePercent(p) => i128::from(now) - percent(*p) as i128,
    };
    let target = u64::try_from(target)
        .ok()
        .filter(|t| *t > 0)
        .ok_or_else(|| {
            failure(
                "INVALID_PRICE",
                "The price of the offer must be greater than zero.",
            )
        })?;
    Ok(Price {
        amount: format!("{}.{:02}", target / 100, target % 100),
        currency: current.currency.clone(),
    })
}

/// A request body that does not describe a command: 400 when it is not a JSON object, 422
/// with the offending field otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCommand {
    /// 400 or 422.
    pub status: u16,
    /// The field at fault.
    pub path: Option<String>,
    /// What is wrong.
    pub message: String,
}

fn unprocessable(path: &str, message: &str) -> BadCommand {
    BadCommand {
        status: 422,
        path: Some(path.to_owned()),
        message: message.to_owned(),
    }
}

/// Reads a command body of `kind`: its modification and its offers (repeats dropped).
pub fn parse_command(
    kind: CommandKind,
    body: &[u8],
) -> Result<(Value, Modification, Vec<String>), BadCommand> {
    let request: Value = serde_json::from_slice(body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| BadCommand {
            status: 400,
            path: None,
            message: "The request body is not a JSON object.".into(),
        })?;
    let modification = match kind {
        CommandKind::Quantity => quantity(&request)?,
        CommandKind::Price => price(&request)?,
        CommandKind::Publication => publication(&request)?,
    };
    let offers = offer_ids(&request)?;
    Ok((request, modification, offers))
}

fn quantity(request: &Value) -> Result<Modification, BadCommand> {
    let modification = request
        .get("modification")
        .filter(|m| m.is_object())
        .ok_or_else(|| unprocessable("modification", "modification is required"))?;
    let fixed = match modification.get("changeType").and_then(Value::as_str) {
        Some("FIXED") => true,
        Some("GAIN") => false,
        _ => {
            return Err(unprocessable(
                "modification.changeType",
                "changeType must be FIXED or GAIN",
            ))
        }
    };
    let value = modification
        .get("value")
        .and_then(Value::as_i64)
        .ok_or_else(|| unprocessable("modification.value", "value must be an integer"))?;
    if fixed && value <= 0 {
        return Err(unprocessable(
            "modification.value",
            "For changeType FIXED the new quantity must be greater than 0",
        ));
    }
    Ok(Modification::Quantity { fixed, value })
}

fn money(value: Option<&Value>, path: &str) -> Result<Price, BadCommand> {
    let price: Price = value
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok())
        .ok_or_else(|| unprocessable(path, "a price needs amount and currency"))?;
    if parse_hundredths(&price.amount).is_none() {
        return Err(unprocessable(
            &format!("{path}.amount"),
            "amount must be a decimal number with at most two decimal places",
        ));
    }
    if price.currency.len() != 3 || !price.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(unprocessable(
            &format!("{path}.currency"),
            "currency must be an ISO 4217 code",
        ));
    }
    Ok(price)
}

fn price(request: &Value) -> Result<Modification, BadCommand> {
    let modification = request
        .get("modification")
        .filter(|m| m.is_object())
        .ok_or_else(|| unprocessable("modification", "modification is required"))?;
    let percentage = || {
        modification
            .get("percentage")
            .and_then(Value::as_str)
            .and_then(parse_hundredths)
            .filter(|p| *p > 0)
            .ok_or_else(|| {
                unprocessable(
                    "modification.percentage",
                    "percentage must be a positive decimal number",
                )
            })
    };
    let change = match modification.get("type").and_then(Value::as_str) {
        Some("FIXED_PRICE") => PriceChange::Fixed(money(
            modification.get("price"),
            "modification.price",
        )?),
        Some("INCREASE_PRICE") => PriceChange::Increase(money(
            modification.get("value"),
            "modification.value",
        )?),
        Some("DECREASE_PRICE") => PriceChange::Decrease(money(
            modification.get("value"),
            "modification.value",
        )?),
        Some("INCREASE_PERCENTAGE") => PriceChange::IncreasePercent(percentage()?),
        Some("DECREASE_PERCENTAGE") => PriceChange::DecreasePercent(percentage()?),
        _ => {
            return Err(unprocessable(
                "modification.type",
                "type must be FIXED_PRICE, INCREASE_PRICE, DECREASE_PRICE, INCREASE_PERCENTAGE or DECREASE_PERCENTAGE",
            ))
        }
    };
    if let PriceChange::Fixed(price) = &change {
        if price.hundredths() == Some(0) {
            return Err(unprocessable(
                "modification.price.amount",
                "the price must be greater than zero",
            ));
        }
    }
    let marketplace = match modification.get("marketplaceId") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) if !id.is_empty() => Some(id.clone()),
        Some(_) => {
            return Err(unprocessable(
                "modification.marketplaceId",
                "marketplaceId must be a marketplace id",
            ))
        }
    };
    Ok(Modification::Price {
        change,
        marketplace,
    })
}

fn publication(request: &Value) -> Result<Modification, BadCommand> {
    let publication = request
        .get("publication")
        .filter(|m| m.is_object())
        .ok_or_else(|| unprocessable("publication", "publication is required"))?;
    let activate = match publication.get("action").and_then(Value::as_str) {
        Some("ACTIVATE") => true,
        Some("END") => false,
        _ => {
            return Err(unprocessable(
                "publication.action",
                "action must be ACTIVATE or END",
            ))
        }
    };
    match publication.get("scheduledFor") {
        None | Some(Value::Null) => {}
        Some(Value::String(at)) if DateTime::parse_from_rfc3339(at).is_ok() => {}
        Some(_) => {
            return Err(unprocessable(
                "publication.scheduledFor",
                "scheduledFor must be an ISO 8601 date-time",
            ))
        }
    }
    Ok(Modification::Publication { activate })
}

fn offer_ids(request: &Value) -> Result<Vec<String>, BadCommand> {
    let criteria = request
        .get("offerCriteria")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| unprocessable("offerCriteria", "offerCriteria must name offers"))?;
    let mut ids: Vec<String> = Vec::new();
    for (index, criterion) in criteria.iter().enumerate() {
        let path = format!("offerCriteria[{index}]");
        if criterion.get("type").and_then(Value::as_str) != Some("CONTAINS_OFFERS") {
            return Err(unprocessable(
                &format!("{path}.type"),
                "type must be CONTAINS_OFFERS",
            ));
        }
        let offers = criterion
            .get("offers")
            .and_then(Value::as_array)
            .filter(|o| !o.is_empty())
            .ok_or_else(|| {
                unprocessable(
                    &format!("{path}.offers"),
                    "offers must name at least one offer",
                )
            })?;
        if offers.len() > MAX_OFFERS_PER_CRITERION {
            return Err(unprocessable(
                &format!("{path}.offers"),
                "You can add up to 1000 offers.",
            ));
        }
        for offer in offers {
            let id = match offer.get("id") {
                Some(Value::String(id)) if !id.is_empty() => id.clone(),
                Some(Value::Number(id)) => id.to_string(),
                _ => {
                    return Err(unprocessable(
                        &format!("{path}.offers.id"),
                        "every offer needs an id",
                    ))
                }
            };
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default() + Duration::milliseconds(ms)
    }

    fn command(
        catalog: &Catalog,
        id: &str,
        kind: CommandKind,
        body: Value,
        now: DateTime<Utc>,
    ) -> OfferCommand {
        let (request, modification, offers) =
            parse_command(kind, body.to_string().as_bytes()).expect("a valid command");
        OfferCommand {
            id: id.into(),
            kind,
            seller_id: "s1".into(),
            request,
            modification,
            created_at: now,
            due_at: now + catalog.commands().task_delay,
            completed_at: None,
            tasks: offers
                .into_iter()
                .map(|offer_id| CommandTask {
                    offer_id,
                    status: TaskStatus::New,
                    failure: None,
                    finished_at: None,
                })
                .collect(),
        }
    }

    fn criteria(ids: &[&str]) -> Value {
        let offers: Vec<Value> = ids
            .iter()
            .map(|id| serde_json::json!({ "id": id }))
            .collect();
        serde_json::json!([{ "type": "CONTAINS_OFFERS", "offers": offers }])
    }

    #[test]
    fn a_quantity_command_runs_after_its_delay_and_refuses_a_second_on_its_offers() {
        let mut catalog = Catalog::default();
        let a = catalog
            .add_offer("s1", "Kubek", None, Price::pln_from_grosze(1000), at(0))
            .id
            .clone();
        let body = serde_json::json!({
            "modification": { "changeType": "FIXED", "value": 7 },
            "offerCriteria": criteria(&[&a, &a, "999"]),
        });
        let first = command(&catalog, "c1", CommandKind::Quantity, body.clone(), at(0));
        assert_eq!(first.tasks.len(), 2, "repeated offers make one task");
        catalog.submit_command(first, at(0)).expect("taken");
        // The same command again is the same command; another one on its offers waits.
        let again = command(&catalog, "c1", CommandKind::Quantity, body, at(10));
        assert!(catalog.submit_command(again, at(10)).is_ok());
        let price = serde_json::json!({
            "modification": { "type": "FIXED_PRICE", "price": { "amount": "12.50", "currency": "PLN" } },
            "offerCriteria": criteria(&[&a]),
        });
        let busy = command(&catalog, "c2", CommandKind::Price, price.clone(), at(20));
        assert_eq!(
            catalog.submit_command(busy, at(20)).err(),
            Some(Refusal::Busy(a.clone()))
        );
        let reused = command(&catalog, "c1", CommandKind::Price, price.clone(), at(20));
        assert_eq!(
            catalog.submit_command(reused, at(20)).err(),
            Some(Refusal::IdReused)
        );
        assert_eq!(catalog.offer(&a).map(|o| o.stock), Some(100));
        catalog.settle_commands(at(100));
        let done = catalog.commands().get("c1").expect("kept");
        assert_eq!(done.counts(), (1, 1));
        assert_eq!(catalog.offer(&a).map(|o| o.stock), Some(7));
        // Now the price command is taken and runs.
        let next = command(&catalog, "c2", CommandKind::Price, price, at(120));
        catalog.submit_command(next, at(120)).expect("taken");
        catalog.settle_commands_at(at(121), true);
        assert_eq!(
            catalog.offer(&a).map(|o| o.price.amount.clone()),
            Some("12.50".into())
        );
        let types: Vec<&str> = catalog
            .offer_events(at(200))
            .iter()
            .map(|e| e.event_type.as_str())
            .collect();
        assert_eq!(types, ["OFFER_STOCK_CHANGED", "OFFER_PRICE_CHANGED"]);
    }

    #[test]
    fn prices_change_by_amounts_and_percentages_and_never_reach_zero() {
        let current = Price::pln_from_grosze(2000);
        let pln = |g| Price::pln_from_grosze(g);
        assert_eq!(
            new_price(&current, &PriceChange::Increase(pln(250))).map(|p| p.amount),
            Ok("22.50".into())
        );
        assert_eq!(
            new_price(&current, &PriceChange::DecreasePercent(1050)).map(|p| p.amount),
            Ok("17.90".into())
        );
        assert!(new_price(&current, &PriceChange::Decrease(pln(2000))).is_err());
        let euro = Price {
            amount: "1.00".into(),
            currency: "EUR".into(),
        };
        assert!(new_price(&current, &PriceChange::Fixed(euro)).is_err());
    }

    #[test]
    fn bad_bodies_name_the_field() {
        let bad = |kind, body: &str| parse_command(kind, body.as_bytes()).err();
        assert_eq!(
            bad(CommandKind::Quantity, "[1]").map(|e| e.status),
            Some(400)
        );
        let zero = r#"{"modification":{"changeType":"FIXED","value":0},"offerCriteria":[{"type":"CONTAINS_OFFERS","offers":[{"id":"1"}]}]}"#;
        assert_eq!(
            bad(CommandKind::Quantity, zero).and_then(|e| e.path),
            Some("modification.value".into())
        );
        let many: Vec<Value> = (0..1001)
            .map(|i| serde_json::json!({"id": i.to_string()}))
            .collect();
        let too_many = serde_json::json!({
            "publication": {"action": "END"},
            "offerCriteria": [{"type": "CONTAINS_OFFERS", "offers": many}],
        });
        assert_eq!(
            bad(CommandKind::Publication, &too_many.to_string()).map(|e| e.status),
            Some(422)
        );
        let unknown = r#"{"publication":{"action":"PAUSE"},"offerCriteria":[{"type":"CONTAINS_OFFERS","offers":[{"id":"1"}]}]}"#;
        assert!(bad(CommandKind::Publication, unknown).is_some());
    }
}
