"""Gate for the operator's pages: staff only, everyone else sees nothing (404)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask_login import current_user

from marketplace.core.errors import NotFound


def operator_page(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated or not current_user.is_operator:
            raise NotFound()
        return view(*args, **kwargs)

    return wrapped
