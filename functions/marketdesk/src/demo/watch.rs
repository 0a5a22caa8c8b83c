//! Prints what happens, seen from outside as a person would check it: new tickets and buyer
//! messages through the agent API, and what reached the buyers through the simulator's logs of
//! what the seller side posted (Allegro `/posted`, Mirakl M12 `/posted`). Reading the
//! marketplace side is what makes "delivered" true: a reply counts once the marketplace has it.

use super::client::{CallError, Clients};
use super::narrator::{quote, Narrator};
use super::setup::{Prepared, AUTORESPONSE};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// How often the watcher looks.
const PERIOD: Duration = Duration::from_millis(500);
/// Every this many looks, tickets of this run are read again even if unchanged: a reply's
/// delivery can fail without the ticket's activity time moving.
const REREAD_EVERY: u64 = 4;

/// Watches until the demo stops; failed looks are logged and retried.
pub async fn run(prepared: &Prepared, narrator: Narrator) {
    let mut watcher = Watcher::new(prepared, narrator);
    loop {
        if let Err(error) = watcher.look().await {
            tracing::warn!(%error, "the demo could not look at the tickets or the simulator");
        }
        tokio::time::sleep(PERIOD).await;
    }
}

/// What the watcher knows of a ticket.
struct Known {
    updated_at: String,
    /// Message ids already accounted for; `None` for tickets of earlier runs whose messages
    /// were never read (only messages newer than this run count for them).
    messages: Option<HashSet<String>>,
    /// How lines name the conversation.
    label: &'static str,
    /// How lines name the buyer.
    buyer: String,
    buyer_login: String,
    marketplace: &'static str,
    /// Replies whose failure or cancellation was already told.
    reported: HashSet<String>,
}

struct Watcher<'a> {
    clients: &'a Clients,
    key: &'a str,
    narrator: Narrator,
    since: DateTime<Utc>,
    first_look: bool,
    looks: u64,
    tickets: HashMap<String, Known>,
    /// Marketplace conversation id → ticket id.
    conversations: HashMap<String, String>,
    allegro_posted: usize,
    empik_posted: usize,
    commands_shown: bool,
}

impl<'a> Watcher<'a> {
    fn new(prepared: &'a Prepared, narrator: Narrator) -> Self {
        Self {
            clients: &prepared.clients,
            key: prepared.key.expose_secret(),
            narrator,
            since: Utc::now(),
            first_look: true,
            looks: 0,
            tickets: HashMap::new(),
            conversations: HashMap::new(),
            allegro_posted: 0,
            empik_posted: 0,
            commands_shown: false,
        }
    }

    async fn look(&mut self) -> Result<(), CallError> {
        self.looks += 1;
        self.look_at_tickets().await?;
        self.look_at_posted().await
    }

    async fn look_at_tickets(&mut self) -> Result<(), CallError> {
        let page = self.clients.api_get("/v1/tickets?limit=100").await?;
        let tickets = page["tickets"].as_array().cloned().unwrap_or_default();
        // The list is newest first; lines read better oldest first.
        for ticket in tickets.iter().rev() {
            let Some(id) = ticket["id"].as_str() else {
                continue;
            };
            let updated_at = ticket["updated_at"].as_str().unwrap_or_default().to_owned();
            if let Some(external) = ticket["conversation"]["external_id"].as_str() {
                self.conversations
                    .insert(external.to_owned(), id.to_owned());
            }
            match self.tickets.get(id) {
                None if self.first_look => {
                    // From an earlier run: known, not announced.
                    let known = known(ticket, None, updated_at);
                    self.tickets.insert(id.to_owned(), known);
                }
                None => self.created(id, ticket, updated_at).await?,
                Some(known)
                    if known.updated_at != updated_at
                        || (known.messages.is_some()
                            && self.looks.is_multiple_of(REREAD_EVERY)) =>
                {
                    self.changed(id, updated_at).await?;
                }
                Some(_) => {}
            }
        }
        self.first_look = false;
        Ok(())
    }

