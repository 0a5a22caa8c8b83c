"""End to end through the web workspace: sign in, the list, a ticket, replies and comments."""

import re
import time

from playwright.sync_api import expect

from conftest import AGENT, EMAIL, PASSWORD, wait_for

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def test_sign_in_page_is_polish_secure_and_signs_in(browser, desk, screens):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    answer = page.goto(desk.api + "/")
    assert page.url.endswith("/sign-in")
    assert page.locator("html").get_attribute("lang") == "pl"
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "form-action" not in policy
    stylesheet = page.locator("link[rel=stylesheet]").get_attribute("href")
    assert re.fullmatch(r"/assets/app\.[0-9a-f]{16}\.css", stylesheet)
    asset = context.request.get(desk.api + stylesheet)
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    page.screenshot(path=str(screens / "sign-in.png"))

    page.get_by_label("Adres e-mail").fill(EMAIL)
    page.get_by_label("Hasło").fill("not-the-password")
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_role("alert")).to_contain_text("Nieprawidłowy adres e-mail lub hasło")

    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.wait_for_url(re.compile(r"/tickets$"))
    expect(page.get_by_role("heading", name="Zgłoszenia")).to_be_visible()
    expect(page.get_by_role("navigation", name="Menu główne")).to_contain_text(AGENT)

    page.get_by_role("link", name="Język: English").click()
    expect(page.get_by_role("heading", name="Tickets")).to_be_visible()
    page.get_by_role("link", name="Language: Polski").click()
    expect(page.get_by_role("heading", name="Zgłoszenia")).to_be_visible()

    page.get_by_role("button", name="Wyloguj").click()
    page.wait_for_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("status")).to_contain_text("Wylogowano")
    page.goto(desk.api + "/tickets")
    assert page.url.endswith("/sign-in")
    context.close()


def test_both_marketplaces_are_listed_and_filtered_by_source(page, desk, screens):
    rows = page.locator("table.tickets tbody tr")
    expect(rows.filter(has_text="EmpikPlace").first).to_be_visible()
    expect(rows.filter(has_text="Allegro").first).to_be_visible()
    dispute = desk.ticket_of_kind("allegro_dispute")
    row = rows.filter(has=page.get_by_role("link", name=dispute["subject"]))
    expect(row.first).to_contain_text(dispute["buyer_login"])
    page.screenshot(path=str(screens / "tickets.png"), full_page=True)

    page.get_by_label("Źródło").select_option("empikplace")
    page.get_by_role("button", name="Filtruj").click()
    page.wait_for_url(re.compile(r"source=empikplace"))
    sources = rows.evaluate_all("rows => rows.map(r => r.dataset.source)")
    assert sources and set(sources) == {"empikplace"}, sources
    expect(rows.first).to_contain_text("Empik ID")


def test_tickets_answered_only_by_the_autoresponder_are_grey(page, desk):
    # The demo's agent answers the dispute a few seconds in: then a row is not grey.
    wait_for("a ticket a person answered",
             lambda: [t for t in desk.tickets() if t["last_author"] != "autoresponder"])
    page.reload()
    grey = page.locator("table.tickets tbody tr.auto")
    expect(grey.first).to_be_visible()
    cell = grey.first.locator("td").first
    style = cell.evaluate(
        "td => { const s = getComputedStyle(td); "
        "return [s.backgroundColor, s.color, s.opacity, getComputedStyle(td.parentElement).opacity]; }")
    assert style == ["rgb(229, 231, 235)", "rgb(55, 65, 81)", "1", "1"], style
    expect(grey.first).to_contain_text("Autoresponder")
    other = page.locator("table.tickets tbody tr:not(.auto) td").first
    assert other.evaluate("td => getComputedStyle(td).backgroundColor") != style[0]


