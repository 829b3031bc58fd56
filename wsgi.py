"""Entry point for `flask` commands run from the repository root and for WSGI servers."""

from marketplace.app import create_app

app = create_app()
