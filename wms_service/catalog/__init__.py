"""Warehouses and products: the catalog that stock refers to."""
