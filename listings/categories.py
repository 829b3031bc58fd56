"""Loading the shipped category tree into the database and reading it back."""

from __future__ import annotations

import sqlalchemy as sa

from listings import tree
from listings.models import Category
from marketplace.core.extensions import db


def load_categories() -> tuple[int, int]:
    """Insert missing categories and refresh names/attributes of existing ones; returns (created, updated).

    Idempotent: running it twice changes nothing the second time. Slugs never change.
    """
    existing = {c.slug: c for c in db.session.execute(sa.select(Category)).scalars()}
    created = updated = 0
    for row in tree.rows():
        parent = existing.get(row["parent"]) if row["parent"] else None
        category = existing.get(row["slug"])
        values = {
            "name_en": row["name_en"],
            "name_pl": row["name_pl"],
            "attributes": row["attributes"],
            "position": row["position"],
            "parent_id": parent.id if parent else None,
        }
        if category is None:
            category = Category(slug=row["slug"], **values)
            db.session.add(category)
            db.session.flush()
            existing[row["slug"]] = category
            created += 1
        elif any(getattr(category, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(category, key, value)
            updated += 1
    db.session.flush()
    return created, updated


def ensure_loaded() -> None:
    """Load the tree when the table is empty (seeding and tests call this)."""
    if db.session.execute(sa.select(Category.id).limit(1)).first() is None:
        load_categories()


def by_slug(slug: str | None) -> Category | None:
    if not slug:
        return None
    return db.session.execute(sa.select(Category).where(Category.slug == slug)).scalar_one_or_none()


def all_categories() -> list[Category]:
    return list(
        db.session.execute(
            sa.select(Category).order_by(Category.parent_id.is_not(None), Category.position)
        ).scalars()
    )


def slug_map() -> dict[str, Category]:
    return {c.slug: c for c in all_categories()}


def top_level() -> list[Category]:
    return list(
        db.session.execute(
            sa.select(Category).where(Category.parent_id.is_(None)).order_by(Category.position)
        ).scalars()
    )


def children(category: Category) -> list[Category]:
    return list(
        db.session.execute(
            sa.select(Category).where(Category.parent_id == category.id).order_by(Category.position)
        ).scalars()
    )


def subtree_ids(category: Category) -> list[int]:
    """The category and its children (the tree is two levels deep)."""
    return [category.id, *(c.id for c in children(category))]


def grouped() -> list[tuple[Category, list[Category]]]:
    """Industries with their categories, in tree order (for pickers and the browse page)."""
    everything = all_categories()
    parents = [c for c in everything if c.parent_id is None]
    by_parent: dict[int, list[Category]] = {}
    for c in everything:
        if c.parent_id is not None:
            by_parent.setdefault(c.parent_id, []).append(c)
    return [(p, sorted(by_parent.get(p.id, []), key=lambda c: c.position)) for p in parents]
