"""Roles inside a company, what each may do, and the scoped lookup that hides other companies' data."""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.core.errors import NotFound, PermissionDenied
from marketplace.core.extensions import db

T = TypeVar("T")


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    BUYER = "buyer"
    SELLER = "seller"
    APPROVER = "approver"
    VIEWER = "viewer"


class Permission(enum.StrEnum):
    EDIT_PROFILE = "edit_profile"
    MANAGE_MEMBERS = "manage_members"
    SELL = "sell"  # offers, quotes, bids, shipping
    BUY = "buy"  # buy requests, orders, tenders
    APPROVE = "approve"  # requisitions above a buyer's spending limit
    MESSAGE = "message"  # write in threads
    READ = "read"


_EVERYTHING = frozenset(Permission)
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: _EVERYTHING,
    Role.ADMIN: _EVERYTHING,
    Role.BUYER: frozenset({Permission.BUY, Permission.MESSAGE, Permission.READ}),
    Role.SELLER: frozenset({Permission.SELL, Permission.MESSAGE, Permission.READ}),
    Role.APPROVER: frozenset({Permission.APPROVE, Permission.MESSAGE, Permission.READ}),
    Role.VIEWER: frozenset({Permission.READ}),
}


def role_allows(role: str | None, permission: Permission) -> bool:
    if not role:
        return False
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False


def require(actor: Any, permission: Permission) -> None:
    """Raise PermissionDenied unless the actor's role in their company grants the permission."""
    if actor is None or not getattr(actor, "company_id", None):
        raise PermissionDenied(_("You need to belong to a company to do this."))
    if not role_allows(getattr(actor, "role", None), permission):
        raise PermissionDenied(_("Your role in the company does not allow this."))


def permission_required(permission: Permission) -> Callable:
    """View decorator: the logged-in person's role must grant the permission."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            require(current_user, permission)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def get_owned(
    model: type[T], object_id: Any, company_id: int | None, *, column: str = "company_id"
) -> T:
    """The object with this id when it belongs to the company; otherwise NotFound (never 403)."""
    if company_id is None:
        raise NotFound()
    owner_column = getattr(model, column)
    obj = db.session.execute(
        sa.select(model).where(model.id == object_id, owner_column == company_id)  # type: ignore[attr-defined]
    ).scalar_one_or_none()
    if obj is None:
        raise NotFound()
    return obj


def get_or_404(model: type[T], object_id: Any) -> T:
    obj = db.session.get(model, object_id)
    if obj is None:
        raise NotFound()
    return obj
