"""The ticket list: search by order id through the search service, and the account, queue,
category, tag and assignee filters combined with a view and the SLA-deadline order."""

import re
import urllib.parse

from playwright.sync_api import expect

from conftest import wait_for


def shown_ids(page):
    """The ticket ids of the list's rows, in order."""
    hrefs = page.locator("table.tickets tbody tr td:first-child a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    return [href.rsplit("/", 1)[1] for href in hrefs]


def test_an_order_id_typed_in_the_search_box_finds_its_ticket(page, desk, screens):
    dispute = wait_for("an Allegro dispute with its order",
                       lambda: [t for t in desk.tickets() if t["conversation"]["kind"] == "allegro_dispute"
                                and t["order_id"]])[0]
    page.goto(desk.api + "/tickets")
    page.get_by_label("Szukaj zgłoszeń").fill(dispute["order_id"])
    page.get_by_label("Szukaj zgłoszeń").press("Enter")
    page.wait_for_url(re.compile(r"[?&]q="))
    expect(page.locator("#search-note")).to_be_visible()
    assert dispute["id"] in shown_ids(page)
    for ticket_id in shown_ids(page):
        found = desk.api_get(f"/v1/tickets/{ticket_id}")["ticket"]
        assert found["order_id"] == dispute["order_id"], found
    page.screenshot(path=str(screens / "tickets-search-order.png"))

    # EmpikPlace: the order id, or the commercial id the buyer sees (without the shop suffix).
    empik = wait_for("an EmpikPlace thread with its order",
                     lambda: [t for t in desk.tickets("&source=empikplace") if t["order_id"]])[0]
    commercial = empik["order_id"].rsplit("-", 1)[0]
    page.get_by_label("Szukaj zgłoszeń").fill(commercial)
    page.get_by_label("Szukaj zgłoszeń").press("Enter")
    page.wait_for_url(re.compile(r"q=" + re.escape(urllib.parse.quote(commercial))))
    assert empik["id"] in shown_ids(page)


def test_filters_combine_with_a_view_and_the_deadline_order(page, desk, screens):
    empik = desk.ticket_of_kind("empik_thread")
    integrations = desk.api_get("/v1/integrations")["integrations"]
    shop = next(i for i in integrations if i["id"] == empik["integration_id"])
    page.goto(desk.api + "/tickets")
    page.get_by_label("Konto").select_option(label=shop["display_name"])
    page.get_by_role("button", name="Filtruj").click()
    page.wait_for_url(re.compile(r"[?&]integration="))
    ids = shown_ids(page)
    assert empik["id"] in ids
    expected = [t["id"] for t in desk.tickets("&integration=" + shop["id"])][: len(ids)]
    assert ids == expected

    # A view keeps the filter; the deadline order is offered there as everywhere.
    page.get_by_role("link", name=re.compile("^Nieprzypisane ")).click()
    page.wait_for_url(re.compile(r"view=unassigned.*integration=|integration=.*view=unassigned"))
    page.get_by_role("link", name="Termin odpowiedzi (SLA)").click()
    page.wait_for_url(re.compile(r"sort=respond_by"))
    query = f"&view=unassigned&integration={shop['id']}&sort=respond_by"
    assert shown_ids(page) == [t["id"] for t in desk.tickets(query)]
    assert all(t["integration_id"] == shop["id"] for t in desk.tickets(query))
    page.screenshot(path=str(screens / "tickets-filters.png"))

    # Assignee "nobody", a tag nobody uses, a queue: each narrows the same list.
    page.get_by_label("Przypisane do").select_option(value="none")
    page.get_by_label("Etykieta").fill("etykieta-ktorej-nie-ma")
    page.get_by_role("button", name="Filtruj").click()
    page.wait_for_url(re.compile(r"tag=etykieta"))
    expect(page.locator("#no-tickets")).to_be_visible()
    assert "view=unassigned" in page.url and "sort=respond_by" in page.url
