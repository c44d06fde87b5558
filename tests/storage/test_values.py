"""Rows as the databases hand them back, turned into columns and numbers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import sqlalchemy as sa

from core.storage.values import as_date, columns_of, float_matrix, floats


def _rows(conn, sql: str):
    return conn.exec_driver_sql(sql).fetchall()


def test_columns_of_sqlalchemy_rows_are_the_rows_columns():
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (code TEXT, grp TEXT, total INTEGER, note TEXT)")
        conn.exec_driver_sql("INSERT INTO t VALUES ('49', 'ncc', 12, NULL), "
                             "('45', 'btxh', NULL, 'x')")
        rows = _rows(conn, "SELECT * FROM t ORDER BY code")
    assert not isinstance(rows[0], tuple)  # SQLAlchemy's Row, not a plain tuple
    code, grp, total, note = columns_of(rows, 4)
    assert code.tolist() == ["45", "49"] and grp.tolist() == ["btxh", "ncc"]
    assert total.tolist() == [None, 12] and note.tolist() == ["x", None]
    assert all(column.dtype == object for column in (code, grp, total, note))


def test_columns_of_no_rows_are_empty_columns():
    columns = columns_of([], 3)
    assert len(columns) == 3 and all(len(column) == 0 for column in columns)


def test_floats_and_float_matrix_give_nan_for_null():
    assert np.isnan(floats([None, 3])[0]) and floats([None, 3])[1] == 3.0
    matrix = float_matrix([[1, None], [2, 5]])
    assert matrix.shape == (2, 2) and matrix[0].tolist() == [1.0, 2.0]
    assert np.isnan(matrix[1, 0]) and matrix[1, 1] == 5.0


def test_as_date_reads_sqlite_text_and_keeps_dates():
    assert as_date("2024-01-23") == dt.date(2024, 1, 23)
    assert as_date("2024-01-23 00:00:00") == dt.date(2024, 1, 23)
    assert as_date(dt.date(2024, 3, 31)) == dt.date(2024, 3, 31) and as_date(None) is None
