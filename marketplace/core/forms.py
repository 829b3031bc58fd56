"""Glue between HTML pages and service errors: a field's error shows beside it, a button's is flashed.

Both helpers are the page's unit of work (marketplace.core.uow): they commit when the block
succeeds and roll back otherwise; a concurrent writer's failure goes on to the error page."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator

from flask import flash
from flask_wtf import FlaskForm

from marketplace.core.errors import Contention, DomainError, ValidationError
from marketplace.core.uow import unit_of_work


def apply_errors(form: FlaskForm, error: ValidationError, *, keep_existing: bool = False) -> None:
    """Attach each field's messages to the form field; others go to the form as a whole.

    With keep_existing, a field that WTForms already flagged keeps only its own message."""
    for field_name, messages in error.errors.items():
        name = field_name.split(".")[-1]
        field = form._fields.get(name)
        if field is not None and keep_existing and field.errors:
            continue
        if field is not None:
            field.errors = [*list(field.errors or []), *messages]
        else:
            form.form_errors.extend(messages)
    if not error.errors:
        form.form_errors.append(error.message)


def also_check(form: FlaskForm, check: Callable[[], object]) -> None:
    """When WTForms already found problems, run the service's own checks too (they write
    nothing), so the person sees every field's problem at once instead of one round at a time."""
    try:
        check()
    except ValidationError as error:
        apply_errors(form, error, keep_existing=True)


@dataclasses.dataclass
class Outcome:
    ok: bool = False


@contextlib.contextmanager
def saved(form: FlaskForm, *, fields_only: bool = False) -> Iterator[Outcome]:
    """Run a form's service calls as one unit: commit when they succeed; otherwise roll back and
    show the problems on the form (field errors beside fields, others above the form).

        with saved(form) as outcome:
            quote = quotes.send_quote(...)
        if outcome.ok:
            flash(...)
            return redirect(...)

    A form with its own apply_errors (blocks beyond its fields) places field errors itself.
    With fields_only, other domain errors (not found, rate limited) are not the form's to
    show: they roll back and go on to the error page."""
    outcome = Outcome()
    try:
        with unit_of_work():
            yield outcome
    except Contention:
        raise  # not the form's problem: the error page says to try again
    except ValidationError as error:
        if hasattr(form, "apply_errors"):
            form.apply_errors(error)
        else:
            apply_errors(form, error)
    except DomainError as error:
        if fields_only:
            raise
        form.form_errors.append(error.message)
    else:
        outcome.ok = True


@contextlib.contextmanager
def committed(
    describe: Callable[[DomainError], str] | None = None, *, fields_only: bool = False
) -> Iterator[Outcome]:
    """Run a button's action (a POST without a form to show again) as one unit: commit when it
    succeeds; otherwise roll back and flash why nothing changed (the error's message, or what
    describe makes of the error).

        with committed() as outcome:
            buy_requests.change_status(...)
        if outcome.ok:
            flash(...)
        return redirect(...)

    With fields_only, only invalid input is flashed; other domain errors roll back and go on
    to the error page."""
    outcome = Outcome()
    try:
        with unit_of_work():
            yield outcome
    except Contention:
        raise
    except DomainError as error:
        if fields_only and not isinstance(error, ValidationError):
            raise
        flash(describe(error) if describe else error.message, "error")
    else:
        outcome.ok = True
