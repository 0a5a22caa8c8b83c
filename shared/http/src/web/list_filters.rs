//! The ticket list's filters beyond source and status (account, queue, category, tag,
//! assignee), its order choices for every view and filter, and the hidden fields that keep
//! the view, filters and search when one of the list's forms is sent.

use super::i18n::Lang;
use super::ticket_list::{ListForm, ViewLink};
use marketdesk_core::domain::User;
use marketdesk_core::services::ticket_views::UNASSIGNED;
use marketdesk_core::services::views::ViewCount;

/// The words of these filters and the order (Polish first).
pub(crate) struct FilterWords {
    pub account: &'static str,
    pub queue: &'static str,
    pub category: &'static str,
    pub tag: &'static str,
    pub assignee: &'static str,
    pub unassigned: &'static str,
    pub any: &'static str,
    pub relevance: &'static str,
    pub by_activity: &'static str,
    pub by_deadline: &'static str,
    pub search_note: &'static str,
}

static PL: FilterWords = FilterWords {
    account: "Konto",
    queue: "Kolejka",
    category: "Kategoria",
    tag: "Etykieta",
    assignee: "Przypisane do",
    unassigned: "Nikogo (nieprzypisane)",
    any: "Wszystkie",
    relevance: "Trafność",
    by_activity: "Ostatnia aktywność",
    by_deadline: "Termin odpowiedzi (SLA)",
    search_note: "Wyniki wyszukiwania (do 50), zawężone widokiem i filtrami.",
};

static EN: FilterWords = FilterWords {
    account: "Account",
    queue: "Queue",
    category: "Category",
    tag: "Tag",
    assignee: "Assigned to",
    unassigned: "Nobody (unassigned)",
    any: "All",
    relevance: "Relevance",
    by_activity: "Latest activity",
    by_deadline: "Answer deadline (SLA)",
    search_note: "Search results (up to 50), narrowed by the view and the filters.",
};

/// These filters' words in `lang`.
pub(crate) fn words(lang: Lang) -> &'static FilterWords {
    match lang {
        Lang::Pl => &PL,
        Lang::En => &EN,
    }
}

