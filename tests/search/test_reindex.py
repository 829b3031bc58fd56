"""An operator rebuilds the index while the market goes on: nothing changed meanwhile is lost,
and buyers keep finding offers the whole time. Every scenario runs on both backends.

"Meanwhile" is the reindex's progress callback: it runs between the batches the rebuild writes,
while the old index still answers, and the change it makes is shipped to that old index at once,
as a worker would ship it. The rebuild empties the session as it goes, so changes load afresh.
"""

from __future__ import annotations

import datetime as dt

import pytest

from listings.models import PriceTier
from marketplace.companies.models import Certificate, Company
from marketplace.core import clock
from marketplace.core.extensions import db
from search import reindex, service
from search.query import COMPANIES, OFFERS
from tests.search import factories as f


def search(kind=OFFERS, **args):
    return service.run(service.build_query(kind, args))


def ids(result):
    return sorted(h.id for h in result.hits)


@pytest.fixture
def mills(index):
    """Two steel mills, indexed an hour before the reindex starts (so nothing looks recent)."""
    keeper = f.supplier("Keeper Steel")
    leaving = f.supplier("Leaving Steel")
    offers = {"beams": f.offer(keeper, "Steel beams", price=50_000),
              "rails": f.offer(leaving, "Steel rails", price=70_000)}  # fmt: skip
    index()
    clock.freeze(clock.now() + dt.timedelta(hours=1))
    return keeper, leaving, offers


def once(change):
    """A progress callback that makes one change during the rebuild and ships it right away."""
    done = []

    def meanwhile(_count: int) -> None:
        if not done:
            done.append(True)
            change()
            db.session.flush()

    return meanwhile


def test_a_supplier_suspended_during_the_rebuild_takes_its_offers_out(mills, index):
    keeper, leaving, offers = mills

    def suspend():
        db.session.get(Company, leaving.id).status = "suspended"
        db.session.flush()
        index()

    reindex.reindex(OFFERS, once(suspend))
    assert ids(search(q="steel")) == [offers["beams"].id]
    reindex.reindex(COMPANIES, once(lambda: None))
    assert ids(search(kind=COMPANIES, q="steel")) == [keeper.id]


def test_a_certificate_gained_during_the_rebuild_reaches_the_new_index(mills, index):
    keeper, _leaving, offers = mills

    def certify():
        db.session.add(
            Certificate(company_id=keeper.id, kind="iso-14001", name="ISO 14001", issuer="TÜV",
                        number="E-1")
        )  # fmt: skip
        db.session.flush()
        index()

    reindex.reindex(OFFERS, once(certify))
    assert ids(search(certificate="iso-14001")) == [offers["beams"].id]


def test_a_price_changed_during_the_rebuild_reaches_the_new_index(mills, index):
    _keeper, _leaving, offers = mills

    def cheaper():
        tier = db.session.query(PriceTier).filter_by(offer_id=offers["rails"].id).one()
        tier.unit_price = 9_000
        db.session.flush()
        index()

    reindex.reindex(OFFERS, once(cheaper))
    assert ids(search(price_max="100")) == [offers["rails"].id]


def test_buyers_find_offers_throughout_the_rebuild(mills):
    _keeper, _leaving, offers = mills
    everything = [offers["beams"].id, offers["rails"].id]
    seen: list[list[int]] = []

    def look(_count: int) -> None:
        seen.append(ids(search(q="steel")))
        seen.append(ids(search()))

    reindex.reindex(OFFERS, look)
    assert seen and all(found == everything for found in seen)
    assert ids(search(q="steel")) == everything


def _versions(backend) -> list[str]:
    """The index versions a backend keeps for offers: folders, or Elasticsearch indexes."""
    if backend.name == "tantivy":
        return sorted(p.name for p in backend.root.iterdir() if p.name.startswith("offers-v"))
    return sorted(backend.client.indices.get(index=f"{backend.alias(OFFERS)}-v*").body)


def test_a_failed_rebuild_leaves_the_old_index_answering_and_nothing_behind(mills, backend):
    before = _versions(backend)

    def broken():
        yield [doc for batch in reindex.documents(OFFERS) for doc in batch]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        backend.rebuild(OFFERS, broken(), lambda n: None)
    assert _versions(backend) == before
    assert len(ids(search(q="steel"))) == 2
