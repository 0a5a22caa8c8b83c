//! Customer cards for the seller's ERP (issue 17 item 3): the buyer of an order as an ERP
//! wants them (company, NIP, addresses, customer type), and what an integration sends to the
//! ERP with each order.
//!
//! Pure rules: which tax id is the NIP, what a NIP looks like, and which customer type a
//! country gives. Allegro's masked e-mail addresses are carried as contact data only: they
//! change per order and must never become an ERP's matching key (the card's `customer_id`
//! is).

use super::checkout_form::{CheckoutFormData, PostalAddress};
use crate::ids::CustomerId;
use serde::{Deserialize, Serialize};

/// What goes to the ERP with an order (`settings.erp.customers`): `none` (the unspecified
/// customer, the default), `all` (every buyer's card), `with_nip` (only cards with a NIP;
/// others as the unspecified customer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErpCustomers {
    /// No customer: the ERP books the order on an "unspecified customer".
    #[default]
    None,
    /// Every buyer's card.
    All,
    /// Only cards with a NIP (company purchases); others go as an unspecified customer.
    WithNip,
}

/// Per-integration ERP settings: what goes to the seller's ERP with an order
/// (`GET /v1/erp/orders`, `order.created`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ErpSettings {
    /// Which customer cards go to the ERP with an order.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub customers: ErpCustomers,
}

/// Where a customer is for the ERP's VAT treatment, from the invoice country (else the
/// delivery country): Poland, another EU state, outside the EU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomerType {
    /// Poland.
    Domestic,
    /// Another member state of the European Union.
    Eu,
    /// Outside the European Union.
    OutsideEu,
}

/// The EU member states' ISO 3166-1 alpha-2 codes (Greece also as `EL`, the VAT prefix).
const EU_COUNTRIES: [&str; 28] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "EL", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

/// The customer type a country code gives; `None` when there is no two-letter code.
pub fn customer_type(country_code: &str) -> Option<CustomerType> {
    let code = country_code.trim().to_ascii_uppercase();
    if code.len() != 2 || !code.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    Some(if code == "PL" {
        CustomerType::Domestic
    } else if EU_COUNTRIES.contains(&code.as_str()) {
        CustomerType::Eu
    } else {
        CustomerType::OutsideEu
    })
}

/// A Polish NIP in its plain form (ten digits) if `written` is one: spaces, hyphens and a
/// leading `PL` are dropped, and the check digit must agree. Anything else (text such as
/// "NIP: …", a wrong length or check digit) is no NIP.
pub fn normalize_nip(written: &str) -> Option<String> {
    let trimmed = written.trim();
    let without_prefix = trimmed
        .strip_prefix("PL")
        .or_else(|| trimmed.strip_prefix("pl"))
        .unwrap_or(trimmed);
    let mut digits = Vec::with_capacity(10);
    for c in without_prefix.chars() {
        match c {
            '0'..='9' => digits.push(c as u32 - '0' as u32),
            ' ' | '-' => {}
            _ => return None,
        }
    }
    if digits.len() != 10 {
        return None;
    }
    const WEIGHTS: [u32; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];
    let sum: u32 = WEIGHTS.iter().zip(&digits).map(|(w, d)| w * d).sum();
    if sum % 11 != digits[9] {
        return None;
    }
    Some(digits.iter().map(|d| char::from(b'0' + *d as u8)).collect())
}

/// The NIP among a company's tax ids (`invoice.address.company.ids`: `(type, value)` pairs):
/// the first `PL_NIP` that is a valid NIP. The deprecated `taxId` is never passed here: it
/// may hold text such as "NIP: 525…" (allegro-2026-rules.md §3).
pub fn pl_nip<'a>(
    ids: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> Option<String> {
    ids.into_iter()
        .filter(|(kind, _)| *kind == Some("PL_NIP"))
        .find_map(|(_, value)| value.and_then(normalize_nip))
}

