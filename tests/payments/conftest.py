"""Stripe fixtures: a real `localstripe` server on a free port, and a transfer stand-in."""

from __future__ import annotations

import importlib.util
import json
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from marketplace.core import jobs
from marketplace.core.extensions import db
from tests.components import unavailable

WEBHOOK_SECRET = "whsec_test_marketplace"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(port: int, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


_LOCALSTRIPE_IN_MEMORY = """
import sys
from localstripe import resources
resources.Store.try_load_from_disk = lambda self: None
resources.Store.dump_to_disk = lambda self: None
from localstripe.server import start
sys.argv[0] = "localstripe"
start()
"""


@pytest.fixture(scope="session")
def localstripe_url():
    if importlib.util.find_spec("localstripe") is None:
        unavailable("localstripe is not installed (pip install localstripe)")
    port = _free_port()
    # localstripe keeps its state in one fixed file, /tmp/localstripe.pickle, shared by every
    # instance on the machine: parallel runs corrupt it and old runs leak into new ones. Each test
    # server keeps its state in memory only.
    process = subprocess.Popen(
        [sys.executable, "-c", _LOCALSTRIPE_IN_MEMORY, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not _wait(port):
        process.kill()
        unavailable("localstripe did not start")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


class _TransferStandIn(BaseHTTPRequestHandler):
    """Answers POST /v1/accounts, POST /v1/transfers and GET /v1/transfers with Stripe's
    documented Account, Transfer and list objects (localstripe has no Connect) and forwards
    everything else to localstripe.
    A transfer's source_transaction must name a captured charge of localstripe, as on Stripe."""

    upstream = ""
    transfers: list[dict] = []
    accounts: list[dict] = []
    restricted: set[str] = set()  # connected accounts whose transfers capability is inactive

    def log_message(self, *args) -> None:  # keep the test output quiet
        return None

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self.command == "POST" and self.path == "/v1/accounts":
            form = dict(urllib.parse.parse_qsl(body.decode() if body else ""))
            account = {
                "id": "acct_" + secrets.token_hex(8),
                "object": "account",
                "type": form.get("type"),
                "country": form.get("country"),
                "email": form.get("email"),
                "business_type": form.get("business_type"),
                "charges_enabled": False,
                "payouts_enabled": False,
                "details_submitted": False,
                "capabilities": {"transfers": "inactive"},
                "metadata": {},
                "created": int(time.time()),
            }
            type(self).accounts.append(
                account | {"idempotency_key": self.headers.get("Idempotency-Key")}
            )
            self._send_json(account)
            return
        if self.command == "GET" and self.path.startswith("/v1/transfers"):
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
            group = query.get("transfer_group")
            found = [
                {k: v for k, v in t.items() if k != "idempotency_key"}
                for t in type(self).transfers
                if group is None or t["transfer_group"] == group
            ]
            self._send_json(
                {"object": "list", "data": found, "has_more": False, "url": "/v1/transfers"}
            )
            return
        if self.command == "POST" and self.path.startswith("/v1/transfers"):
            form = dict(urllib.parse.parse_qsl(body.decode() if body else ""))
            refusal = self._source_refusal(form.get("source_transaction"))
            if form.get("destination") in type(self).restricted:
                refusal = (  # Stripe's answer for an account that cannot receive transfers yet
                    "Your destination account needs to have at least one of the following "
                    "capabilities enabled: transfers, crypto_transfers, legacy_payments"
                )
            if refusal:
                self._send_json({"error": {"type": "invalid_request_error", "message": refusal}},
                                status=400)  # fmt: skip
                return
            transfer = {
                "id": "tr_" + secrets.token_hex(8),
                "object": "transfer",
                "amount": int(form["amount"]),
                "amount_reversed": 0,
                "currency": form["currency"],
                "destination": form["destination"],
                "transfer_group": form.get("transfer_group"),
                "source_transaction": form.get("source_transaction"),
                "reversed": False,
                "livemode": False,
                "metadata": {
                    k[len("metadata[") : -1]: v
                    for k, v in form.items()
                    if k.startswith("metadata[")
                },
                "created": int(time.time()),
            }
            type(self).transfers.append(
                transfer | {"idempotency_key": self.headers.get("Idempotency-Key")}
            )
            self._send_json(transfer)
            return
        request = urllib.request.Request(  # noqa: S310 - the upstream is our own http localstripe
            self.upstream + self.path, data=body, method=self.command, headers=dict(self.headers)
        )
        try:
            with urllib.request.urlopen(request) as answer:  # noqa: S310
                status, data, headers = answer.status, answer.read(), answer.headers
        except urllib.error.HTTPError as error:
            status, data, headers = error.code, error.read(), error.headers
        self.send_response(status)
        self.send_header("Content-Type", headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _source_refusal(self, charge_id: str | None) -> str | None:
        """Stripe refuses a transfer whose source_transaction is not a captured charge."""
        if charge_id is None:
            return None
        request = urllib.request.Request(  # noqa: S310 - the upstream is our own http localstripe
            f"{self.upstream}/v1/charges/{urllib.parse.quote(charge_id)}",
            headers={"Authorization": self.headers.get("Authorization", "")},
        )
        try:
            with urllib.request.urlopen(request) as answer:  # noqa: S310
                charge = json.loads(answer.read())
        except urllib.error.HTTPError:
            return f"No such charge: '{charge_id}'"
        if charge.get("status") != "succeeded" or not charge.get("captured"):
            return f"The charge {charge_id} has not been captured."
        return None

    def _send_json(self, body: dict, status: int = 200) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = _forward


@pytest.fixture(scope="session")
def stripe_server(localstripe_url):
    """A local HTTP server in front of localstripe that adds the Connect transfer endpoint."""
    handler = type(
        "Handler",
        (_TransferStandIn,),
        {"upstream": localstripe_url, "transfers": [], "accounts": [], "restricted": set()},
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.server_port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler
    server.shutdown()


@pytest.fixture
def stripe_app(app, stripe_server):
    """The app configured for Stripe with `stripe.api_base` pointed at the local servers."""
    previous_base, previous_key = stripe.api_base, stripe.api_key
    stripe.api_key = "sk_test_marketplace"  # for the test's own calls standing in for Stripe.js
    stripe.api_base = f"http://127.0.0.1:{_port_of(stripe_server)}"
    saved = {k: app.config.get(k) for k in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")}
    app.config.update(STRIPE_SECRET_KEY="sk_test_marketplace", STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    stripe_server.transfers.clear()
    stripe_server.restricted.clear()
    stripe_server.accounts.clear()
    yield app
    app.config.update(saved)
    stripe.api_base, stripe.api_key = previous_base, previous_key


def _port_of(handler) -> int:
    return handler.server_port


def provider_moves_money() -> int:
    """What happens after a request: its transaction commits, then the job worker carries out the
    money movements it wrote (returns how many jobs ran)."""
    db.session.commit()
    return jobs.run_pending()


def signed(event: dict, secret: str = WEBHOOK_SECRET) -> tuple[str, dict]:
    """The body and headers Stripe would send, signed with the stripe library's own scheme."""
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret)
    return payload, {"Stripe-Signature": header, "Content-Type": "application/json"}
