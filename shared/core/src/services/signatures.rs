//! The integration's signature under agents' replies: appended when the reply is stored, so
//! the ticket shows exactly what the buyer gets. Autoresponses and comments get none.

use super::request::RequestError;

/// `text` with the signature below it after a blank line; `text` alone without a signature.
pub fn signed(text: &str, signature: Option<&str>) -> String {
    match signature.map(str::trim).filter(|s| !s.is_empty()) {
        Some(signature) => format!("{}\n\n{signature}", text.trim_end()),
        None => text.to_owned(),
    }
}

/// The conversation's length limit holds for the signed text.
pub fn check_length(signed: &str, max_chars: usize) -> Result<(), RequestError> {
    let chars = signed.chars().count();
    if chars > max_chars {
        return Err(RequestError::invalid(
            "text",
            format!(
                "is {chars} characters long with the integration's signature; at most \
                 {max_chars} are allowed here (shorten the text or the signature)"
            ),
        ));
    }
    Ok(())
}
