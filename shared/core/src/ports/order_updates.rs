//! Order update port: telling the marketplace an order's fulfillment status and giving it the
//! order's invoice (Allegro's order management API; implemented by the channels crate).

use super::marketplace_error::MarketplaceError;
use crate::domain::order_update::FulfillmentStatus;
use crate::domain::Integration;
use async_trait::async_trait;

/// An invoice the marketplace holds for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketplaceInvoice {
    /// The marketplace's invoice id.
    pub id: String,
    /// Its number, if given.
    pub invoice_number: Option<String>,
    /// The file name declared.
    pub file_name: Option<String>,
    /// Whether its file has been uploaded.
    pub file_uploaded: bool,
}

/// Writes to one account's orders. Implementations never repeat a call whose outcome is
/// unknown when repeating could do it twice (declaring an invoice): they answer `Unavailable`
/// and the caller looks with [`OrderUpdates::invoices`] first.
#[async_trait]
pub trait OrderUpdates: Send + Sync {
    /// Sets the order's fulfillment status; `revision` is the checkout form's revision as last
    /// read (a stale one is refreshed by the implementation).
    async fn set_fulfillment(
        &self,
        integration: &Integration,
        checkout_form_id: &str,
        status: FulfillmentStatus,
        revision: Option<&str>,
    ) -> Result<(), MarketplaceError>;

    /// The invoices the marketplace holds for the order.
    async fn invoices(
        &self,
        integration: &Integration,
        checkout_form_id: &str,
    ) -> Result<Vec<MarketplaceInvoice>, MarketplaceError>;

    /// Declares an invoice (file name and number); the marketplace's invoice id.
    async fn declare_invoice(
        &self,
        integration: &Integration,
        checkout_form_id: &str,
        file_name: &str,
        invoice_number: Option<&str>,
    ) -> Result<String, MarketplaceError>;

    /// Uploads the PDF of a declared invoice. A file already uploaded counts as done.
    async fn upload_invoice_file(
        &self,
        integration: &Integration,
        checkout_form_id: &str,
        invoice_id: &str,
        pdf: &[u8],
    ) -> Result<(), MarketplaceError>;
}
