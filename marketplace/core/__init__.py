"""Shared foundations: configuration, extensions, clock, money, errors and security helpers."""
