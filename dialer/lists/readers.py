"""Streaming readers for call-list files: CSV (UTF-8, UTF-8 BOM, GBK/GB18030, ...) and XLSX.

A reader yields ``(line_no, cells)`` one row at a time so a million-row file never sits in
memory; ``position()`` reports bytes consumed for progress bars.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from charset_normalizer import from_bytes

from kernel.errors import InvalidInput

_SNIFF_BYTES = 256 * 1024
csv.field_size_limit(1 << 20)


@dataclass
class TableReader:
    """Header row plus a row iterator over one file."""

    format: str
    encoding: str
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    size: int
    _raw: IO[bytes] | None = None

    def position(self) -> int:
        if self._raw is None or self._raw.closed:
            return self.size
        return self._raw.tell()

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()


def detect_encoding(head: bytes) -> str:
    """BOMs first; then strict UTF-8; then GB18030 (a superset of GBK and GB2312)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(head) >= _SNIFF_BYTES - 3:
            return "utf-8"  # a character cut by the sniff window, not bad UTF-8
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        pass

    best = from_bytes(head).best()
    if best is None:
        raise InvalidInput("cannot tell the file's text encoding; pass --encoding", where="file")
    return str(best.encoding)


def open_table(path: Path, encoding: str | None = None) -> TableReader:
    """Opens a CSV or XLSX call list; raises InvalidInput naming the problem."""
    if not path.exists():
        raise InvalidInput(f"no such file: {path.name}", where="file")
    size = path.stat().st_size
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic.startswith(b"PK\x03\x04") or path.suffix.lower() in (".xlsx", ".xlsm"):
        return _open_xlsx(path, size)
    return _open_csv(path, size, encoding)


def _open_csv(path: Path, size: int, encoding: str | None) -> TableReader:
    raw = path.open("rb")
    head = raw.read(_SNIFF_BYTES)
    raw.seek(0)
    if encoding is None:
        encoding = detect_encoding(head)
    else:
        try:
            # binary codecs (base64, rot13, zlib, ...) are not text encodings
            known = getattr(codecs.lookup(encoding), "_is_text_encoding", True)
        except (LookupError, ValueError):
            known = False
        if not known:
            raw.close()
            raise InvalidInput(f"unknown text encoding {encoding!r}", where="encoding")
        if encoding.lower().replace("_", "-") in ("utf-8", "utf8") and head.startswith(
            codecs.BOM_UTF8
        ):
            encoding = "utf-8-sig"
    decoded = _decoded_lines(raw, encoding)
    try:
        sample = head.decode(encoding, errors="ignore")
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            sample[:16384], delimiters=",\t;|"
        )
    except (csv.Error, UnicodeError):
        dialect = csv.excel
    reader = csv.reader(decoded, dialect)
    try:
        headers = next(reader)
    except StopIteration as exc:
        raw.close()
        raise InvalidInput("the file is empty", where="file") from exc
    except _BadBytes as exc:
        raw.close()
        raise InvalidInput(
            f"bytes that are not {encoding}; pass --encoding", where="line 1"
        ) from exc
    except csv.Error as exc:
        raw.close()
        raise InvalidInput(f"broken CSV header: {exc}", where="line 1") from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        start = reader.line_num + 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except _BadBytes as exc:
                raise InvalidInput(
                    f"bytes that are not {encoding}; pass --encoding", where=f"line {exc.line}"
                ) from exc
            except csv.Error as exc:
                raise InvalidInput(f"broken CSV: {exc}", where=f"line {start}") from exc
            yield start, cells
            start = reader.line_num + 1

    return TableReader("csv", encoding, headers, rows(), size, raw)


class _BadBytes(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(f"undecodable bytes on line {line}")
        self.line = line


# Encodings in which a 0x0A byte is always a newline, so lines can be split before decoding
# and a decoding error is pinned to its exact line.
_LINE_SAFE = {"utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "ascii", "latin-1", "big5"}


def _decoded_lines(raw: IO[bytes], encoding: str) -> Iterator[str]:
    name = codecs.lookup(encoding).name
    if name not in {codecs.lookup(e).name for e in _LINE_SAFE}:
        lines = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        number = 0
        while True:
            number += 1
            try:
                text = next(lines)
            except StopIteration:
                return
            except UnicodeError as exc:  # the line is approximate: decoding runs ahead
                raise _BadBytes(number) from exc
            yield text
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    for number, line in enumerate(raw, start=1):
        try:
            yield decoder.decode(line)
        except UnicodeError as exc:
            raise _BadBytes(number) from exc


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _open_xlsx(path: Path, size: int) -> TableReader:

    # deferred: openpyxl takes 0.35 s to import; CSV lists never need it
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:  # a zip that is not a workbook (named .csv, say) is InvalidFileException
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException) as exc:
        raise InvalidInput("not a readable XLSX workbook", where="file") from exc
    if not wb.worksheets:
        wb.close()
        raise InvalidInput("the workbook has no sheet", where="file")
    sheet = wb.worksheets[0]
    it = sheet.iter_rows(values_only=True)
    try:
        headers = [_cell_text(v) for v in next(it)]
    except StopIteration as exc:
        wb.close()
        raise InvalidInput("the first sheet is empty", where="file") from exc
    state = {"row": 1}

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for values in it:
                state["row"] += 1
                yield state["row"], [_cell_text(v) for v in values]
        finally:
            wb.close()

    reader = TableReader("xlsx", "xlsx", headers, rows(), size)
    reader.position = lambda: int(size * min(1.0, state["row"] / max(sheet.max_row or 1, 1)))  # type: ignore[method-assign]
    return reader
