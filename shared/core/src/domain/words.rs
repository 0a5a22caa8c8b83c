//! Words of names as the index items store them: lower case, Polish diacritics folded, split
//! at anything that is not a letter or digit. "Anna Nowak-Żuraw" gives `anna`, `nowak`, `zuraw`.
//!
//! Shared by the customer name index and anything else that looks people up by name (search),
//! so a lookup typed without diacritics ("zolw") finds a name written with them ("Żółw").

/// Longest word kept in an index item, in characters (longer words are cut: a prefix of a
/// long word still finds it, and keys stay far below the store's 1 KiB sort-key limit).
pub const MAX_WORD_CHARS: usize = 40;

/// Lower case with the Polish letters folded to their base letters (ą→a, ł→l, ż→z, …).
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ą' => 'a',
            'ć' => 'c',
            'ę' => 'e',
            'ł' => 'l',
            'ń' => 'n',
            'ó' => 'o',
            'ś' => 's',
            'ź' | 'ż' => 'z',
            other => other,
        })
        .collect()
}

/// The distinct folded words of `text`, in order of first appearance, each at most
/// [`MAX_WORD_CHARS`] characters; at most `max_words` of them.
pub fn words(text: &str, max_words: usize) -> Vec<String> {
    let folded = fold(text);
    let mut found: Vec<String> = Vec::new();
    for word in folded.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let word: String = word.chars().take(MAX_WORD_CHARS).collect();
        if !found.contains(&word) {
            found.push(word);
            if found.len() == max_words {
                break;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polish_letters_fold_and_words_split() {
        assert_eq!(fold("ŻÓŁW Łódź Ęą"), "zolw lodz ea");
        assert_eq!(
            words("Anna  Nowak-Żuraw, anna", 10),
            ["anna", "nowak", "zuraw"]
        );
        assert_eq!(words("a b c", 2), ["a", "b"]);
        assert_eq!(words(" -- ", 5), Vec::<String>::new());
        assert_eq!(words(&"x".repeat(100), 1)[0].len(), MAX_WORD_CHARS);
    }
}
