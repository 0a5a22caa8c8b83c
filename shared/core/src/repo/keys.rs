//! The single-table key scheme (see docs/architecture.md for the full table).

use crate::domain::customer::field_key;
use crate::domain::{Channel, ConversationRef};
use crate::ids::{
    ApiKeyId, CustomerId, IntegrationId, MessageId, SavedReplyId, TenantId, TicketId, UserId,
};
use crate::ports::{IndexKey, Key, SecretName, SecretsError};
use chrono::{DateTime, SecondsFormat, Utc};

/// A timestamp whose string order is its time order (fixed width, UTC).
pub fn sortable(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// GSI1 partition listing every integration of every tenant (the scheduler's fan-out).
pub const ALL_INTEGRATIONS: &str = "INTEGRATIONS";

/// The partition holding everything of one tenant.
pub fn tenant_partition(tenant: &TenantId) -> String {
    format!("TENANT#{tenant}")
}

/// The tenant's own item.
pub fn tenant(tenant: &TenantId) -> Key {
    Key::new(tenant_partition(tenant), "TENANT")
}

/// An integration's item.
pub fn integration(tenant: &TenantId, id: &IntegrationId) -> Key {
    Key::new(
        tenant_partition(tenant),
        format!("{INTEGRATION_PREFIX}{id}"),
    )
}

/// An integration's entry in the all-integrations index.
pub fn integration_index(tenant: &TenantId, id: &IntegrationId) -> IndexKey {
    IndexKey::new(ALL_INTEGRATIONS, format!("{tenant}#{id}"))
}

/// The poll cursor of one channel of an integration.
pub fn cursor(tenant: &TenantId, integration: &IntegrationId, channel: Channel) -> Key {
    Key::new(
        tenant_partition(tenant),
        format!("CURSOR#{integration}#{}", channel.as_str()),
    )
}

/// A ticket's item.
pub fn ticket(tenant: &TenantId, id: &TicketId) -> Key {
    Key::new(tenant_partition(tenant), format!("TICKET#{id}"))
}

/// Prefix of every message of a ticket (messages sort by time within it).
pub fn ticket_messages_prefix(id: &TicketId) -> String {
    format!("TICKET#{id}#MSG#")
}

/// A message of a ticket: sorted by time, unique by the marketplace's (or our) message id.
pub fn message(tenant: &TenantId, ticket: &TicketId, sortable_time: &str, message_id: &str) -> Key {
    Key::new(
        tenant_partition(tenant),
        format!(
            "{}{sortable_time}#{message_id}",
            ticket_messages_prefix(ticket)
        ),
    )
}

/// The guard that makes ticket creation idempotent: one per marketplace conversation.
pub fn conversation_guard(tenant: &TenantId, conversation: &ConversationRef) -> Key {
    Key::new(
        tenant_partition(tenant),
        format!(
            "EXT#{}#{}",
            conversation.kind.id_space(),
            conversation.external_id
        ),
    )
}

/// A ticket's entry in the tenant's activity index (most recent first when read descending).
pub fn ticket_activity_index(
    tenant: &TenantId,
    sortable_updated_at: &str,
    id: &TicketId,
) -> IndexKey {
    IndexKey::new(
        format!("{}#TICKETS", tenant_partition(tenant)),
        format!("{sortable_updated_at}#{id}"),
    )
}

/// Partition of the tenant's tickets by answer deadline (GSI3 of the ticket items).
pub fn ticket_deadline_partition(tenant: &TenantId) -> String {
    format!("{}#TICKETS#DEADLINE", tenant_partition(tenant))
}

/// A ticket's entry in the deadline index: its `respond_by` (sortable), or `~` (after every
/// time) when it has none, so reading ascending gives the earliest deadline first.
pub fn ticket_deadline_index(
    tenant: &TenantId,
    sortable_respond_by: Option<&str>,
    id: &TicketId,
) -> IndexKey {
    IndexKey::new(
        ticket_deadline_partition(tenant),
        format!("{}#{id}", sortable_respond_by.unwrap_or("~")),
    )
}

/// A customer's item.
pub fn customer(tenant: &TenantId, id: &CustomerId) -> Key {
    Key::new(tenant_partition(tenant), format!("CUSTOMER#{id}"))
}

/// The guard making a custom field value unique to one customer.
pub fn customer_field_guard(tenant: &TenantId, field: &str, value: &str) -> Key {
    Key::new(
        tenant_partition(tenant),
        format!("CUSTFIELD#{}#{value}", field_key(field)),
    )
}

/// The index partition listing a tenant's customers by name.
pub fn customer_name_partition(tenant: &TenantId) -> String {
    format!("{}#CUSTOMERS", tenant_partition(tenant))
}

/// Sort-key prefix for customers whose name starts with `prefix`.
pub fn customer_name_prefix(prefix: &str) -> String {
    format!("NAME#{}", prefix.to_lowercase())
}

/// A customer's entry in the by-name index (case-insensitive order).
pub fn customer_name_index(tenant: &TenantId, name: &str, id: &CustomerId) -> IndexKey {
    IndexKey::new(
        customer_name_partition(tenant),
        format!("{}#{id}", customer_name_prefix(name)),
    )
}

/// Prefix of every integration's item in a tenant's partition.
pub const INTEGRATION_PREFIX: &str = "INTEGRATION#";

/// Sort-key prefix of a tenant's API key records.
pub const API_KEY_PREFIX: &str = "APIKEY#";

/// An API key's record in its tenant's partition (id, role, name, hash; never the key).
pub fn api_key(tenant: &TenantId, id: &ApiKeyId) -> Key {
    Key::new(tenant_partition(tenant), format!("{API_KEY_PREFIX}{id}"))
}

/// The lookup item of an API key: found with one `get` by the SHA-256 of the presented key.
pub fn api_key_lookup(hash_hex: &str) -> Key {
    Key::new(format!("APIKEYHASH#{hash_hex}"), "APIKEY")
}

/// GSI2 partition of tickets whose autoresponse is waiting for its time.
pub const AUTOREPLY_DUE: &str = "AUTOREPLY_DUE";

/// A pending autoresponse's entry in the due index (sorted by due time).
pub fn autoreply_due_index(
    sortable_due_at: &str,
    tenant: &TenantId,
    ticket: &TicketId,
) -> IndexKey {
    IndexKey::new(
        AUTOREPLY_DUE,
        format!("{sortable_due_at}#{tenant}#{ticket}"),
    )
}

/// The due-index sort key bound covering every entry due at or before `now`.
pub fn autoreply_due_until(now: chrono::DateTime<chrono::Utc>) -> String {
    // `~` sorts after every character of a tenant or ticket id.
    format!("{}~", sortable(now))
}

/// Prefix of every outbox reply of a ticket.
pub fn ticket_replies_prefix(id: &TicketId) -> String {
    format!("TICKET#{id}#REPLY#")
}

/// A reply in a ticket's outbox.
pub fn reply(tenant: &TenantId, ticket: &TicketId, reply: &MessageId) -> Key {
    Key::new(
        tenant_partition(tenant),
        format!("{}{reply}", ticket_replies_prefix(ticket)),
    )
}

/// One chunk of a file attached to a reply.
pub fn file_chunk(tenant: &TenantId, ticket: &TicketId, reply: &MessageId, index: u32) -> Key {
    Key::new(
        tenant_partition(tenant),
        format!("TICKET#{ticket}#FILE#{reply}#{index:05}"),
    )
}

/// The send slot of one marketplace account: when it may post its next message.
pub fn send_slot(tenant: &TenantId, integration: &IntegrationId) -> Key {
    Key::new(tenant_partition(tenant), format!("SENDSLOT#{integration}"))
}

/// Sort-key prefix of a tenant's users.
pub const USER_PREFIX: &str = "USER#";

/// A user's record in its tenant's partition (profile, role, Argon2id password hash).
pub fn user(tenant: &TenantId, id: &UserId) -> Key {
    Key::new(tenant_partition(tenant), format!("{USER_PREFIX}{id}"))
}

/// The global lookup item of a normalized e-mail address: which tenant and user it belongs
/// to, so signing in finds the user with one `get` (and an address is used once).
pub fn user_email_lookup(normalized_email: &str) -> Key {
    Key::new(format!("USEREMAIL#{normalized_email}"), "USER")
}

/// A session, keyed by the SHA-256 of its token (never the token).
pub fn session(token_hash: &str) -> Key {
    Key::new(format!("SESSION#{token_hash}"), "SESSION")
}

/// A single-use token (invitation or password reset), keyed by the SHA-256 of the token.
pub fn one_time_token(kind: &str, token_hash: &str) -> Key {
    Key::new(format!("{kind}#{token_hash}"), kind)
}

/// Failed sign-ins counted for one subject (an e-mail address or a client address, hashed).
pub fn sign_in_failures(subject: &str, subject_hash: &str) -> Key {
    Key::new(format!("SIGNINFAIL#{subject}#{subject_hash}"), "THROTTLE")
}

/// Sort-key prefix of the name-word items of customers whose name has a word starting with
/// `word_prefix` (already folded: `domain::words`).
pub fn customer_name_word_prefix(word_prefix: &str) -> String {
    format!("CUSTNAME#{word_prefix}")
}

/// One word of a customer's name (folded), pointing at the customer: one item per word, so a
/// lookup by any part of the name is one query of the tenant partition.
pub fn customer_name_word(tenant: &TenantId, word: &str, id: &CustomerId) -> Key {
    Key::new(
        tenant_partition(tenant),
        format!("{}#{id}", customer_name_word_prefix(word)),
    )
}

/// Sort-key prefix of the e-mail items of every customer with this (normalized) address.
pub fn customer_email_prefix(normalized_email: &str) -> String {
    format!("CUSTEMAIL#{normalized_email}#")
}

/// One e-mail address of a customer (trimmed, lower case), pointing at the customer; several
/// customers may share an address (until someone merges them).
pub fn customer_email(tenant: &TenantId, normalized_email: &str, id: &CustomerId) -> Key {
    Key::new(
        tenant_partition(tenant),
        format!("{}{id}", customer_email_prefix(normalized_email)),
    )
}

/// Sort-key prefix of the ticket links of one customer.
pub fn customer_tickets_prefix(customer: &CustomerId) -> String {
    format!("CUSTTICKET#{customer}#")
}

/// A ticket linked to a customer, so a merge finds every ticket to move with one query.
pub fn customer_ticket(tenant: &TenantId, customer: &CustomerId, ticket: &TicketId) -> Key {
    Key::new(
        tenant_partition(tenant),
        format!("{}{ticket}", customer_tickets_prefix(customer)),
    )
}

/// Where a customer merged away went: `{into, merged_at, merged_by}`; makes a repeated merge
/// answer the same and lets it sweep tickets that arrived meanwhile.
pub fn customer_merged(tenant: &TenantId, id: &CustomerId) -> Key {
    Key::new(tenant_partition(tenant), format!("CUSTMERGED#{id}"))
}

/// Sort-key prefix of a tenant's saved replies.
pub const SAVED_REPLY_PREFIX: &str = "SAVEDREPLY#";

/// A saved reply of a tenant.
pub fn saved_reply(tenant: &TenantId, id: &SavedReplyId) -> Key {
    Key::new(
        tenant_partition(tenant),
        format!("{SAVED_REPLY_PREFIX}{id}"),
    )
}

/// Prefix of every product of a tenant (sorted by SKU).
pub const PRODUCT_PREFIX: &str = "PRODUCT#";

/// A product of the tenant's catalogue.
pub fn product(tenant: &TenantId, sku: &str) -> Key {
    Key::new(tenant_partition(tenant), format!("{PRODUCT_PREFIX}{sku}"))
}

/// The product holding an EAN (one product per EAN, so offers link to one product).
pub fn product_ean(tenant: &TenantId, ean: &str) -> Key {
    Key::new(tenant_partition(tenant), format!("PRODUCTEAN#{ean}"))
}

/// Prefix of the stock and price changes of one product (sorted by time).
pub fn product_changes_prefix(sku: &str) -> String {
    format!("PRODUCTCHANGE#{sku}#")
}

/// One recorded stock or price change of a product, written with the product's `version`;
/// `n` orders the changes of one write.
pub fn product_change(
    tenant: &TenantId,
    sku: &str,
    sortable_time: &str,
    version: u64,
    n: usize,
) -> Key {
    Key::new(
        tenant_partition(tenant),
        format!(
            "{}{sortable_time}#{version:010}#{n:02}",
            product_changes_prefix(sku)
        ),
    )
}

/// Prefix of the tenant's price lists (besides `Default`, which is not stored).
pub const PRICE_LIST_PREFIX: &str = "PRICELIST#";

/// A named price list.
pub fn price_list(tenant: &TenantId, name: &str) -> Key {
    Key::new(
        tenant_partition(tenant),
        format!("{PRICE_LIST_PREFIX}{name}"),
    )
}

/// The partition of one account's event log (`repo::account_events`): entries sort by time.
pub fn account_events_partition(tenant: &TenantId, integration: &IntegrationId) -> String {
    format!("{}#ACCTLOG#{integration}", tenant_partition(tenant))
}

/// Sort-key prefix of the catalogue links of one account's offers (`repo::offer_links`).
pub fn offer_links_prefix(integration: &IntegrationId) -> String {
    format!("OFFERLINK#{integration}#")
}

/// The link of one of an account's offers to a catalogue product (written by `repo::offers`
/// with the offer): while any exists, the account cannot be deleted.
pub fn offer_link(tenant: &TenantId, integration: &IntegrationId, offer_id: &str) -> Key {
    Key::new(
        tenant_partition(tenant),
        format!("{}{offer_id}", offer_links_prefix(integration)),
    )
}

/// The partition of one account's offers (`repo::offers`): `OFFER#<offer id>` items.
pub fn offers_partition(tenant: &TenantId, integration: &IntegrationId) -> String {
    format!("{}#OFFERS#{integration}", tenant_partition(tenant))
}

/// Prefix of every offer item in an account's offer partition.
pub const OFFER_PREFIX: &str = "OFFER#";

/// One of an account's offers as last read, with its link and switches.
pub fn offer(tenant: &TenantId, integration: &IntegrationId, offer_id: &str) -> Key {
    Key::new(
        offers_partition(tenant, integration),
        format!("{OFFER_PREFIX}{offer_id}"),
    )
}

/// Sort-key prefix of the offers linked to one product, across accounts.
pub fn product_offers_prefix(sku: &str) -> String {
    format!("PRODUCTOFFER#{sku}#")
}

/// That an account's offer is linked to the product `sku` (so a stock or price change of the
/// product finds its offers with one query).
pub fn product_offer(
    tenant: &TenantId,
    sku: &str,
    integration: &IntegrationId,
    offer_id: &str,
) -> Key {
    Key::new(
        tenant_partition(tenant),
        format!("{}{integration}#{offer_id}", product_offers_prefix(sku)),
    )
}

// Items outside the tenant partitions (one partition per kind, or per item).

/// An OAuth authorization request in flight, by its random `state` (single use).
pub fn oauth_state(state: &str) -> Key {
    Key::new("OAUTHSTATE", state.to_owned())
}

/// A named lease (`token-refresh#<tenant>#<integration>`: one refresh at a time).
pub fn lease(name: &str) -> Key {
    Key::new("LEASE", name.to_owned())
}

/// The poll lease of one integration's channel: at most one poll job queued or running.
pub fn poll_lease(tenant: &TenantId, integration: &IntegrationId, channel: Channel) -> Key {
    Key::new(
        format!("POLL_LEASE#{tenant}#{integration}#{}", channel.as_str()),
        "LEASE",
    )
}

/// The item the health check reads (never written: reading an absent item proves the store
/// answers).
pub fn health_probe() -> Key {
    Key::new("HEALTH", "PROBE")
}

/// Partition of the device-flow grants waiting for a seller's confirmation (the scheduler
/// reads them all each tick).
pub const DEVICE_GRANTS: &str = "DEVICEGRANT";

/// A device-flow grant waiting for the seller to confirm.
pub fn device_grant(tenant: &TenantId, id: &IntegrationId) -> Key {
    Key::new(DEVICE_GRANTS, format!("{tenant}#{id}"))
}

// Secret names (the secrets port). Ids are generated here or checked by the API, so the
// infallible names fall back to a fixed valid name only for ids that could never occur.

/// The secret holding an OAuth integration's token pair.
pub fn oauth_tokens_secret(tenant: &TenantId, integration: &IntegrationId) -> SecretName {
    SecretName::new(format!("integrations/{tenant}/{integration}/oauth-tokens"))
        .unwrap_or_else(|_| SecretName::new("integrations/invalid/oauth-tokens").expect("valid"))
}

/// The secret holding a device-flow grant's device code while it waits.
pub fn device_code_secret(tenant: &TenantId, integration: &IntegrationId) -> SecretName {
    SecretName::new(format!("integrations/{tenant}/{integration}/device-code"))
        .unwrap_or_else(|_| SecretName::new("integrations/invalid/device-code").expect("valid"))
}

/// The secret holding an EmpikPlace integration's API key.
pub fn api_key_secret(
    tenant: &TenantId,
    integration: &IntegrationId,
) -> Result<SecretName, SecretsError> {
    SecretName::new(format!("integrations/{tenant}/{integration}/api-key"))
}

/// The secret holding a webhook endpoint's signing secrets.
pub fn webhook_signing_secret(
    tenant: &TenantId,
    webhook: &str,
) -> Result<SecretName, SecretsError> {
    SecretName::new(format!("webhooks/{tenant}/{webhook}/signing-secret"))
}
