//! The workspace's words: one table per language, Polish first (the sellers are Polish).
//! Every visible string of the pages comes from here; templates read them as `t.<name>`.

use marketdesk_core::domain::{AuthorKind, Language, ReplyLimits, ReplyState, TicketStatus};

/// The language of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// Polish (the default).
    Pl,
    /// English.
    En,
}

impl Lang {
    /// The language named `code` (`pl`, `en`), if it is one.
    pub(crate) fn from_code(code: &str) -> Option<Self> {
        match code {
            "pl" => Some(Lang::Pl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The code in `<html lang>` and the `lang` cookie.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Pl => "pl",
            Lang::En => "en",
        }
    }

    /// The other language (what the switch offers).
    pub(crate) fn other(self) -> Self {
        match self {
            Lang::Pl => Lang::En,
            Lang::En => Lang::Pl,
        }
    }

    /// The table of words.
    pub(crate) fn strings(self) -> &'static Strings {
        match self {
            Lang::Pl => &PL,
            Lang::En => &EN,
        }
    }
}

impl From<Language> for Lang {
    fn from(language: Language) -> Self {
        match language {
            Language::Pl => Lang::Pl,
            Language::En => Lang::En,
        }
    }
}

/// Every fixed string of the pages.
pub(crate) struct Strings {
    /// The table's language (for the words built from parts).
    pub lang: Lang,
    pub skip_to_content: &'static str,
    pub language_name: &'static str,
    pub switch_language: &'static str,
    pub sign_in_title: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub sign_in_rejected: &'static str,
    pub sign_in_throttled: &'static str,
    pub form_expired: &'static str,
    pub signed_in_as: &'static str,
    pub sign_out: &'static str,
    pub signed_out: &'static str,
    pub main_navigation: &'static str,
    pub tickets: &'static str,
    pub filters: &'static str,
    pub source: &'static str,
    pub any: &'static str,
    pub status: &'static str,
    pub needs_reply: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub last_author: &'static str,
    pub only_autoresponder: &'static str,
    pub delivery: &'static str,
    pub delivery_failed_filter: &'static str,
    pub apply_filters: &'static str,
    pub clear_filters: &'static str,
    pub col_subject: &'static str,
    pub col_customer: &'static str,
    pub col_source: &'static str,
    pub col_last_message: &'static str,
    pub col_last_author: &'static str,
    pub col_status: &'static str,
    pub col_activity: &'static str,
    pub no_tickets: &'static str,
    pub next_page: &'static str,
    pub empik_id: &'static str,
    pub allegro_login: &'static str,
    pub back_to_list: &'static str,
    pub conversation: &'static str,
    pub attachments: &'static str,
    pub details: &'static str,
    pub reason: &'static str,
    pub open_on_marketplace: &'static str,
    pub marketdesk_status: &'static str,
    pub marketplace_status: &'static str,
    pub order: &'static str,
    pub no_order: &'static str,
    /// The order made in marketdesk of the conversation's checkout form.
    pub desk_order: &'static str,
    /// Order statuses: new, cancelled.
    pub order_statuses: [&'static str; 2],
    /// Before the fulfillment status.
    pub fulfillment: &'static str,
    pub products: &'static str,
    pub offer: &'static str,
    pub ean: &'static str,
    pub pieces: &'static str,
    pub customer: &'static str,
    pub no_customer: &'static str,
    pub account: &'static str,
    pub answer: &'static str,
    pub mode: &'static str,
    pub mode_reply: &'static str,
    pub mode_comment: &'static str,
    pub text: &'static str,
    pub attachment: &'static str,
    pub ask_to_confirm: &'static str,
    pub closure_default: &'static str,
    pub closure_missing: &'static str,
    pub send: &'static str,
    pub add_comment: &'static str,
    pub closed_only_comments: &'static str,
    pub retry: &'static str,
    pub failure_reason: &'static str,
    pub reply_queued: &'static str,
    pub comment_added: &'static str,
    pub retry_queued: &'static str,
    pub not_sent: &'static str,
    pub html_refused: &'static str,
    pub text_empty: &'static str,
    pub not_found: &'static str,
    pub unavailable: &'static str,
    pub internal_note: &'static str,
}

/// Polish.
pub(crate) static PL: Strings = Strings {
    lang: Lang::Pl,
    skip_to_content: "Przejdź do treści",
    language_name: "Polski",
    switch_language: "Język",
    sign_in_title: "Logowanie",
    email: "Adres e-mail",
    password: "Hasło",
    sign_in: "Zaloguj się",
    sign_in_rejected: "Nieprawidłowy adres e-mail lub hasło.",
    sign_in_throttled: "Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za kilka minut.",
    form_expired: "Formularz wygasł. Odśwież stronę i spróbuj ponownie.",
    signed_in_as: "Zalogowano jako",
    sign_out: "Wyloguj",
    signed_out: "Wylogowano.",
    main_navigation: "Menu główne",
    tickets: "Zgłoszenia",
    filters: "Filtry",
    source: "Źródło",
    any: "Wszystkie",
    status: "Status",
    needs_reply: "Wymaga odpowiedzi",
    yes: "Tak",
    no: "Nie",
    last_author: "Ostatnio pisał",
    only_autoresponder: "Tylko autoresponder",
    delivery: "Dostarczenie",
    delivery_failed_filter: "Niewysłane odpowiedzi",
    apply_filters: "Filtruj",
    clear_filters: "Wyczyść filtry",
    col_subject: "Temat",
    col_customer: "Klient",
    col_source: "Źródło i konto",
    col_last_message: "Ostatnia wiadomość",
    col_last_author: "Ostatnio pisał",
    col_status: "Status",
    col_activity: "Ostatnia aktywność",
    no_tickets: "Brak zgłoszeń spełniających filtry.",
    next_page: "Następna strona",
    empik_id: "Empik ID",
    allegro_login: "login",
    back_to_list: "Wróć do listy zgłoszeń",
    conversation: "Rozmowa",
    attachments: "Załączniki",
    details: "Szczegóły",
    reason: "Powód",
    open_on_marketplace: "Otwórz rozmowę w serwisie",
    marketdesk_status: "Status w marketdesk",
    marketplace_status: "Status w serwisie",
    order: "Zamówienie",
    no_order: "Brak zamówienia",
    desk_order: "Zamówienie w marketdesk",
    order_statuses: ["nowe", "anulowane"],
    fulfillment: "realizacja",
    products: "Produkty",
    offer: "oferta",
    ean: "EAN",
    pieces: "szt.",
    customer: "Klient",
    no_customer: "Brak klienta w CRM",
    account: "Konto",
    answer: "Odpowiedz",
    mode: "Rodzaj wpisu",
    mode_reply: "Odpowiedź do kupującego",
    mode_comment: "Komentarz wewnętrzny (kupujący go nie zobaczy)",
    text: "Treść",
    attachment: "Załącznik (jeden plik)",
    ask_to_confirm: "Poproś kupującego o potwierdzenie, że problem został rozwiązany",
    closure_default: "Bez własnej treści zostanie wysłana domyślna wiadomość zamykająca:",
    closure_missing: "Konto nie ma domyślnej wiadomości zamykającej: wpisz treść.",
    send: "Wyślij",
    add_comment: "Dodaj komentarz",
    closed_only_comments: "Serwis zamknął tę rozmowę: możesz dodać tylko komentarz wewnętrzny.",
    retry: "Wyślij ponownie",
    failure_reason: "Powód",
    reply_queued: "Odpowiedź została przyjęta i jest wysyłana.",
    comment_added: "Dodano komentarz wewnętrzny.",
    retry_queued: "Odpowiedź zostanie wysłana ponownie.",
    not_sent: "Nie zapisano",
    html_refused: "Odpowiedź musi być zwykłym tekstem: znaczniki HTML nie są dozwolone.",
    text_empty: "Wpisz treść.",
    not_found: "Nie ma takiego zgłoszenia.",
    unavailable: "Usługa jest chwilowo niedostępna. Spróbuj ponownie za chwilę.",
    internal_note: "widoczny tylko dla zespołu",
};

/// English.
pub(crate) static EN: Strings = Strings {
    lang: Lang::En,
    skip_to_content: "Skip to content",
    language_name: "English",
    switch_language: "Language",
    sign_in_title: "Sign in",
    email: "E-mail address",
    password: "Password",
    sign_in: "Sign in",
    sign_in_rejected: "Wrong e-mail address or password.",
    sign_in_throttled: "Too many failed sign-ins. Try again in a few minutes.",
    form_expired: "The form has expired. Reload the page and try again.",
    signed_in_as: "Signed in as",
    sign_out: "Sign out",
    signed_out: "Signed out.",
    main_navigation: "Main menu",
    tickets: "Tickets",
    filters: "Filters",
    source: "Source",
    any: "All",
    status: "Status",
    needs_reply: "Needs a reply",
    yes: "Yes",
    no: "No",
    last_author: "Last written by",
    only_autoresponder: "The autoresponder only",
    delivery: "Delivery",
    delivery_failed_filter: "Replies not sent",
    apply_filters: "Filter",
    clear_filters: "Clear filters",
    col_subject: "Subject",
    col_customer: "Customer",
    col_source: "Source and account",
    col_last_message: "Last message",
    col_last_author: "Last written by",
    col_status: "Status",
    col_activity: "Last activity",
    no_tickets: "No tickets match the filters.",
    next_page: "Next page",
    empik_id: "Empik ID",
    allegro_login: "login",
    back_to_list: "Back to the tickets",
    conversation: "Conversation",
    attachments: "Attachments",
    details: "Details",
    reason: "Reason",
    open_on_marketplace: "Open the conversation on the marketplace",
    marketdesk_status: "Status in marketdesk",
    marketplace_status: "Status on the marketplace",
    order: "Order",
    no_order: "No order",
    desk_order: "Order in marketdesk",
    order_statuses: ["new", "cancelled"],
    fulfillment: "fulfillment",
    products: "Products",
    offer: "offer",
    ean: "EAN",
    pieces: "pcs",
    customer: "Customer",
    no_customer: "No CRM customer",
    account: "Account",
    answer: "Answer",
    mode: "Kind of entry",
    mode_reply: "Reply to the buyer",
    mode_comment: "Internal comment (the buyer never sees it)",
    text: "Text",
    attachment: "Attachment (one file)",
    ask_to_confirm: "Ask the buyer to confirm the problem is solved",
    closure_default: "Without a text of your own, the default closure message is sent:",
    closure_missing: "The account has no default closure message: write a text.",
    send: "Send",
    add_comment: "Add the comment",
    closed_only_comments:
        "The marketplace closed this conversation: only internal comments are possible.",
    retry: "Send again",
    failure_reason: "Reason",
    reply_queued: "The reply was accepted and is being sent.",
    comment_added: "The internal comment was added.",
    retry_queued: "The reply will be sent again.",
    not_sent: "Not saved",
    html_refused: "Replies are plain text: HTML tags are not allowed.",
    text_empty: "Write a text.",
    not_found: "No such ticket.",
    unavailable: "The service is unavailable for a moment. Try again shortly.",
    internal_note: "seen by the team only",
};

impl Strings {
    /// How an author is shown.
    pub(crate) fn author(&self, author: AuthorKind) -> &'static str {
        let pl = self.lang == Lang::Pl;
        match (author, pl) {
            (AuthorKind::Buyer, true) => "Kupujący",
            (AuthorKind::Buyer, false) => "Buyer",
            (AuthorKind::SellerViaMarketdesk, true) => "Sprzedawca przez marketdesk",
            (AuthorKind::SellerViaMarketdesk, false) => "Seller via marketdesk",
            (AuthorKind::SellerViaMarketplace, true) => "Sprzedawca na stronie serwisu",
            (AuthorKind::SellerViaMarketplace, false) => "Seller on the marketplace's site",
            (AuthorKind::MarketplaceStaff, true) => "Obsługa serwisu",
            (AuthorKind::MarketplaceStaff, false) => "Marketplace staff",
            (AuthorKind::MarketplaceSystem, true) => "Asystent i komunikaty serwisu",
            (AuthorKind::MarketplaceSystem, false) => "Marketplace assistant and notices",
            (AuthorKind::MarketplaceForBuyer, true) => "Serwis w imieniu kupującego",
            (AuthorKind::MarketplaceForBuyer, false) => "Marketplace for the buyer",
            (AuthorKind::Autoresponder, true) => "Autoresponder",
            (AuthorKind::Autoresponder, false) => "Autoresponder",
            (AuthorKind::InternalComment, true) => "Komentarz wewnętrzny",
            (AuthorKind::InternalComment, false) => "Internal comment",
        }
    }

