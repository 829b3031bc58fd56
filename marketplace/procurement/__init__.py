"""Procurement: quotes and counter-offers, sealed tenders, reverse auctions and purchase approvals."""
