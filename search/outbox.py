"""The transactional outbox: session events record changed offers and companies; drain() ships them."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from listings.models import Category, Offer, OfferImage, PriceTier
from listings.services import public_offer_conditions
from marketplace.companies.models import Certificate, Company, CompanyIndustry
from marketplace.core import clock
from marketplace.core.db import savepoint_released
from search.backends import SearchBackend
from search.documents import company_document, offer_document
from search.models import CurrencyRate, OutboxEntry, ShippedChange
from search.query import COMPANIES, OFFERS

log = logging.getLogger(__name__)

WRITTEN = "search_outbox_written"  # session.info: this transaction recorded changes
UNCOMMITTED = "search_uncommitted_flush"  # session.info: something was flushed and not committed
DUE = "search_outbox_due"  # session.info: a commit recorded changes; drain after the request
_outbox = OutboxEntry.__table__
_shipped = ShippedChange.__table__
# How long shipped changes are remembered for a reindex to replay: longer than any rebuild runs.
SHIPPED_KEPT = dt.timedelta(hours=24)


def _changed(obj: object) -> tuple[str, int | None] | None:
    """Which indexed object a changed row belongs to."""
    if isinstance(obj, Offer):
        return "offer", obj.id
    if isinstance(obj, PriceTier | OfferImage):
        return "offer", obj.offer_id
    if isinstance(obj, Company):
        return "company", obj.id
    if isinstance(obj, CompanyIndustry | Certificate):
        return "company", obj.company_id
    return None


# What an offer's document repeats of its category and the category's ancestors.
_INDEXED_CATEGORY_FIELDS = ("slug", "name_en", "name_pl", "parent_id")


def _renamed_or_moved(category: Category) -> bool:
    state = sa.inspect(category)
    return any(state.attrs[name].history.has_changes() for name in _INDEXED_CATEGORY_FIELDS)


def _offers_under(session: Session, category_ids: set[int]) -> set[int]:
    """Offers in these categories or any category below them (their documents name the path)."""
    connection = session.connection()
    children: dict[int | None, list[int]] = defaultdict(list)
    for category_id, parent_id in connection.execute(sa.select(Category.id, Category.parent_id)):
        children[parent_id].append(category_id)
    subtree, waiting = set(), list(category_ids)
    while waiting:
        node = waiting.pop()
        if node not in subtree:
            subtree.add(node)
            waiting.extend(children[node])
    found: set[int] = set()
    for chunk in _chunks(sorted(subtree), 500):
        found.update(
            connection.execute(sa.select(Offer.id).where(Offer.category_id.in_(chunk))).scalars()
        )
    return found


def _after_flush(session: Session, _context: object) -> None:
    session.info[UNCOMMITTED] = True
    changes = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        found = _changed(obj)
        if found is not None and found[1] is not None:
            changes.add(found)
    # Categories are not indexed themselves, but every offer below one shows its names.
    categories = {
        obj.id for obj in session.dirty if isinstance(obj, Category) and _renamed_or_moved(obj)
    }
    if categories:
        changes.update(("offer", offer_id) for offer_id in _offers_under(session, categories))
    if not changes:
        return
    now = clock.now()
    session.connection().execute(
        _outbox.insert(),
        [
            {"kind": kind, "object_id": object_id, "created_at": now}
            for kind, object_id in sorted(changes)
        ],
    )
    session.info[WRITTEN] = True


def _after_commit(session: Session) -> None:
    if savepoint_released(session):
        return
    session.info.pop(UNCOMMITTED, None)
    if session.info.pop(WRITTEN, False):
        session.info[DUE] = True


def _after_soft_rollback(session: Session, previous_transaction: object) -> None:
    if (
        getattr(previous_transaction, "parent", None) is None
    ):  # the whole transaction, not a savepoint
        session.info.pop(WRITTEN, None)
        session.info.pop(UNCOMMITTED, None)


_registered = False


def register_events() -> None:
    """Listen on every Session (the app's and the tests'): once per process."""
    global _registered
    if _registered:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_soft_rollback)
    _registered = True


def rates(session: Session) -> dict[str, int]:
    return dict(session.execute(sa.select(CurrencyRate.currency, CurrencyRate.per_eur)).all())


def public_offers(session: Session, ids: list[int]) -> list[Offer]:
    stmt = (
        sa.select(Offer)
        .join(Company, Company.id == Offer.company_id)
        .where(Offer.id.in_(ids), *public_offer_conditions())
    )
    return list(session.execute(stmt).unique().scalars())


def active_companies(session: Session, ids: list[int]) -> list[Company]:
    stmt = sa.select(Company).where(Company.id.in_(ids), Company.status == "active")
    return list(session.execute(stmt).unique().scalars())


def sync(
    session: Session, backend: SearchBackend, offer_ids: set[int], company_ids: set[int]
) -> None:
    """Make the index agree with the database about these objects (missing ones leave it)."""
    if company_ids:
        # A company's name, verification, location or suspension shows in its offers too.
        offer_ids = offer_ids | offers_of(session, company_ids)
        companies = active_companies(session, sorted(company_ids))
        backend.upsert(COMPANIES, [company_document(c) for c in companies])
        backend.delete(COMPANIES, sorted(company_ids - {c.id for c in companies}))
    if offer_ids:
        table = rates(session)
        offers = []
        for chunk in _chunks(sorted(offer_ids), 500):
            offers.extend(public_offers(session, chunk))
        backend.upsert(OFFERS, [offer_document(o, table) for o in offers])
        backend.delete(OFFERS, sorted(offer_ids - {o.id for o in offers}))


def offers_of(session: Session, company_ids: set[int]) -> set[int]:
    """Every offer of these companies, public or not."""
    found: set[int] = set()
    for chunk in _chunks(sorted(company_ids), 500):
        found.update(
            session.execute(sa.select(Offer.id).where(Offer.company_id.in_(chunk))).scalars()
        )
    return found


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def drain(session: Session, backend: SearchBackend, batch: int = 500) -> int:
    """Ship up to `batch` waiting changes; the caller commits. Returns how many were shipped.

    When the backend fails the entries stay (nothing is lost) and the error propagates.
    """
    stmt = (
        sa.select(OutboxEntry.id, OutboxEntry.kind, OutboxEntry.object_id)
        .order_by(OutboxEntry.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    rows = session.execute(stmt).all()
    if not rows:
        return 0
    wanted: dict[str, set[int]] = defaultdict(set)
    for _id, kind, object_id in rows:
        wanted[kind].add(object_id)
    sync(session, backend, wanted["offer"], wanted["company"])
    session.execute(sa.delete(OutboxEntry).where(OutboxEntry.id.in_([r[0] for r in rows])))
    _remember_shipped(session, wanted)
    return len(rows)


def _remember_shipped(session: Session, wanted: dict[str, set[int]]) -> None:
    """Note what went to the index now, and forget what a reindex can no longer need."""
    now = clock.now()
    session.execute(
        _shipped.insert(),
        [
            {"kind": kind, "object_id": object_id, "shipped_at": now}
            for kind, ids in sorted(wanted.items())
            for object_id in sorted(ids)
        ],
    )
    # Workers drain side by side: each deletes old rows no other one is deleting (no waits).
    stale = (
        sa.select(ShippedChange.id)
        .where(ShippedChange.shipped_at < now - SHIPPED_KEPT)
        .limit(5000)
        .with_for_update(skip_locked=True)
    )
    session.execute(sa.delete(ShippedChange).where(ShippedChange.id.in_(stale.scalar_subquery())))


def shipped_since(session: Session, since: dt.datetime) -> dict[str, set[int]]:
    """The objects the outbox shipped since a moment, by kind ('offer', 'company')."""
    found: dict[str, set[int]] = {"offer": set(), "company": set()}
    rows = session.execute(
        sa.select(ShippedChange.kind, ShippedChange.object_id)
        .where(ShippedChange.shipped_at >= since)
        .distinct()
    )
    for kind, object_id in rows:
        found[kind].add(object_id)
    return found


def lag(session: Session) -> tuple[int, float | None]:
    """(entries waiting, age in seconds of the oldest)."""
    count, oldest = session.execute(
        sa.select(sa.func.count(OutboxEntry.id), sa.func.min(OutboxEntry.created_at))
    ).one()
    if not count or oldest is None:
        return 0, None
    return count, max(0.0, (clock.now() - oldest).total_seconds())


class Throttle:
    """Lets a periodic check through at most once per interval (monotonic, not business time)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last = 0.0

    def ready(self) -> bool:
        now = time.monotonic()
        if now - self._last >= self.seconds:
            self._last = now
            return True
        return False
