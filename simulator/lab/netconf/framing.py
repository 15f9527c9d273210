"""NETCONF message framing over an SSH channel (RFC 6242 §4).

base:1.0 ends each message with ``]]>]]>``; base:1.1 sends it as chunks
(``\\n#<size>\\n<data>`` ... ``\\n##\\n``). The hello messages are always end-of-message
framed; chunked framing starts after both hellos when both peers advertise base:1.1.
"""

from __future__ import annotations

import re

EOM = b"]]>]]>"
END_OF_CHUNKS = b"\n##\n"
_CHUNK_HEADER = re.compile(rb"\n#([1-9][0-9]{0,9})\n")
_MAX_CHUNK = 4294967295  # RFC 6242: chunk-size is at most 2^32 - 1


class FramingError(Exception):
    """The peer broke the framing; RFC 6242 says to end the session."""


def frame(message: bytes, *, chunked: bool, chunk_size: int = 65536) -> bytes:
    if not chunked:
        return message + EOM
    parts = [
        b"\n#%d\n" % len(piece) + piece
        for piece in (message[i : i + chunk_size] for i in range(0, len(message), chunk_size))
    ]
    return b"".join(parts) + END_OF_CHUNKS


class MessageReader:
    """Collects bytes as they arrive and hands out complete messages."""

    def __init__(self, *, max_message: int = 16 * 1024 * 1024) -> None:
        self.chunked = False
        self._buffer = bytearray()
        self._chunks: list[bytes] = []  # chunks of the message being received (base:1.1)
        self._size = 0
        self._max = max_message

    def feed(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) + self._size > self._max + len(END_OF_CHUNKS) + len(EOM):
            raise FramingError(f"message larger than {self._max} bytes")

    def next_message(self) -> bytes | None:
        """The next complete message, or None until more bytes arrive."""
        return self._next_chunked() if self.chunked else self._next_eom()

    def _next_eom(self) -> bytes | None:
        end = self._buffer.find(EOM)
        if end < 0:
            return None
        message = bytes(self._buffer[:end])
        del self._buffer[: end + len(EOM)]
        return message

    def _next_chunked(self) -> bytes | None:
        while True:
            if len(self._buffer) < 4:
                return None
            if self._buffer.startswith(END_OF_CHUNKS):
                del self._buffer[: len(END_OF_CHUNKS)]
                if not self._chunks:
                    raise FramingError("end of chunks before any chunk")
                message = b"".join(self._chunks)
                self._chunks.clear()
                self._size = 0
                return message
            match = _CHUNK_HEADER.match(self._buffer)
            if match is None:
                rest = bytes(self._buffer[2:])
                if not self._buffer.startswith(b"\n#") or not rest.isdigit() or len(rest) > 10:
                    raise FramingError("bad chunk header")
                return None  # header not complete yet
            size = int(match.group(1))
            if size > _MAX_CHUNK:
                raise FramingError("chunk too large")
            start = match.end()
            if len(self._buffer) < start + size:
                return None
            self._chunks.append(bytes(self._buffer[start : start + size]))
            self._size += size
            if self._size > self._max:
                raise FramingError(f"message larger than {self._max} bytes")
            del self._buffer[: start + size]
