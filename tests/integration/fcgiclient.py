"""A minimal FastCGI client (responder role) for tests that talk to the
worker's socket directly, without nginx in front."""
import socket
import struct

BEGIN, END, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7


def _record(kind, content, req_id=1):
    out = b""
    # Records carry at most 65535 bytes; an empty one ends a stream.
    chunks = [content[i:i + 65535] for i in range(0, len(content), 65535)]
    for c in chunks or [b""]:
        out += struct.pack(">BBHHBB", 1, kind, req_id, len(c), 0, 0) + c
    return out


def _pair(k, v):
    def n(x):
        return bytes([len(x)]) if len(x) < 128 else \
            struct.pack(">I", len(x) | 0x80000000)
    return n(k) + n(v) + k + v


def head(params, keep=False):
    """Begin-request (responder role) and the params stream, ended; keep
    sets FCGI_KEEP_CONN (the connection stays open after the answer)."""
    p = b"".join(_pair(k.encode(), v.encode()) for k, v in params.items())
    return (_record(BEGIN, struct.pack(">HB5x", 1, 1 if keep else 0)) +
            _record(PARAMS, p) + _record(PARAMS, b""))


def read_answer(s):
    """Reads one answer from socket s: (stdout bytes, ended), where ended
    is False when the connection closed (or failed) before the end-request
    record."""
    out = b""
    data = b""
    while True:
        while len(data) >= 8:
            _, kind, _, clen, plen, _ = struct.unpack(">BBHHBB", data[:8])
            if len(data) < 8 + clen + plen:
                break
            if kind == STDOUT:
                out += data[8:8 + clen]
            data = data[8 + clen + plen:]
            if kind == END:
                if data:
                    raise AssertionError("bytes after end-request: %r" % data)
                return out, True
        try:
            chunk = s.recv(65536)
        except OSError:
            chunk = b""
        if not chunk:
            return out, False
        data += chunk


def stdin(body):
    """The stdin stream: body, then the empty record that ends it."""
    return _record(STDIN, body) + _record(STDIN, b"")


def exchange(sock_path, params, body=b"", timeout=10, send_body=True):
    """Sends one request; returns the raw stdout stream of the answer (what
    arrived before the end-request record, EOF or a socket error)."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(sock_path)
    s.sendall(head(params))
    if send_body:
        try:
            s.sendall(stdin(body))
        except OSError:
            pass    # the worker may answer and close before reading it all
    try:
        return read_answer(s)[0]
    finally:
        s.close()


def request(sock_path, params, body=b"", timeout=10, send_body=True):
    """Sends one request; returns (status, headers dict, body bytes)."""
    return _parse(exchange(sock_path, params, body, timeout, send_body))


def _parse(out):
    head, _, body = out.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode(errors="replace").split("\r\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    status = int(headers.get("status", "200").split()[0]) if head else None
    return status, headers, body
