//! `GET /order/checkout-forms/{id}` (scope `allegro:api:orders:read`): one order. Orders older
//! than 12 months answer 404, which reads as `Ok(None)`.

use crate::client::AllegroClient;
use crate::error::AllegroError;
use crate::http::{Call, Media};
use crate::lenient::{lenient_enum, Timestamp};
use crate::me::MarketplaceRef;
use crate::models::{IdRef, Price};
use crate::token::AccessToken;
use reqwest::Method;
use serde::Deserialize;

lenient_enum! {
    /// `CheckoutForm.status`.
    pub enum CheckoutFormStatus {
        /// Bought, checkout not filled in.
        Bought => "BOUGHT",
        /// Filled in, not paid.
        FilledIn => "FILLED_IN",
        /// Paid (or cash on delivery): ready to send.
        ReadyForProcessing => "READY_FOR_PROCESSING",
        /// Cancelled.
        Cancelled => "CANCELLED",
    }
}

/// `CheckoutForm`: the fields a ticket shows; the rest of the order is kept raw.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CheckoutForm {
    /// Order id (uuid).
    pub id: String,
    /// The buyer's note to the seller.
    pub message_to_seller: Option<String>,
    /// The buyer.
    pub buyer: Option<OrderBuyer>,
    /// Payment.
    pub payment: Option<Payment>,
    /// Order status.
    pub status: Option<CheckoutFormStatus>,
    /// Fulfilment state.
    pub fulfillment: Option<Fulfillment>,
    /// Delivery (address, method, pickup point, cost).
    pub delivery: Option<Delivery>,
    /// Invoice data.
    pub invoice: Option<Invoice>,
    /// Bought items.
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub line_items: Vec<LineItem>,
    /// Marketplace.
    pub marketplace: Option<MarketplaceRef>,
    /// Totals.
    pub summary: Option<Summary>,
    /// Last change.
    pub updated_at: Option<Timestamp>,
    /// Revision tag.
    pub revision: Option<String>,
}

/// The buyer of an order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OrderBuyer {
    /// Allegro user id.
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub id: Option<String>,
    /// Masked e-mail, e.g. `alias+suffix@allegromail.pl`.
    pub email: Option<String>,
    /// Login.
    pub login: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// Whether the buyer bought without an account.
    pub guest: Option<bool>,
    /// Phone number.
    pub phone_number: Option<String>,
}

impl OrderBuyer {
    /// Both e-mail forms that reach the buyer: the masked address as sent and, when it carries
    /// a `+suffix`, the address without it (`alias@allegromail.pl`).
    pub fn email_forms(&self) -> Vec<String> {
        let Some(email) = self
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        else {
            return Vec::new();
        };
        let mut forms = vec![email.to_owned()];
        if let Some(plain) = plain_email(email).filter(|p| p != email) {
            forms.push(plain);
        }
        forms
    }
}

/// The address without its `+suffix` (`alias+x@d` → `alias@d`); `None` if not an address.
pub fn plain_email(email: &str) -> Option<String> {
    let (local, domain) = email.trim().rsplit_once('@')?;
    let alias = local.split('+').next().unwrap_or(local);
    (!alias.is_empty() && !domain.is_empty()).then(|| format!("{alias}@{domain}"))
}

/// Payment of an order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Payment {
    /// Payment id.
    pub id: Option<String>,
    /// `ONLINE`, `CASH_ON_DELIVERY`, … (kept as text).
    #[serde(rename = "type")]
    pub payment_type: Option<String>,
    /// Payment operator.
    pub provider: Option<String>,
    /// When it was paid.
    pub finished_at: Option<Timestamp>,
    /// Amount paid.
    pub paid_amount: Option<Price>,
}

/// `delivery` of an order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Delivery {
    /// Where to send it.
    pub address: Option<DeliveryAddress>,
    /// The delivery method chosen.
    pub method: Option<DeliveryMethod>,
    /// The pickup point, as sent (id, name, description, address).
    pub pickup_point: Option<serde_json::Value>,
    /// Delivery cost.
    pub cost: Option<Price>,
}

/// `delivery.address`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DeliveryAddress {
    /// Receiver's first name.
    pub first_name: Option<String>,
    /// Receiver's last name.
    pub last_name: Option<String>,
    /// Street and number.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postal code.
    pub zip_code: Option<String>,
    /// ISO country code.
    pub country_code: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// Phone number.
    pub phone_number: Option<String>,
}

/// `delivery.method`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct DeliveryMethod {
    /// Method id.
    pub id: Option<String>,
    /// Method name, e.g. "Allegro Paczkomaty InPost".
    pub name: Option<String>,
}

/// `invoice` of an order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Invoice {
    /// Whether the buyer wants an invoice.
    pub required: Option<bool>,
    /// The invoice address (with the company, or the natural person).
    pub address: Option<InvoiceAddress>,
}

impl Invoice {
    /// The Polish NIP: the value of `address.company.ids[type=PL_NIP]`, never the deprecated
    /// `taxId` (which may hold text such as "NIP: …", allegro-2026-rules.md §3).
    pub fn nip(&self) -> Option<&str> {
        self.address
            .as_ref()?
            .company
            .as_ref()?
            .ids
            .iter()
            .find(|id| id.id_type.as_deref() == Some("PL_NIP"))?
            .value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
}

/// `invoice.address`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct InvoiceAddress {
    /// Street and number.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Postal code.
    pub zip_code: Option<String>,
    /// ISO country code.
    pub country_code: Option<String>,
    /// The company (a corporate purchase); absent or null for a private one.
    pub company: Option<InvoiceCompany>,
    /// The natural person (a private purchase with an invoice).
    pub natural_person: Option<NaturalPerson>,
}

