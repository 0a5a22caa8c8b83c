//! Customers exported for an ERP (issue 17 item 3): `GET /v1/customers/export?format=csv|xml`
//! with everyone, the customer list's filter (`field`+`value`, `email`, `name`) or chosen ids.
//!
//! Both formats are written here rather than with a library: CSV needs one quoting rule
//! (RFC 4180, `;`-separated as Polish spreadsheets expect) and XML five escapes and a filter
//! of the characters XML 1.0 forbids. Text is UTF-8 (the CSV with a byte-order mark, which
//! spreadsheets need to read Polish letters). Cells that a spreadsheet would run as a formula
//! (`=`, `@`, or `+`/`-` not followed by a digit, from a buyer-chosen name) get a leading `'`.

use super::customer_views::{self, CustomerQuery};
use super::request::RequestError;
use crate::domain::checkout_form::PostalAddress;
use crate::domain::erp::CustomerType;
use crate::domain::Customer;
use crate::ids::{self, CustomerId, TenantId};
use crate::ports::Ports;
use crate::repo::customers;
use serde::Deserialize;
use std::collections::HashSet;

/// Most customers in one export (a larger tenant narrows it with a filter).
pub const MAX_EXPORT: usize = 10_000;
/// Most ids named in one export.
pub const MAX_IDS: usize = 1000;
/// Customers read per page while exporting.
const PAGE: u32 = 100;

/// The file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// `;`-separated values, one customer a row.
    #[default]
    Csv,
    /// `<customers><customer id="…">…</customer></customers>`.
    Xml,
}

/// The query of `GET /v1/customers/export`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `csv` (default) or `xml`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(inline, default = "csv"))]
    pub format: ExportFormat,
    /// Comma-separated customer ids (1 to 1000; an unknown one is refused naming it); not
    /// with a filter.
    #[serde(default)]
    pub ids: Option<String>,
    /// A custom field's name (with `value`), as in the customer list.
    #[serde(default)]
    pub field: Option<String>,
    /// The exact value of `field`.
    #[serde(default)]
    pub value: Option<String>,
    /// Words of the name, as in the customer list.
    #[serde(default)]
    pub name: Option<String>,
    /// An e-mail address, as in the customer list.
    #[serde(default)]
    pub email: Option<String>,
}

/// An exported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// Its media type.
    pub content_type: &'static str,
    /// A name to save it under.
    pub file_name: &'static str,
    /// Its text.
    pub body: String,
}

/// Exports the customers the query names.
pub async fn export(
    ports: &Ports,
    tenant: &TenantId,
    query: &ExportQuery,
) -> Result<ExportFile, RequestError> {
    let customers = select(ports, tenant, query).await?;
    Ok(match query.format {
        ExportFormat::Csv => ExportFile {
            content_type: "text/csv; charset=utf-8",
            file_name: "customers.csv",
            body: to_csv(&customers),
        },
        ExportFormat::Xml => ExportFile {
            content_type: "application/xml; charset=utf-8",
            file_name: "customers.xml",
            body: to_xml(&customers),
        },
    })
}

async fn select(
    ports: &Ports,
    tenant: &TenantId,
    query: &ExportQuery,
) -> Result<Vec<Customer>, RequestError> {
    let filtered = query.field.is_some()
        || query.value.is_some()
        || query.name.is_some()
        || query.email.is_some();
    if let Some(ids) = &query.ids {
        if filtered {
            return Err(RequestError::invalid(
                "ids",
                "export either chosen ids or a filter (field and value, email, name), not both",
            ));
        }
        return by_ids(ports, tenant, ids).await;
    }
    let mut list = CustomerQuery {
        field: query.field.clone(),
        value: query.value.clone(),
        name: query.name.clone(),
        email: query.email.clone(),
        cursor: None,
        limit: Some(PAGE),
    };
    if !filtered {
        list.name = Some(String::new()); // everyone, by name
    }
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    loop {
        let page = customer_views::search(ports, tenant, &list).await?;
        for customer in page.customers {
            if seen.insert(customer.id.clone()) {
                found.push(customer);
            }
        }
        if found.len() > MAX_EXPORT {
            return Err(RequestError::Rule {
                code: "export_too_large",
                field: "name".into(),
                message: format!(
                    "more than {MAX_EXPORT} customers; narrow the export with a filter or ids"
                ),
            });
        }
        match page.next_cursor {
            Some(cursor) => list.cursor = Some(cursor),
            None => return Ok(found),
        }
    }
}

