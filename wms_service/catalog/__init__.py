"""The catalog that stock refers to: warehouses, products, categories, units, companies; one service for both faces."""
