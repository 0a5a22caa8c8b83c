//! The product catalogue kept in step with the seller's ERP: bulk upserts by SKU (partial and
//! idempotent), CSV import, listing and search, price lists, and the record of every stock or
//! price change with its source and time.
//!
//! A bulk write applies row by row: a refused row is reported with its reason and changes
//! nothing; the other rows apply. A row equal to what is stored writes nothing.

use super::caller::Caller;
use super::paging::{self, Position};
use super::request::RequestError;
use super::validation;
use super::workflow::nullable;
use crate::domain::product::{
    self as rules, ChangeSource, PriceList, Product, ProductChange, StockUnit, DEFAULT_PRICE_LIST,
};
use crate::ports::Ports;
use crate::repo::products::{self, SaveError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Most products in one bulk write or CSV import.
pub const MAX_ROWS: usize = 1000;
/// Most price lists of one tenant besides `Default`.
pub const MAX_PRICE_LISTS: usize = 20;
/// Longest product name (Allegro's offer title is at most 75; an ERP name may be longer).
pub const MAX_NAME_CHARS: usize = 200;
/// Products looked at for one page of a search by name.
const SEARCH_BUDGET: usize = 5000;
/// How often a lost optimistic-update race is retried before the row is refused.
const ATTEMPTS: usize = 5;

/// One product of a bulk write: `sku` names it; what is absent stays as stored (a new product
/// needs a `name`); `null` clears the EAN or the image.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductUpsert {
    /// The product's SKU.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub sku: String,
    /// New name; required for a new product.
    #[serde(default)]
    pub name: Option<String>,
    /// New EAN; `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    pub ean: Option<Option<String>>,
    /// New stock.
    #[serde(default)]
    pub stock: Option<u32>,
    /// New stock unit.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub unit: Option<StockUnit>,
    /// New prices by price list; lists not named keep their price. A decimal comma is read as
    /// a point.
    #[serde(default)]
    pub prices: Option<BTreeMap<String, String>>,
    /// New image URL, http(s); `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    pub image_url: Option<Option<String>>,
}

/// The body of `PUT /v1/products`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkUpsert {
    /// 1 to [`MAX_ROWS`] (1000) products.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 1000))]
    pub products: Vec<ProductUpsert>,
}

/// A row refused by a bulk write or an import; it changed nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedRow {
    /// Position in `products` (from 0), or the CSV line (from 1, the header being line 1).
    pub row: usize,
    /// The row's SKU as given, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub sku: Option<String>,
    /// Machine-readable reason: `validation_failed`, `duplicate_sku`, `ean_taken`,
    /// `unknown_price_list`, `name_required`, `conflict`, `unavailable`.
    #[cfg_attr(feature = "openapi", schema(schema_with = rejection_codes_schema))]
    pub code: &'static str,
    /// The field at fault (`ean`, `prices.B2B`), if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub field: Option<String>,
    /// What is wrong, in words a person can act on.
    pub message: String,
}

/// What a bulk write or an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpsertReport {
    /// Products created.
    pub created: usize,
    /// Products changed.
    pub updated: usize,
    /// Rows equal to what was stored (nothing written).
    pub unchanged: usize,
    /// Rows refused, with their reasons.
    pub rejected: Vec<RejectedRow>,
}

/// The query of `GET /v1/products`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ProductQuery {
    /// An EAN (exact), a SKU (exact or its beginning) or words of the name (every word, any
    /// case). Searches by words are applied while paging: a page may be short and still have
    /// a `next_cursor`.
    #[serde(default)]
    pub q: Option<String>,
    /// Where the list continues: the previous page's `next_cursor`.
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

/// The query of `GET /v1/products/{sku}/changes`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ChangeQuery {
    /// Where the list continues: the previous page's `next_cursor`.
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

