//! The demo's event lines: `[mm:ss] what happened`, timed from when the buyers start.

use std::fmt::Display;
use std::time::Instant;

/// Longest quote of a message in a line.
const QUOTE_CHARS: usize = 70;

/// Prints timed lines on stdout.
#[derive(Debug, Clone, Copy)]
pub struct Narrator {
    start: Instant,
}

impl Narrator {
    /// Starts the clock.
    pub fn start() -> Self {
        Self {
            start: Instant::now(),
        }
    }

    /// Prints one line, e.g. `[00:07] ticket created: …`.
    pub fn say(&self, text: impl Display) {
        let seconds = self.start.elapsed().as_secs();
        println!("[{:02}:{:02}] {text}", seconds / 60, seconds % 60);
    }
}

/// A message's text as a short one-line quote.
pub fn quote(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= QUOTE_CHARS {
        format!("\"{flat}\"")
    } else {
        let cut: String = flat.chars().take(QUOTE_CHARS - 1).collect();
        format!("\"{}…\"", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_one_short_line() {
        assert_eq!(
            quote("Kubek\nprzyszedł  pęknięty."),
            "\"Kubek przyszedł pęknięty.\""
        );
        let long = "ą".repeat(200);
        let quoted = quote(&long);
        assert_eq!(quoted.chars().count(), QUOTE_CHARS + 2);
        assert!(quoted.ends_with("…\""));
    }
}
