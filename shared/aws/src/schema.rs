//! The single-table layout shared by [`crate::DynamoStore`], the tests and `infra/template.yaml`.
//!
//! Table: partition key `PK`, sort key `SK` (strings), on-demand billing, three global
//! secondary indexes `GSI1`..`GSI3` keyed `GSInPK`/`GSInSK` projecting every attribute
//! (sparse: items without the attributes stay out), TTL on `ttl`.

use crate::sdk_error;
use aws_sdk_dynamodb::error::BuildError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, IndexStatus, KeySchemaElement, KeyType,
    Projection, ProjectionType, ScalarAttributeType, TableStatus, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use marketdesk_core::ports::Index;
use std::time::{Duration, Instant};

/// Partition key attribute of the table.
pub const PK: &str = "PK";
/// Sort key attribute of the table.
pub const SK: &str = "SK";
/// Optimistic-concurrency version attribute (number).
pub const VERSION: &str = "version";
/// Expiry attribute (number, Unix seconds); the table's TTL attribute.
pub const TTL: &str = "ttl";
/// The item body: JSON text in a string attribute.
pub const DATA: &str = "data";

/// How long [`create_table`] waits for the table and its indexes to become active.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(300);

/// The partition and sort key attribute names of `index` (`GSI1PK`, `GSI1SK`, ...).
pub fn index_key_attributes(index: Index) -> (&'static str, &'static str) {
    match index {
        Index::Gsi1 => ("GSI1PK", "GSI1SK"),
        Index::Gsi2 => ("GSI2PK", "GSI2SK"),
        Index::Gsi3 => ("GSI3PK", "GSI3SK"),
    }
}

/// Why the table could not be created.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// A table of that name exists already (its layout was not checked).
    #[error("table {0:?} already exists")]
    AlreadyExists(String),
    /// The table did not become active in time.
    #[error("table {0:?} did not become active within {1:?}")]
    NotActive(String, Duration),
    /// A request could not be built (a bug in this module).
    #[error("could not build the table definition: {0}")]
    Build(String),
    /// DynamoDB refused or failed a request.
    #[error("dynamodb: {0}")]
    Service(String),
}

impl From<BuildError> for SchemaError {
    fn from(err: BuildError) -> Self {
        SchemaError::Build(err.to_string())
    }
}

fn string_attribute(name: &str) -> Result<AttributeDefinition, BuildError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
}

fn key_schema(hash: &str, range: &str) -> Result<Vec<KeySchemaElement>, BuildError> {
    Ok(vec![
        KeySchemaElement::builder()
            .attribute_name(hash)
            .key_type(KeyType::Hash)
            .build()?,
        KeySchemaElement::builder()
            .attribute_name(range)
            .key_type(KeyType::Range)
            .build()?,
    ])
}

/// Creates `table_name` with the marketdesk layout, waits until it and its indexes are active,
/// then enables TTL on [`TTL`]. Used by tests and by the operator bootstrap.
pub async fn create_table(client: &Client, table_name: &str) -> Result<(), SchemaError> {
    let mut attributes = vec![string_attribute(PK)?, string_attribute(SK)?];
    let mut indexes = Vec::new();
    for index in Index::ALL {
        let (pk, sk) = index_key_attributes(index);
        attributes.push(string_attribute(pk)?);
        attributes.push(string_attribute(sk)?);
        indexes.push(
            GlobalSecondaryIndex::builder()
                .index_name(index.name())
                .set_key_schema(Some(key_schema(pk, sk)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()?,
        );
    }
    let created = client
        .create_table()
        .table_name(table_name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(attributes))
        .set_key_schema(Some(key_schema(PK, SK)?))
        .set_global_secondary_indexes(Some(indexes))
        .send()
        .await;
    if let Err(err) = created {
        if err
            .as_service_error()
            .is_some_and(|e| e.is_resource_in_use_exception())
        {
            return Err(SchemaError::AlreadyExists(table_name.to_owned()));
        }
        return Err(SchemaError::Service(sdk_error::describe(
            "CreateTable",
            &err,
        )));
    }
    wait_until_active(client, table_name).await?;
    client
        .update_time_to_live()
        .table_name(table_name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(TTL)
                .build()?,
        )
        .send()
        .await
        .map_err(|err| SchemaError::Service(sdk_error::describe("UpdateTimeToLive", &err)))?;
    Ok(())
}

/// Polls DescribeTable until the table and every index are `ACTIVE`.
async fn wait_until_active(client: &Client, table_name: &str) -> Result<(), SchemaError> {
    let deadline = Instant::now() + ACTIVE_TIMEOUT;
    loop {
        let described = client
            .describe_table()
            .table_name(table_name)
            .send()
            .await
            .map_err(|err| SchemaError::Service(sdk_error::describe("DescribeTable", &err)))?;
        let active = described.table().is_some_and(|table| {
            table.table_status() == Some(&TableStatus::Active)
                && table
                    .global_secondary_indexes()
                    .iter()
                    .all(|index| index.index_status() == Some(&IndexStatus::Active))
        });
        if active {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(SchemaError::NotActive(
                table_name.to_owned(),
                ACTIVE_TIMEOUT,
            ));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
