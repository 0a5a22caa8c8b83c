//! Writing to an order (scope `allegro:api:orders:write`, public media type): the seller's
//! fulfillment status (`PUT /order/checkout-forms/{id}/fulfillment`) and the seller's invoice
//! (`POST /order/checkout-forms/{id}/invoices` declares it, `PUT …/invoices/{invoiceId}/file`
//! uploads the PDF; `GET …/invoices` lists what Allegro holds). Allegro notifies the buyer.

use crate::client::AllegroClient;
use crate::error::AllegroError;
use crate::http::{Body, Call, Media};
use crate::lenient::Timestamp;
use crate::token::AccessToken;
use reqwest::Method;
use serde::{Deserialize, Serialize};

/// `CheckoutFormFulfillment` as sent: only the status.
#[derive(Debug, Serialize)]
struct FulfillmentBody<'a> {
    status: &'a str,
}

/// `CheckFormsNewOrderInvoice`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct NewInvoiceBody<'a> {
    file: NewInvoiceFile<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invoice_number: Option<&'a str>,
}

/// `CheckFormsNewOrderInvoiceFile`.
#[derive(Debug, Serialize)]
struct NewInvoiceFile<'a> {
    name: &'a str,
}

/// `CheckFormsNewOrderInvoiceId`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InvoiceId {
    id: Option<String>,
}

/// `CheckoutFormsOrderInvoices`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OrderInvoices {
    /// The invoices declared for the order.
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub invoices: Vec<OrderInvoice>,
}

/// `CheckoutFormsOrderInvoice`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OrderInvoice {
    /// Invoice id.
    pub id: Option<String>,
    /// Invoice number.
    pub invoice_number: Option<String>,
    /// When it was declared.
    pub created_at: Option<Timestamp>,
    /// The file, once declared.
    pub file: Option<OrderInvoiceFile>,
}

/// `CheckoutFormsOrderInvoiceFile`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OrderInvoiceFile {
    /// File name declared.
    pub name: Option<String>,
    /// When the file was uploaded (absent until then).
    pub uploaded_at: Option<Timestamp>,
}

impl AllegroClient {
    /// `PUT /order/checkout-forms/{id}/fulfillment[?checkoutForm.revision=…]` with
    /// `{"status": …}` (204). A stale revision answers 409 (`AllegroError::Conflict`).
    pub async fn set_fulfillment_status(
        &self,
        token: &AccessToken,
        checkout_form_id: &str,
        status: &str,
        revision: Option<&str>,
    ) -> Result<(), AllegroError> {
        let mut url =
            self.http()
                .api_url(&["order", "checkout-forms", checkout_form_id, "fulfillment"])?;
        if let Some(revision) = revision {
            url.query_pairs_mut()
                .append_pair("checkoutForm.revision", revision);
        }
        let call =
            Call::api(Method::PUT, url, Media::Public, token).json(&FulfillmentBody { status })?;
        self.http().call(&call).await.map(|_| ())
    }

    /// `GET /order/checkout-forms/{id}/invoices`: the invoices Allegro holds for the order.
    pub async fn order_invoices(
        &self,
        token: &AccessToken,
        checkout_form_id: &str,
    ) -> Result<OrderInvoices, AllegroError> {
        let url =
            self.http()
                .api_url(&["order", "checkout-forms", checkout_form_id, "invoices"])?;
        self.http()
            .call_json(&Call::api(Method::GET, url, Media::Public, token))
            .await
    }

    /// `POST /order/checkout-forms/{id}/invoices` with `{"file": {"name"}, "invoiceNumber"}`
    /// (201 `{"id"}`): declares the invoice; the id to upload its file to. Not repeated after
    /// the request may have reached Allegro (a second declaration answers 409).
    pub async fn declare_order_invoice(
        &self,
        token: &AccessToken,
        checkout_form_id: &str,
        file_name: &str,
        invoice_number: Option<&str>,
    ) -> Result<String, AllegroError> {
        let url =
            self.http()
                .api_url(&["order", "checkout-forms", checkout_form_id, "invoices"])?;
        let call = Call::api(Method::POST, url, Media::Public, token).json(&NewInvoiceBody {
            file: NewInvoiceFile { name: file_name },
            invoice_number,
        })?;
        let answer: InvoiceId = self.http().call_json(&call).await?;
        answer.id.ok_or_else(|| AllegroError::Decode {
            message: "the invoice declaration was answered without an id".into(),
            trace_id: None,
        })
    }

    /// `PUT /order/checkout-forms/{id}/invoices/{invoiceId}/file` with the PDF
    /// (`application/pdf`, at most 3 MB; 200).
    pub async fn upload_order_invoice_file(
        &self,
        token: &AccessToken,
        checkout_form_id: &str,
        invoice_id: &str,
        pdf: Vec<u8>,
    ) -> Result<(), AllegroError> {
        let url = self.http().api_url(&[
            "order",
            "checkout-forms",
            checkout_form_id,
            "invoices",
            invoice_id,
            "file",
        ])?;
        let mut call = Call::api(Method::PUT, url, Media::Public, token);
        call.body = Some(Body::Bytes {
            content_type: "application/pdf".into(),
            data: pdf,
        });
        self.http().call(&call).await.map(|_| ())
    }
}