    /// How a ticket status is shown.
    pub(crate) fn status(&self, status: &TicketStatus) -> &'static str {
        let pl = self.lang == Lang::Pl;
        match (status, pl) {
            (TicketStatus::Open, true) => "Otwarte",
            (TicketStatus::Open, false) => "Open",
            (TicketStatus::Pending, true) => "Czeka na kupującego",
            (TicketStatus::Pending, false) => "Waiting for the buyer",
            (TicketStatus::Solved, true) => "Rozwiązane",
            (TicketStatus::Solved, false) => "Solved",
            (TicketStatus::Closed, true) => "Zamknięte",
            (TicketStatus::Closed, false) => "Closed",
        }
    }

    /// How a reply's delivery is shown.
    pub(crate) fn delivery_state(&self, state: ReplyState) -> &'static str {
        let pl = self.lang == Lang::Pl;
        match (state, pl) {
            (ReplyState::Sending, true) => "Wysyłanie…",
            (ReplyState::Sending, false) => "Sending…",
            (ReplyState::Sent, true) => "Wysłano",
            (ReplyState::Sent, false) => "Sent",
            (ReplyState::Failed, true) => "Nie wysłano",
            (ReplyState::Failed, false) => "Not sent",
            (ReplyState::Cancelled, true) => "Anulowano",
            (ReplyState::Cancelled, false) => "Cancelled",
        }
    }

    /// The reply box's statement of the conversation's limits, before anything is uploaded.
    pub(crate) fn limits(&self, limits: &ReplyLimits, used_bytes: u64) -> String {
        let pl = self.lang == Lang::Pl;
        let size = megabytes(limits.max_file_bytes);
        let types = limits
            .content_types
            .map(|types| {
                types
                    .iter()
                    .map(|t| t.rsplit('/').next().unwrap_or(t).to_uppercase())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|| (if pl { "dowolny" } else { "any" }).to_owned());
        let mut text = if pl {
            format!(
                "Tekst: {}–{} znaków. Jeden plik do {size}; typy: {types}.",
                limits.min_chars, limits.max_chars
            )
        } else {
            format!(
                "Text: {}–{} characters. One file up to {size}; types: {types}.",
                limits.min_chars, limits.max_chars
            )
        };
        if let Some(total) = limits.max_conversation_bytes {
            let left = megabytes(total.saturating_sub(used_bytes));
            let total = megabytes(total);
            if pl {
                text.push_str(&format!(
                    " Łącznie w rozmowie do {total} plików (zostało {left})."
                ));
            } else {
                text.push_str(&format!(
                    " At most {total} of files in the conversation ({left} left)."
                ));
            }
        }
        text
    }
}

