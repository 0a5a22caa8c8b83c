//! The preview of a ticket's latest buyer-visible message, as the ticket list shows it: kept
//! with the ticket (`Ticket::preview`, written by the timeline's summary) so a list page reads
//! no timeline.

use crate::domain::{Message, MessagePreview};

/// Longest preview of a message in the list, in characters.
pub const PREVIEW_CHARS: usize = 140;

/// `text` cut to at most `max` characters, an ellipsis marking the cut; line breaks become spaces.
pub fn shorten(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// The latest message the buyer can see (internal comments aside), as a preview.
pub fn preview_of(timeline: &[Message]) -> Option<MessagePreview> {
    timeline
        .iter()
        .rev()
        .find(|m| m.author.is_public())
        .map(|m| MessagePreview {
            author: m.author,
            author_name: m.author_name.clone(),
            text: shorten(&m.text, PREVIEW_CHARS),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AuthorKind;
    use crate::ids::{MessageId, TicketId};
    use chrono::{TimeZone, Utc};

    fn message(author: AuthorKind, text: &str, minute: u32) -> Message {
        Message {
            id: MessageId(format!("m{minute}")),
            ticket_id: TicketId("t1".into()),
            external_id: None,
            author,
            author_name: None,
            text: text.into(),
            attachments: Vec::new(),
            created_at: Utc.with_ymd_and_hms(2026, 1, 5, 10, minute, 0).unwrap(),
            delivery: None,
            actor: None,
        }
    }

    #[test]
    fn the_preview_is_the_latest_public_message_and_skips_comments() {
        let timeline = vec![
            message(AuthorKind::Buyer, "Gdzie paczka?", 1),
            message(
                AuthorKind::Autoresponder,
                "Dziękujemy,\nodpowiemy wkrótce.",
                2,
            ),
            message(AuthorKind::InternalComment, "sprawdzić kuriera", 3),
        ];
        let preview = preview_of(&timeline).expect("a preview");
        assert_eq!(preview.author, AuthorKind::Autoresponder);
        assert_eq!(preview.text, "Dziękujemy, odpowiemy wkrótce.");
        assert!(preview_of(&timeline[2..]).is_none());
    }

    #[test]
    fn long_texts_are_cut_at_a_character_boundary_with_an_ellipsis() {
        let text = "ż".repeat(200);
        let short = shorten(&text, PREVIEW_CHARS);
        assert_eq!(short.chars().count(), PREVIEW_CHARS);
        assert!(short.ends_with('…'));
        assert_eq!(shorten("krótko", PREVIEW_CHARS), "krótko");
    }
}
