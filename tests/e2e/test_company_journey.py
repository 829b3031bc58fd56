"""A newcomer registers their company, fills in the profile and finds it in the directory."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_register_edit_profile_find_in_directory(page: Page, live_server: str, screenshot):
    page.goto(live_server + "/signup")
    page.get_by_label("Company name").fill("Zakład Mechaniki Precyzyjnej Łódź")
    page.get_by_label("Country").select_option("PL")
    page.get_by_label("Your full name").fill("Ewa Tokarska")
    page.get_by_label("Work e-mail").fill("ewa@zmp-lodz.example")
    page.get_by_label("Password").fill("Tokarka-2026!")
    page.get_by_label("I accept the marketplace terms").check()
    page.get_by_role("button", name="Create company account").click()

    expect(page.get_by_role("heading", name="Edit company profile")).to_be_visible()
    page.get_by_label("Legal name").fill("ZMP Łódź sp. z o.o.")
    page.get_by_label("NIP").fill("526-025-02-74")
    page.get_by_label("About the company").fill(
        "<p>CNC turning and milling<script>alert(1)</script></p>"
    )
    page.get_by_label("Machinery and equipment").check()
    page.get_by_label("City").fill("Łódź")
    page.get_by_label("Street and number").fill("ul. Tokarska 7")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("The company profile is saved.")).to_be_visible()

    page.goto(live_server + "/companies?industry=machinery&country=PL")
    link = page.locator("main").get_by_role("link", name="Zakład Mechaniki Precyzyjnej Łódź")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/companies/zaklad-mechaniki-precyzyjnej-lodz$"))
    expect(page.get_by_text("CNC turning and milling")).to_be_visible()
    expect(page.locator("script", has_text="alert(1)")).to_have_count(0)
    screenshot("company-journey")


def test_phone_layout_has_a_menu_button(page: Page, live_server: str, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/companies")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    menu.click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    screenshot("directory-phone")
