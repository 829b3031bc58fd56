"""Public pages that are not any one package's: home, health checks, language switch, API docs."""
