"""`make fuzz`: serve the app on a fresh temporary instance and run schemathesis over every API
operation as two companies, checking that nothing answers 5xx and no company reads another's
objects (schemathesis' object_level_authorization check), then print the figures.

    .venv/bin/python fuzz/run_api_fuzz.py [--max-examples N] [--seed N] [--keep]

SQLite by default. With FUZZ_DATABASE_URL the run uses that PostgreSQL database (its public
schema is dropped first); with only TEST_DATABASE_URL it uses a database of its own beside that
one, named <name>_fuzz (created when missing), so it never touches the test suite's data.

The app is served by gunicorn (one process, four threads: the embedded search index has one
writer) with its rate limits as configured. The two companies sign up through the API, their
owners confirm their e-mail through the link the app mails (printed to the server's log on the
embedded default), and each publishes an offer, so orders and threads have something to work on.

Revoking a token (DELETE /auth/tokens/{token_id}) would revoke the identities' own tokens (ids 1
and 2, the first values a fuzzer tries), so that one operation runs in a second, last pass.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REVOKE = "DELETE /api/v1/auth/tokens/{token_id}"
CHECKS = [
    "not_a_server_error",
    "object_level_authorization",
    "ignored_auth",
    "status_code_conformance",
    "content_type_conformance",
    "negative_data_rejection",
    "use_after_free",
    "ensure_resource_availability",
]
# What must be zero for the run to pass; the other checks' findings are reported, not fatal.
FATAL = {"not_a_server_error", "object_level_authorization"}
PASSWORD = "Fuzz-Market-2026"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(tmp: Path) -> str:
    if url := os.environ.get("FUZZ_DATABASE_URL"):
        return url
    if url := os.environ.get("TEST_DATABASE_URL"):
        parts = urllib.parse.urlsplit(url)
        name = parts.path.lstrip("/") or "postgres"
        return urllib.parse.urlunsplit(parts._replace(path=f"/{name}_fuzz"))
    return f"sqlite:///{tmp / 'fuzz.db'}"


def _fresh_postgres(url: str) -> None:
    """Create the database when missing and empty its public schema."""
    import psycopg  # installed with the app

    plain = re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql://", url)
    parts = urllib.parse.urlsplit(plain)
    name = parts.path.lstrip("/")
    server = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')  # our own derived name, not input
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _call(base: str, method: str, path: str, body: dict | None = None, token: str = "") -> dict:
    request = urllib.request.Request(base + path, method=method)
    request.add_header("Content-Type", "application/json")
    # A bearer header (a placeholder before sign-up) makes the call a token client's, which
    # needs no CSRF token; the app looks the placeholder up and treats the caller as anonymous.
    request.add_header("Authorization", f"Bearer {token or 'none'}")
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(request, data, timeout=30) as response:  # noqa: S310
            raw = response.read()
    except urllib.error.HTTPError as error:
        sys.exit(f"{method} {path} -> {error.code}: {error.read().decode()[:2000]}")
    return json.loads(raw) if raw else {}


def _wait_until_up(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server stopped at start:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            _call(base, "GET", "/healthz")
            return
        time.sleep(0.3)
    sys.exit("the server did not answer /healthz within 60 s")


def _confirm(base: str, email: str, log: Path) -> None:
    """Follow the confirmation link the app mailed to email (printed to the server's log)."""
    pattern = re.compile(rf"mail to {re.escape(email)}:.*?(/confirm/[A-Za-z0-9._\-]+)", re.S)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if match := pattern.search(log.read_text()):
            urllib.request.urlopen(base + match.group(1), timeout=30).read()  # noqa: S310
            return
        time.sleep(0.3)
    sys.exit(f"no confirmation mail for {email} in the server's log")


def _company(base: str, name: str, country: str, log: Path) -> dict:
    """Sign up a company with its owner through the API, confirm the owner, publish an offer."""
    email = f"owner@{name.lower()}.fuzz.example"
    answer = _call(base, "POST", "/api/v1/auth/signup", {
        "company": {"name": f"{name} Fuzz Trading", "country": country,
                    "industries": ["metals"]},
        "user": {"email": email, "password": PASSWORD, "full_name": f"{name} Owner"},
    })  # fmt: skip
    token = answer["token"]
    _confirm(base, email, log)
    categories = _call(base, "GET", "/api/v1/categories")["items"]
    category = next(c["slug"] for c in categories if c["parent"])
    offer = _call(base, "POST", "/api/v1/offers", {
        "title": f"{name} steel pipes", "category": category, "unit": "pcs", "currency": "EUR",
        "moq": 10, "price_tiers": [{"min_quantity": 10, "unit_price": 1250}],
        "description": "Seamless pipes for the fuzz run.",
    }, token)  # fmt: skip
    _call(base, "POST", f"/api/v1/offers/{offer['id']}/publish", {}, token)
    return {"name": name.lower(), "token": token, "company_id": answer["company"]["id"],
            "offer_id": offer["id"], "category": category}  # fmt: skip


def _trade(base: str, buyer: dict, seller: dict) -> None:
    """What one company starts with the other, so each identity has objects of its own to list
    and read (a buy request, a conversation, an order, a sealed tender) for the fuzzer to reuse."""
    token, soon = buyer["token"], dt.date.today() + dt.timedelta(days=30)
    _call(base, "POST", "/api/v1/requests", {
        "title": f"{buyer['name']} needs fittings", "category": buyer["category"],
        "quantity": 100, "unit": "pcs", "needed_by": soon.isoformat(), "delivery_country": "PL",
    }, token)  # fmt: skip
    _call(base, "POST", "/api/v1/threads", {
        "to_company_id": seller["company_id"], "subject": "Pipes", "body": "Can you deliver?",
    }, token)  # fmt: skip
    _call(base, "POST", "/api/v1/orders", {
        "lines": [{"offer_id": seller["offer_id"], "quantity": 10}],
        "delivery": {"street": "Main 1", "city": "Poznań", "postal_code": "60-001",
                     "country": "PL"},
    }, token)  # fmt: skip
    closes = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    _call(base, "POST", "/api/v1/tenders", {
        "kind": "sealed", "title": f"{buyer['name']} yearly pipes", "currency": "EUR",
        "closes_at": closes.isoformat(), "invited_company_ids": [seller["company_id"]],
        "items": [{"description": "Pipe 50 mm", "quantity": 500, "unit": "pcs"}],
        "weight_price": 100,
    }, token)  # fmt: skip


def _schemathesis(base: str, work: Path, label: str, args: argparse.Namespace,
                  only: str | None) -> dict:  # fmt: skip
    report = work / f"report-{label}.json"
    command = [
        str(BIN / "schemathesis"), "--config-file", str(work / "schemathesis.toml"),
        "run", f"{base}/api/v1/openapi.json",
        "--checks", ",".join(CHECKS),
        "--max-examples", str(args.max_examples),
        "--workers", str(args.workers),
        "--request-timeout", "60",
        "--report", "json", "--report-json-path", str(report),
        "--no-color",
    ]  # fmt: skip
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    if only:  # one operation links to nothing, so there is no stateful phase to run
        command += ["--include-name", only, "--phases", "examples,coverage,fuzzing"]
    else:
        command += ["--exclude-name", REVOKE]
    print(f"== schemathesis ({label})", flush=True)
    started = time.monotonic()
    finished = subprocess.run(command, cwd=work, check=False)
    return {
        "seconds": time.monotonic() - started,
        "exit": finished.returncode,
        "report": json.loads(report.read_text()) if report.exists() else {},
    }


# Failure types of schemathesis' JSON report, by the check that raises them.
_CHECK_OF = {
    "ServerError": "not_a_server_error",
    "ObjectLevelAuthorizationViolation": "object_level_authorization",
    "IgnoredAuth": "ignored_auth",
    "UndefinedStatusCode": "status_code_conformance",
    "UndefinedContentType": "content_type_conformance",
    "MissingContentType": "content_type_conformance",
    "MalformedMediaType": "content_type_conformance",
    "AcceptedNegativeData": "negative_data_rejection",
    "UseAfterFree": "use_after_free",
    "EnsureResourceAvailability": "ensure_resource_availability",
}


def _figures(passes: list[dict], access_log: Path) -> dict:
    """Operations, test cases and failures per check from the reports; 5xx from the server's
    access log (what the server answered, whatever the checks made of it)."""
    operations = cases = 0
    failures: dict[str, dict[str, int]] = {}
    for run in passes:
        report = run["report"]
        operations += report.get("operations", {}).get("tested", 0)
        cases += report.get("test_cases", {}).get("generated", 0)
        for failure in report.get("failures", []):
            check = _CHECK_OF.get(failure.get("type"), failure.get("type", "?"))
            for operation in failure.get("operations", []):
                failures.setdefault(check, {}).setdefault(operation, 0)
                failures[check][operation] += 1
    statuses = re.findall(r'" (\d{3}) ', access_log.read_text())
    server_errors = sum(1 for s in statuses if s.startswith("5"))
    return {"operations": operations, "test_cases": cases, "requests": len(statuses),
            "server_errors": server_errors, "failures": failures}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int,
                        default=int(os.environ.get("FUZZ_MAX_EXAMPLES", "25")),
                        help="test cases per operation and phase (FUZZ_MAX_EXAMPLES)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=os.environ.get("FUZZ_SEED"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("FUZZ_WORKERS", "2")))
    parser.add_argument("--keep", action="store_true", help="keep the instance, logs, reports")
    args = parser.parse_args()
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="marketplace-fuzz-"))
    database = _database_url(work)
    embedded = database.startswith("sqlite")
    if not embedded:
        _fresh_postgres(database)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "ELASTICSEARCH"))}
    for name in ("REDIS_URL", "SEARCH_BACKEND", "SEARCH_SYNC", "MAIL_URL", "FLASK_APP"):
        env.pop(name, None)
    env.update({
        "INSTANCE_PATH": str(work / "instance"), "DATABASE_URL": database,
        "SECRET_KEY": secrets.token_hex(16), "FLASK_APP": "wsgi:app", "PYTHONUNBUFFERED": "1",
    })  # fmt: skip
    flask = str(BIN / "flask")
    for step in (["db", "upgrade"], ["listings", "load-categories"]):
        subprocess.run([flask, *step], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log, access_log = work / "server.log", work / "access.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", "4", "--timeout", "120", "--access-logfile", str(access_log),
             "wsgi:app"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_until_up(base, server, log)
        people = [_company(base, "Alpha", "PL", log), _company(base, "Beta", "DE", log)]
        _trade(base, people[0], people[1])
        _trade(base, people[1], people[0])
        access_log.write_text("")  # count only the fuzzer's requests
        (work / "auth.json").write_text(json.dumps({"auth": [
            {"name": p["name"], "fixedHeaders": [
                {"name": "Authorization", "value": f"Bearer {p['token']}"}]}
            for p in people
        ]}))  # fmt: skip
        (work / "schemathesis.toml").write_text(
            '[auth.wfc]\npath = "auth.json"\npeers = ["alpha", "beta"]\n'
        )
        passes = [
            _schemathesis(base, work, "all", args, None),
            _schemathesis(base, work, "revoke-token", args, REVOKE),
        ]
    finally:
        server.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=20)
        if server.poll() is None:
            server.kill()
    figures = _figures(passes, access_log)
    tracebacks = log.read_text().count("Traceback (most recent call last)")
    seconds = time.monotonic() - started
    failures = figures["failures"]
    fatal = figures["server_errors"] + sum(len(failures.get(c, {})) for c in FATAL) + tracebacks
    print("\n== fuzz figures", dt.date.today().isoformat())
    print(f"database:          {'SQLite' if embedded else 'PostgreSQL'}")
    print(f"max examples:      {args.max_examples} per operation and phase, seed {args.seed}")
    print(f"operations:        {figures['operations']}")
    print(f"test cases:        {figures['test_cases']} ({figures['requests']} requests served)")
    print(f"5xx answers:       {figures['server_errors']} (tracebacks logged: {tracebacks})")
    print(f"cross-company:     {len(failures.get('object_level_authorization', {}))} operations")
    for check, operations in sorted(failures.items()):
        print(f"failed {check}: {', '.join(sorted(operations))}")
    print(f"run time:          {seconds:.0f} s")
    if args.keep or fatal:
        print(f"instance, logs and reports kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if fatal else 0


if __name__ == "__main__":
    sys.exit(main())
