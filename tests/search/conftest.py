"""Search fixtures: the same scenarios run on the embedded tantivy index and on Elasticsearch.

The Elasticsearch run uses ELASTICSEARCH_URL when set; otherwise it starts `noida-db` (an
Elasticsearch-REST-compatible single binary from PyPI) on a free port with a temporary data dir.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import itertools
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from marketplace.core.extensions import db
from search import engine, outbox
from search.backends.elastic import ElasticsearchBackend
from search.backends.tantivy_backend import TantivyBackend
from tests.components import unavailable

BACKENDS = ["tantivy", "elasticsearch"]
_names = itertools.count(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _noida_binary() -> str | None:
    """The real noida-db binary, not the Python wrapper on PATH.

    The wrapper runs the binary as its child with subprocess.call; terminating the wrapper would
    leave that child running after the tests."""
    if importlib.util.find_spec("noida_db") is not None:
        packaged = importlib.resources.files("noida_db").joinpath("noida-db")
        if packaged.is_file():
            path = Path(str(packaged))
            if not os.access(path, os.X_OK):
                path.chmod(0o755)
            return str(path)
    return shutil.which("noida-db")


def _stop(process: subprocess.Popen) -> None:
    """Stop noida-db and anything it started: it runs in its own process group."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def elasticsearch_url(tmp_path_factory):
    url = os.environ.get("ELASTICSEARCH_URL")
    if url:
        yield url
        return
    binary = _noida_binary()
    if binary is None:
        unavailable("no ELASTICSEARCH_URL and noida-db is not installed")
    port = _free_port()
    data = tmp_path_factory.mktemp("noida")
    process = subprocess.Popen(
        [binary, "start", "--only", "elasticsearch", "--elasticsearch-port", str(port),
         "--data-dir", str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # one group to stop, whatever the binary forks
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - local test URL
                if response.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    else:
        _stop(process)
        unavailable("noida-db did not start within 30 s")
    try:
        yield url
    finally:
        _stop(process)


@pytest.fixture(params=BACKENDS)
def backend(request, app, tmp_path):
    """A fresh, empty index on each backend, installed as the app's search backend."""
    if request.param == "tantivy":
        chosen = TantivyBackend(tmp_path / "index")
    else:
        url = request.getfixturevalue("elasticsearch_url")
        chosen = ElasticsearchBackend(url, prefix=f"test{os.getpid()}-{next(_names)}", refresh=True)
    chosen.ensure()
    previous = app.extensions.get(engine.EXTENSION)
    engine.use_backend(app, chosen)
    yield chosen
    if previous is None:
        app.extensions.pop(engine.EXTENSION, None)
    else:
        engine.use_backend(app, previous)


@pytest.fixture
def index(backend):
    """Ship everything waiting in the outbox, as the drainer does after a commit."""

    def ship() -> int:
        total = 0
        while shipped := outbox.drain(db.session, backend):
            total += shipped
        return total

    return ship


@pytest.fixture(autouse=True)
def _request_context(app):
    """Services label facets in the visitor's language and build URLs: they run inside a request."""
    with app.test_request_context():
        yield
