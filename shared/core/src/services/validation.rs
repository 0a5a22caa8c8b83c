//! Checks shared by the API services: plain text, labels, e-mail addresses.

use super::request::RequestError;

/// Longest queue or category name (a ticket's fields and the views named after queues).
pub const MAX_LABEL_CHARS: usize = 100;

/// Elements whose mere opening (even unterminated) marks a text as HTML.
const DANGEROUS_TAGS: &[&str] = &[
    "script", "iframe", "style", "img", "svg", "object", "embed", "link", "meta", "form", "input",
    "a ", "a>", "body", "html",
];

/// Whether `text` looks like HTML: a tag such as `<b>`, `<p class="x">`, `</div>`, `<br/>`,
/// a comment `<!-- … -->` or `<!DOCTYPE`, or the opening of a dangerous element (`<script`).
/// Plain comparisons such as `2 < 3`, `<3` or `a<b` stay plain text.
pub fn looks_like_html(text: &str) -> bool {
    let bytes = text.as_bytes();
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(offset) = text[from..].find('<') {
        let at = from + offset;
        from = at + 1;
        let rest = &lower[at + 1..];
        if rest.starts_with("!--") || rest.starts_with("!doctype") {
            return true;
        }
        if DANGEROUS_TAGS.iter().any(|tag| rest.starts_with(tag)) {
            return true;
        }
        let (closing, name_start) = match bytes.get(at + 1) {
            Some(b'/') => (true, at + 2),
            _ => (false, at + 1),
        };
        let name_len = bytes[name_start.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            continue;
        }
        // A tag ends with `>` before any other `<` or line break: `<b>`, `<br/>`, `<p id=1>`.
        let after_name = &text[name_start + name_len..];
        let end = after_name
            .find(['>', '<', '\n'])
            .map(|i| after_name.as_bytes()[i]);
        let attributes_ok = after_name.is_empty()
            || after_name.starts_with(['>', '/', ' ', '\t'])
            || after_name.starts_with('\n');
        if end == Some(b'>') && attributes_ok {
            return true;
        }
        if closing && end == Some(b'>') {
            return true;
        }
    }
    false
}

/// Checks a plain-text body: not blank, at most `max_chars` characters, no HTML, no control
/// characters other than line breaks and tabs.
pub fn plain_text(field: &str, text: &str, max_chars: usize) -> Result<(), RequestError> {
    if text.trim().is_empty() {
        return Err(RequestError::invalid(field, "must not be empty"));
    }
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(RequestError::invalid(
            field,
            format!("is {chars} characters long; at most {max_chars} are allowed"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(RequestError::invalid(
            field,
            "contains control characters; only line breaks and tabs are allowed",
        ));
    }
    if looks_like_html(text) {
        return Err(RequestError::invalid(
            field,
            "looks like HTML; only plain text is allowed (no tags such as <b> or <br>)",
        ));
    }
    Ok(())
}

/// Checks a short label (a name, a queue): not blank, at most `max_chars`, one line.
pub fn label(field: &str, text: &str, max_chars: usize) -> Result<(), RequestError> {
    if text.trim().is_empty() {
        return Err(RequestError::invalid(field, "must not be empty"));
    }
    if text.chars().count() > max_chars {
        return Err(RequestError::invalid(
            field,
            format!("must be at most {max_chars} characters long"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(RequestError::invalid(
            field,
            "must be one line without control characters",
        ));
    }
    Ok(())
}

/// Checks an e-mail address in the plain `local@domain.tld` form.
pub fn email(field: &str, address: &str) -> Result<(), RequestError> {
    let bad = || {
        RequestError::invalid(
            field,
            format!("{address:?} is not an e-mail address such as shop@example.com"),
        )
    };
    if address.len() > 254 || address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let Some((local, domain)) = address.split_once('@') else {
        return Err(bad());
    };
    let domain_ok = !domain.contains('@')
        && domain.contains('.')
        && domain
            .split('.')
            .all(|part| !part.is_empty() && !part.starts_with('-') && !part.ends_with('-'));
    if local.is_empty() || !domain_ok || address.contains(['<', '>', ',', ';', '"']) {
        return Err(bad());
    }
    Ok(())
}

/// A time as the API documents it: `H:MM` or `HH:MM`, white space around ignored (chrono's
/// `%H:%M` alone would also take `8:5` or `08: 00`).
pub(crate) fn clock_time(text: &str) -> Option<chrono::NaiveTime> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    let shaped = (1..=2).contains(&hours.len()) && minutes.len() == 2;
    (shaped && digits(hours) && digits(minutes))
        .then(|| super::autoresponder::text::parse_time(text))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_html_and_comparisons_are_not() {
        for html in [
            "<b>bold</b>",
            "Hello <br/> there",
            "<p class=\"x\">text",
            "text</div>",
            "<script",
            "x <SCRIPT src=a.js>",
            "<!-- hidden -->",
            "<!DOCTYPE html>",
            "<img src=x onerror=alert(1)",
            "<a href=\"https://example.com\">link</a>",
            "<b>",
        ] {
            assert!(looks_like_html(html), "{html:?} is HTML");
        }
        for plain in [
            "2 < 3 and 5 > 4",
            "I <3 this shop",
            "a<b",
            "price: <100 zł",
            "",
            "<",
            "< b >",
            "x <= y",
            "arrow -> here",
            "<- back",
            "email <jan@example.com>",
        ] {
            assert!(!looks_like_html(plain), "{plain:?} is plain text");
        }
    }

    #[test]
    fn plain_text_names_the_field() {
        let err = plain_text("text", "<b>hi</b>", 100).expect_err("html");
        assert!(matches!(err, RequestError::Invalid { ref field, .. } if field == "text"));
        assert!(plain_text("text", "   ", 100).is_err());
        assert!(plain_text("text", "abc", 2).is_err());
        assert!(plain_text("text", "nul\u{0}", 100).is_err());
        assert!(plain_text("text", "line\nnext\ttab", 100).is_ok());
        assert!(
            plain_text("text", &"ż".repeat(100), 100).is_ok(),
            "chars, not bytes"
        );
    }

    #[test]
    fn emails() {
        for ok in ["shop@example.com", "a.b+c@mail.example.pl"] {
            assert!(email("e", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "shop",
            "@example.com",
            "a@b",
            "a@b@c.d",
            "a b@c.d",
            "a@.com",
            "<a@b.c>",
        ] {
            assert!(email("e", bad).is_err(), "{bad}");
        }
    }
}
