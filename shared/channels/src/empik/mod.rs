//! The EmpikPlace channel: Mirakl inbox threads.

mod credentials;
pub mod delivery;
mod errors;
mod mapping;
mod position;
mod reasons;
mod source;

pub use credentials::EmpikKeyCheck;
pub use delivery::EmpikThreadReplies;
pub use errors::to_marketplace_error;
pub use source::EmpikThreadsSource;
