"""The offer pages in a real browser: the demo's Allegro account (a test-mode account on the
simulator) with its offers read once offers are switched on, listed as table rows with a link
to Allegro's test site; an offer linked to a catalogue product by SKU and its "do not
renew" switch turned off on its page; the product's page listing it; the account's offer
settings showing stock control, renewal and price sync as unavailable in test mode."""

import datetime
import re

from playwright.sync_api import expect

from conftest import wait_for


def allegro_account(desk):
    """The demo's Allegro account: the one its buyers' disputes came through."""
    integration = desk.ticket_of_kind("allegro_dispute")["integration_id"]
    return desk.api_get(f"/v1/integrations/{integration}")


def relative_luminance(rgb):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def rgb(css):
    return tuple(int(v) for v in re.findall(r"\d+", css)[:3])


def test_offers_are_listed_linked_to_a_product_and_the_test_mode_settings_are_unavailable(
        page, desk, screens):
    account = allegro_account(desk)
    sellers = desk.sim_get("/allegro/sellers")
    seller = sellers["signed_in"] or sellers["sellers"][0]["id"]
    ended_at = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    desk.sim_post("/allegro/offers", {
        "seller_id": seller, "name": "Dzbanek szklany 1 l", "ean": "5901234123488",
        "price": "39.00", "ended_at": ended_at.isoformat()})
    desk.api_send("PATCH", f"/v1/integrations/{account['id']}",
                  {"settings": {"offers": {"enabled": True}}})
    report = desk.api_send("PUT", "/v1/products", {"products": [
        {"sku": "KUBEK-300", "name": "Kubek ceramiczny biały 300 ml", "stock": 8,
         "prices": {"Default": "24,99"}},
    ]})
    assert report["rejected"] == [], report
    def read():
        found = desk.api_get(f"/v1/integrations/{account['id']}/offers")["offers"]
        return found if any(o["name"].startswith("Dzbanek") for o in found) else None

    offers = wait_for("the demo's offers read from the simulator", read, timeout=90)
    mug = next(o for o in offers if o["name"].startswith("Kubek ceramiczny"))

    page.get_by_role("link", name="Oferty", exact=True).click()
    page.wait_for_url(re.compile(r"/offers$"))
    if page.get_by_label("Konto Allegro").count():
        page.get_by_label("Konto Allegro").select_option(account["id"])
        page.get_by_role("button", name="Pokaż").click()
    rows = page.locator("table.offers tbody tr")
    expect(rows.filter(has_text="Kubek ceramiczny")).to_contain_text("Kup teraz")
    expect(page.locator(".notice")).to_contain_text("niedostępne w trybie testowym")
    link = rows.filter(has_text="Kubek ceramiczny").get_by_role("link", name="Zobacz w Allegro")
    expect(link).to_have_attribute(
        "href", f"https://allegro.pl.allegrosandbox.pl/oferta/{mug['id']}")
    # An ended offer's row is grey through its background and text colour (no opacity),
    # readable at 4.5:1 or more.
    ended = rows.filter(has_text="Dzbanek szklany")
    expect(ended).to_have_class(re.compile(r"\bended\b"))
    style = ended.locator("td").nth(1).evaluate("""c => { const s = getComputedStyle(c);
        return { bg: s.backgroundColor, fg: s.color, opacity: getComputedStyle(c.parentElement).opacity }; }""")
    assert style["opacity"] == "1", style
    assert rgb(style["bg"]) != (255, 255, 255), style
    assert contrast(rgb(style["fg"]), rgb(style["bg"])) >= 4.5, style
    expect(ended).to_contain_text("Zakończona")
    page.screenshot(path=str(screens / "offers.png"), full_page=True)
    page.get_by_label("Szukaj oferty").fill("czajnik")
    page.get_by_role("button", name="Pokaż").click()
    page.wait_for_url(re.compile(r"q=czajnik"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Czajnik")

    page.goto(desk.api + f"/offers?account={account['id']}")
    rows.filter(has_text="Kubek ceramiczny").get_by_role("link", name=mug["id"], exact=True).click()
    page.get_by_label("SKU produktu").fill("KUBEK-300")
    page.get_by_role("button", name="Powiąż").click()
    expect(page.get_by_role("status")).to_contain_text("Oferta została powiązana z produktem.")
    expect(page.locator("#offer-product")).to_contain_text("KUBEK-300")
    page.get_by_label("Nie wznawiaj automatycznie").uncheck()
    page.get_by_role("button", name="Zapisz").click()
    expect(page.get_by_role("status")).to_contain_text("Ustawienia oferty zostały zapisane.")
    expect(page.get_by_label("Nie wznawiaj automatycznie")).not_to_be_checked()
    stored = desk.api_get(f"/v1/integrations/{account['id']}/offers/{mug['id']}")
    assert stored["product_sku"] == "KUBEK-300" and stored["no_auto_renew"] is False, stored
    page.get_by_label("SKU produktu").fill("NIE-MA")
    page.get_by_role("button", name="Powiąż").click()
    expect(page.get_by_role("alert")).to_contain_text("Nie ma w katalogu produktu o SKU „NIE-MA”.")
    page.screenshot(path=str(screens / "offer.png"), full_page=True)

    page.locator("#offer-product").get_by_role("link", name="KUBEK-300").click()
    expect(page.get_by_role("heading", name="Oferty produktu")).to_be_visible()
    expect(page.locator("table.offers tbody tr")).to_contain_text(mug["id"])

    page.goto(desk.api + f"/settings/integrations/{account['id']}")
    stock = page.get_by_label(re.compile("Sterowanie stanami"))
    expect(stock).to_be_disabled()
    expect(page.locator("fieldset", has_text="Oferty Allegro")).to_contain_text(
        "niedostępne w trybie testowym")
    expect(page.get_by_label("Cennik konta")).to_have_value("Default")
    page.locator("fieldset", has_text="Oferty Allegro").screenshot(
        path=str(screens / "settings-offers.png"))

