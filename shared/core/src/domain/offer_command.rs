//! Offer commands as marketdesk keeps them (issue 18 items 4–5): one batch command to Allegro
//! (a quantity, price or publication change for up to 1 000 offers of one account), planned and
//! stored before it is sent, with its progress and each offer's outcome.
//!
//! A command's Allegro id is a UUID made once, when it is planned, and kept: sending it again
//! after a lost answer or a crash is the same command to Allegro (the PUT is idempotent by id),
//! never a second one.

use crate::ids::{IntegrationId, TenantId};
use crate::ports::offers::OfferChange;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a command was planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommandPurpose {
    /// Stock control: the product's stock pushed to its linked offers.
    Stock,
    /// Price sync: the product's price (in the account's price list) sent to its offers.
    PriceSync,
    /// A step of an automatic renewal (stock, price, then `ACTIVATE`).
    Renewal,
}

/// Where a command is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommandState {
    /// Stored, not accepted by Allegro yet: waiting for an earlier command on its offers, for
    /// a back-off after Allegro said another command runs (`Busy`) or failed for now.
    Waiting,
    /// Being sent (recorded before the call; a crash here sends again under the same id).
    Sending,
    /// Accepted by Allegro; its report is read until every task has finished.
    Running,
    /// Every task finished (each offer's outcome is recorded; some may have failed).
    Done,
    /// Not accepted by Allegro, for good (`last_error` says why).
    Failed,
}

impl CommandState {
    /// Whether the command is still under way (it holds its offers).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Waiting | Self::Sending | Self::Running)
    }
}

/// How one offer of a command fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OfferOutcome {
    /// Not finished (or not reported) yet.
    Pending,
    /// Allegro accepted the change for this offer.
    Succeeded,
    /// Allegro refused it for this offer.
    Failed {
        /// Allegro's message.
        message: String,
    },
}

/// One batch command of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferCommand {
    /// Allegro's command id: a UUID made once when planned.
    pub id: String,
    /// Its place in the account's order of commands (`<plan id>#<nnnn>`; plan ids are
    /// time-ordered): a command waits for every earlier open one on any of its offers.
    pub seq: String,
    /// The tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    /// The account.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub integration_id: IntegrationId,
    /// Why it was planned.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub purpose: CommandPurpose,
    /// What it does to every offer it names.
    pub change: OfferChange,
    /// The offers (at most 1 000).
    #[cfg_attr(feature = "openapi", schema(max_items = 1000))]
    pub offer_ids: Vec<String>,
    /// The catalogue product behind it, if one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub product_sku: Option<String>,
    /// The command whose failed offers this one tries again, if it is a retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub retry_of: Option<String>,
    /// How many retries lie behind it (0 for a first command).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, minimum = 0))]
    pub retry: u32,
    /// Where it is.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub state: CommandState,
    /// Jobs run for it so far (each job does one step: a send, a report read, a wait); a job
    /// delivered again for a step already made does nothing.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub steps: u32,
    /// Times it was sent to Allegro (a `Busy` answer counts).
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub attempts: u32,
    /// Times Allegro refused it because another command ran on these offers.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, minimum = 0))]
    pub busy: u32,
    /// Times its report was read.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true, minimum = 0))]
    pub report_reads: u32,
    /// Not before this time is the next step taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub next_step_at: Option<DateTime<Utc>>,
    /// The last failure, in Allegro's or marketdesk's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub last_error: Option<String>,
    /// Each offer's outcome, by offer id.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub outcomes: BTreeMap<String, OfferOutcome>,
    /// When it was planned.
    pub created_at: DateTime<Utc>,
    /// When Allegro accepted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub sent_at: Option<DateTime<Utc>>,
    /// When it finished (done or failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub finished_at: Option<DateTime<Utc>>,
}

