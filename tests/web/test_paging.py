"""The one Page: each face's numbering onto one offset, limit and page count."""

from sqlalchemy import Column, Integer, MetaData, Table, select
from sqlalchemy.dialects import sqlite

from wms_service.web.paging import Page

rows = Table("rows", MetaData(), Column("id", Integer, primary_key=True))


def sql(query):
    return " ".join(str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})).split())


def test_pages_from_one_and_from_zero_name_the_same_rows():
    assert Page(number=3, size=25).offset == 50
    assert Page.from_zero(2, 25) == Page(number=3, size=25)
    assert Page.from_zero(0, 10).offset == 0


def test_page_count_rounds_up_and_an_empty_listing_has_none():
    assert [Page(size=10).pages(total) for total in (0, 1, 10, 11, 1000)] == [0, 1, 1, 2, 100]


def test_a_page_by_offset_and_a_page_after_an_id():
    by_offset = sql(Page(number=2, size=5).select(select(rows), rows.c.id))
    assert by_offset.endswith("ORDER BY rows.id ASC LIMIT 5 OFFSET 5")
    after = sql(Page(number=3, size=5, after_id=40, descending=True).select(select(rows), rows.c.id))
    # SQLite's dialect spells a missing offset as OFFSET 0.
    assert after.endswith("WHERE rows.id < 40 ORDER BY rows.id DESC LIMIT 5 OFFSET 0")
    # Without an id column the query keeps its own order.
    assert sql(Page(number=3, size=2).select(select(rows).order_by(rows.c.id.desc()))).endswith(
        "ORDER BY rows.id DESC LIMIT 2 OFFSET 4"
    )