    async fn created(
        &mut self,
        id: &str,
        ticket: &Value,
        updated_at: String,
    ) -> Result<(), CallError> {
        let detail = self.detail(id).await?;
        let mut known = known(ticket, Some(message_ids(&detail)), updated_at);
        if let Some(name) = detail["customer"]["name"].as_str() {
            if !name.is_empty() && name != known.buyer_login {
                known.buyer = format!("{name} ({})", known.buyer_login);
            }
        }
        let subject = ticket["subject"].as_str().unwrap_or_default();
        self.narrator.say(format!(
            "ticket created: {} {} from {}, ticket {id}",
            known.label,
            quote(subject),
            known.buyer
        ));
        self.tickets.insert(id.to_owned(), known);
        if !self.commands_shown {
            self.commands_shown = true;
            self.show_commands(id);
        }
        Ok(())
    }

    async fn changed(&mut self, id: &str, updated_at: String) -> Result<(), CallError> {
        let detail = self.detail(id).await?;
        let since = self.since;
        let Some(known) = self.tickets.get_mut(id) else {
            return Ok(());
        };
        known.updated_at = updated_at;
        let messages = detail["messages"].as_array().cloned().unwrap_or_default();
        for message in &messages {
            let Some(message_id) = message["id"].as_str() else {
                continue;
            };
            let new = match &mut known.messages {
                Some(seen) => seen.insert(message_id.to_owned()),
                None => written_since(message, since),
            };
            if !new {
                continue;
            }
            let text = message["text"].as_str().unwrap_or_default();
            let line = match message["author"].as_str().unwrap_or_default() {
                "buyer" => format!(
                    "message from {} added to ticket {id}: {}",
                    known.buyer,
                    quote(text)
                ),
                "marketplace_staff" => format!(
                    "{} staff wrote in ticket {id}: {}",
                    known.marketplace,
                    quote(text)
                ),
                "marketplace_system" => format!(
                    "{} wrote automatically in ticket {id}: {}",
                    known.marketplace,
                    quote(text)
                ),
                "marketplace_for_buyer" => format!(
                    "{} wrote for {} in ticket {id}: {}",
                    known.marketplace,
                    known.buyer,
                    quote(text)
                ),
                "seller_via_marketplace" => format!(
                    "the seller wrote on {}'s own site in ticket {id}: {}",
                    known.marketplace,
                    quote(text)
                ),
                // Autoresponses and replies are reported once the marketplace has them;
                // comments are the agent's own doing.
                _ => continue,
            };
            self.narrator.say(line);
        }
        if known.messages.is_none() {
            known.messages = Some(message_ids(&detail));
        }
        for message in &messages {
            let delivery = &message["delivery"];
            let outcome = match delivery["state"].as_str() {
                Some("failed") => "failed",
                Some("cancelled") => "was not sent",
                _ => continue,
            };
            let Some(reply_id) = delivery["reply_id"].as_str() else {
                continue;
            };
            // Earlier runs' outcomes are history, not news.
            if !known.reported.insert(reply_id.to_owned()) || !written_since(message, since) {
                continue;
            }
            let what = if message["author"] == "autoresponder" {
                "autoresponse"
            } else {
                "reply"
            };
            let why = delivery["failure"].as_str().unwrap_or("no reason given");
            self.narrator.say(format!(
                "{what} to {} {outcome} ({}, ticket {id}): {why}",
                known.buyer, known.label
            ));
        }
        Ok(())
    }

    async fn look_at_posted(&mut self) -> Result<(), CallError> {
        let allegro = self.clients.control_get("/allegro/inbox/posted").await?;
        let allegro = allegro["posted"].as_array().cloned().unwrap_or_default();
        for posted in allegro.iter().skip(self.allegro_posted) {
            let conversation = posted["conversation_id"].as_str().unwrap_or_default();
            let text = posted["text"].as_str().unwrap_or_default();
            self.delivered("Allegro", conversation, text).await?;
            self.allegro_posted += 1;
        }
        let empik = self.clients.control_get("/empik/posted").await?;
        let empik = empik["posted"].as_array().cloned().unwrap_or_default();
        for posted in empik.iter().skip(self.empik_posted) {
            let conversation = posted["thread_id"].as_str().unwrap_or_default();
            let text = posted["body"].as_str().unwrap_or_default();
            self.delivered("EmpikPlace", conversation, text).await?;
            self.empik_posted += 1;
        }
        Ok(())
    }

