"""The admins' pages and the people pages in a real browser: connecting an Allegro account
through the OAuth redirect (the simulator's authorize page approves as its signed-in seller),
its disconnected banner once the grant is revoked, an invitation accepted end to end (the link
read from the notifications the local notifier records in SQLite), the first-run page of a
fresh tenant, and asking the buyer to confirm on a dispute."""

import re
import sqlite3
import subprocess

from playwright.sync_api import expect

from conftest import BINARY, PASSWORD, sign_in, wait_for


def integration_named(desk, name):
    found = [i for i in desk.api_get("/v1/integrations")["integrations"]
             if i["display_name"] == name]
    return found[0] if found else None


def test_an_allegro_account_connects_through_the_oauth_redirect_and_shows_when_revoked(
        page, desk, screens):
    seller = desk.sim_post("/allegro/sellers", {"login": "drugi-sklep", "sign_in": True})
    page.get_by_role("link", name="Integracje").click()
    expect(page.get_by_role("heading", name="Integracje", exact=True)).to_be_visible()
    page.get_by_label("Serwis").select_option("allegro")
    page.get_by_label("Nazwa", exact=True).last.fill("Drugi sklep")
    page.get_by_label("Środowisko").select_option("sandbox")
    page.get_by_role("button", name="Dodaj", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Konto dodane")

    added = integration_named(desk, "Drugi sklep")

    def connection():
        return desk.api_get(f"/v1/integrations/{added['id']}")["connection"]["state"]

    # A link, not a form: the browser goes to Allegro's (the simulator's) authorize page,
    # which approves as the signed-in seller and sends it back to the callback.
    page.get_by_role("link", name="Połącz z Allegro (Drugi sklep)").click()
    page.wait_for_url(re.compile(r"/settings/integrations$"))
    expect(page.get_by_role("status")).to_contain_text("Konto Allegro połączone")
    assert connection() == "connected"
    # The account is named after the seller's login until renamed.
    card = page.locator("article.card", has=page.get_by_role("heading", name="drugi-sklep"))
    expect(card).to_contain_text("Połączone")
    card.get_by_label("Nazwa").fill("Drugi sklep")
    card.get_by_role("button", name="Zapisz (drugi-sklep)").click()
    expect(page.get_by_role("status")).to_contain_text("Zmiany zapisane")
    card = page.locator("article.card", has=page.get_by_role("heading", name="Drugi sklep"))
    expect(card).to_contain_text("Połączone")
    page.screenshot(path=str(screens / "settings-integrations.png"), full_page=True)

    # Its settings: the autoresponder's text previewed for a sample buyer, then saved.
    card.get_by_role("link", name="Ustawienia (Drugi sklep)").click()
    page.get_by_label("Treść automatycznej odpowiedzi").fill("Dzień dobry {buyer_login}, odpiszemy do 2 godzin.")
    page.get_by_role("button", name="Podgląd").click()
    expect(page.locator(".preview")).to_contain_text("Dzień dobry jan_kowalski, odpiszemy do 2 godzin.")
    page.get_by_label("Domyślna wiadomość z prośbą o potwierdzenie rozwiązania").fill(
        "Czy możemy uznać sprawę za rozwiązaną?")
    page.get_by_role("button", name="Zapisz").click()
    expect(page.get_by_role("status")).to_contain_text("Zmiany zapisane")
    saved = desk.api_get(f"/v1/integrations/{added['id']}")["settings"]
    assert saved["closure_message"] == "Czy możemy uznać sprawę za rozwiązaną?"
    assert saved["autoresponder"]["text"] == "Dzień dobry {buyer_login}, odpiszemy do 2 godzin."
    page.screenshot(path=str(screens / "settings-account.png"), full_page=True)
    page.get_by_role("link", name="Integracje", exact=True).first.click()

    # The seller withdraws the grant: the next poll (and refresh) marks the account.
    desk.sim_post(f"/allegro/sellers/{seller['id']}/revoke", {})
    wait_for("the account marked disconnected", lambda: connection() == "disconnected")
    page.reload()
    banner = card.get_by_role("alert")
    expect(banner).to_contain_text("Konto jest rozłączone i nie pobiera wiadomości")
    expect(card.get_by_role("link", name="Połącz z Allegro (Drugi sklep)")).to_be_visible()
    page.screenshot(path=str(screens / "settings-disconnected.png"), full_page=True)


def test_an_invitation_is_accepted_end_to_end(page, desk, browser, screens):
    page.get_by_role("link", name="Użytkownicy").click()
    page.get_by_label("Adres e-mail").fill("nowy@example.com")
    page.get_by_label("Nazwa").fill("Nowy")
    page.get_by_role("button", name="Zaproś").click()
    expect(page.get_by_role("status")).to_contain_text("Zaproszenie wysłane")
    expect(page.get_by_role("button", name="Wyślij zaproszenie ponownie (nowy@example.com)")).to_be_visible()
    page.screenshot(path=str(screens / "settings-users.png"), full_page=True)

    def link():
        with sqlite3.connect(desk.data / "marketdesk.sqlite") as db:
            rows = db.execute("SELECT body FROM notifications WHERE recipients LIKE ?",
                              ("%nowy@example.com%",)).fetchall()
        found = [re.search(r"http\S+/invitations/\S+", body) for (body,) in rows]
        return [m.group(0) for m in found if m]

    invitation = wait_for("the invitation e-mail", link)[-1]
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    guest = context.new_page()
    guest.goto(invitation)
    expect(guest.get_by_role("heading", name="Dołącz do marketdesk")).to_be_visible()
    guest.get_by_label("Imię i nazwisko").fill("Nowy Agent")
    guest.get_by_label("Nowe hasło").fill("krótkie")
    guest.evaluate("document.getElementById('password').removeAttribute('minlength')")
    guest.get_by_role("button", name="Przyjmij zaproszenie").click()
    expect(guest.get_by_role("alert")).to_contain_text("Co najmniej 10 znaków")
    guest.get_by_label("Nowe hasło").fill(PASSWORD)
    guest.get_by_role("button", name="Przyjmij zaproszenie").click()
    guest.wait_for_url(re.compile(r"/sign-in$"))
    expect(guest.get_by_role("status")).to_contain_text("Zaproszenie przyjęte")
    guest.get_by_label("Adres e-mail").fill("nowy@example.com")
    guest.get_by_label("Hasło").fill(PASSWORD)
    guest.get_by_role("button", name="Zaloguj się").click()
    guest.wait_for_url(re.compile(r"/tickets$"))
    expect(guest.get_by_role("navigation", name="Menu główne")).to_contain_text("Nowy Agent")
    # Agents do not see the settings.
    expect(guest.get_by_role("link", name="Użytkownicy")).to_have_count(0)
    context.close()


def test_a_fresh_tenant_is_walked_to_connecting_an_account(browser, desk, screens):
    subprocess.run(
        [str(BINARY), "user", "create", "--tenant", "nowa-firma", "--email", "szef@example.com",
         "--name", "Szef", "--role", "admin", "--password-stdin", "--data", str(desk.data)],
        input=PASSWORD + "\n", text=True, check=True, capture_output=True, timeout=60,
    )
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.goto(desk.api + "/sign-in")
    page.get_by_label("Adres e-mail").fill("szef@example.com")
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.wait_for_url(re.compile(r"/tickets$"))
    expect(page.get_by_role("heading", name="Witaj w marketdesk")).to_be_visible()
    page.screenshot(path=str(screens / "first-run.png"), full_page=True)
    page.get_by_role("link", name="Przejdź do integracji").click()
    page.wait_for_url(re.compile(r"/settings/integrations$"))
    expect(page.get_by_text("Brak połączonych kont.")).to_be_visible()
    context.close()


def test_asking_the_buyer_to_confirm_on_a_dispute_posts_an_end_request(page, desk):
    dispute = desk.ticket_of_kind("allegro_dispute")
    external = dispute["conversation"]["external_id"]
    page.goto(f"{desk.api}/tickets/{dispute['id']}")
    text = "Zwrot został zaksięgowany. Czy możemy zamknąć zgłoszenie?"
    page.get_by_label("Treść").fill(text)
    page.get_by_label("Poproś kupującego o potwierdzenie, że problem został rozwiązany").check()
    page.get_by_role("button", name="Wyślij").click()
    expect(page.get_by_role("status")).to_contain_text("Odpowiedź została przyjęta")

    def end_request():
        log = desk.sim_get(f"/allegro/inbox/posted?conversation_id={external}")["posted"]
        return [p for p in log if p["text"] == text and p["type"] == "END_REQUEST"]

    wait_for("END_REQUEST in the simulator's posted log", end_request)


def test_an_account_reconnects_with_a_code_through_the_device_flow(page, desk, screens):
    added = integration_named(desk, "Drugi sklep")
    assert added, "the OAuth test adds this account first"
    seller = [s for s in desk.sim_get("/allegro/sellers")["sellers"] if s["login"] == "drugi-sklep"][0]
    page.goto(desk.api + "/settings/integrations")
    page.get_by_role("button", name="Połącz kodem (bez publicznego adresu) (Drugi sklep)").click()
    expect(page.get_by_role("heading", name=re.compile("Połącz konto kodem"))).to_be_visible()
    code = page.locator("dd.code").inner_text().strip()
    expect(page.get_by_role("link", name=re.compile("skojarz-aplikacje"))).to_be_visible()
    page.screenshot(path=str(screens / "settings-device.png"), full_page=True)
    # The seller enters the code on Allegro's page (here: the simulator's control call).
    desk.sim_post(f"/allegro/device/{code}/approve", {"seller_id": seller["id"]})
    wait_for("the account connected again",
             lambda: desk.api_get(f"/v1/integrations/{added['id']}")["connection"]["state"]
             == "connected")
    page.goto(desk.api + "/settings/integrations")
    card = page.locator("article.card", has=page.get_by_role("heading", name="Drugi sklep"))
    expect(card).to_contain_text("Połączone")
    expect(card.get_by_role("alert")).to_have_count(0)


def test_an_empikplace_key_is_checked_before_the_account_is_added(page, desk):
    shop = desk.sim_post("/empik/shops", {"name": "Drugi Empik"})
    page.goto(desk.api + "/settings/integrations")
    page.get_by_label("Serwis").select_option("empikplace")
    page.get_by_label("Nazwa", exact=True).last.fill("Drugi Empik")
    page.get_by_label("Klucz API EmpikPlace").fill("to-nie-jest-klucz")
    page.get_by_role("button", name="Dodaj", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Nie zapisano")
    assert integration_named(desk, "Drugi Empik") is None
    page.get_by_label("Serwis").select_option("empikplace")
    page.get_by_label("Nazwa", exact=True).last.fill("Drugi Empik")
    page.get_by_label("Klucz API EmpikPlace").fill(shop["api_key"])
    page.get_by_role("button", name="Dodaj", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Konto dodane")
    assert integration_named(desk, "Drugi Empik")["connection"]["state"] == "connected"