/// One page of products.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductPage {
    /// By SKU.
    pub products: Vec<Product>,
    /// Where the list continues; `None` at its end.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// One page of a product's changes.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePage {
    /// Newest first.
    pub changes: Vec<ProductChange>,
    /// Where the list continues; `None` at its end.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// The body of `POST /v1/price-lists`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPriceList {
    /// Its name: no `#` or `:`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 40))]
    pub name: String,
    /// ISO 4217 code (default `PLN`).
    #[serde(default)]
    pub currency: Option<String>,
}

/// The tenant's price lists.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceLists {
    /// `Default` first, then by name.
    pub price_lists: Vec<PriceList>,
}

/// The schema of [`RejectedRow::code`]: the codes a refused row gives.
#[cfg(feature = "openapi")]
fn rejection_codes_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, SchemaType};
    ObjectBuilder::new()
        .schema_type(SchemaType::String)
        .enum_values(Some([
            "validation_failed",
            "duplicate_sku",
            "ean_taken",
            "unknown_price_list",
            "name_required",
            "conflict",
            "unavailable",
        ]))
        .build()
}

/// A refused row.
fn refused(
    row: usize,
    sku: &str,
    code: &'static str,
    field: Option<&str>,
    message: impl Into<String>,
) -> RejectedRow {
    RejectedRow {
        row,
        sku: (!sku.trim().is_empty()).then(|| sku.trim().to_owned()),
        code,
        field: field.map(str::to_owned),
        message: message.into(),
    }
}

/// A row with every given field checked and normalised.
struct CheckedRow {
    sku: String,
    name: Option<String>,
    ean: Option<Option<String>>,
    stock: Option<u32>,
    unit: Option<StockUnit>,
    prices: BTreeMap<String, String>,
    image_url: Option<Option<String>>,
}

fn check_row(
    row: usize,
    upsert: &ProductUpsert,
    lists: &HashSet<String>,
) -> Result<CheckedRow, RejectedRow> {
    let bad =
        |code, field: &str, message: String| refused(row, &upsert.sku, code, Some(field), message);
    let sku =
        rules::sku(&upsert.sku).map_err(|e| bad("validation_failed", "sku", e.to_string()))?;
    let name = match &upsert.name {
        Some(name) => {
            validation::label("name", name, MAX_NAME_CHARS)
                .map_err(|e| bad("validation_failed", "name", e.to_string()))?;
            Some(name.trim().to_owned())
        }
        None => None,
    };
    let ean = match &upsert.ean {
        Some(Some(ean)) => {
            Some(Some(rules::ean(ean).map_err(|e| {
                bad("validation_failed", "ean", e.to_string())
            })?))
        }
        other => other.clone(),
    };
    let mut prices = BTreeMap::new();
    for (list, amount) in upsert.prices.iter().flatten() {
        let field = format!("prices.{list}");
        if !lists.contains(list) {
            return Err(bad(
                "unknown_price_list",
                &field,
                format!("no price list named {list:?}; create it first (POST /v1/price-lists)"),
            ));
        }
        let amount =
            rules::price(amount).map_err(|e| bad("validation_failed", &field, e.to_string()))?;
        prices.insert(list.clone(), amount);
    }
    let image_url = match &upsert.image_url {
        Some(Some(url)) => {
            let parsed = url::Url::parse(url.trim())
                .ok()
                .filter(|u| u.scheme() == "https" || u.scheme() == "http");
            Some(Some(parsed.map(String::from).ok_or_else(|| {
                bad("validation_failed", "image_url", "an http(s) URL".into())
            })?))
        }
        other => other.clone(),
    };
    Ok(CheckedRow {
        sku,
        name,
        ean,
        stock: upsert.stock,
        unit: upsert.unit,
        prices,
        image_url,
    })
}

