//! Allegro's batch offer commands (scope `allegro:api:sale:offers:write`, allegro-api.md
//! §8.3–8.4): stock (`PUT /sale/offer-quantity-change-commands/{commandId}`), buy-now price
//! (`PUT /sale/offer-price-change-commands/{commandId}`) and publication, i.e. ending and
//! renewal (`PUT /sale/offer-publication-commands/{commandId}`), each for up to 1000 offers;
//! their summary (`GET …/{commandId}`) and tasks, one per offer (`GET …/{commandId}/tasks`).
//!
//! The caller makes the command id (a UUID) once and keeps it: a PUT is idempotent by id, so a
//! command whose answer was lost is sent again with the same id. Allegro answers 409 both for
//! an id used for another command and while an earlier command still changes one of the
//! offers; [`CommandSendError`] tells them apart. The calls pass the request gate as offer
//! work, the lowest priority.

use crate::client::AllegroClient;
use crate::error::AllegroError;
use crate::http::{Call, Media};
use crate::lenient::Timestamp;
use crate::models::IdRef;
use crate::token::AccessToken;
use crate::ApiError;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

/// Most offers one criterion of a command names.
pub const MAX_OFFERS_PER_COMMAND: usize = 1000;
/// Most tasks one page of `…/tasks` holds (its `offset` goes up to 999).
pub const MAX_TASKS_PER_PAGE: u32 = 1000;
/// The error code of Allegro's 409 for an offer whose previous change is still processed.
pub const OFFER_BUSY_CODE: &str = "OfferConflictException";

/// The three command endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandEndpoint {
    /// `offer-quantity-change-commands`.
    Quantity,
    /// `offer-price-change-commands`.
    Price,
    /// `offer-publication-commands`.
    Publication,
}

impl CommandEndpoint {
    fn segment(self) -> &'static str {
        match self {
            Self::Quantity => "offer-quantity-change-commands",
            Self::Price => "offer-price-change-commands",
            Self::Publication => "offer-publication-commands",
        }
    }
}

/// What a command does to each of its offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfferModification {
    /// `FIXED` stock (more than 0).
    FixedQuantity(u32),
    /// `GAIN`: stock up (or down, when negative) by this much.
    QuantityGain(i64),
    /// `FIXED_PRICE`: the new buy-now price (`"49.99"`, `"PLN"`), on the offer's base
    /// marketplace.
    FixedPrice {
        /// Decimal amount as text.
        amount: String,
        /// ISO 4217 currency.
        currency: String,
    },
    /// `ACTIVATE`: publish again (an ended offer is renewed under the same id).
    Activate,
    /// `END`.
    End,
}

impl OfferModification {
    /// The endpoint this modification goes to.
    pub fn endpoint(&self) -> CommandEndpoint {
        match self {
            Self::FixedQuantity(_) | Self::QuantityGain(_) => CommandEndpoint::Quantity,
            Self::FixedPrice { .. } => CommandEndpoint::Price,
            Self::Activate | Self::End => CommandEndpoint::Publication,
        }
    }

    /// The command body for `offer_ids`.
    fn body(&self, offer_ids: &[String]) -> Value {
        let offers: Vec<Value> = offer_ids.iter().map(|id| json!({ "id": id })).collect();
        let criteria = json!([{ "type": "CONTAINS_OFFERS", "offers": offers }]);
        match self {
            Self::FixedQuantity(value) => json!({
                "modification": { "changeType": "FIXED", "value": value },
                "offerCriteria": criteria,
            }),
            Self::QuantityGain(value) => json!({
                "modification": { "changeType": "GAIN", "value": value },
                "offerCriteria": criteria,
            }),
            Self::FixedPrice { amount, currency } => json!({
                "modification": { "type": "FIXED_PRICE", "price": { "amount": amount, "currency": currency } },
                "offerCriteria": criteria,
            }),
            Self::Activate => json!({
                "publication": { "action": "ACTIVATE" },
                "offerCriteria": criteria,
            }),
            Self::End => json!({
                "publication": { "action": "END" },
                "offerCriteria": criteria,
            }),
        }
    }
}

