//! The ticket list's views with their counts (`services::views`), its sort, search box and
//! the SLA and assignee columns. The list itself is `pages::tickets`; this module holds
//! what it adds on top of the filters.

use super::i18n::Lang;
use marketdesk_core::services::views::ViewCount;

/// The words of the views, the sort and the search box (Polish first).
pub(crate) struct ListWords {
    pub views: &'static str,
    pub all: &'static str,
    pub queue: &'static str,
    pub sort: &'static str,
    pub search: &'static str,
    pub search_button: &'static str,
    pub search_hint: &'static str,
    pub col_sla: &'static str,
    pub col_assignee: &'static str,
    pub more: &'static str,
    pub keys: &'static str,
    pub keys_hint: &'static str,
    /// The shortcuts: (key, what it does).
    pub key_list: [(&'static str, &'static str); 7],
}

static PL: ListWords = ListWords {
    views: "Widoki",
    all: "Wszystkie",
    queue: "Kolejka",
    sort: "Kolejność",
    search: "Szukaj zgłoszeń",
    search_button: "Szukaj",
    search_hint: "numer zamówienia, login, imię i nazwisko, e-mail, słowa z wiadomości",
    col_sla: "Termin SLA",
    col_assignee: "Przypisane",
    more: "ponad",
    keys: "Skróty klawiszowe",
    keys_hint: "Naciśnij ? aby pokazać lub ukryć skróty.",
    key_list: [
        ("j / k", "następne / poprzednie zgłoszenie"),
        ("Enter", "otwórz zaznaczone zgłoszenie"),
        ("/", "przejdź do wyszukiwania"),
        ("?", "pokaż lub ukryj tę listę"),
        ("r", "w zgłoszeniu: pisz odpowiedź"),
        ("c", "w zgłoszeniu: pisz komentarz wewnętrzny"),
        ("Esc", "zamknij tę listę"),
    ],
};

static EN: ListWords = ListWords {
    views: "Views",
    all: "All",
    queue: "Queue",
    sort: "Order",
    search: "Search tickets",
    search_button: "Search",
    search_hint: "order number, login, name, e-mail, words of the messages",
    col_sla: "SLA deadline",
    col_assignee: "Assignee",
    more: "over",
    keys: "Keyboard shortcuts",
    keys_hint: "Press ? to show or hide the shortcuts.",
    key_list: [
        ("j / k", "next / previous ticket"),
        ("Enter", "open the selected ticket"),
        ("/", "go to the search box"),
        ("?", "show or hide this list"),
        ("r", "on a ticket: write a reply"),
        ("c", "on a ticket: write an internal comment"),
        ("Esc", "close this list"),
    ],
};

/// The list's words in `lang`.
pub(crate) fn words(lang: Lang) -> &'static ListWords {
    match lang {
        Lang::Pl => &PL,
        Lang::En => &EN,
    }
}

/// A view's shown name.
fn view_label(lang: Lang, name: &str) -> String {
    let pl = lang == Lang::Pl;
    let fixed = match (name, pl) {
        ("mine", true) => "Moje",
        ("mine", false) => "Mine",
        ("unassigned", true) => "Nieprzypisane",
        ("unassigned", false) => "Unassigned",
        ("needs_reply", true) => "Czeka na odpowiedź",
        ("needs_reply", false) => "Needs a reply",
        ("pending", true) => "Czeka na kupującego",
        ("pending", false) => "Waiting for the buyer",
        ("failed_delivery", true) => "Nieudana wysyłka",
        ("failed_delivery", false) => "Failed delivery",
        ("autoresponder", true) => "Tylko autoresponder",
        ("autoresponder", false) => "Autoresponder only",
        ("snoozed", true) => "Uśpione",
        ("snoozed", false) => "Snoozed",
        _ => {
            let queue = name.strip_prefix("queue:").unwrap_or(name);
            return format!("{}: {queue}", words(lang).queue);
        }
    };
    fixed.to_owned()
}

/// One link of the views' navigation.
pub(crate) struct ViewLink {
    pub href: String,
    pub label: String,
    /// The count as shown (`12`, or `ponad 1000`); none for "all".
    pub count: Option<String>,
    pub current: bool,
}

/// The views' navigation: "all" first, then every view of `counts` with its count; `href`
/// gives a view's address (`None`: all tickets), so the list's filters and order stay.
pub(crate) fn nav(
    lang: Lang,
    counts: &[ViewCount],
    current: Option<&str>,
    href: impl Fn(Option<&str>) -> String,
) -> Vec<ViewLink> {
    let w = words(lang);
    let mut links = vec![ViewLink {
        href: href(None),
        label: w.all.to_owned(),
        count: None,
        current: current.is_none(),
    }];
    links.extend(counts.iter().map(|view| ViewLink {
        href: href(Some(&view.name)),
        label: view_label(lang, &view.name),
        count: Some(if view.more {
            format!("{} {}", w.more, view.count)
        } else {
            view.count.to_string()
        }),
        current: current == Some(view.name.as_str()),
    }));
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_view_has_a_name_in_both_languages_and_queues_show_theirs() {
        for name in [
            "mine",
            "unassigned",
            "needs_reply",
            "pending",
            "failed_delivery",
            "autoresponder",
            "snoozed",
        ] {
            let (pl, en) = (view_label(Lang::Pl, name), view_label(Lang::En, name));
            assert!(pl != en && !pl.contains(':'), "{name}");
        }
        assert_eq!(view_label(Lang::Pl, "queue:Zwroty"), "Kolejka: Zwroty");
    }

    #[test]
    fn a_capped_count_says_so() {
        let counts = [ViewCount {
            name: "needs_reply".into(),
            count: 1000,
            more: true,
        }];
        let links = nav(Lang::Pl, &counts, Some("needs_reply"), |view| match view {
            Some(view) => format!("/tickets?view={view}"),
            None => "/tickets".to_owned(),
        });
        assert_eq!(links[1].count.as_deref(), Some("ponad 1000"));
        assert!(links[1].current && !links[0].current);
        assert_eq!(links[1].href, "/tickets?view=needs_reply");
    }
}
