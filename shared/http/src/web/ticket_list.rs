//! The ticket list's views with their counts (`services::views`), its sort, search box and
//! the SLA and assignee columns. The list itself is `pages::tickets`; this module holds
//! what it adds on top of the filters.

use super::i18n::Lang;
use marketdesk_core::domain::reply_state::DeliveryFilter;
use marketdesk_core::domain::{AuthorKind, Marketplace, TicketStatus};
use marketdesk_core::ids::{self, IntegrationId};
use marketdesk_core::services::ticket_views::{TicketQuery, ViewSort};
use marketdesk_core::services::views::ViewCount;
use serde::Deserialize;

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

/// The list's filters as the GET form sends them (empty = any; unknown values are ignored).
#[derive(Deserialize, Default, Clone)]
pub(crate) struct ListForm {
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub needs_reply: String,
    #[serde(default)]
    pub last_author: String,
    #[serde(default)]
    pub delivery: String,
    #[serde(default)]
    pub integration: String,
    #[serde(default)]
    pub queue: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub assignee: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub view: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub cursor: String,
}

impl ListForm {
    /// The order asked for (`None`: last activity, or the search's order when searching).
    pub(crate) fn sort(&self) -> Option<ViewSort> {
        match self.sort.as_str() {
            "respond_by" => Some(ViewSort::RespondBy),
            "activity" => Some(ViewSort::Activity),
            _ => None,
        }
    }

    /// What the search box holds, trimmed (`None` when empty).
    pub(crate) fn search(&self) -> Option<&str> {
        Some(self.q.trim()).filter(|q| !q.is_empty())
    }

    /// The list's query: the view, every filter and the order combine; the search box goes
    /// to the search service (`workspace::rows`), not to the list's subject filter.
    pub(crate) fn query(&self) -> TicketQuery {
        let text = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        TicketQuery {
            view: text(&self.view),
            sort: self.sort(),
            source: match self.source.as_str() {
                "allegro" => Some(Marketplace::Allegro),
                "empikplace" => Some(Marketplace::Empik),
                _ => None,
            },
            status: match self.status.as_str() {
                "open" => Some(TicketStatus::Open),
                "pending" => Some(TicketStatus::Pending),
                "solved" => Some(TicketStatus::Solved),
                "closed" => Some(TicketStatus::Closed),
                _ => None,
            },
            needs_reply: match self.needs_reply.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            last_author: (self.last_author == "autoresponder").then_some(AuthorKind::Autoresponder),
            delivery: (self.delivery == "failed").then_some(DeliveryFilter::Failed),
            integration: Some(self.integration.trim())
                .filter(|id| ids::is_well_formed(id))
                .map(IntegrationId::from),
            queue: text(&self.queue),
            category: text(&self.category),
            tag: text(&self.tag),
            assignee: text(&self.assignee),
            cursor: text(&self.cursor),
            ..TicketQuery::default()
        }
    }

    /// This list's address starting at `cursor`.
    pub(crate) fn href(&self, cursor: Option<&str>) -> String {
        self.href_at("/tickets", cursor)
    }

    /// The fields this list is narrowed by, as (name, value) pairs, `except` left out.
    pub(crate) fn pairs(&self, except: &[&str]) -> Vec<(&'static str, String)> {
        [
            ("view", self.view.trim()),
            ("sort", self.sort.as_str()),
            ("q", self.q.trim()),
            ("source", &self.source),
            ("status", &self.status),
            ("needs_reply", &self.needs_reply),
            ("last_author", &self.last_author),
            ("delivery", &self.delivery),
            ("integration", self.integration.trim()),
            ("queue", self.queue.trim()),
            ("category", self.category.trim()),
            ("tag", self.tag.trim()),
            ("assignee", self.assignee.trim()),
        ]
        .into_iter()
        .filter(|(name, value)| !value.is_empty() && !except.contains(name))
        .map(|(name, value)| (name, value.to_owned()))
        .collect()
    }

    /// This list's address under `path` (the page or its rows) starting at `cursor`.
    pub(crate) fn href_at(&self, path: &str, cursor: Option<&str>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in self.pairs(&[]) {
            query.append_pair(name, &value);
        }
        if let Some(cursor) = cursor {
            query.append_pair("cursor", cursor);
        }
        let query = query.finish();
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        }
    }
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