/// One option of a select whose values come from the tenant's data.
pub(crate) struct Pick {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// What the list page adds to its filters form and search box.
pub(crate) struct MoreFilters {
    pub w: &'static FilterWords,
    pub accounts: Vec<Pick>,
    pub queues: Vec<Pick>,
    pub assignees: Vec<Pick>,
    pub category: String,
    pub tag: String,
    /// Hidden fields of the search box: the view, the filters and the order.
    pub keep_in_search: Vec<(&'static str, String)>,
    /// Hidden fields of the filters form: the view, the search and the order.
    pub keep_in_filters: Vec<(&'static str, String)>,
    /// Whether the rows are search results.
    pub searching: bool,
}

/// A select's options: "any" first, then `choices` (value, label), `current` selected (kept
/// even when no longer among the choices, so a filter never silently disappears).
fn options(any: &str, choices: Vec<(String, String)>, current: &str) -> Vec<Pick> {
    let current = current.trim();
    let mut all = vec![Pick {
        value: String::new(),
        label: any.to_owned(),
        selected: current.is_empty(),
    }];
    let known = choices.iter().any(|(value, _)| value == current);
    all.extend(choices.into_iter().map(|(value, label)| Pick {
        selected: value == current,
        value,
        label,
    }));
    if !current.is_empty() && !known {
        all.push(Pick {
            value: current.to_owned(),
            label: current.to_owned(),
            selected: true,
        });
    }
    all
}

/// The extra filters of the list `form` shows: accounts, the queues in use (from the view
/// counts), the tenant's active people, and what the forms must carry along.
pub(crate) fn more(
    lang: Lang,
    form: &ListForm,
    accounts: &[(String, String)],
    people: &[User],
    counts: &[ViewCount],
) -> MoreFilters {
    let w = words(lang);
    let queues = counts
        .iter()
        .filter_map(|c| c.name.strip_prefix("queue:"))
        .map(|q| (q.to_owned(), q.to_owned()))
        .collect();
    let mut assignees = vec![(UNASSIGNED.to_owned(), w.unassigned.to_owned())];
    assignees.extend(
        people
            .iter()
            .filter(|u| u.active)
            .map(|u| (u.id.to_string(), u.name.clone())),
    );
    let filter_names = [
        "source",
        "status",
        "needs_reply",
        "last_author",
        "delivery",
        "integration",
        "queue",
        "category",
        "tag",
        "assignee",
    ];
    MoreFilters {
        w,
        accounts: options(w.any, accounts.to_vec(), &form.integration),
        queues: options(w.any, queues, &form.queue),
        assignees: options(w.any, assignees, &form.assignee),
        category: form.category.trim().to_owned(),
        tag: form.tag.trim().to_owned(),
        keep_in_search: form.pairs(&["q"]),
        keep_in_filters: form.pairs(&filter_names),
        searching: form.search().is_some(),
    }
}

/// The order choices of the list as it is (view, filters, search kept): last activity (the
/// search's own order while searching) and the SLA deadline.
pub(crate) fn sorts(lang: Lang, form: &ListForm) -> Vec<ViewLink> {
    let w = words(lang);
    let mut choices = Vec::new();
    if form.search().is_some() {
        choices.push(("", w.relevance));
        choices.push(("activity", w.by_activity));
    } else {
        choices.push(("", w.by_activity));
    }
    choices.push(("respond_by", w.by_deadline));
    let current = match form.sort.as_str() {
        "activity" if form.search().is_none() => "",
        "activity" | "respond_by" => form.sort.as_str(),
        _ => "",
    };
    choices
        .into_iter()
        .map(|(sort, label)| ViewLink {
            href: ListForm {
                sort: sort.to_owned(),
                cursor: String::new(),
                ..form.clone()
            }
            .href(None),
            label: label.to_owned(),
            count: None,
            current: sort == current,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(query: &str) -> ListForm {
        serde_urlencoded::from_str(query).expect("a list form")
    }

    #[test]
    fn the_order_links_keep_the_view_filters_and_search() {
        let links = sorts(Lang::En, &form("view=mine&queue=Zwroty&q=123&cursor=abc"));
        let hrefs: Vec<&str> = links.iter().map(|l| l.href.as_str()).collect();
        assert_eq!(
            hrefs,
            [
                "/tickets?view=mine&q=123&queue=Zwroty",
                "/tickets?view=mine&sort=activity&q=123&queue=Zwroty",
                "/tickets?view=mine&sort=respond_by&q=123&queue=Zwroty",
            ]
        );
        assert!(links[0].current && links[0].label == "Relevance");
        let plain = sorts(Lang::Pl, &form("status=open&sort=respond_by"));
        assert_eq!(plain.len(), 2);
        assert!(plain[1].current && !plain[0].current);
        assert_eq!(plain[1].href, "/tickets?sort=respond_by&status=open");
    }

    #[test]
    fn the_filters_form_carries_the_view_search_and_order_and_the_search_box_the_filters() {
        let shown = more(
            Lang::Pl,
            &form("view=mine&sort=respond_by&q=kubek&tag=VIP&integration=a1"),
            &[("a1".into(), "Sklep".into())],
            &[],
            &[],
        );
        assert_eq!(
            shown.keep_in_filters,
            [
                ("view", "mine".to_owned()),
                ("sort", "respond_by".to_owned()),
                ("q", "kubek".to_owned())
            ]
        );
        assert_eq!(
            shown.keep_in_search,
            [
                ("view", "mine".to_owned()),
                ("sort", "respond_by".to_owned()),
                ("integration", "a1".to_owned()),
                ("tag", "VIP".to_owned())
            ]
        );
        assert!(shown.searching);
        assert_eq!(shown.tag, "VIP");
        assert!(shown.accounts[1].selected);
    }

    #[test]
    fn a_filter_value_no_longer_offered_stays_selected() {
        let options = options("any", vec![("a".into(), "A".into())], "gone");
        let selected: Vec<&str> = options
            .iter()
            .filter(|o| o.selected)
            .map(|o| o.value.as_str())
            .collect();
        assert_eq!(selected, ["gone"]);
    }
}