async fn by_ids(
    ports: &Ports,
    tenant: &TenantId,
    written: &str,
) -> Result<Vec<Customer>, RequestError> {
    let mut wanted: Vec<&str> = Vec::new();
    for id in written
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
    {
        if !ids::is_well_formed(id) {
            return Err(RequestError::invalid(
                "ids",
                format!("{id:?} is not a customer id"),
            ));
        }
        if !wanted.contains(&id) {
            wanted.push(id);
        }
    }
    if wanted.is_empty() || wanted.len() > MAX_IDS {
        return Err(RequestError::invalid(
            "ids",
            format!("name 1 to {MAX_IDS} customer ids, separated by commas"),
        ));
    }
    let mut found = Vec::with_capacity(wanted.len());
    let mut missing = Vec::new();
    for id in wanted {
        match customers::get(&*ports.store, tenant, &CustomerId::from(id)).await? {
            Some(customer) => found.push(customer.value),
            None => missing.push(id),
        }
    }
    if !missing.is_empty() {
        return Err(RequestError::invalid(
            "ids",
            format!("no customer {} in this tenant", missing.join(", ")),
        ));
    }
    Ok(found)
}

/// The columns, in order.
const COLUMNS: [&str; 20] = [
    "id",
    "name",
    "company_name",
    "nip",
    "customer_type",
    "emails",
    "phone",
    "custom_fields",
    "invoice_name",
    "invoice_street",
    "invoice_zip_code",
    "invoice_city",
    "invoice_country_code",
    "delivery_name",
    "delivery_street",
    "delivery_zip_code",
    "delivery_city",
    "delivery_country_code",
    "delivery_phone",
    "created_at",
];

fn type_name(kind: CustomerType) -> &'static str {
    match kind {
        CustomerType::Domestic => "domestic",
        CustomerType::Eu => "eu",
        CustomerType::OutsideEu => "outside_eu",
    }
}

fn address_cells(address: Option<&PostalAddress>) -> [String; 5] {
    match address {
        Some(a) => [
            a.company.clone().filter(|c| !c.is_empty()).map_or_else(
                || a.name.clone(),
                |c| {
                    if a.name.is_empty() {
                        c
                    } else {
                        format!("{c}, {}", a.name)
                    }
                },
            ),
            a.street.clone(),
            a.zip_code.clone(),
            a.city.clone(),
            a.country_code.clone(),
        ],
        None => Default::default(),
    }
}

/// One customer's cells, in [`COLUMNS`] order.
fn cells(customer: &Customer) -> Vec<String> {
    let trade = customer.trade.clone().unwrap_or_default();
    let [invoice_name, invoice_street, invoice_zip, invoice_city, invoice_country] =
        address_cells(trade.invoice_address.as_ref());
    let [delivery_name, delivery_street, delivery_zip, delivery_city, delivery_country] =
        address_cells(trade.delivery_address.as_ref());
    let fields = customer
        .custom_fields
        .iter()
        .map(|(field, value)| format!("{field}={value}"))
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        customer.id.to_string(),
        customer.name.clone(),
        trade.company_name.unwrap_or_default(),
        trade.nip.unwrap_or_default(),
        trade
            .customer_type
            .map(type_name)
            .unwrap_or_default()
            .to_owned(),
        customer.emails.join(", "),
        customer.phone.clone().unwrap_or_default(),
        fields,
        invoice_name,
        invoice_street,
        invoice_zip,
        invoice_city,
        invoice_country,
        delivery_name,
        delivery_street,
        delivery_zip,
        delivery_city,
        delivery_country,
        trade
            .delivery_address
            .and_then(|a| a.phone)
            .unwrap_or_default(),
        customer.created_at.to_rfc3339(),
    ]
}

