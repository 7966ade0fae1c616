"""Whether a multipart/form-data body's text is UTF-8, read from its bytes before Starlette decodes them.

Starlette decodes a multipart field (its value, its name, a file's name) as Latin-1 when its bytes are not UTF-8,
so a forged post's 'caf\\xe9' arrives as 'café' and reads as typed. Only the bytes can tell: this parses the body
with python-multipart (Starlette's own parser underneath) and names the first field that is not UTF-8. A file's
content is not text here and is not looked at.
"""

from __future__ import annotations

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header


class _Parts:
    """The callbacks' state: the part being read and the first field found not UTF-8."""

    def __init__(self) -> None:
        self.bad: str | None = None
        self._header = bytearray()
        self._value = bytearray()
        self._name = b""
        self._names: list[bytes] = []
        self._is_file = False
        self._data = bytearray()

    def on_part_begin(self) -> None:
        self._name, self._names, self._is_file, self._data = b"", [], False, bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        if bytes(self._header).lower() == b"content-disposition":
            _, options = parse_options_header(bytes(self._value))
            self._name = options.get(b"name", b"")
            self._is_file = b"filename" in options
            self._names = [self._name, options.get(b"filename", b"")]
        self._header, self._value = bytearray(), bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._is_file:
            self._data += data[start:end]

    def on_part_end(self) -> None:
        if self.bad is None and not all(_is_utf8(text) for text in (*self._names, bytes(self._data))):
            self.bad = self._name.decode("utf-8", "replace")[:60]


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def multipart_not_utf8(body: bytes, content_type: str) -> str | None:
    """The name of the first field of a multipart body whose value, name or file name is not UTF-8, or None (also
    for a body that is not well-formed multipart: Starlette's own parse refuses that, as it did before)."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        return None
    parts = _Parts()
    parser = MultipartParser(boundary, {
        "on_part_begin": parts.on_part_begin, "on_header_field": parts.on_header_field,
        "on_header_value": parts.on_header_value, "on_header_end": parts.on_header_end,
        "on_part_data": parts.on_part_data, "on_part_end": parts.on_part_end,
    })
    try:
        parser.write(body)
        parser.finalize()
    except FormParserError:
        return None
    return parts.bad
