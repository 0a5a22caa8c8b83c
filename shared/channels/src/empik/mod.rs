//! The EmpikPlace channel: Mirakl inbox threads.

mod credentials;
mod errors;
mod mapping;
mod source;

pub use credentials::EmpikKeyCheck;
pub use errors::to_marketplace_error;
pub use source::EmpikThreadsSource;
