"""The list's views, search, live rows and keys, and the ticket's workflow controls."""

import re
import time
import urllib.parse

import pytest
from playwright.sync_api import expect

from conftest import AGENT, wait_for


def view_count(page, name):
    """The count shown on a view's link (e.g. "Moje 2" -> 2)."""
    text = page.get_by_role("link", name=re.compile(f"^{name} ")).first.inner_text()
    return int(text.rsplit(" ", 1)[1])


@pytest.fixture(scope="module")
def fresh(desk):
    """A conversation a new buyer opens on Allegro while the tests run: (login, text)."""
    return {"login": f"nowy-kupujacy-{int(time.time())}", "text": "Czy mogę odebrać paczkę osobiście?"}


def test_a_new_conversation_appears_in_the_list_without_a_reload(page, desk, fresh):
    page.goto(desk.api + "/tickets")
    page.evaluate("window.__stillTheSamePage = true")
    sellers = desk.sim_get("/allegro/sellers")["sellers"]
    buyer = desk.sim_post("/allegro/buyers", {"login": fresh["login"]})
    desk.sim_post("/allegro/inbox/threads", {
        "seller_id": sellers[0]["id"], "buyer_id": buyer["id"], "type": "COMMON",
        "text": fresh["text"]})
    row = page.locator("table.tickets tbody tr", has_text=fresh["login"])
    # A new conversation waits for the account's next read and the list's 5-second refresh.
    expect(row).to_have_count(1, timeout=30_000)
    assert page.evaluate("window.__stillTheSamePage === true"), "the page was reloaded"


def test_status_and_assignee_change_and_the_mine_view_counts_it(page, desk, fresh, screens):
    ticket = wait_for("the new buyer's ticket",
                      lambda: [t for t in desk.tickets() if t["buyer_login"] == fresh["login"]])[0]
    page.goto(desk.api + "/tickets")
    mine_before = view_count(page, "Moje")
    page.goto(f"{desk.api}/tickets/{ticket['id']}")
    expect(page.locator("#ticket-assignee")).to_have_text("Nikt")
    expect(page.locator("#ticket-sla")).to_contain_text("zostało")
    page.get_by_label("Status w marketdesk").select_option("pending")
    page.get_by_label("Przypisane do").select_option(label=AGENT)
    page.get_by_label("Priorytet").select_option("high")
    page.get_by_label("Tagi").fill("odbiór osobisty")
    page.get_by_role("button", name="Zapisz zmiany").click()
    expect(page.get_by_role("status")).to_contain_text("Zapisano zmiany zgłoszenia")
    expect(page.locator("#ticket-assignee")).to_have_text(AGENT)
    expect(page.locator("#ticket-status")).to_have_text("Czeka na kupującego")
    saved = desk.api_get(f"/v1/tickets/{ticket['id']}")["ticket"]
    assert (saved["status"], saved["priority"], saved["tags"]) == ("pending", "high", ["odbiór osobisty"])
    page.screenshot(path=str(screens / "ticket-controls.png"))

    page.goto(desk.api + "/tickets")
    assert view_count(page, "Moje") == mine_before + 1
    page.get_by_role("link", name=re.compile("^Moje ")).click()
    expect(page.locator("table.tickets tbody tr", has_text=fresh["login"])).to_have_count(1)
    expect(page.locator("table.tickets tbody tr", has_text=fresh["login"])).to_contain_text(AGENT)


def test_search_by_a_subject_word_from_the_keyboard(page, desk, screens):
    # The search box is the search service (GET /v1/search): ids, order ids, names, words.
    dispute = desk.ticket_of_kind("allegro_dispute")
    word = max(dispute["subject"].split(), key=len)
    page.keyboard.press("/")
    expect(page.get_by_label("Szukaj zgłoszeń")).to_be_focused()
    page.keyboard.type(word)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"[?&]q="))
    rows = page.locator("table.tickets tbody tr")
    expect(rows.filter(has=page.get_by_role("link", name=dispute["subject"]))).to_have_count(1)
    # Every row is one of the search service's answers.
    found = {hit["ticket"]["id"] for hit in
             desk.api_get("/v1/search?limit=50&q=" + urllib.parse.quote(word))["results"]}
    shown = {href.rsplit("/", 1)[1] for href in
             rows.locator("td:first-child a").evaluate_all("links => links.map(a => a.getAttribute('href'))")}
    assert shown and shown <= found, (shown, found)


def test_keys_move_through_the_list_open_a_ticket_and_focus_the_reply_box(page, desk, screens):
    page.screenshot(path=str(screens / "tickets-views.png"))
    page.keyboard.press("?")
    expect(page.get_by_role("heading", name="Skróty klawiszowe")).to_be_visible()
    page.screenshot(path=str(screens / "tickets-keys.png"))
    page.keyboard.press("Escape")
    expect(page.get_by_role("heading", name="Skróty klawiszowe")).to_be_hidden()
    rows = page.locator("table.tickets tbody tr")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile("selected"))
    href = rows.nth(0).locator("a").first.get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    page.keyboard.press("r")
    expect(page.get_by_label("Treść")).to_be_focused()
    page.get_by_role("heading", level=1).click()
    page.keyboard.press("c")
    expect(page.get_by_label("Treść")).to_be_focused()
    expect(page.get_by_label("Komentarz wewnętrzny (kupujący go nie zobaczy)")).to_be_checked()
