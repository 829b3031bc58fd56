"""Stored files leave the disk only with the commit that stops pointing at them."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from marketplace.companies import services as companies
from marketplace.core.extensions import db


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def _file(app, key: str) -> Path:
    return Path(app.config["UPLOAD_DIR"]) / key


def test_a_replaced_logo_stays_on_disk_when_the_change_rolls_back(app, owner_a, company_a):
    companies.set_logo(owner_a, company_a, _png(), "first.png", 10**6)
    db.session.commit()
    first = company_a.logo_key

    companies.set_logo(owner_a, company_a, _png(), "second.png", 10**6)
    db.session.rollback()

    assert company_a.logo_key == first
    assert _file(app, first).is_file()


def test_a_replaced_logo_is_removed_once_the_change_commits(app, owner_a, company_a):
    companies.set_logo(owner_a, company_a, _png(), "first.png", 10**6)
    db.session.commit()
    first = company_a.logo_key

    companies.set_logo(owner_a, company_a, _png(), "second.png", 10**6)
    assert _file(app, first).is_file()  # not before the commit
    db.session.commit()

    assert not _file(app, first).exists()
    assert _file(app, company_a.logo_key).is_file()


def test_a_removed_certificate_keeps_its_scan_until_the_commit(app, owner_a, company_a):
    pdf = io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")
    certificate = companies.add_certificate(
        owner_a, company_a, {"kind": "ce", "issuer": "EU", "number": "1"}, (pdf, "ce.pdf"), 10**6
    )
    db.session.commit()
    scan = _file(app, certificate.document_key)

    companies.remove_certificate(owner_a, company_a, certificate)
    db.session.rollback()
    assert scan.is_file()
    assert [c.id for c in company_a.certificates] == [certificate.id]

    companies.remove_certificate(owner_a, company_a, certificate)
    db.session.commit()
    assert not scan.exists()


def test_a_rolled_back_savepoint_keeps_the_file_the_outer_commit_does_not_touch(
    app, owner_a, company_a
):
    companies.set_logo(owner_a, company_a, _png(), "first.png", 10**6)
    db.session.commit()
    first = company_a.logo_key

    savepoint = db.session.begin_nested()
    companies.set_logo(owner_a, company_a, _png(), "second.png", 10**6)
    savepoint.rollback()
    db.session.commit()

    assert company_a.logo_key == first
    assert _file(app, first).is_file()


def test_a_public_logo_may_be_cached_but_a_certificate_scan_is_private(client, owner_a, company_a):
    companies.set_logo(owner_a, company_a, _png(), "logo.png", 10**6)
    pdf = io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")
    certificate = companies.add_certificate(
        owner_a, company_a, {"kind": "ce", "issuer": "EU", "number": "1"}, (pdf, "ce.pdf"), 10**6
    )
    logo = client.get(f"/companies/{company_a.id}/logo")
    assert logo.status_code == 200
    assert logo.headers["Cache-Control"] == "public, max-age=3600"
    scan = client.get(f"/companies/{company_a.id}/certificates/{certificate.id}/document")
    assert scan.status_code == 200
    assert scan.headers["Cache-Control"] == "private, no-store"
    assert "sandbox" in scan.headers["Content-Security-Policy"]