/// The product after applying `row` to `stored` (absent: a new product).
fn apply(
    row: &CheckedRow,
    stored: Option<&Product>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Product> {
    let mut next = match stored {
        Some(product) => product.clone(),
        None => Product {
            sku: row.sku.clone(),
            name: row.name.clone()?,
            ean: None,
            stock: 0,
            unit: StockUnit::default(),
            prices: BTreeMap::new(),
            image_url: None,
            created_at: now,
            updated_at: now,
        },
    };
    if let Some(name) = &row.name {
        next.name = name.clone();
    }
    if let Some(ean) = &row.ean {
        next.ean = ean.clone();
    }
    if let Some(stock) = row.stock {
        next.stock = stock;
    }
    if let Some(unit) = row.unit {
        next.unit = unit;
    }
    next.prices
        .extend(row.prices.iter().map(|(l, a)| (l.clone(), a.clone())));
    if let Some(image_url) = &row.image_url {
        next.image_url = image_url.clone();
    }
    Some(next)
}

/// A row of a request or file with its number, read or already refused.
type NumberedRow = (usize, Result<ProductUpsert, RejectedRow>);

/// What one row did.
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

async fn upsert_row(
    ports: &Ports,
    caller: &Caller,
    row_number: usize,
    row: &CheckedRow,
    source: ChangeSource,
) -> Result<Outcome, RejectedRow> {
    let store = &*ports.store;
    let failed =
        |e: RequestError| refused(row_number, &row.sku, "unavailable", None, e.to_string());
    for _ in 0..ATTEMPTS {
        let stored = products::get(store, &caller.tenant_id, &row.sku)
            .await
            .map_err(|e| failed(e.into()))?;
        let now = ports.clock.now();
        let Some(mut next) = apply(row, stored.as_ref().map(|s| &s.value), now) else {
            return Err(refused(
                row_number,
                &row.sku,
                "name_required",
                Some("name"),
                "a new product needs a name",
            ));
        };
        if stored.as_ref().is_some_and(|s| s.value == next) {
            return Ok(Outcome::Unchanged);
        }
        next.updated_at = now;
        let changes: Vec<ProductChange> = rules::changes(stored.as_ref().map(|s| &s.value), &next)
            .into_iter()
            .map(|change| ProductChange {
                sku: next.sku.clone(),
                at: now,
                source,
                change,
            })
            .collect();
        match products::save(store, &caller.tenant_id, &next, stored.as_ref(), &changes).await {
            // change committed: product.created / product.updated (stock and price changes recorded)
            Ok(()) => {
                let fields: Vec<_> = changes.into_iter().map(|c| c.change).collect();
                super::offer_commands::product_changed(
                    ports,
                    &caller.tenant_id,
                    &next.sku,
                    source,
                    &fields,
                )
                .await;
                return Ok(if stored.is_some() {
                    Outcome::Updated
                } else {
                    Outcome::Created
                });
            }
            Err(SaveError::Changed) => continue,
            Err(SaveError::EanTaken) => {
                let holder = match &next.ean {
                    Some(ean) => products::owner_of_ean(store, &caller.tenant_id, ean)
                        .await
                        .ok()
                        .flatten(),
                    None => None,
                };
                return Err(refused(
                    row_number,
                    &row.sku,
                    "ean_taken",
                    Some("ean"),
                    match holder {
                        Some(holder) => format!("product {holder:?} already has this EAN"),
                        None => "another product already has this EAN".into(),
                    },
                ));
            }
            Err(SaveError::Repo(e)) => return Err(failed(e.into())),
        }
    }
    Err(refused(
        row_number,
        &row.sku,
        "conflict",
        None,
        "the product kept changing; send the row again",
    ))
}

/// The names of the tenant's price lists, `Default` included.
async fn list_names(ports: &Ports, caller: &Caller) -> Result<HashSet<String>, RequestError> {
    let mut names: HashSet<String> = products::price_lists(&*ports.store, &caller.tenant_id)
        .await?
        .into_iter()
        .map(|l| l.name)
        .collect();
    names.insert(DEFAULT_PRICE_LIST.to_owned());
    Ok(names)
}

/// Applies numbered rows (row number, upsert) one by one and reports.
async fn upsert_rows(
    ports: &Ports,
    caller: &Caller,
    rows: Vec<NumberedRow>,
    source: ChangeSource,
) -> Result<UpsertReport, RequestError> {
    if rows.len() > MAX_ROWS {
        return Err(RequestError::invalid(
            "products",
            format!("at most {MAX_ROWS} products at a time; send the rest in another request"),
        ));
    }
    let lists = list_names(ports, caller).await?;
    let mut report = UpsertReport::default();
    let mut seen = HashSet::new();
    for (number, row) in rows {
        let checked = row.and_then(|upsert| check_row(number, &upsert, &lists));
        let checked = checked.and_then(|row| {
            if seen.insert(row.sku.clone()) {
                Ok(row)
            } else {
                Err(refused(
                    number,
                    &row.sku,
                    "duplicate_sku",
                    Some("sku"),
                    "the SKU appears earlier in this request; one row a product",
                ))
            }
        });
        let outcome = match checked {
            Ok(row) => upsert_row(ports, caller, number, &row, source).await,
            Err(rejected) => Err(rejected),
        };
        match outcome {
            Ok(Outcome::Created) => report.created += 1,
            Ok(Outcome::Updated) => report.updated += 1,
            Ok(Outcome::Unchanged) => report.unchanged += 1,
            Err(rejected) => report.rejected.push(rejected),
        }
    }
    Ok(report)
}

/// Creates or changes products by SKU (`PUT /v1/products`).
pub async fn upsert(
    ports: &Ports,
    caller: &Caller,
    request: BulkUpsert,
    source: ChangeSource,
) -> Result<UpsertReport, RequestError> {
    if request.products.is_empty() {
        return Err(RequestError::invalid(
            "products",
            "name at least one product",
        ));
    }
    let rows = request.products.into_iter().map(Ok).enumerate().collect();
    upsert_rows(ports, caller, rows, source).await
}

/// Imports a CSV file (`POST /v1/products/import`): a header row naming the columns `sku`,
/// `name`, `ean`, `stock`, `unit`, `image_url`, `price` (the `Default` list) and `price:<list>`,
/// separated by `;` or `,` (whichever the header uses); an empty cell leaves the field as
/// stored. Rows are numbered by their line in the file.
pub async fn import_csv(
    ports: &Ports,
    caller: &Caller,
    text: &str,
) -> Result<UpsertReport, RequestError> {
    let rows = parse_csv(text)?;
    if rows.is_empty() {
        return Err(RequestError::invalid(
            "file",
            "the file has a header but no rows",
        ));
    }
    upsert_rows(ports, caller, rows, ChangeSource::CsvImport).await
}

/// A CSV column.
#[derive(Clone)]
enum Column {
    Sku,
    Name,
    Ean,
    Stock,
    Unit,
    ImageUrl,
    Price(String),
}

fn column(header: &str) -> Option<Column> {
    let header = header.trim();
    let lower = header.to_lowercase();
    Some(match lower.as_str() {
        "sku" => Column::Sku,
        "name" | "nazwa" => Column::Name,
        "ean" | "gtin" => Column::Ean,
        "stock" | "stan" => Column::Stock,
        "unit" | "jednostka" => Column::Unit,
        "image_url" => Column::ImageUrl,
        "price" | "cena" => Column::Price(DEFAULT_PRICE_LIST.to_owned()),
        _ => {
            let (prefix, list) = header.split_once(':')?;
            if !["price", "cena"].contains(&prefix.trim().to_lowercase().as_str()) {
                return None;
            }
            Column::Price(list.trim().to_owned())
        }
    })
}

/// The rows of a CSV file, numbered by line; a row that cannot be read is refused by itself.
fn parse_csv(text: &str) -> Result<Vec<NumberedRow>, RequestError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = if header_line.contains(';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| RequestError::invalid("file", format!("the header row does not read: {e}")))?
        .clone();
    let mut columns = Vec::new();
    for header in headers.iter() {
        columns.push(column(header).ok_or_else(|| {
            RequestError::invalid(
                "file",
                format!("unknown column {header:?}; use sku, name, ean, stock, unit, image_url, price, price:<list>"),
            )
        })?);
    }
    if !columns.iter().any(|c| matches!(c, Column::Sku)) {
        return Err(RequestError::invalid(
            "file",
            "the header row needs a sku column",
        ));
    }
    // The line a record starts on, counted from its byte offset (the reader's own line count
    // leaves out blank lines).
    let line_at = |position: Option<&csv::Position>| {
        position.map_or(0, |p| {
            let mut offset = usize::try_from(p.byte())
                .unwrap_or(usize::MAX)
                .min(text.len());
            // A record read after blank lines is positioned at the first of them.
            while matches!(text.as_bytes().get(offset), Some(b'\n' | b'\r')) {
                offset += 1;
            }
            text.as_bytes()[..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1
        })
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let (line, record) = match record {
            Ok(record) => (line_at(record.position()), record),
            Err(e) => {
                let line = line_at(e.position());
                rows.push((
                    line,
                    Err(refused(
                        line,
                        "",
                        "validation_failed",
                        None,
                        format!("the row does not read: {e}"),
                    )),
                ));
                continue;
            }
        };
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        rows.push((line, row_of(line, &columns, &record)));
        if rows.len() > MAX_ROWS {
            break;
        }
    }
    Ok(rows)
}

fn row_of(
    line: usize,
    columns: &[Column],
    record: &csv::StringRecord,
) -> Result<ProductUpsert, RejectedRow> {
    let mut upsert = ProductUpsert::default();
    let sku = columns
        .iter()
        .zip(record.iter())
        .find(|(c, _)| matches!(c, Column::Sku))
        .map(|(_, cell)| cell.to_owned())
        .unwrap_or_default();
    let bad =
        |field: &str, message: &str| refused(line, &sku, "validation_failed", Some(field), message);
    if record.len() != columns.len() {
        return Err(refused(
            line,
            &sku,
            "validation_failed",
            None,
            format!(
                "{} cells where the header has {}",
                record.len(),
                columns.len()
            ),
        ));
    }
    for (column, cell) in columns.iter().zip(record.iter()) {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        match column {
            Column::Sku => upsert.sku = cell.to_owned(),
            Column::Name => upsert.name = Some(cell.to_owned()),
            Column::Ean => upsert.ean = Some(Some(cell.to_owned())),
            Column::Stock => {
                upsert.stock = Some(
                    cell.parse()
                        .map_err(|_| bad("stock", "a whole number, 0 or more"))?,
                )
            }
            Column::Unit => {
                upsert.unit = Some(match cell.to_lowercase().as_str() {
                    "unit" | "szt" | "szt." => StockUnit::Unit,
                    "pair" | "para" | "pary" => StockUnit::Pair,
                    "set" | "komplet" | "kpl" | "kpl." => StockUnit::Set,
                    _ => return Err(bad("unit", "unit, pair or set (szt., para, kpl.)")),
                })
            }
            Column::ImageUrl => upsert.image_url = Some(Some(cell.to_owned())),
            Column::Price(list) => {
                upsert
                    .prices
                    .get_or_insert_with(BTreeMap::new)
                    .insert(list.clone(), cell.to_owned());
            }
        }
    }
    Ok(upsert)
}

/// One product of the tenant.
pub async fn get(ports: &Ports, caller: &Caller, sku: &str) -> Result<Product, RequestError> {
    products::get(&*ports.store, &caller.tenant_id, sku.trim())
        .await?
        .map(|v| v.value)
        .ok_or(RequestError::NotFound("product"))
}

/// Whether `product` answers the words of a search (every word in the name, SKU or EAN).
fn matches_words(product: &Product, words: &[String]) -> bool {
    let haystack = format!(
        "{} {} {}",
        product.name.to_lowercase(),
        product.sku.to_lowercase(),
        product.ean.as_deref().unwrap_or_default()
    );
    words.iter().all(|w| haystack.contains(w.as_str()))
}

/// The tenant's products by SKU, or those answering `q`: an EAN finds its product through the
/// EAN item; otherwise SKUs and names are searched page by page (a page may be short and still
/// have a cursor).
pub async fn list(
    ports: &Ports,
    caller: &Caller,
    query: &ProductQuery,
) -> Result<ProductPage, RequestError> {
    let limit = paging::limit(query.limit)?;
    let store = &*ports.store;
    let tenant = &caller.tenant_id;
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if let Some(ean) = q.and_then(|q| rules::ean(q).ok()) {
        if let Some(sku) = products::owner_of_ean(store, tenant, &ean).await? {
            if let Some(found) = products::get(store, tenant, &sku).await? {
                return Ok(ProductPage {
                    products: vec![found.value],
                    next_cursor: None,
                });
            }
        }
    }
    let words: Vec<String> = q
        .map(|q| {
            q.to_lowercase()
                .split_whitespace()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let start = Position::decode(query.cursor.as_deref())?;
    let page_size = u32::try_from(limit).unwrap_or(paging::MAX_LIMIT).max(25);
    let (found, next_cursor) = paging::filtered(
        start,
        limit,
        SEARCH_BUDGET,
        |after| async move { Ok(products::page(store, tenant, after, page_size).await?) },
        |product: &Product| matches_words(product, &words),
    )
    .await?;
    Ok(ProductPage {
        products: found,
        next_cursor,
    })
}

/// A product's recorded stock and price changes, newest first.
pub async fn changes(
    ports: &Ports,
    caller: &Caller,
    sku: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<ChangePage, RequestError> {
    let limit = paging::limit(limit)?;
    let store = &*ports.store;
    get(ports, caller, sku).await?;
    let start = Position::decode(cursor)?;
    let page_size = u32::try_from(limit).unwrap_or(paging::MAX_LIMIT);
    let (found, next_cursor) = paging::filtered(
        start,
        limit,
        limit,
        |after| async move {
            Ok(products::changes(store, &caller.tenant_id, sku.trim(), after, page_size).await?)
        },
        |_: &ProductChange| true,
    )
    .await?;
    Ok(ChangePage {
        changes: found,
        next_cursor,
    })
}

/// The tenant's price lists, `Default` first.
pub async fn price_lists(ports: &Ports, caller: &Caller) -> Result<PriceLists, RequestError> {
    let mut lists = products::price_lists(&*ports.store, &caller.tenant_id).await?;
    lists.sort_by(|a, b| a.name.cmp(&b.name));
    lists.insert(0, PriceList::default_list());
    Ok(PriceLists { price_lists: lists })
}

/// Creates a price list.
pub async fn create_price_list(
    ports: &Ports,
    caller: &Caller,
    request: NewPriceList,
) -> Result<PriceList, RequestError> {
    validation::label("name", &request.name, 40)?;
    let name = request.name.trim().to_owned();
    if name.contains('#') || name.contains(':') {
        return Err(RequestError::invalid(
            "name",
            "a price list name has no '#' or ':'",
        ));
    }
    let currency = request
        .currency
        .as_deref()
        .unwrap_or("PLN")
        .trim()
        .to_uppercase();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(RequestError::invalid(
            "currency",
            "an ISO 4217 code such as PLN or EUR",
        ));
    }
    let existing = list_names(ports, caller).await?;
    if existing.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
        return Err(RequestError::WrongState {
            code: "price_list_exists",
            message: format!("a price list named {name:?} exists"),
        });
    }
    if existing.len() > MAX_PRICE_LISTS {
        return Err(RequestError::WrongState {
            code: "too_many_price_lists",
            message: format!(
                "a tenant keeps at most {MAX_PRICE_LISTS} price lists besides Default"
            ),
        });
    }
    let list = PriceList { name, currency };
    match products::create_price_list(&*ports.store, &caller.tenant_id, &list).await {
        Ok(()) => Ok(list),
        Err(crate::repo::RepoError::AlreadyExists) => Err(RequestError::WrongState {
            code: "price_list_exists",
            message: format!("a price list named {:?} exists", list.name),
        }),
        Err(e) => Err(e.into()),
    }
}
