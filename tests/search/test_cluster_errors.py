"""A struggling Elasticsearch cluster (overloaded, failing, too slow) gives buyers a clear 503.

The cluster here is a small local HTTP server started by the test: it answers the client's
version probe like Elasticsearch and every search with the status under test (503, 429, ...) or
not at all within the timeout. A real cluster cannot be made to fail on cue; this one stands in
for exactly that, and only for the error paths.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from search.backends.elastic import ElasticsearchBackend
from tests.search import factories as f

SLOW = "slow"  # answer nothing before the client's timeout


class _Cluster(ThreadingHTTPServer):
    daemon_threads = True
    answer: int | str = 503
    searches = 0


class _Handler(BaseHTTPRequestHandler):
    server: _Cluster

    def log_message(self, *_args) -> None:  # keep the test output clean
        pass

    def _send(self, status: int, body: dict) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("x-elastic-product", "Elasticsearch")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        if self.path == "/":
            self._send(200, {"version": {"number": "9.0.0"}, "tagline": "You Know, for Search"})
            return
        self.server.searches += 1
        if self.server.answer == SLOW:
            time.sleep(1.5)
            return
        status = int(self.server.answer)
        self._send(status, {"error": {"type": "es_rejected_execution_exception"}, "status": status})

    do_GET = do_POST = do_PUT = do_HEAD = _answer  # noqa: N815 - http.server's names


@pytest.fixture
def cluster(install_backend) -> Iterator[_Cluster]:
    server = _Cluster(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    install_backend(ElasticsearchBackend(url, prefix="troubled", timeout=0.5))
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("answer", [503, 429, 500, 502, SLOW])
def test_a_troubled_cluster_is_a_503_for_the_api_and_a_friendly_page(client, cluster, answer):
    cluster.answer = answer
    for path in ("/api/v1/search/offers", "/api/v1/search/companies"):
        response = client.get(path, query_string={"q": "valves"})
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.mimetype == "application/problem+json"
    page = client.get("/search", query_string={"q": "valves"})
    assert page.status_code == 503
    assert "Search is unavailable right now; try again soon." in page.get_data(as_text=True)
    assert cluster.searches >= 3


@pytest.mark.parametrize("answer", [503, 429, SLOW])
def test_similar_offers_are_simply_left_out_while_the_cluster_struggles(client, cluster, answer):
    cluster.answer = answer
    offer = f.offer(f.supplier("Patient Valves"), "Brass valves")
    response = client.get(f"/search/similar/offers/{offer.id}")
    assert response.status_code == 200
    assert cluster.searches >= 1
    assert client.get(f"/search/similar/companies/{offer.company_id}").status_code == 200


def test_suggestions_stay_available_while_the_cluster_struggles(client, cluster):
    cluster.answer = 503
    response = client.get("/api/v1/search/suggest", query_string={"q": "valv"})
    assert response.status_code == 200
    assert cluster.searches >= 2
