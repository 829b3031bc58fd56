"""How long a 10,000-row offer CSV takes to check and write, step by step (SQLite unless DATABASE_URL)."""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, bench/ comes first on the path and bench/search.py would shadow the search package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402

from listings import csv_io, imports  # noqa: E402
from marketplace.accounts import services as accounts  # noqa: E402
from marketplace.app import create_app  # noqa: E402
from marketplace.companies import services as companies  # noqa: E402
from marketplace.core import security  # noqa: E402
from marketplace.core.access import Role  # noqa: E402
from marketplace.core.extensions import db  # noqa: E402

ROWS = int(os.environ.get("ROWS", "10000"))


def catalogue(rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_io.COLUMNS)
    for n in range(1, rows + 1):
        writer.writerow(
            [f"SKU-{n:06d}", f"Karton klapowy 400x300x{n % 400} mm", "<p>Tektura 5-warstwowa</p>", "pl",
             "cardboard-boxes", "pcs", "100", "PLN", "100=2.40;1000=1.95;10000=1.70", "no", "50000", "3",
             "EXW", "Łódź", "PL", "", "published", '{"print_colors": "1/0"}']
        )  # fmt: skip
    return buffer.getvalue().encode()


def main() -> None:
    instance = Path(tempfile.mkdtemp(prefix="bench-listings-"))
    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parents[1] / "migrations"))
        company = companies.create_company({"name": "Bench Boxes", "country": "PL"})
        seller = accounts.add_member(
            company, email="bench@example.com", full_name="Bench", role=Role.SELLER,
            password_hash=security.hash_password("Bench-Password-1"),
        )  # fmt: skip
        db.session.commit()
        data = catalogue(ROWS)
        started = time.perf_counter()
        job = imports.start_import(seller, io.BytesIO(data), "bench.csv", max_bytes=64 * 2**20)
        db.session.commit()
        steps = 0
        while not job.finished:
            imports.run_step(job)
            db.session.commit()  # as the page does: one request per step
            steps += 1
        elapsed = time.perf_counter() - started
        print(
            f"{ROWS} rows ({len(data) / 2**20:.1f} MB) on {db.engine.dialect.name}: {job.status}, "
            f"{job.created_count} created, {steps} steps, {elapsed:.1f} s"
        )
        started = time.perf_counter()
        again = imports.run_to_end(
            imports.start_import(seller, io.BytesIO(data), "bench.csv", max_bytes=64 * 2**20)
        )
        db.session.commit()
        print(
            f"re-import of the same file: {again.updated_count} updated, {time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        size = sum(len(chunk) for chunk in csv_io.export_rows(company.id))
        print(f"export: {size / 2**20:.1f} MB in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
