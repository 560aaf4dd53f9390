"""Tenants, users and sessions, and the header schemes that find them."""
