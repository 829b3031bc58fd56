"""How the app is served: gunicorn settings and the run-scale supervisor (not part of the app)."""
