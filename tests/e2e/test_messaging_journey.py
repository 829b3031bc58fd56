"""A buyer writes to a supplier from an offer page, the supplier answers, the answer appears without a reload."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "Demo-Market-2026"


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login?lang=en")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|Zaloguj")).first.click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.locator("button[name=lang][value=en]").click()  # demo people may prefer Polish
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_buyer_contacts_supplier_and_sees_the_answer_live(
    page: Page, browser: Browser, live_server: str, screenshot
):
    seller_context = browser.new_context()
    seller = seller_context.new_page()
    try:
        _sign_in(seller, live_server, "seller@demo.example")
        # one of the seller's published offers, found through the public API
        company_id = seller_context.request.get(live_server + "/api/v1/companies/me").json()["id"]
        offers = seller_context.request.get(
            f"{live_server}/api/v1/offers?company_id={company_id}&limit=1"
        ).json()["items"]
        offer_title, offer_path = offers[0]["title"], f"/offers/{offers[0]['id']}"

        _sign_in(page, live_server, "buyer@demo.example")
        page.goto(live_server + offer_path)
        page.get_by_role("link", name="Contact supplier").click()
        expect(page.get_by_role("heading", name=re.compile(r"^Contact "))).to_be_visible()
        expect(page.get_by_label("Subject")).to_have_value(offer_title)
        page.get_by_label("Message", exact=True).fill(
            "Good morning, could you quote 40 units delivered to Poznań?"
        )
        page.get_by_label("Quantity").fill("40")
        page.get_by_label("Target price").fill("1250.00")
        page.get_by_label("Currency").select_option("PLN")
        page.get_by_role("button", name="Send message").click()
        expect(page.get_by_text("Your message is sent to")).to_be_visible()
        expect(page.get_by_role("link", name=offer_title)).to_be_visible()
        page.evaluate("window.__stillTheSamePage = true")

        seller.goto(live_server + "/messages")
        expect(seller.locator("[data-unread-badge]")).to_have_text("1")
        seller.get_by_role("link", name=offer_title).first.click()
        expect(seller.get_by_text("could you quote 40 units")).to_be_visible()
        seller.get_by_label("Message", exact=True).fill(
            "Yes: 40 units at 1,190 PLN each, delivery in 5 working days."
        )
        sent = time.monotonic()
        seller.get_by_role("button", name="Send reply").click()

        # the buyer's open thread shows the answer within 3 seconds, without reloading
        expect(page.get_by_text("delivery in 5 working days")).to_be_visible(timeout=3000)
        print(
            f"live delivery: answer visible to the buyer {time.monotonic() - sent:.2f} s after send"
        )
        expect(seller.get_by_text("delivery in 5 working days").first).to_be_visible()
        assert page.evaluate("window.__stillTheSamePage") is True
        screenshot("messaging-thread")
    finally:
        seller_context.close()
