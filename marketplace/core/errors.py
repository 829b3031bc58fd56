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
