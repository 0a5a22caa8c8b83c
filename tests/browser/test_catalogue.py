"""The catalogue page: products the ERP sent through the API, listed as table rows and found by
words of the name or by EAN from the search box."""

import re

from playwright.sync_api import expect


def test_products_from_the_erp_are_listed_and_found_by_name_and_ean(page, desk, screens):
    report = desk.api_send("PUT", "/v1/products", {"products": [
        {"sku": "KUB-BIALY", "name": "Kubek ceramiczny biały", "ean": "5901234123457",
         "stock": 12, "prices": {"Default": "19,90"}},
        {"sku": "TAL-26", "name": "Talerz płaski 26 cm", "stock": 0, "unit": "set"},
    ]})
    assert report["rejected"] == [], report

    page.goto(desk.api + "/tickets")
    page.get_by_role("link", name="Produkty").click()
    page.wait_for_url(re.compile(r"/products$"))
    rows = page.locator("table.tickets tbody tr")
    expect(rows.filter(has_text="KUB-BIALY")).to_contain_text("12 szt.")
    expect(rows.filter(has_text="KUB-BIALY")).to_contain_text("Default: 19.90")
    expect(rows.filter(has_text="TAL-26")).to_contain_text("0 kpl.")

    page.get_by_label("Szukaj produktu").fill("talerz")
    page.get_by_label("Szukaj produktu").press("Enter")
    page.wait_for_url(re.compile(r"q=talerz"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Talerz płaski 26 cm")

    page.get_by_label("Szukaj produktu").fill("5901234123457")
    page.get_by_label("Szukaj produktu").press("Enter")
    page.wait_for_url(re.compile(r"q=5901234123457"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("KUB-BIALY")
    page.screenshot(path=str(screens / "products-search-ean.png"))
