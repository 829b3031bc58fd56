"""Browser journeys: a real server process on a fresh SQLite database, driven by Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.components import unavailable

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
RESULTS = ROOT / "test-results"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flask(*args: str, env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


@pytest.fixture(scope="session")
def server_env(tmp_path_factory) -> dict:
    instance = tmp_path_factory.mktemp("e2e-instance")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    env.update(
        INSTANCE_PATH=str(instance),
        SECRET_KEY="e2e-secret",
        # Rate limits stay on as in production, but every person of every journey signs in from
        # 127.0.0.1, so the per-address sign-in limit (10 a minute) counts them all as one client:
        # the orders journey alone signs its buyer, seller and operator in 8 times in a minute,
        # and the journeys together sign in ~16 times in 80 s (the 11th got 429 with the
        # production limit). Only that budget is larger; the limiter and all else are as deployed.
        AUTH_RATE_LIMIT="60 per minute",
        FLASK_APP="wsgi.py",
        PYTHONUNBUFFERED="1",
        PYTHONFAULTHANDLER="1",
        **(
            {"SEARCH_SYNC": os.environ["E2E_SEARCH_SYNC"]}
            if os.environ.get("E2E_SEARCH_SYNC")
            else {}
        ),  # a native crash of the server leaves its stack in server.log
    )
    _flask("db", "upgrade", env=env)
    _flask("seed-demo", "--companies", "40", env=env)
    _flask("jobs", "run", env=env)  # send the demo's mails now, not racing the first sign-ins
    return env


@pytest.fixture(scope="session")
def live_server(server_env) -> str:
    port = _free_port()
    log = open(Path(server_env["INSTANCE_PATH"]) / "server.log", "w")  # noqa: SIM115 - closed below
    # The server `make run` uses: gunicorn, one process with threads (deploy/gunicorn.conf.py).
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env={**server_env, "WEB_HOST": "127.0.0.1", "PORT": str(port)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):  # noqa: S310 - our own local server
                break
        except OSError as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise RuntimeError(
                    "The server did not start: "
                    + (Path(server_env["INSTANCE_PATH"]) / "server.log").read_text()
                ) from exc
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        unavailable(
            f"Debian's chromium is not installed at {CHROMIUM} (CI installs it: apt-get install chromium)"
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot of the journey under test-results/."""

    def take(name: str) -> Path:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
