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
from tests.search import factories as f

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


@pytest.fixture
def install_backend(app):
    """Installs search backends as the app's for one test; the app's own comes back after it."""
    previous = app.extensions.get(engine.EXTENSION)
    yield lambda chosen: engine.use_backend(app, chosen)
    if previous is None:
        app.extensions.pop(engine.EXTENSION, None)
    else:
        engine.use_backend(app, previous)


@pytest.fixture(params=BACKENDS)
def backend(request, install_backend, tmp_path):
    """A fresh, empty index on each backend, installed as the app's search backend."""
    if request.param == "tantivy":
        chosen = TantivyBackend(tmp_path / "index")
    else:
        url = request.getfixturevalue("elasticsearch_url")
        chosen = ElasticsearchBackend(url, prefix=f"test{os.getpid()}-{next(_names)}", refresh=True)
    chosen.ensure()
    install_backend(chosen)
    return chosen


@pytest.fixture
def index(backend):
    """Ship everything waiting in the outbox, as the drainer does after a commit."""

    def ship() -> int:
        total = 0
        while shipped := outbox.drain(db.session, backend):
            total += shipped
        return total

    return ship


@pytest.fixture
def market(index):
    """Suppliers in Poznań, Łódź, Berlin and Shenzhen with five public offers and a draft."""
    poznan = f.supplier(
        "Alpha Stal",
        city="Poznań",
        lat=52.4064,
        lon=16.9252,
        verified=True,
        certificates=["iso-9001"],
        description="Rury i blachy ze stali nierdzewnej",
    )
    lodz = f.supplier(
        "Łódź Chemia",
        city="Łódź",
        lat=51.7592,
        lon=19.4560,
        industries=["chemicals"],
        description="Barwniki, żółć pigmentowa",
    )
    berlin = f.supplier("Berlin Fittings GmbH", country="DE", city="Berlin", lat=52.52, lon=13.405)
    shenzhen = f.supplier("Shenzhen Steel", country="CN", city="Shenzhen", lat=22.54, lon=114.06)
    offers = {
        "pipes": f.offer(
            poznan,
            "Stainless steel pipes 1.4301",
            description="Seamless pipes for food industry",
            price=12_000,
            moq=10,
            lead_time_days=7,
            attributes={"steel_grade": "1.4301"},
        ),
        "rury": f.offer(
            poznan,
            "Rury stalowe ocynkowane",
            description="Rury stalowe do instalacji",
            price=43_000,
            currency="PLN",
            moq=100,
            lead_time_days=21,
        ),
        "pigment": f.offer(
            lodz, "Żółć pigment for paints", category_slug="pigments-dyes", price=None
        ),
        "fittings": f.offer(
            berlin,
            "Pipe fittings and elbows",
            category_slug="fasteners",
            price=5_000,
            moq=50,
            lead_time_days=30,
        ),
        "cn": f.offer(
            shenzhen,
            "不锈钢管 stainless tube",
            category_slug="stainless-steel",
            price=3_000,
            lead_time_days=45,
        ),
        "draft": f.offer(poznan, "Secret stainless prototype", status="draft"),
    }
    index()
    return {"offers": offers, "poznan": poznan, "lodz": lodz, "berlin": berlin, "cn": shenzhen}


@pytest.fixture(autouse=True)
def _request_context(app):
    """Services label facets in the visitor's language and build URLs: they run inside a request."""
    with app.test_request_context():
        yield
