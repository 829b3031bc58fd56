"""Believable demo data for `make run`: a cross-industry market of companies and their people."""