impl OfferCommand {
    /// Whether it names any offer of `other`.
    pub fn shares_offers_with(&self, other: &OfferCommand) -> bool {
        let mine: std::collections::HashSet<&str> =
            self.offer_ids.iter().map(String::as_str).collect();
        other.offer_ids.iter().any(|id| mine.contains(id.as_str()))
    }

    /// The offers Allegro refused, with its messages.
    pub fn failed_offers(&self) -> Vec<(&str, &str)> {
        self.outcomes
            .iter()
            .filter_map(|(id, outcome)| match outcome {
                OfferOutcome::Failed { message } => Some((id.as_str(), message.as_str())),
                _ => None,
            })
            .collect()
    }

    /// The offers Allegro accepted.
    pub fn succeeded_offers(&self) -> Vec<&str> {
        self.outcomes
            .iter()
            .filter(|(_, outcome)| **outcome == OfferOutcome::Succeeded)
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// A line for the account's event log: what it did and how it ended.
    pub fn summary(&self) -> String {
        let what = match &self.change {
            OfferChange::Quantity { value } => format!("stock {value}"),
            OfferChange::Price { amount, currency } => format!("price {amount} {currency}"),
            OfferChange::Activate => "renewal (ACTIVATE)".to_owned(),
            OfferChange::End => "end".to_owned(),
        };
        let purpose = match self.purpose {
            CommandPurpose::Stock => "stock control",
            CommandPurpose::PriceSync => "price sync",
            CommandPurpose::Renewal => "renewal",
        };
        let offers = self.offer_ids.len();
        let outcome = match self.state {
            CommandState::Failed => format!(
                "not accepted: {}",
                self.last_error.as_deref().unwrap_or("unknown error")
            ),
            CommandState::Done => {
                let failed = self.failed_offers();
                let mut text = format!(
                    "{} succeeded, {} failed",
                    self.succeeded_offers().len(),
                    failed.len()
                );
                if let Some((offer, message)) = failed.first() {
                    text.push_str(&format!(" (offer {offer}: {message})"));
                }
                text
            }
            _ => "under way".to_owned(),
        };
        let retry = if self.retry > 0 {
            format!(", retry {}", self.retry)
        } else {
            String::new()
        };
        format!(
            "{purpose}: {what} for {offers} offer(s), command {}{retry}: {outcome}",
            self.id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(ids: &[&str]) -> OfferCommand {
        OfferCommand {
            id: "c".into(),
            seq: "p#0000".into(),
            tenant_id: "t".into(),
            integration_id: "i".into(),
            purpose: CommandPurpose::Stock,
            change: OfferChange::Quantity { value: 3 },
            offer_ids: ids.iter().map(|s| s.to_string()).collect(),
            product_sku: None,
            retry_of: None,
            retry: 0,
            state: CommandState::Waiting,
            steps: 0,
            attempts: 0,
            busy: 0,
            report_reads: 0,
            next_step_at: None,
            last_error: None,
            outcomes: BTreeMap::new(),
            created_at: Utc::now(),
            sent_at: None,
            finished_at: None,
        }
    }

    #[test]
    fn commands_share_offers_when_any_offer_is_in_both() {
        assert!(command(&["1", "2"]).shares_offers_with(&command(&["3", "2"])));
        assert!(!command(&["1", "2"]).shares_offers_with(&command(&["3", "4"])));
    }

    #[test]
    fn the_summary_names_the_change_and_the_outcome() {
        let mut done = command(&["1", "2"]);
        done.state = CommandState::Done;
        done.outcomes.insert("1".into(), OfferOutcome::Succeeded);
        done.outcomes.insert(
            "2".into(),
            OfferOutcome::Failed {
                message: "ended".into(),
            },
        );
        let text = done.summary();
        assert!(
            text.contains("stock control: stock 3 for 2 offer(s)"),
            "{text}"
        );
        assert!(
            text.contains("1 succeeded, 1 failed (offer 2: ended)"),
            "{text}"
        );
    }
}
