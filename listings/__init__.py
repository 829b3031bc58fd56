"""Offers, buy requests, the category tree and bulk CSV import/export."""
