"""Domain errors raised by services and turned into HTTP answers at the edge."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message or self.title)
        self.message = message or self.title
        self.field = field

    @property
    def field_errors(self) -> dict[str, list[str]]:
        return {self.field: [self.message]} if self.field else {}


class ValidationError(DomainError):
    """Input that breaks a rule; carries messages per field."""

    status = 422
    title = "Invalid input"

    def __init__(
        self,
        errors: dict[str, list[str] | str] | str | None = None,
        *,
        field: str | None = None,
    ) -> None:
        if isinstance(errors, str):
            message = errors
            errors = {field: [message]} if field else {}
        else:
            errors = errors or {}
            message = "; ".join(f"{k}: {_first(v)}" for k, v in errors.items()) or self.title
        super().__init__(message, field=field)
        self.errors = {k: ([v] if isinstance(v, str) else list(v)) for k, v in errors.items()}

    @property
    def field_errors(self) -> dict[str, list[str]]:
        return self.errors


def _first(value: list[str] | str) -> str:
    return value if isinstance(value, str) else (value[0] if value else "")


class NotFound(DomainError):
    """Missing, or belonging to another company (never say which)."""

    status = 404
    title = "Not found"


class PermissionDenied(DomainError):
    """The actor's own company object, but their role does not allow the action."""

    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    """The action does not fit the object's current state (wrong state, duplicate)."""

    status = 409
    title = "Conflict"


class RateLimited(DomainError):
    status = 429
    title = "Too many requests"


class Contention(DomainError):
    """Another writer got in the way at the same moment: nothing was saved, and the same request
    may succeed when sent again. Raised by the edge (marketplace.core.uow), never by a service,
    and never shown on a form: the error page or problem+json answers it."""


class ConcurrentWrite(Contention):
    """Another writer took the same slot first (a unique race); trying again sees its change."""

    status = 409
    title = "Conflict"


class Busy(Contention):
    """The database could not take the change now (locked, serialization failure, deadlock)."""

    status = 503
    title = "Service unavailable"
    retry_after = 1  # seconds, sent as Retry-After
