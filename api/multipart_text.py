"""Whether a multipart/form-data body's text is UTF-8, read from its bytes before Starlette decodes them.

Starlette decodes a multipart field (its value, its name, a file's name) as Latin-1 when its bytes are not UTF-8,
so a forged post's 'caf\\xe9' arrives as 'café' and reads as typed. Only the bytes can tell: this parses the body
with python-multipart (Starlette's own parser underneath) and names the first field that is not UTF-8. A file's
content is not text here and is not looked at. ``MultipartText`` reads a body as it streams in, chunk by chunk
(the API's uploads: ``api.deps.KeyFirstRoute``), holding no more of it than one part's headers; the workspace's
forms, read whole, use ``multipart_not_utf8``.
"""

from __future__ import annotations

import codecs

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message

MULTIPART = "multipart/form-data"


class _Parts:
    """The callbacks' state: the part being read and the first field found not UTF-8."""

    def __init__(self) -> None:
        self.bad: str | None = None
        self._header = bytearray()
        self._value = bytearray()
        self._name = b""
        self._names: list[bytes] = []
        self._is_file = False
        self._text = codecs.getincrementaldecoder("utf-8")()
        self._text_ok = True

    def on_part_begin(self) -> None:
        self._name, self._names, self._is_file = b"", [], False
        self._text, self._text_ok = codecs.getincrementaldecoder("utf-8")(), True

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
        if not self._is_file and self._text_ok:
            self._text_ok = _decodes(self._text, data[start:end], final=False)

    def on_part_end(self) -> None:
        text_ok = self._is_file or (self._text_ok and _decodes(self._text, b"", final=True))
        if self.bad is None and not (text_ok and all(_is_utf8(text) for text in self._names)):
            self.bad = self._name.decode("utf-8", "replace")[:60]


def _decodes(decoder: codecs.IncrementalDecoder, data: bytes, final: bool) -> bool:
    """Whether ``data`` continues the UTF-8 text ``decoder`` has read (decoded and dropped: nothing is kept)."""
    try:
        decoder.decode(data, final)
    except UnicodeDecodeError:
        return False
    return True


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class MultipartText:
    """A multipart body's text checked as it streams in: ``feed`` each chunk, then ``bad`` is the name of the first
    field whose value, name or file name is not UTF-8, or None (also for a body that is not well-formed multipart,
    which Starlette's own parse refuses, or one without a boundary)."""

    def __init__(self, content_type: str) -> None:
        _, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        self._parts = _Parts()
        self._parser = None if not boundary else MultipartParser(boundary, {
            "on_part_begin": self._parts.on_part_begin, "on_header_field": self._parts.on_header_field,
            "on_header_value": self._parts.on_header_value, "on_header_end": self._parts.on_header_end,
            "on_part_data": self._parts.on_part_data, "on_part_end": self._parts.on_part_end,
        })

    def feed(self, chunk: bytes) -> None:
        if self._parser is None or self._parts.bad is not None:
            return
        try:
            self._parser.write(chunk)
        except FormParserError:
            self._parser = None

    @property
    def bad(self) -> str | None:
        return self._parts.bad


def multipart_not_utf8(body: bytes, content_type: str) -> str | None:
    """The name of the first field of a multipart body whose value, name or file name is not UTF-8, or None (also
    for a body that is not well-formed multipart: Starlette's own parse refuses that, as it did before)."""
    text = MultipartText(content_type)
    text.feed(body)
    return text.bad


# A second parse of the body, beside Starlette's own, kept as a separate pass: on a 50 MB upload (one file part,
# read in uvicorn's 64 KiB chunks) it costs 18 ms (best of 7) and no memory (peak of Python allocations 2.04 MiB
# with it, 2.03 MiB without: no part of the body is kept); reading, parsing and saving the upload as the import
# routes do took 240 ms without it and 248-259 ms with it, and the worker's parse of a 50 MB notice file, which the
# answer waits for, takes seconds (TED XML: 262 notices/s, BENCHMARKS.md), so well under 1% of an import. Folding
# it into Starlette's pass would mean replacing Request.form's private parser (Request._get_form). Measured on
# 2026-12-07 on a shared 2-core machine under load: time.perf_counter and tracemalloc around Request.form() and
# api.uploads.saved_upload of a 50 MB multipart body, with and without this wrapper, and around MultipartText.feed.
def utf8_multipart(request: Request) -> Request:
    """``request`` reading its body through ``MultipartText`` when it is multipart/form-data (else as it is): the
    first field whose value, name or file name is not UTF-8 is a 400 naming it, raised while the body is read, so
    before the route runs (nothing stored) and before the rest of an upload is read. An HTTPException, which
    passes through FastAPI's form parsing unchanged (as ``api.uploads.BodyLimit``'s 413)."""
    content_type = request.headers.get("content-type", "")
    if content_type.partition(";")[0].strip().lower() != MULTIPART:
        return request
    text, receive = MultipartText(content_type), request.receive

    async def checked() -> Message:
        message = await receive()
        text.feed(message.get("body", b""))
        if text.bad is not None:
            raise HTTPException(400, f"multipart field {text.bad!r}: its name, file name or value is not UTF-8, "
                                     "which form fields are (RFC 7578); send it as UTF-8; nothing was stored")
        return message

    return Request(request.scope, checked, request._send)
