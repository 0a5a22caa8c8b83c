//! How search text is cut and compared: the same rules for what is indexed and what is asked.

/// Shortest word indexed or searched (single letters match nearly everything).
pub const MIN_WORD_CHARS: usize = 2;
/// Longest word indexed or searched (longer runs are codes, not words; ids are found by the
/// identifier items instead).
pub const MAX_WORD_CHARS: usize = 40;

/// The words of `text`: runs of letters and digits, lowercase, [`MIN_WORD_CHARS`] to
/// [`MAX_WORD_CHARS`] characters, in order, each once.
pub fn words(text: &str) -> Vec<String> {
    let mut seen = Vec::<String>::new();
    for run in text.split(|c: char| !c.is_alphanumeric()) {
        let count = run.chars().count();
        if !(MIN_WORD_CHARS..=MAX_WORD_CHARS).contains(&count) {
            continue;
        }
        let word = run.to_lowercase();
        if !seen.contains(&word) {
            seen.push(word);
        }
    }
    seen
}

/// `word` without diacritics (Polish letters and the common Latin ones), so `zamowienie`
/// finds `zamówienie` and `Wiśniewski` is found as `wisniewski`.
pub fn fold(word: &str) -> String {
    let mut folded = String::with_capacity(word.len());
    for c in word.chars() {
        match c {
            'ą' | 'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => folded.push('a'),
            'ć' | 'č' | 'ç' => folded.push('c'),
            'ď' => folded.push('d'),
            'ę' | 'é' | 'è' | 'ê' | 'ë' | 'ě' => folded.push('e'),
            'í' | 'ì' | 'î' | 'ï' => folded.push('i'),
            'ł' => folded.push('l'),
            'ń' | 'ň' | 'ñ' => folded.push('n'),
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ő' => folded.push('o'),
            'ř' => folded.push('r'),
            'ś' | 'š' => folded.push('s'),
            'ť' => folded.push('t'),
            'ú' | 'ù' | 'û' | 'ü' | 'ů' | 'ű' => folded.push('u'),
            'ý' | 'ÿ' => folded.push('y'),
            'ź' | 'ż' | 'ž' => folded.push('z'),
            'ß' => folded.push_str("ss"),
            other => folded.push(other),
        }
    }
    folded
}

/// An identifier, login, e-mail or name as compared: trimmed, lowercase, inner whitespace
/// runs as one space.
pub fn normalize(value: &str) -> String {
    value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercase_runs_of_letters_and_digits_once_each() {
        assert_eq!(
            words("Gdzie jest PACZKA? Zamówienie 12-34, paczka! a x"),
            ["gdzie", "jest", "paczka", "zamówienie", "12", "34"]
        );
        assert!(words(&"a".repeat(MAX_WORD_CHARS + 1)).is_empty());
        assert!(words("\"*) OR NEAR(")
            .iter()
            .all(|w| w == "or" || w == "near"));
    }

    #[test]
    fn folding_removes_polish_diacritics() {
        assert_eq!(fold("zażółć gęślą jaźń"), "zazolc gesla jazn");
        assert_eq!(fold("wiśniewski"), "wisniewski");
    }

    #[test]
    fn values_compare_trimmed_lowercase_with_single_spaces() {
        assert_eq!(normalize("  Jan \t KOWALSKI "), "jan kowalski");
        assert_eq!(
            normalize("Jan.Kowalski@Example.COM"),
            "jan.kowalski@example.com"
        );
    }
}
