"""Small operations on Arrow tables shared by stages and edges."""

from __future__ import annotations

import pyarrow as pa


def set_column(table: pa.Table, name: str, values: pa.Array | pa.ChunkedArray | list) -> pa.Table:
    """Return `table` with column `name` replaced by `values`, or appended if absent."""
    index = table.schema.get_field_index(name)
    if index >= 0:
        field = table.schema.field(index)
        if not isinstance(values, pa.Array | pa.ChunkedArray):
            values = pa.array(values, type=field.type)
        return table.set_column(index, field.with_type(values.type), values)
    return table.append_column(
        name, values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)
    )
