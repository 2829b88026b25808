"""HTTP Range on an in-memory body (RFC 9110 section 14): what an <audio> element needs to seek.

Browsers ask for `bytes=N-` when the listener drags the playhead; without a 206 answer Chrome cannot
seek an Ogg file at all. One range is served; a request for several, or one that does not parse, gets
the whole body (a server may ignore Range); a range that starts past the end is unsatisfiable (416).
"""

from __future__ import annotations

import re

from fastapi import Response, status

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class Unsatisfiable(ValueError):
    """The range lies outside the body."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte positions, inclusive; None to send the whole body; `Unsatisfiable` for 416."""
    if not header or "," in header:
        return None
    match = _RANGE.match(header)
    if match is None or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:  # a suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable(header)
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise Unsatisfiable(header)
    return start, end


def ranged_response(data: bytes, media_type: str, headers: dict[str, str], header: str | None) -> Response:
    """200 with the body, 206 with the asked part, or 416; `Accept-Ranges: bytes` on each."""
    headers = {**headers, "Accept-Ranges": "bytes"}
    try:
        span = parse_range(header, len(data))
    except Unsatisfiable:
        headers["Content-Range"] = f"bytes */{len(data)}"
        return Response(status_code=status.HTTP_416_RANGE_NOT_SATISFIABLE, headers=headers)
    if span is None:
        return Response(data, media_type=media_type, headers=headers)
    first, last = span
    headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
    return Response(data[first : last + 1], status.HTTP_206_PARTIAL_CONTENT, headers, media_type)