/// A cell as a spreadsheet may read it: text a spreadsheet would take for a formula gets a
/// leading apostrophe (quoting is the CSV writer's job).
pub fn defused_cell(text: &str) -> String {
    let mut chars = text.chars();
    let formula = match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !chars.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    };
    if formula {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The customers as CSV: a byte-order mark, a header row, one row per customer, `;` between
/// cells, CRLF line ends, cells quoted only when they need it.
pub fn to_csv(customers: &[Customer]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let rows = std::iter::once(COLUMNS.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>())
        .chain(customers.iter().map(cells));
    for row in rows {
        // Writing into memory cannot fail: the writer's errors are I/O errors of the sink.
        let _ = writer.write_record(row.iter().map(|cell| defused_cell(cell)));
    }
    let bytes = writer.into_inner().unwrap_or_default();
    format!("\u{feff}{}", String::from_utf8_lossy(&bytes))
}

/// Text for XML content and attribute values: `& < > " '` escaped, characters XML 1.0
/// forbids (controls but tab and line breaks) left out.
pub fn xml_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

fn element(out: &mut String, indent: &str, name: &str, value: &str) {
    if value.is_empty() {
        out.push_str(&format!("{indent}<{name}/>\n"));
    } else {
        out.push_str(&format!("{indent}<{name}>{}</{name}>\n", xml_text(value)));
    }
}

fn address_element(out: &mut String, name: &str, address: Option<&PostalAddress>) {
    let Some(a) = address else {
        return;
    };
    out.push_str(&format!("    <{name}>\n"));
    element(out, "      ", "name", &a.name);
    element(out, "      ", "company", a.company.as_deref().unwrap_or(""));
    element(out, "      ", "street", &a.street);
    element(out, "      ", "zip_code", &a.zip_code);
    element(out, "      ", "city", &a.city);
    element(out, "      ", "country_code", &a.country_code);
    element(out, "      ", "phone", a.phone.as_deref().unwrap_or(""));
    out.push_str(&format!("    </{name}>\n"));
}

/// The customers as XML: `<customers>` with one `<customer id="…">` each.
pub fn to_xml(customers: &[Customer]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<customers>\n");
    for customer in customers {
        let trade = customer.trade.clone().unwrap_or_default();
        out.push_str(&format!(
            "  <customer id=\"{}\">\n",
            xml_text(customer.id.as_str())
        ));
        element(&mut out, "    ", "name", &customer.name);
        element(
            &mut out,
            "    ",
            "company_name",
            trade.company_name.as_deref().unwrap_or(""),
        );
        element(&mut out, "    ", "nip", trade.nip.as_deref().unwrap_or(""));
        element(
            &mut out,
            "    ",
            "customer_type",
            trade.customer_type.map(type_name).unwrap_or(""),
        );
        out.push_str("    <emails>\n");
        for email in &customer.emails {
            element(&mut out, "      ", "email", email);
        }
        out.push_str("    </emails>\n");
        element(
            &mut out,
            "    ",
            "phone",
            customer.phone.as_deref().unwrap_or(""),
        );
        out.push_str("    <custom_fields>\n");
        for (field, value) in &customer.custom_fields {
            out.push_str(&format!(
                "      <field name=\"{}\">{}</field>\n",
                xml_text(field),
                xml_text(value)
            ));
        }
        out.push_str("    </custom_fields>\n");
        address_element(&mut out, "invoice_address", trade.invoice_address.as_ref());
        address_element(
            &mut out,
            "delivery_address",
            trade.delivery_address.as_ref(),
        );
        element(
            &mut out,
            "    ",
            "created_at",
            &customer.created_at.to_rfc3339(),
        );
        out.push_str("  </customer>\n");
    }
    out.push_str("</customers>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_only_when_needed_and_formulas_are_defused() {
        assert_eq!(defused_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(defused_cell("+48 600 100 200"), "+48 600 100 200");
        assert_eq!(defused_cell("-x"), "'-x");
        assert_eq!(defused_cell(""), "");
        let customer = |name: &str| {
            let tenant = TenantId::from("t");
            Customer::new(CustomerId::generate(), tenant, name, chrono::Utc::now())
        };
        let csv = to_csv(&[customer("Anna; \"Zięba\""), customer("=cmd")]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines[0].starts_with("\u{feff}id;name;"), "{csv}");
        assert!(lines[1].contains(";\"Anna; \"\"Zięba\"\"\";"), "{csv}");
        assert!(lines[2].contains(";'=cmd;"), "{csv}");
        assert_eq!(lines.len(), 4, "two rows and the end of the last: {csv}");
    }

    #[test]
    fn xml_text_escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(
            xml_text("<a href='x'>&\"</a>"),
            "&lt;a href=&apos;x&apos;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(xml_text("Zażółć\u{1}gęślą"), "Zażółćgęślą");
    }
}