    /// A message the seller side posted reached the marketplace: an autoresponse if the
    /// ticket holds it as the autoresponder's (or it is the autoresponse text), else a reply.
    async fn delivered(
        &mut self,
        marketplace: &str,
        conversation: &str,
        text: &str,
    ) -> Result<(), CallError> {
        let Some(ticket) = self.conversations.get(conversation).cloned() else {
            self.narrator.say(format!(
                "message delivered on {marketplace}: {}",
                quote(text)
            ));
            return Ok(());
        };
        let detail = self.detail(&ticket).await?;
        let Some(known) = self.tickets.get(&ticket) else {
            return Ok(());
        };
        let by_autoresponder = detail["messages"].as_array().is_some_and(|messages| {
            messages.iter().any(|m| {
                m["author"] == "autoresponder"
                    && m["text"].as_str().map(str::trim) == Some(text.trim())
            })
        });
        let rendered = AUTORESPONSE.replace("{buyer_login}", &known.buyer_login);
        if by_autoresponder || text.trim() == rendered.trim() {
            self.narrator.say(format!(
                "autoresponse sent to {} in the {}, ticket {ticket}",
                known.buyer, known.label
            ));
        } else {
            self.narrator.say(format!(
                "reply delivered to {} in the {}, ticket {ticket}: {}",
                known.buyer,
                known.label,
                quote(text)
            ));
        }
        Ok(())
    }

    async fn detail(&self, id: &str) -> Result<Value, CallError> {
        self.clients.api_get(&format!("/v1/tickets/{id}")).await
    }

    fn show_commands(&self, ticket: &str) {
        let (api, key) = (&self.clients.api_url, self.key);
        let auth = format!("-H \"Authorization: Bearer {key}\"");
        let post = |text: &str| {
            format!("-H 'Content-Type: application/json' -d '{{\"text\":\"{text}\"}}'")
        };
        let ticket_url = format!("{api}/v1/tickets/{ticket}");
        let block = [
            "Try it on this ticket (from another terminal):".to_owned(),
            format!("  curl {auth} {ticket_url}"),
            format!(
                "  curl {auth} {} {ticket_url}/replies",
                post("Dzień dobry, już to sprawdzamy.")
            ),
            format!(
                "  curl {auth} {} {ticket_url}/comments",
                post("Stała klientka, wymienić bez dyskusji.")
            ),
        ];
        // One print, so no other line lands inside the block; indented under the time stamps.
        println!("        {}", block.join("\n        "));
    }
}

/// What the watcher keeps of a ticket from the list.
fn known(ticket: &Value, messages: Option<HashSet<String>>, updated_at: String) -> Known {
    let buyer_login = ticket["buyer_login"].as_str().unwrap_or("?").to_owned();
    Known {
        updated_at,
        messages,
        label: label(ticket["conversation"]["kind"].as_str().unwrap_or_default()),
        buyer: buyer_login.clone(),
        buyer_login,
        marketplace: marketplace(ticket["source"].as_str().unwrap_or_default()),
        reported: HashSet::new(),
    }
}

/// Whether a message of the timeline is from this run.
fn written_since(message: &Value, since: DateTime<Utc>) -> bool {
    message["created_at"]
        .as_str()
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .is_some_and(|at| at >= since)
}

fn message_ids(detail: &Value) -> HashSet<String> {
    detail["messages"]
        .as_array()
        .map(|messages| {
            messages
                .iter()
                .filter_map(|m| m["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// How a line names a kind of conversation.
fn label(kind: &str) -> &'static str {
    match kind {
        "allegro_dispute" => "Allegro dispute",
        "allegro_claim" => "Allegro claim",
        "allegro_purchase_problem" => "Allegro purchase problem",
        "allegro_common_thread" => "Allegro question",
        "empik_thread" => "EmpikPlace conversation",
        _ => "conversation",
    }
}

fn marketplace(source: &str) -> &'static str {
    match source {
        "empikplace" => "EmpikPlace",
        _ => "Allegro",
    }
}