/// `GeneralReport`: a command's summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GeneralReport {
    /// The command id.
    pub id: Option<String>,
    /// When Allegro took it.
    pub created_at: Option<Timestamp>,
    /// When its tasks finished (`None` while they run).
    pub completed_at: Option<Timestamp>,
    /// Its tasks counted.
    pub task_count: Option<TaskCount>,
}

/// `TaskCount`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct TaskCount {
    /// Tasks failed so far.
    #[serde(deserialize_with = "crate::lenient::count")]
    pub failed: Option<u64>,
    /// Tasks done so far.
    #[serde(deserialize_with = "crate::lenient::count")]
    pub success: Option<u64>,
    /// Tasks scheduled.
    #[serde(deserialize_with = "crate::lenient::count")]
    pub total: Option<u64>,
}

/// `CommandTask`: how one offer of a command fared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CommandTask {
    /// The offer.
    pub offer: Option<IdRef>,
    /// `NEW`, `SUCCESS` or `FAIL` (kept as text).
    pub status: Option<String>,
    /// Why it failed, in general.
    pub message: Option<String>,
    /// The field it changes.
    pub field: Option<String>,
    /// The detailed errors.
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub errors: Vec<ApiError>,
}

impl CommandTask {
    /// The offer's id.
    pub fn offer_id(&self) -> Option<&str> {
        self.offer.as_ref().and_then(|o| o.id.as_deref())
    }

