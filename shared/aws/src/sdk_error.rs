//! Short, data-free descriptions of AWS SDK errors, shared by every adapter.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::error::Error;
use std::fmt::Debug;

/// Longest description kept in a port error.
const MAX_LEN: usize = 300;

/// The service's error code, when the service answered with an error.
pub(crate) fn code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(service) => service.err().code(),
        _ => None,
    }
}

/// The service's error message, when the service answered with an error.
pub(crate) fn message<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(service) => service.err().message(),
        _ => None,
    }
}

/// `"<operation>: <error code>"` for service errors, or the transport failure chain otherwise.
///
/// Service messages are left out on purpose: some echo request content.
pub(crate) fn describe<E, R>(operation: &str, err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + Error + 'static,
    R: Debug,
{
    let text = match err {
        SdkError::ServiceError(service) => format!(
            "{operation}: {}",
            service.err().code().unwrap_or("unrecognised service error")
        ),
        other => format!("{operation}: {}", DisplayErrorContext(other)),
    };
    truncate(text)
}

/// Cuts `text` to [`MAX_LEN`] bytes on a character boundary.
pub(crate) fn truncate(mut text: String) -> String {
    if text.len() > MAX_LEN {
        let mut end = MAX_LEN;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// Whole seconds for an SQS duration field, rounding up so sub-second waits are not dropped.
pub(crate) fn ceil_secs(duration: std::time::Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn truncation_respects_char_boundaries() {
        let long = "ż".repeat(400);
        let cut = truncate(long);
        assert!(cut.len() <= MAX_LEN + '…'.len_utf8());
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("short".into()), "short");
    }

    #[test]
    fn durations_round_up_to_whole_seconds() {
        assert_eq!(ceil_secs(Duration::ZERO), 0);
        assert_eq!(ceil_secs(Duration::from_millis(1)), 1);
        assert_eq!(ceil_secs(Duration::from_secs(2)), 2);
        assert_eq!(ceil_secs(Duration::from_millis(2500)), 3);
    }
}
