"""Escrow ledger, payment providers and their webhooks."""