    /// Why it failed: the message, else the first error's.
    pub fn failure(&self) -> String {
        self.message
            .clone()
            .filter(|m| !m.trim().is_empty())
            .or_else(|| {
                self.errors
                    .first()
                    .and_then(|e| e.user_message.clone().or_else(|| e.message.clone()))
            })
            .unwrap_or_else(|| "Allegro refused the change".into())
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TaskReport {
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    tasks: Vec<CommandTask>,
}

/// Why a command was not taken.
#[derive(Debug, thiserror::Error)]
pub enum CommandSendError {
    /// 409 `OfferConflictException`: an earlier change of some of the offers still runs; send
    /// again (same id) once it finished.
    #[error("an earlier change of these offers is still being processed by Allegro")]
    Busy,
    /// 409 otherwise: the id was already used for a different command (a new id is needed).
    #[error("the command id was already used for another command")]
    IdReused,
    /// Any other failure.
    #[error(transparent)]
    Api(#[from] AllegroError),
}

/// Whether a 409's entries say an earlier change of the offer still runs.
fn says_busy(errors: &[ApiError]) -> bool {
    errors.iter().any(|e| {
        e.code == OFFER_BUSY_CODE
            || e.user_message
                .as_deref()
                .is_some_and(|m| m.contains("still being processed"))
    })
}

impl AllegroClient {
    /// `PUT /sale/offer-…-commands/{commandId}` with `modification` for `offer_ids` (at most
    /// 1000): the command's report (201). Sending the same command again answers its report.
    pub async fn send_offer_command(
        &self,
        token: &AccessToken,
        command_id: &str,
        modification: &OfferModification,
        offer_ids: &[String],
    ) -> Result<GeneralReport, CommandSendError> {
        if offer_ids.is_empty() || offer_ids.len() > MAX_OFFERS_PER_COMMAND {
            return Err(CommandSendError::Api(AllegroError::Validation {
                status: 422,
                errors: vec![ApiError {
                    code: "VALIDATION_ERROR".into(),
                    message: Some(format!(
                        "a command names 1 to {MAX_OFFERS_PER_COMMAND} offers, not {}",
                        offer_ids.len()
                    )),
                    ..ApiError::default()
                }],
                trace_id: None,
            }));
        }
        let url = self
            .http()
            .api_url(&["sale", modification.endpoint().segment(), command_id])?;
        let call = Call::api(Method::PUT, url, Media::Public, token)
            .json(&modification.body(offer_ids))?;
        match self.http().call_json(&call).await {
            Ok(report) => Ok(report),
            Err(AllegroError::Conflict { errors, .. }) if says_busy(&errors) => {
                Err(CommandSendError::Busy)
            }
            Err(AllegroError::Conflict { .. }) => Err(CommandSendError::IdReused),
            Err(other) => Err(other.into()),
        }
    }

    /// `GET /sale/offer-…-commands/{commandId}`: the command's summary; `Ok(None)` when Allegro
    /// does not know the id (404).
    pub async fn offer_command_report(
        &self,
        token: &AccessToken,
        endpoint: CommandEndpoint,
        command_id: &str,
    ) -> Result<Option<GeneralReport>, AllegroError> {
        let url = self
            .http()
            .api_url(&["sale", endpoint.segment(), command_id])?;
        match self
            .http()
            .call_json(&Call::api(Method::GET, url, Media::Public, token))
            .await
        {
            Ok(report) => Ok(Some(report)),
            Err(AllegroError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// `GET /sale/offer-…-commands/{commandId}/tasks`, every page (1000 a page): one task per
    /// offer; `Ok(None)` when Allegro does not know the id (404).
    pub async fn offer_command_tasks(
        &self,
        token: &AccessToken,
        endpoint: CommandEndpoint,
        command_id: &str,
    ) -> Result<Option<Vec<CommandTask>>, AllegroError> {
        let mut tasks = Vec::new();
        let mut offset: u32 = 0;
        loop {
            let mut url =
                self.http()
                    .api_url(&["sale", endpoint.segment(), command_id, "tasks"])?;
            url.query_pairs_mut()
                .append_pair("limit", &MAX_TASKS_PER_PAGE.to_string())
                .append_pair("offset", &offset.to_string());
            let page: TaskReport = match self
                .http()
                .call_json(&Call::api(Method::GET, url, Media::Public, token))
                .await
            {
                Ok(page) => page,
                Err(AllegroError::NotFound { .. }) => return Ok(None),
                Err(other) => return Err(other),
            };
            let full = page.tasks.len() >= MAX_TASKS_PER_PAGE as usize;
            tasks.extend(page.tasks);
            offset += MAX_TASKS_PER_PAGE;
            // `offset` stops at 999: a command of up to 1000 offers is one page.
            if !full || offset > 999 {
                return Ok(Some(tasks));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_follow_the_document() {
        let ids = vec!["1".to_owned(), "2".to_owned()];
        let quantity = OfferModification::FixedQuantity(5).body(&ids);
        assert_eq!(quantity["modification"]["changeType"], "FIXED");
        assert_eq!(quantity["offerCriteria"][0]["offers"][1]["id"], "2");
        let price = OfferModification::FixedPrice {
            amount: "49.99".into(),
            currency: "PLN".into(),
        }
        .body(&ids);
        assert_eq!(price["modification"]["type"], "FIXED_PRICE");
        assert_eq!(price["modification"]["price"]["amount"], "49.99");
        assert_eq!(
            OfferModification::Activate.body(&ids)["publication"]["action"],
            "ACTIVATE"
        );
        assert_eq!(
            OfferModification::QuantityGain(-2).endpoint(),
            CommandEndpoint::Quantity
        );
    }

    #[test]
    fn a_busy_conflict_is_told_from_a_reused_id() {
        let busy = ApiError {
            code: "Conflict".into(),
            user_message: Some(
                "The previous edition of the offer is still being processed. Try again.".into(),
            ),
            ..ApiError::default()
        };
        assert!(says_busy(&[busy]));
        let reused = ApiError {
            code: "CommandIdAlreadyUsedException".into(),
            message: Some("Command id was already used".into()),
            ..ApiError::default()
        };
        assert!(!says_busy(&[reused]));
        assert!(!says_busy(&[]));
    }
}