/// What the CRM keeps of a buyer for the ERP, from their latest order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TradeDetails {
    /// Company name (invoice company, else the buyer's own company name).
    pub company_name: Option<String>,
    /// Polish NIP (ten digits, check digit verified) from `invoice.address.company.ids` type
    /// `PL_NIP`; never the deprecated `taxId`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{10}$"))]
    pub nip: Option<String>,
    /// Where orders go.
    pub delivery_address: Option<PostalAddress>,
    /// Where invoices go.
    pub invoice_address: Option<PostalAddress>,
    /// Domestic, EU or outside the EU (from the invoice country, else the delivery country).
    pub customer_type: Option<CustomerType>,
}

impl TradeDetails {
    /// The details an order's checkout form gives.
    pub fn of_form(form: &CheckoutFormData) -> Self {
        let invoice_address = form.invoice.address.clone();
        let delivery_address = form.delivery.address.clone();
        let company_name = invoice_address
            .as_ref()
            .and_then(|a| a.company.clone())
            .or_else(|| form.buyer.company_name.clone())
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty());
        let customer_type = invoice_address
            .as_ref()
            .map(|a| a.country_code.as_str())
            .filter(|c| !c.trim().is_empty())
            .or(delivery_address.as_ref().map(|a| a.country_code.as_str()))
            .and_then(customer_type);
        Self {
            company_name,
            nip: form.invoice.nip.as_deref().and_then(normalize_nip),
            delivery_address,
            invoice_address,
            customer_type,
        }
    }
}

/// A buyer's card as it goes to the ERP with one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BuyerCard {
    /// The CRM customer: the ERP's key for this buyer.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub customer_id: CustomerId,
    /// The buyer's marketplace login.
    pub login: String,
    /// Display name (person, or the company when no person's name is known).
    pub name: String,
    /// Allegro's masked address of this order: contact only; it differs between orders and
    /// must never be a matching key.
    pub email: Option<String>,
    /// Company, NIP, addresses and type from this order.
    #[serde(flatten)]
    pub details: TradeDetails,
}

/// The customer an order goes to the ERP with: `{"kind": "card", …the buyer's card}` or
/// `{"kind": "unspecified"}` (the ERP's unspecified customer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ErpCustomer {
    /// The buyer's card.
    Card(Box<BuyerCard>),
    /// "Unspecified customer": the setting sends no card for this order.
    Unspecified,
}

