"""A seller lists an offer with two price breaks, publishes it and finds it on the public category page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_seller_publishes_an_offer_with_two_price_tiers(page: Page, live_server: str, screenshot):
    page.goto(live_server + "/login?lang=en")
    page.get_by_label("E-mail").fill("seller@demo.example")
    page.get_by_label("Password").fill("Demo-Market-2026")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="EN", exact=True).click()

    page.goto(live_server + "/offers/new")
    expect(page.get_by_role("heading", name="New offer")).to_be_visible()
    page.get_by_label("Title", exact=True).fill("Isopropyl alcohol 99.9% technical grade")
    page.get_by_label("Category", exact=True).select_option("industrial-solvents")
    page.get_by_label("Purity (%)").fill("99.9")
    page.get_by_label("Description").fill("<p>IBC 1000 l<script>alert(1)</script></p>")
    page.get_by_label("Unit of measure").select_option("l")
    page.get_by_label("Minimum order quantity").fill("0")
    page.get_by_label("Minimum order quantity").press("Tab")
    expect(page.get_by_text("Must be at least 1.")).to_be_visible()  # live validation by the server
    page.get_by_label("Minimum order quantity").fill("200")
    page.get_by_label("Minimum order quantity").press("Tab")
    expect(page.get_by_text("Must be at least 1.")).to_have_count(0)
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("Tier 1 from quantity").fill("200")
    page.get_by_label("Tier 1 unit price").fill("1.85")
    page.get_by_label("Tier 2 from quantity").fill("1000")
    page.get_by_label("Tier 2 unit price").fill("1.60")
    page.get_by_label("Lead time in days").fill("4")
    page.get_by_label("Incoterms rule").select_option("FCA")
    page.get_by_role("button", name="Save and publish").click()

    expect(page.get_by_text("The offer is published.")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Isopropyl alcohol 99.9% technical grade")
    ).to_be_visible()
    rows = page.locator(".price-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("200 l")
    expect(rows.nth(1)).to_contain_text("1000 l")
    expect(rows.nth(1)).to_contain_text("€1.60")
    expect(page.locator("script", has_text="alert(1)")).to_have_count(0)

    page.goto(live_server + "/categories/industrial-solvents")
    link = page.get_by_role("link", name="Isopropyl alcohol 99.9% technical grade")
    expect(link).to_be_visible()
    screenshot("listings-category-page")
    link.click()
    expect(page).to_have_url(re.compile(r"/offers/\d+$"))
    screenshot("listings-offer-detail")


def test_seller_imports_a_csv_and_watches_the_progress(page: Page, live_server: str, screenshot):
    header = "sku,title,category,unit,currency,moq,price_tiers,status\n"
    rows = "".join(
        f"E2E-{n:04d},Etykiety samoprzylepne partia {n},labels,pack,PLN,10,10=25.00;100=21.50,published\n"
        for n in range(1, 2601)
    )
    page.goto(live_server + "/login?lang=en")
    page.get_by_label("E-mail").fill("seller@demo.example")
    page.get_by_label("Password").fill("Demo-Market-2026")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="EN", exact=True).click()
    page.goto(live_server + "/offers/import")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "labels.csv", "mimeType": "text/csv", "buffer": (header + rows).encode()}]
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#import-progress")).to_be_visible()
    expect(page.get_by_text("Done: 2600 offers created, 0 updated.")).to_be_visible(timeout=60_000)
    screenshot("listings-csv-import")
