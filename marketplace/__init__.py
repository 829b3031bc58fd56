"""The B2B marketplace application and its trade core (kept free of imports of the app)."""
