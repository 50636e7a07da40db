"""An order export's table as polars reads it, whatever the file: CSV or TSV (or `;`), gzip-
compressed or not, UTF-8 with or without a BOM or GB18030 (GBK's superset, what Chinese back
offices write), Excel (.xlsx, also old .xls: calamine reads both) or Parquet.

Every table gets a LINE column, the row's number as the user sees it in the file: CSV line 1
is the header, so the first data row is line 2; an Excel sheet's row number; Parquet's row
from 1. Rows with nothing in them are dropped (they are not orders, and not bad rows).
"""

from __future__ import annotations

import codecs
import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from simulation.storage.order_columns import OrderExportError

LINE = "__line__"
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
ZIP_MAGIC = b"PK\x03\x04"            # .xlsx is a zip of XML files
OLE_MAGIC = b"\xd0\xcf\x11\xe0"      # legacy .xls
UTF8_BOM = b"\xef\xbb\xbf"
DELIMITERS = (",", "\t", ";")
UTF8_CHECK_CHUNK = 1 << 24


@dataclass
class RawTable:
    header: list[str]         # every column of the file
    frame: pl.DataFrame       # the columns chosen (strings for text and Excel) and LINE
    format: str               # csv, tsv, csv.gz, xlsx, xls, parquet
    encoding: str | None      # for text files: utf-8, utf-8-sig (with a BOM), gb18030...


Chooser = Callable[[list[str]], list[str]]   # the header -> the columns to read


def load_table(path: Path, encoding: str | None = None, choose: Chooser = list) -> RawTable:
    """The file's table, with only the columns `choose` picks from its header read (exports
    carry dozens of columns; reading five of them saves time and memory)."""
    file = str(path)
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except FileNotFoundError:
        raise OrderExportError(f"{file}: no such file") from None
    except OSError as error:
        raise OrderExportError(f"{file}: cannot be opened ({error.strerror})") from None
    try:
        if magic.startswith(PARQUET_MAGIC):
            header = list(pl.read_parquet_schema(path))
            frame = pl.read_parquet(path, columns=choose(header))
            return RawTable(header, _with_lines(frame, first=1), "parquet", None)
        if magic.startswith(ZIP_MAGIC) or magic.startswith(OLE_MAGIC):
            return _load_excel(path, "xls" if magic.startswith(OLE_MAGIC) else "xlsx", choose)
        data = path.read_bytes()
        compressed = magic.startswith(GZIP_MAGIC)
        if compressed:
            data = gzip.decompress(data)
        return _load_text(file, data, encoding, compressed, choose)
    except OrderExportError:
        raise
    except (pl.exceptions.PolarsError, fastexcel.FastExcelError, OSError, EOFError, ValueError) as error:
        raise OrderExportError(f"{file}: cannot be read as an order export (CSV, TSV, .gz, .xlsx or "
                               f"Parquet): {str(error).splitlines()[0] if str(error) else type(error).__name__}"
                               ) from None


def _with_lines(frame: pl.DataFrame, first: int) -> pl.DataFrame:
    """LINE from the row's index, then the rows with no value in the columns read dropped."""
    values = frame.columns
    frame = frame.with_row_index(LINE, offset=first).with_columns(pl.col(LINE).cast(pl.Int64))
    if not values:
        return frame
    return frame.filter(~pl.all_horizontal([pl.col(c).is_null() for c in values]))


def _load_excel(path: Path, form: str, choose: Chooser) -> RawTable:
    # Every cell as text (fastexcel writes date cells as `2024-03-05 14:02:00`, whole numbers
    # without `.0`), so a column typed by its first rows cannot turn later cells into nulls;
    # order_dates parses the text, Excel serial numbers included. The header is taken to be
    # the sheet's first row, so a data row's line is its index + 2.
    try:
        frame = pl.read_excel(path, engine="calamine", read_options={"dtypes": "string"})
    except pl.exceptions.NoDataError:
        frame = pl.DataFrame()
    header = frame.columns
    return RawTable(header, _with_lines(frame.select(choose(header)), first=2), form, None)


def _decode(file: str, data: bytes, encoding: str | None) -> tuple[bytes, str]:
    """UTF-8 bytes for polars (which reads nothing else) and the encoding they came in."""
    if encoding is None:
        if _is_utf8(data):
            # polars skips a UTF-8 BOM itself
            return data, "utf-8-sig" if data.startswith(UTF8_BOM) else "utf-8"
        encoding = "gb18030"
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8", "utf-8-sig"):
        name, target = encoding, "utf-8"
        data = data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data
    else:
        name, target = encoding, encoding
    try:
        return data.decode(target).encode("utf-8"), name
    except LookupError:
        raise OrderExportError(f"{file}: unknown encoding {encoding!r} (--encoding)") from None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise OrderExportError(f"{file}: line {line} is not valid {encoding} text (byte "
                               f"{error.start}); give the file's encoding with --encoding, e.g. "
                               f"--encoding gb18030") from None


def _is_utf8(data: bytes) -> bool:
    """Decoded in chunks (a loop over 16 MB pieces) so as not to hold a str of the whole file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), UTF8_CHECK_CHUNK):
            decoder.decode(view[start:start + UTF8_CHECK_CHUNK], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _load_text(file: str, data: bytes, encoding: str | None, compressed: bool, choose: Chooser) -> RawTable:
    data, name = _decode(file, data, encoding)
    end = data.find(b"\n", 0, 1 << 20)
    first_line = data[:end if end >= 0 else 1 << 20].decode("utf-8", "replace")
    if not first_line.strip(" \r\t\ufeff"):
        raise OrderExportError(f"{file} has no orders: the file is empty")
    separator = max(DELIMITERS, key=first_line.count)
    options = dict(separator=separator, infer_schema=False, truncate_ragged_lines=True, raise_if_empty=False)
    header = pl.read_csv(io.BytesIO(data), n_rows=0, **options).columns
    # Line numbers are row index + 2 (line 1 is the header). This assumes no quoted field holds
    # a line break; seller-centre exports do not write any in the columns read here.
    frame = pl.read_csv(io.BytesIO(data), columns=choose(header), **options)
    form = ("tsv" if separator == "\t" else "csv") + (".gz" if compressed else "")
    return RawTable(header, _with_lines(frame, first=2), form, name)
