"""What a thread is about: other packages register a resolver per context type (offer, buy_request, ...).

messaging may not import the packages that own these objects, so `marketplace.app` wires them:

    contexts.register("offer", resolver)

A resolver is `(object_id, viewer_company_id) -> dict | None`: None when the object does not exist or
the viewer may not see it, else a dict with `title`, `url` and `company_id` (the owning company).
"""

from __future__ import annotations

from collections.abc import Callable

Resolver = Callable[[int, int | None], dict | None]

# Types a thread may carry; a type without a registered resolver cannot be used yet.
KNOWN_TYPES = ("offer", "buy_request", "order", "quote", "tender")

_resolvers: dict[str, Resolver] = {}


def register(kind: str, resolver: Resolver) -> None:
    _resolvers[kind] = resolver


def unregister(kind: str) -> None:
    _resolvers.pop(kind, None)


def registered_types() -> list[str]:
    return [kind for kind in KNOWN_TYPES if kind in _resolvers] + sorted(
        kind for kind in _resolvers if kind not in KNOWN_TYPES
    )


def resolve(kind: str | None, object_id: int | None, viewer_company_id: int | None) -> dict | None:
    """The context's summary for this viewer, or None (unknown type, missing or hidden object)."""
    if not kind or object_id is None:
        return None
    resolver = _resolvers.get(kind)
    if resolver is None:
        return None
    summary = resolver(int(object_id), viewer_company_id)
    if not summary:
        return None
    return {"type": kind, "id": int(object_id), **summary}


def parse(value: str | None) -> tuple[str, int] | None:
    """'offer:12' -> ("offer", 12); None for empty or malformed values."""
    if not value or ":" not in value:
        return None
    kind, _, raw_id = value.partition(":")
    if not raw_id.isdigit():
        return None
    return kind, int(raw_id)