/// `invoice.address.company`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct InvoiceCompany {
    /// Company name.
    pub name: Option<String>,
    /// Tax ids (`PL_NIP`, `VAT_EU`, …).
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub ids: Vec<CompanyTaxId>,
    /// `ACTIVE`, `NON_ACTIVE`, `NOT_APPLICABLE` (kept as text).
    pub vat_payer_status: Option<String>,
}

/// One tax id of a company.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct CompanyTaxId {
    /// `PL_NIP`, `CZ_ICO`, `VAT_EU`, `OTHER`, … (kept as text).
    #[serde(rename = "type")]
    pub id_type: Option<String>,
    /// The id as written.
    pub value: Option<String>,
}

/// `invoice.address.naturalPerson`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NaturalPerson {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
}

/// Fulfilment state of an order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Fulfillment {
    /// `NEW`, `PROCESSING`, `SENT`, … (kept as text).
    pub status: Option<String>,
}

/// One bought item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LineItem {
    /// Line item id.
    pub id: Option<String>,
    /// The offer bought.
    pub offer: Option<LineItemOffer>,
    /// Quantity.
    #[serde(deserialize_with = "crate::lenient::count")]
    pub quantity: Option<u64>,
    /// Price before discounts.
    pub original_price: Option<Price>,
    /// Price paid per unit.
    pub price: Option<Price>,
    /// When it was bought.
    pub bought_at: Option<Timestamp>,
}

/// The offer of a line item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LineItemOffer {
    /// Offer id.
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub id: Option<String>,
    /// Offer title at purchase.
    pub name: Option<String>,
    /// The seller's own id of the offer.
    pub external: Option<IdRef>,
}

/// Order totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Summary {
    /// Total to pay.
    pub total_to_pay: Option<Price>,
}

impl AllegroClient {
    /// `GET /order/checkout-forms/{id}`; `Ok(None)` when Allegro answers 404 (unknown, another
    /// seller's, or older than 12 months).
    pub async fn checkout_form(
        &self,
        token: &AccessToken,
        checkout_form_id: &str,
    ) -> Result<Option<CheckoutForm>, AllegroError> {
        let url = self
            .http()
            .api_url(&["order", "checkout-forms", checkout_form_id])?;
        match self
            .http()
            .call_json(&Call::api(Method::GET, url, Media::Public, token))
            .await
        {
            Ok(form) => Ok(Some(form)),
            Err(AllegroError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_emails_give_both_forms() {
        let buyer = OrderBuyer {
            email: Some("8awgqyk6a5+cub31c122@allegromail.pl".into()),
            ..OrderBuyer::default()
        };
        assert_eq!(
            buyer.email_forms(),
            [
                "8awgqyk6a5+cub31c122@allegromail.pl",
                "8awgqyk6a5@allegromail.pl"
            ]
        );
        let plain = OrderBuyer {
            email: Some("8awgqyk6a5@allegromail.pl".into()),
            ..OrderBuyer::default()
        };
        assert_eq!(plain.email_forms(), ["8awgqyk6a5@allegromail.pl"]);
        assert!(OrderBuyer::default().email_forms().is_empty());
        assert_eq!(plain_email("no-at-sign"), None);
    }

    #[test]
    fn the_nip_is_the_pl_nip_id_never_the_deprecated_tax_id() {
        let invoice: Invoice = serde_json::from_str(
            r#"{"required":true,"address":{"street":"Prosta 1","city":"Warszawa","zipCode":"00-001","countryCode":"PL",
                "company":{"name":"Firma","taxId":"NIP: 9131100132","vatPayerStatus":"ACTIVE",
                "ids":[{"type":"VAT_EU","value":"PL5252674798"},{"type":"PL_NIP","value":" 5252674798 "}]}}}"#,
        )
        .expect("decodes");
        assert_eq!(invoice.nip(), Some("5252674798"));
        let tax_id_only: Invoice = serde_json::from_str(
            r#"{"required":true,"address":{"company":{"name":"Firma","taxId":"NIP: 9131100132","ids":null}}}"#,
        )
        .expect("decodes");
        assert_eq!(tax_id_only.nip(), None);
    }

    #[test]
    fn checkout_forms_decode_leniently() {
        let form: CheckoutForm = serde_json::from_str(
            r#"{"id":"c1","buyer":{"id":"93975873","email":"a+b@allegromail.pl","login":"kupujacy","guest":false},
                "status":"ON_HOLD","lineItems":[{"id":"l1","offer":{"id":"123","name":"Kubek","external":null},"quantity":"2",
                "price":{"amount":"10.00","currency":"PLN"},"boughtAt":"2026-01-01T10:00:00.000Z"}],
                "summary":{"totalToPay":{"amount":"20.00","currency":"PLN"}},"surcharges":[],"unknown":{"x":1}}"#,
        )
        .expect("decodes");
        assert_eq!(
            form.status,
            Some(CheckoutFormStatus::Unknown("ON_HOLD".into()))
        );
        assert_eq!(form.line_items[0].quantity, Some(2));
        assert_eq!(form.invoice, None);
        assert_eq!(
            form.line_items[0]
                .offer
                .as_ref()
                .and_then(|o| o.id.as_deref()),
            Some("123")
        );
    }
}
