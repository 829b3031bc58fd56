"""A buyer looks for a supplier: suggestions while typing, results with facets, a filter chip."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_buyer_finds_suppliers_with_suggestions_and_facets(
    page: Page, live_server: str, screenshot
):
    page.goto(live_server + "/")
    page.get_by_role("link", name="Find suppliers").click()
    expect(page.get_by_role("heading", name="Search suppliers")).to_be_visible()
    box = page.get_by_role("searchbox", name="Search")
    box.fill("steelw")
    expect(page.locator(".suggestions a").first).to_be_visible()
    screenshot("search-suggestions")
    box.fill("steelworks")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/suppliers\?q=steelworks"))
    expect(page.locator(".results li").first).to_be_visible()
    expect(page.locator(".results mark").first).to_be_visible()
    page.locator(".facet").filter(has_text="Country").locator("a").first.click()
    expect(page.locator(".chips .chip").first).to_be_visible()
    screenshot("search-suppliers-filtered")
    page.locator(".results .card-title a").first.click()
    expect(page.get_by_role("heading", name="Similar suppliers")).to_be_visible()
    screenshot("search-similar-suppliers")
    page.goto(live_server + "/search?q=zzzqqq")
    expect(page.get_by_text("No offer matches.")).to_be_visible()


def test_buyer_searches_offers_from_the_home_page(page: Page, live_server: str, screenshot):
    page.goto(live_server + "/")
    page.get_by_role("searchbox", name="Search offers").fill("rury stalowe")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search\?q=rury"))
    expect(page.locator(".offer-card").first).to_be_visible()
    expect(page.locator(".offer-card mark").first).to_be_visible()
    # The sort control submits itself from a deferred script: act once it has run.
    page.wait_for_load_state("load")
    page.get_by_label("Sort").select_option("price_asc")
    expect(page).to_have_url(re.compile(r"sort=price_asc"))
    page.locator(".facet").filter(has_text="Minimum order").locator("a").first.click()
    expect(page.locator(".chips .chip").first).to_be_visible()
    screenshot("search-offers-filtered")
    page.locator(".offer-card .card-title a").first.click()
    expect(page).to_have_url(re.compile(r"/offers/\d+$"))
