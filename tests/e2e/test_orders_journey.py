"""A trade in the browser: the buyer orders, the seller confirms, the buyer pays by bank transfer,
the operator records the money, the seller ships, the buyer confirms delivery, the seller sees the
released amount, and the buyer rates the supplier."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "Demo-Market-2026"


def _database(server_env: dict) -> Path:
    return Path(server_env["INSTANCE_PATH"]) / "marketplace.db"


def wait_for_jobs(server_env: dict, seconds: float = 30) -> None:
    """Let the server's in-process job worker send the queued notification e-mails first.

    On SQLite a request that reads and then writes fails with "database is locked" when the
    worker commits in between (a WAL snapshot cannot be upgraded), so the journey does not
    sign in while the worker drains the burst of e-mails the demo orders queued."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        conn = sqlite3.connect(_database(server_env))
        try:
            soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
            now = soon.strftime("%Y-%m-%d %H:%M:%S.%f")
            busy = conn.execute(
                "SELECT count(*) FROM jobs WHERE status IN ('pending', 'running') AND run_at <= ?",
                (now,),
            ).fetchone()[0]
        finally:
            conn.close()
        if not busy:
            return
        time.sleep(0.2)


def sign_in(page: Page, base: str, email: str, server_env: dict) -> None:
    wait_for_jobs(server_env)
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="EN", exact=True).click()  # demo people may prefer Polish
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sellers_offer(server_env: dict) -> int:
    """A published, priced offer of the demo seller's company, read from the demo database."""
    conn = sqlite3.connect(_database(server_env))
    try:
        row = conn.execute(
            "SELECT offers.id FROM offers JOIN users ON users.company_id = offers.company_id "
            "WHERE users.email = 'seller@demo.example' AND offers.status = 'published' "
            "AND offers.price_on_request = 0 "
            "AND EXISTS (SELECT 1 FROM offer_price_tiers WHERE offer_price_tiers.offer_id = offers.id) "
            "ORDER BY offers.id DESC LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    return row[0]


def test_order_paid_by_bank_transfer_released_and_rated(
    page: Page, live_server: str, server_env: dict, screenshot
):
    offer_id = sellers_offer(server_env)

    sign_in(page, live_server, "buyer@demo.example", server_env)
    page.goto(f"{live_server}/offers/{offer_id}")
    page.locator("#order-offer").click()
    expect(page.get_by_role("heading", name=re.compile("^Order:"))).to_be_visible()
    page.get_by_role("button", name="Place order").click()
    expect(page.locator("#order-status")).to_have_text("placed")
    order_url = page.url

    sign_in(page, live_server, "seller@demo.example", server_env)
    page.goto(order_url)
    page.get_by_role("button", name="Confirm order").click()
    expect(page.locator("#order-status")).to_have_text("confirmed")

    sign_in(page, live_server, "buyer@demo.example", server_env)
    page.goto(order_url)
    page.get_by_label("Bank transfer").check()
    page.get_by_role("button", name="Continue to payment").click()
    reference = page.locator("#payment-reference").inner_text()
    assert reference.startswith("MP-")

    sign_in(page, live_server, "operator@demo.example", server_env)
    page.goto(live_server + "/admin/bank-receipts")
    row = page.locator(f"tr[data-reference='{reference}']")
    row.locator("input[name=amount]").fill(row.get_attribute("data-due"))
    row.get_by_role("button", name="Record").click()
    expect(page.get_by_text(f"Receipt recorded for {reference}.")).to_be_visible()

    sign_in(page, live_server, "seller@demo.example", server_env)
    page.goto(order_url)
    expect(page.locator("#order-status")).to_have_text("funded")
    page.get_by_label("Carrier").fill("DHL Freight")
    page.get_by_label("Tracking number").fill("JD014600006281")
    page.get_by_role("button", name="Mark as shipped").click()
    expect(page.locator("#order-status")).to_have_text("shipped")

    sign_in(page, live_server, "buyer@demo.example", server_env)
    page.goto(order_url)
    page.get_by_role("button", name="Confirm delivery and release payment").click()
    expect(page.locator("#order-status")).to_have_text("completed")

    sign_in(page, live_server, "seller@demo.example", server_env)
    page.goto(order_url)
    released = page.locator("#escrow-released").inner_text()
    assert re.search(r"[1-9]", released), released
    expect(page.locator("#documents")).to_contain_text("Invoice FV/")

    sign_in(page, live_server, "buyer@demo.example", server_env)
    page.goto(order_url)
    stars = page.locator("#review-form fieldset.stars")
    for index, value in enumerate(("5", "4", "5")):
        stars.nth(index).get_by_label(value, exact=True).check()
    page.get_by_label("Comment").fill("Well packed, arrived on time.")
    page.get_by_role("button", name="Rate the supplier").click()
    expect(page.get_by_text("Thank you for rating the supplier.")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("completed")
    page.locator("#timeline").scroll_into_view_if_needed()
    screenshot("orders-timeline")
