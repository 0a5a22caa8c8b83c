//! Offer commands in the store (keys in docs/architecture.md): one partition per account,
//! `TENANT#<t>#OFFERCMD#<integration>`, holding
//!
//! - `OFFERCMD#<seq>` → the command (`domain::offer_command`), in GSI1
//!   `TENANT#<t>#OFFERCMDOPEN#<integration>` / `<seq>` only while it is open (sparse), so the
//!   earlier open commands of an account are one query;
//! - `RENEWAL#<offer>#<ended at, Unix s>` → `{plan}`: the plan that renews this ending of the
//!   offer (written once: an offer is renewed once per ending).

use super::{create_result, decode, encode, get_versioned, keys, RepoError, Versioned};
use crate::domain::offer_command::OfferCommand;
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{
    Condition, Index, IndexKey, Item, Key, PageCursor, Query, SortKeyCondition, Store,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Sort-key prefix of the commands in an account's partition.
const COMMAND_PREFIX: &str = "OFFERCMD#";
/// Page size while reading the open commands.
const OPEN_PAGE: u32 = 100;

fn partition(tenant: &TenantId, integration: &IntegrationId) -> String {
    format!("{}#OFFERCMD#{integration}", keys::tenant_partition(tenant))
}

fn open_partition(tenant: &TenantId, integration: &IntegrationId) -> String {
    format!(
        "{}#OFFERCMDOPEN#{integration}",
        keys::tenant_partition(tenant)
    )
}

fn command_key(tenant: &TenantId, integration: &IntegrationId, seq: &str) -> Key {
    Key::new(
        partition(tenant, integration),
        format!("{COMMAND_PREFIX}{seq}"),
    )
}

fn renewal_key(
    tenant: &TenantId,
    integration: &IntegrationId,
    offer_id: &str,
    ended_at: DateTime<Utc>,
) -> Key {
    Key::new(
        partition(tenant, integration),
        format!("RENEWAL#{offer_id}#{}", ended_at.timestamp()),
    )
}

fn item(command: &OfferCommand, version: u64) -> Item {
    let mut item = Item::new(
        command_key(&command.tenant_id, &command.integration_id, &command.seq),
        encode(command),
    );
    item.version = version;
    if command.state.is_open() {
        item = item.with_index(
            Index::Gsi1,
            IndexKey::new(
                open_partition(&command.tenant_id, &command.integration_id),
                command.seq.clone(),
            ),
        );
    }
    item
}

/// Stores a planned command unless its place is taken (a plan made again after a crash):
/// whether it was stored now.
pub async fn create(store: &dyn Store, command: &OfferCommand) -> Result<bool, RepoError> {
    match create_result(store.put(item(command, 1), Condition::NotExists).await) {
        Ok(()) => Ok(true),
        Err(RepoError::AlreadyExists) => Ok(false),
        Err(error) => Err(error),
    }
}

/// One command by its place, with its version.
pub async fn get(
    store: &dyn Store,
    tenant: &TenantId,
    integration: &IntegrationId,
    seq: &str,
) -> Result<Option<Versioned<OfferCommand>>, RepoError> {
    get_versioned(store, &command_key(tenant, integration, seq)).await
}

/// Writes a changed command over the version read (it leaves the open index when it closes).
pub async fn update(
    store: &dyn Store,
    command: &OfferCommand,
    version: u64,
) -> Result<(), RepoError> {
    store
        .put(item(command, version + 1), Condition::VersionIs(version))
        .await?;
    Ok(())
}

/// The account's open commands placed before `seq`, oldest first.
pub async fn open_before(
    store: &dyn Store,
    tenant: &TenantId,
    integration: &IntegrationId,
    seq: &str,
) -> Result<Vec<OfferCommand>, RepoError> {
    let mut found = Vec::new();
    let mut after = None;
    loop {
        let query = Query::index(Index::Gsi1, open_partition(tenant, integration))
            .sort(SortKeyCondition::AtMost(seq.to_owned()))
            .limit(OPEN_PAGE)
            .after(after);
        let page = store.query(&query).await?;
        for item in &page.items {
            let command: OfferCommand = decode(item)?;
            if command.seq.as_str() < seq {
                found.push(command);
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(found),
        }
    }
}

/// One page of the account's commands, newest first.
pub async fn page(
    store: &dyn Store,
    tenant: &TenantId,
    integration: &IntegrationId,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<OfferCommand>, Option<PageCursor>), RepoError> {
    let query = Query::partition(partition(tenant, integration))
        .sort(SortKeyCondition::BeginsWith(COMMAND_PREFIX.into()))
        .descending()
        .limit(limit)
        .after(after);
    let page = store.query(&query).await?;
    let commands = page.items.iter().map(decode).collect::<Result<_, _>>()?;
    Ok((commands, page.next))
}

#[derive(Serialize, Deserialize)]
struct RenewalClaim {
    plan: String,
}

/// Claims the renewal of one ending of an offer for `plan`: true when `plan` holds it (claimed
/// now, or by the same plan before a crash), false when another plan renews it.
pub async fn claim_renewal(
    store: &dyn Store,
    tenant: &TenantId,
    integration: &IntegrationId,
    offer_id: &str,
    ended_at: DateTime<Utc>,
    plan: &str,
) -> Result<bool, RepoError> {
    let key = renewal_key(tenant, integration, offer_id, ended_at);
    let claim = RenewalClaim {
        plan: plan.to_owned(),
    };
    match create_result(
        store
            .put(Item::new(key.clone(), encode(&claim)), Condition::NotExists)
            .await,
    ) {
        Ok(()) => Ok(true),
        Err(RepoError::AlreadyExists) => match store.get(&key).await? {
            Some(item) => Ok(decode::<RenewalClaim>(&item)?.plan == plan),
            None => Ok(false),
        },
        Err(error) => Err(error),
    }
}