/// Bytes as megabytes with one decimal: MiB for binary limits (2 MiB), MB for decimal ones.
fn megabytes(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes.is_multiple_of(1_000_000) {
        format!("{} MB", bytes / 1_000_000)
    } else {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_core::domain::ConversationKind;

    #[test]
    fn limits_are_stated_in_the_pages_language() {
        let dispute = ReplyLimits::of(ConversationKind::AllegroDispute);
        let pl = PL.limits(&dispute, 0);
        assert!(pl.contains("1–20000 znaków"), "{pl}");
        assert!(pl.contains("2 MiB"), "{pl}");
        assert!(pl.contains("PDF"), "{pl}");
        let empik = ReplyLimits::of(ConversationKind::EmpikThread);
        let en = EN.limits(&empik, 4_000_000);
        assert!(en.contains("10 MB"), "{en}");
        assert!(en.contains("(6 MB left)"), "{en}");
        assert!(en.contains("types: any"), "{en}");
    }

    #[test]
    fn every_author_has_a_distinct_label_in_both_languages() {
        use AuthorKind::*;
        let all = [
            Buyer,
            SellerViaMarketdesk,
            SellerViaMarketplace,
            MarketplaceStaff,
            MarketplaceSystem,
            MarketplaceForBuyer,
            Autoresponder,
            InternalComment,
        ];
        for strings in [&PL, &EN] {
            let labels: std::collections::HashSet<_> =
                all.iter().map(|a| strings.author(*a)).collect();
            assert_eq!(labels.len(), all.len());
        }
        assert_eq!(PL.author(Buyer), "Kupujący");
        assert_eq!(EN.author(Buyer), "Buyer");
    }
}
