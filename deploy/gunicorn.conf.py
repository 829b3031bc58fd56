"""Gunicorn settings for `make run`, `make run-scale` and the browser journeys, read from the environment.

WEB_HOST (127.0.0.1), PORT (5000), WEB_WORKERS (1 on the embedded default, see below), WEB_THREADS (16).

Threads, not processes, carry the concurrency of one worker (gthread): a live page keeps a
server-sent-events stream open (marketplace/core/live.py, up to LIVE_STREAM_SECONDS, 55 s), and
such a stream holds one thread, not a whole process, while it waits for events.

The embedded default (SQLite, no REDIS_URL) must run ONE worker process. Three things there live
inside the process: the live fan-out (LocalBroker: an event published in one process never reaches
a browser streaming from another), the job worker thread (started with the first request of each
process; one per process would be harmless, but the next point is not), and the RequestGate that
keeps SQLite requests and that job thread from failing each other with "database is locked". So
more workers are refused unless the database is PostgreSQL and REDIS_URL is set, where Redis
carries live events and wakes `flask jobs worker` processes (the embedded job thread is off then).
"""

from __future__ import annotations

import gc
import os
import signal
import sys

from marketplace.core import live

_embedded = (os.environ.get("DATABASE_URL") or "sqlite").startswith("sqlite") or not os.environ.get(
    "REDIS_URL"
)
_wanted = int(os.environ.get("WEB_WORKERS") or 1)
if _embedded and _wanted > 1:
    print(
        f"gunicorn: WEB_WORKERS={_wanted} ignored: the embedded default (SQLite, no REDIS_URL) "
        "keeps live updates and jobs in one process; serving with 1 worker.",
        file=sys.stderr,
    )
    _wanted = 1

bind = f"{os.environ.get('WEB_HOST') or '127.0.0.1'}:{os.environ.get('PORT') or 5000}"
workers = _wanted
worker_class = "gthread"
# Open live streams each take a thread for up to 55 s; the rest serve pages. Each process's
# database pool (SQLAlchemy's 5 + 10 overflow) is about this size; a stream holds no connection.
threads = int(os.environ.get("WEB_THREADS") or 16)
# A gthread worker reports to the arbiter from its main loop, whatever its threads are doing, so
# this catches a stuck process, not a long stream; 60 s is above the streams' 55 s all the same.
timeout = 60
# On SIGTERM (a deploy) requests get this long to finish; streams are cut then and the browser's
# EventSource reconnects to the new workers (its retry is 3 s). SIGINT (Ctrl-C) stops at once.
graceful_timeout = 10
keepalive = 5
accesslog = "-"  # stdout
errorlog = "-"  # stderr
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" %(p)s'
# Gunicorn 27 opens a control socket at one fixed path per user; two servers on one machine (a
# `make run` beside the browser journeys) would take it from each other, and nothing here uses it.
control_socket_disable = True
# No preload: each worker builds its own app after the fork, so no database connection, Redis
# client or search index handle is shared between processes.
preload_app = False


def worker_int(worker) -> None:
    """SIGINT or SIGQUIT (Ctrl-C): the worker exits once its threads are done, so end the open
    live streams first instead of being killed after graceful_timeout for them."""
    live.close_streams()


def post_worker_init(worker) -> None:
    """SIGTERM (a graceful stop) has no hook of its own: end the open live streams as it begins,
    then let gunicorn finish the other requests as usual."""
    graceful = worker.handle_exit

    def handle_exit(sig, frame) -> None:
        live.close_streams()
        graceful(sig, frame)

    signal.signal(signal.SIGTERM, handle_exit)


def worker_exit(server, worker) -> None:
    """The worker process is ending: spare it the interpreter's last garbage collection over all
    the app's objects (measured at about a second, several on a busy machine: long enough for the
    arbiter to wait out graceful_timeout). The memory goes back to the system with the process."""
    gc.freeze()
