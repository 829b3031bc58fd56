"""What a test does when a real component it needs cannot run: skip on a developer's machine,
fail in CI (CI=true), where everything is installed and started and nothing may be skipped."""

from __future__ import annotations

import os

import pytest


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} — CI must provide this component", pytrace=False)
    pytest.skip(reason)