impl ErpCustomer {
    /// The customer of an order with `card` under the setting `customers`.
    pub fn as_configured(customers: ErpCustomers, card: Option<&BuyerCard>) -> Self {
        match (customers, card) {
            (ErpCustomers::All, Some(card)) => Self::Card(Box::new(card.clone())),
            (ErpCustomers::WithNip, Some(card)) if card.details.nip.is_some() => {
                Self::Card(Box::new(card.clone()))
            }
            _ => Self::Unspecified,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checkout_form::{
        FormStatus, OrderBuyer, OrderDelivery, OrderInvoice, OrderPayment,
    };

    #[test]
    fn a_nip_is_ten_digits_with_a_valid_check_digit() {
        assert_eq!(normalize_nip("5252674798").as_deref(), Some("5252674798"));
        assert_eq!(
            normalize_nip(" 525-267-47-98 ").as_deref(),
            Some("5252674798")
        );
        assert_eq!(
            normalize_nip("PL 525 267 47 98").as_deref(),
            Some("5252674798")
        );
        assert_eq!(normalize_nip("5252674797"), None, "wrong check digit");
        assert_eq!(normalize_nip("525267479"), None, "nine digits");
        assert_eq!(normalize_nip("NIP: 5252674798"), None, "text around it");
        assert_eq!(normalize_nip(""), None);
    }

    #[test]
    fn the_nip_is_the_first_valid_pl_nip_id_and_nothing_else() {
        let ids = [
            (Some("VAT_EU"), Some("PL5252674798")),
            (Some("PL_NIP"), Some("123")),
            (Some("PL_NIP"), Some("913-110-01-32")),
        ];
        assert_eq!(pl_nip(ids).as_deref(), Some("9131100132"));
        assert_eq!(pl_nip([(Some("VAT_EU"), Some("PL5252674798"))]), None);
        assert_eq!(pl_nip([(None, Some("5252674798"))]), None);
        assert_eq!(pl_nip([(Some("PL_NIP"), None)]), None);
    }

    #[test]
    fn the_customer_type_follows_the_country() {
        assert_eq!(customer_type("PL"), Some(CustomerType::Domestic));
        assert_eq!(customer_type(" pl "), Some(CustomerType::Domestic));
        assert_eq!(customer_type("DE"), Some(CustomerType::Eu));
        assert_eq!(customer_type("CZ"), Some(CustomerType::Eu));
        assert_eq!(customer_type("EL"), Some(CustomerType::Eu));
        assert_eq!(customer_type("GB"), Some(CustomerType::OutsideEu));
        assert_eq!(customer_type("UA"), Some(CustomerType::OutsideEu));
        assert_eq!(customer_type("CH"), Some(CustomerType::OutsideEu));
        assert_eq!(customer_type(""), None);
        assert_eq!(customer_type("POL"), None);
    }

    fn address(country: &str, company: Option<&str>) -> PostalAddress {
        PostalAddress {
            name: "Jan Nowak".into(),
            company: company.map(str::to_owned),
            street: "Długa 1".into(),
            city: "Łódź".into(),
            zip_code: "90-001".into(),
            country_code: country.into(),
            phone: None,
        }
    }

    fn form(invoice: Option<PostalAddress>, nip: Option<&str>, delivery: &str) -> CheckoutFormData {
        CheckoutFormData {
            id: "f1".into(),
            revision: None,
            status: FormStatus::ReadyForProcessing,
            fulfillment_status: None,
            buyer: OrderBuyer {
                login: "jan".into(),
                ..OrderBuyer::default()
            },
            delivery: OrderDelivery {
                address: Some(address(delivery, None)),
                ..OrderDelivery::default()
            },
            invoice: OrderInvoice {
                required: invoice.is_some(),
                address: invoice,
                nip: nip.map(str::to_owned),
            },
            lines: vec![],
            payment: OrderPayment::default(),
            total: None,
            message_to_seller: None,
            updated_at: None,
            link: None,
        }
    }

    #[test]
    fn trade_details_take_the_invoice_company_and_country_first() {
        let details = TradeDetails::of_form(&form(
            Some(address("DE", Some(" Firma GmbH "))),
            Some("525 267 47 98"),
            "PL",
        ));
        assert_eq!(details.company_name.as_deref(), Some("Firma GmbH"));
        assert_eq!(details.nip.as_deref(), Some("5252674798"));
        assert_eq!(details.customer_type, Some(CustomerType::Eu));
        assert!(details.delivery_address.is_some() && details.invoice_address.is_some());

        let private = TradeDetails::of_form(&form(None, None, "UA"));
        assert_eq!(private.company_name, None);
        assert_eq!(private.nip, None);
        assert_eq!(private.customer_type, Some(CustomerType::OutsideEu));
    }

    #[test]
    fn the_setting_decides_which_cards_go_to_the_erp() {
        let card = |nip: Option<&str>| BuyerCard {
            customer_id: CustomerId::from("c1"),
            login: "jan".into(),
            name: "Jan".into(),
            email: None,
            details: TradeDetails {
                nip: nip.map(str::to_owned),
                ..TradeDetails::default()
            },
        };
        let with = card(Some("5252674798"));
        let without = card(None);
        assert_eq!(
            ErpCustomer::as_configured(ErpCustomers::None, Some(&with)),
            ErpCustomer::Unspecified
        );
        assert_eq!(
            ErpCustomer::as_configured(ErpCustomers::All, Some(&without)),
            ErpCustomer::Card(Box::new(without.clone()))
        );
        assert_eq!(
            ErpCustomer::as_configured(ErpCustomers::WithNip, Some(&without)),
            ErpCustomer::Unspecified
        );
        assert_eq!(
            ErpCustomer::as_configured(ErpCustomers::WithNip, Some(&with)),
            ErpCustomer::Card(Box::new(with))
        );
        assert_eq!(
            ErpCustomer::as_configured(ErpCustomers::All, None),
            ErpCustomer::Unspecified
        );
    }
}
