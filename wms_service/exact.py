"""Exact decimals for money and measures, on both engines."""

from decimal import Decimal

from sqlalchemy import Numeric, String, TypeDecorator

PLACES = Decimal("0.0001")


class ExactDecimal(TypeDecorator):
    """Money and measures: NUMERIC(18, 4) on PostgreSQL; on SQLite, which has no exact decimal, canonical text."""

    impl = Numeric(18, 4)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(18, 4))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value).quantize(PLACES)
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)