def test_a_reply_with_a_pdf_reaches_the_marketplace_and_turns_sent(page, desk, screens):
    dispute = desk.ticket_of_kind("allegro_dispute")
    page.goto(f"{desk.api}/tickets/{dispute['id']}")
    expect(page.get_by_text("Jeden plik do 2 MiB")).to_be_visible()
    expect(page.get_by_label("Poproś kupującego o potwierdzenie, że problem został rozwiązany")).to_be_visible()
    text = "Przesyłamy fakturę korygującą w załączniku."
    page.get_by_label("Treść").fill(text)
    page.get_by_label("Załącznik (jeden plik)").set_input_files(
        files=[{"name": "faktura.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="Wyślij").click()
    expect(page.get_by_role("status")).to_contain_text("Odpowiedź została przyjęta")

    external = dispute["conversation"]["external_id"]

    def posted():
        log = desk.sim_get(f"/allegro/inbox/posted?conversation_id={external}")["posted"]
        return [p for p in log if p["text"] == text]

    mine = wait_for("the reply in the simulator's posted log", posted)
    assert [a["file_name"] for a in mine[0]["attachments"]] == ["faktura.pdf"]

    article = page.locator("article.message", has_text=text)

    def sent():
        page.reload()
        return article.locator(".state.sent").count() == 1

    wait_for("the reply shown as sent", sent, every=0.5)
    expect(article).to_contain_text("Sprzedawca przez marketdesk")
    expect(article).to_contain_text(AGENT)
    expect(article.get_by_role("link", name="faktura.pdf")).to_have_attribute(
        "href", re.compile(r"^/v1/tickets/.+/attachments/.+"))
    expect(page.locator("article.message.buyer").first).to_contain_text("Kupujący")
    page.screenshot(path=str(screens / "ticket.png"), full_page=True)

    replies_before = len(desk.api_get(f"/v1/tickets/{dispute['id']}")["messages"])
    page.get_by_label("Treść").fill("<b>Dzień dobry</b>")
    page.get_by_role("button", name="Wyślij").click()
    expect(page.get_by_role("alert")).to_contain_text("znaczniki HTML nie są dozwolone")
    expect(page.get_by_label("Treść")).to_have_value("<b>Dzień dobry</b>")
    assert len(desk.api_get(f"/v1/tickets/{dispute['id']}")["messages"]) == replies_before


def test_an_internal_comment_is_shown_and_nothing_is_posted(page, desk):
    thread = desk.ticket_of_kind("empik_thread")
    external = thread["conversation"]["external_id"]
    before = len(desk.sim_get(f"/empik/threads/{external}/posted")["posted"])
    page.goto(f"{desk.api}/tickets/{thread['id']}")
    page.get_by_label("Komentarz wewnętrzny (kupujący go nie zobaczy)").check()
    note = "Klientka dzwoniła, lampka wyjdzie jutro."
    page.get_by_label("Treść").fill(note)
    page.get_by_role("button", name="Wyślij").click()
    expect(page.get_by_role("status")).to_contain_text("Dodano komentarz")
    comment = page.locator("article.message.comment", has_text=note)
    expect(comment).to_contain_text(AGENT)
    expect(comment).to_contain_text("widoczny tylko dla zespołu")
    time.sleep(2)  # four poll intervals: a reply would have been posted by now
    assert len(desk.sim_get(f"/empik/threads/{external}/posted")["posted"]) == before


def test_a_conversation_the_marketplace_closed_takes_only_comments(page, desk, screens):
    problem = desk.ticket_of_kind("allegro_purchase_problem")
    desk.sim_post(f"/allegro/inbox/threads/{problem['conversation']['external_id']}/close", {})
    wait_for("the ticket to see the conversation closed",
             lambda: not desk.api_get(f"/v1/tickets/{problem['id']}")["ticket"]["open_for_replies"])
    page.goto(f"{desk.api}/tickets/{problem['id']}")
    expect(page.get_by_role("note")).to_contain_text("możesz dodać tylko komentarz wewnętrzny")
    expect(page.get_by_label("Odpowiedź do kupującego")).to_have_count(0)
    expect(page.get_by_label("Załącznik (jeden plik)")).to_have_count(0)
    page.get_by_label("Treść").fill("Zamknięte przez Allegro, sprawdzić zwrot.")
    page.get_by_role("button", name="Dodaj komentarz").click()
    expect(page.get_by_role("status")).to_contain_text("Dodano komentarz")
    page.screenshot(path=str(screens / "ticket-closed.png"), full_page=True)


def focus_by_tab(page, matches, limit=60):
    """Presses Tab until `matches(focused element)` is true; fails after `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const e = document.activeElement; return {matches}; }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {matches}")


def test_the_reply_path_works_by_keyboard_alone(page, desk):
    thread = desk.ticket_of_kind("empik_thread")
    external = thread["conversation"]["external_id"]
    page.goto(desk.api + "/tickets?source=empikplace")
    focus_by_tab(page, f"e.getAttribute('href') === '/tickets/{thread['id']}'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(f"/tickets/{thread['id']}$"))
    focus_by_tab(page, "e.id === 'text'")
    text = "Lampka została wysłana dziś rano, numer przesyłki w panelu."
    page.keyboard.type(text)
    focus_by_tab(page, "e.tagName === 'BUTTON' && e.textContent.trim() === 'Wyślij'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Odpowiedź została przyjęta")
    expect(page.locator("article.message.seller", has_text=text)).to_be_visible()
    wait_for("the keyboard reply in EmpikPlace's posted log",
             lambda: [p for p in desk.sim_get(f"/empik/threads/{external}/posted")["posted"]
                      if text in str(p)])
