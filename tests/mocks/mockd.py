#!/usr/bin/env python3
"""mockd - local stand-ins for the outside services the skill talks to.

One program, one mode per process:
  profile   Alexa Person Profile + Customer Profile APIs (TLS)
  certhost  the S3 host serving the request-signing cert chain (TLS)
  booking   restaurant booking backend (HTTP)
  sms       SMS webhook (HTTP)
  sns       Amazon SNS Publish with full SigV4 verification (HTTP)

Prints exactly one line "READY <port>" on stdout once listening, then only
logs "method path status" lines on stderr (never bodies or tokens).
Control endpoints (never recorded): GET /__calls[?token=T], POST /__reset,
POST|GET /__behaviour, GET /__health, and in booking mode GET /__bookings.
See tests/mocks/README.md.
"""

import argparse
import calendar
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DEFAULT_DIR = os.path.join(REPO_ROOT, "build", "pki")

MAX_BODY = 2 * 1024 * 1024
HUGE_SIZE = 10 * 1024 * 1024
BIG_SIZE = 6 * 1024
HUGE_CHUNK = 64 * 1024
DRIP_INTERVAL_S = 0.5
DUP_DELAY_S = 0.1
IDLE_TIMEOUT_S = 30
MODES = ("profile", "certhost", "booking", "sms", "sns")

ERROR_CODES = {
    400: "BAD_REQUEST", 401: "INVALID_TOKEN", 403: "ACCESS_DENIED",
    404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE", 429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_ERROR", 502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE",
}
SNS_ERROR_CODES = {
    400: "InvalidParameter", 403: "AuthorizationError", 404: "NotFound",
    429: "Throttling", 500: "InternalError", 503: "ServiceUnavailable",
}


# ---------------------------------------------------------------- behaviours

def parse_behaviour(text):
    """'ok', 'slow:2.5', '403', ... -> (kind, arg); None when not valid."""
    if text is None:
        return None
    text = text.strip()
    if text in ("ok", "drip", "huge", "badutf8", "garbage", "reset",
                "chunked", "closeafter", "dropkept", "big", "dup"):
        return (text, None)
    if text.startswith("slow:"):
        try:
            secs = float(text[5:])
        except ValueError:
            return None
        if secs < 0 or secs != secs or secs > 3600:
            return None
        return ("slow", secs)
    if re.fullmatch(r"[1-5][0-9][0-9]", text) and 200 <= int(text) <= 599:
        return ("status", int(text))
    return None


# --------------------------------------------------------------------- state

class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset(init=True)

    def reset(self, init=False):
        """Clear calls, connection count and bookings; keep the behaviour."""
        with self.lock:
            self.connections = 0
            self.calls = []
            self.bookings = []          # distinct, in order
            self.booking_by_key = {}
            self.seq = 0
            self.epoch = getattr(self, "epoch", 0) + 1
            self.handshaking = 0        # TLS handshakes in progress
            self.max_handshaking = 0
            if init:
                self.behaviour = "ok"
                self.handshake_delay = 0.0

    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq


# ------------------------------------------------------------------- profile

PERSON_DATA = {
    "zoe": {"givenName": "Zo\u00eb", "name": "Zo\u00eb Quinn"},
    "amp": {"givenName": "Tom & Jerry", "name": "Tom & Jerry Smith"},
    "lt": {"givenName": "<b>Bo</b>", "name": "<b>Bo</b> Diddley"},
    "apos": {"givenName": "O'Brien \"Obi\"", "name": "Se\u00e1n O'Brien"},
    "long": {"givenName": "a" * 300, "name": "a" * 300 + " Long"},
    "empty": {"givenName": "", "name": ""},
}
PERSON_MOBILE = {"countryCode": "+1", "phoneNumber": "2065550147"}
ACCOUNT_DATA = {
    "name": "Ada Lovelace", "givenName": "Ada",
    "mobileNumber": {"countryCode": "+44", "phoneNumber": "7700900123"},
    "email": "ada@example.com",
}
MOBILE_VARIANTS = {
    "bad": {"countryCode": "+1", "phoneNumber": "20x6;55"},
    "int": {"countryCode": 1, "phoneNumber": 2065550147},
}
PROFILE_PATHS = {
    "/v2/persons/~current/profile/name": ("person", "name"),
    "/v2/persons/~current/profile/givenName": ("person", "givenName"),
    "/v2/persons/~current/profile/mobileNumber": ("person", "mobileNumber"),
    "/v2/accounts/~current/settings/Profile.name": ("account", "name"),
    "/v2/accounts/~current/settings/Profile.givenName": ("account", "givenName"),
    "/v2/accounts/~current/settings/Profile.mobileNumber":
        ("account", "mobileNumber"),
    "/v2/accounts/~current/settings/Profile.email": ("account", "email"),
}


def parse_mock_token(token):
    """'mock;who=amp;name=403' -> dict, or None if not a mock token."""
    if not token or not token.startswith("mock;") and token != "mock":
        return None
    opts = {}
    for part in token.split(";")[1:]:
        if "=" in part:
            k, v = part.split("=", 1)
            opts[k.strip()] = v.strip()
    return opts


def profile_value(opts, api, field):
    """The JSON value the profile API serves for this token and path."""
    who = opts.get("who", "zoe")
    if api == "person":
        if field == "mobileNumber":
            value = PERSON_MOBILE
        else:
            value = PERSON_DATA.get(who, PERSON_DATA["zoe"])[field]
    else:
        # Extension: acct=<who> swaps the account owner's names as well.
        acct = opts.get("acct")
        if acct in PERSON_DATA and field in ("name", "givenName"):
            value = PERSON_DATA[acct][field]
        else:
            value = ACCOUNT_DATA[field]
    if field == "mobileNumber" and opts.get("mobile") in MOBILE_VARIANTS:
        value = MOBILE_VARIANTS[opts["mobile"]]
    return value


# ----------------------------------------------------------------------- SNS

def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def _uri_encode(s, safe="-_.~"):
    return urllib.parse.quote(s, safe=safe)


def canonical_query(raw_query):
    pairs = []
    if raw_query:
        for item in raw_query.split("&"):
            if not item:
                continue
            k, _, v = item.partition("=")
            k = urllib.parse.unquote_plus(k)
            v = urllib.parse.unquote_plus(v)
            pairs.append((_uri_encode(k), _uri_encode(v)))
    pairs.sort()
    return "&".join(k + "=" + v for k, v in pairs)


def sigv4_verify(method, raw_path, raw_query, headers, body, secret,
                 service="sns", access_key=None, max_skew=900, now=None):
    """Verify an AWS SigV4 Authorization header.

    headers: list of (name, value) as received. Returns a dict with keys
    valid, reason, region, access_key (reason "ok" when valid).
    """
    res = {"valid": False, "reason": "", "region": None, "access_key": None}
    hmap = {}
    for name, value in headers:
        hmap.setdefault(name.lower(), []).append(value)
    auth = ",".join(hmap.get("authorization", []))
    if not auth:
        res["reason"] = "missing Authorization header"
        return res
    algo, _, rest = auth.strip().partition(" ")
    if algo != "AWS4-HMAC-SHA256":
        res["reason"] = "unsupported algorithm %r" % algo[:40]
        return res
    fields = {}
    for part in rest.split(","):
        k, _, v = part.strip().partition("=")
        fields[k.strip()] = v.strip()
    for need in ("Credential", "SignedHeaders", "Signature"):
        if need not in fields:
            res["reason"] = "Authorization lacks " + need
            return res
    cred = fields["Credential"].split("/")
    if len(cred) != 5:
        res["reason"] = "malformed Credential"
        return res
    akid, cdate, region, csvc, term = cred
    res["access_key"] = akid
    res["region"] = region
    if term != "aws4_request":
        res["reason"] = "credential scope must end in aws4_request"
        return res
    if csvc != service:
        res["reason"] = "credential scope service %r, want %r" % (csvc, service)
        return res
    if access_key is not None and akid != access_key:
        res["reason"] = "unknown access key"
        return res
    amz_date = ",".join(hmap.get("x-amz-date", []))
    if not re.fullmatch(r"\d{8}T\d{6}Z", amz_date):
        res["reason"] = "missing or malformed x-amz-date"
        return res
    if amz_date[:8] != cdate:
        res["reason"] = "credential scope date differs from x-amz-date"
        return res
    try:
        t = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        res["reason"] = "malformed x-amz-date"
        return res
    skew = (now if now is not None else time.time()) - t
    res["skew_s"] = round(skew, 1)
    if max_skew and abs(skew) > max_skew:
        res["reason"] = "request time too skewed (%.0f s)" % skew
        return res
    signed = fields["SignedHeaders"].split(";")
    if signed != sorted(signed) or any(h != h.lower() for h in signed):
        res["reason"] = "SignedHeaders not lower-case and sorted"
        return res
    for need in ("host", "x-amz-date"):
        if need not in signed:
            res["reason"] = "SignedHeaders lacks " + need
            return res
    canon_headers = ""
    for h in signed:
        if h not in hmap:
            res["reason"] = "signed header %s not present" % h
            return res
        vals = [re.sub(r"\s+", " ", v.strip()) for v in hmap[h]]
        canon_headers += h + ":" + ",".join(vals) + "\n"
    payload_hash = hashlib.sha256(body).hexdigest()
    claimed = hmap.get("x-amz-content-sha256")
    if claimed:
        if claimed[0] != payload_hash:
            res["reason"] = "x-amz-content-sha256 does not match the body"
            return res
    canon_req = "\n".join([
        method, raw_path or "/", canonical_query(raw_query), canon_headers,
        fields["SignedHeaders"], payload_hash])
    scope = "/".join([cdate, region, csvc, term])
    to_sign = "\n".join([
        "AWS4-HMAC-SHA256", amz_date, scope,
        hashlib.sha256(canon_req.encode("utf-8")).hexdigest()])
    k = _hmac(("AWS4" + secret).encode("utf-8"), cdate)
    k = _hmac(k, region)
    k = _hmac(k, csvc)
    k = _hmac(k, "aws4_request")
    want = hmac.new(k, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, fields["Signature"].lower()):
        res["reason"] = "signature does not match"
        return res
    res["valid"] = True
    res["reason"] = "ok"
    return res


def sns_xml_error(status, code, message):
    return ('<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
            "<Error><Type>%s</Type><Code>%s</Code><Message>%s</Message>"
            "</Error><RequestId>%s</RequestId></ErrorResponse>" % (
                "Sender" if status < 500 else "Receiver", code,
                _xml_escape(message), uuid.uuid4())).encode("utf-8")


def _xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


# ------------------------------------------------------------------- handler

class Abort(Exception):
    """Connection deliberately dropped; stop handling it."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this each
    # answer waits for the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True
    server_version = "mockd/1"
    sys_version = ""
    timeout = IDLE_TIMEOUT_S

    # -- plumbing

    def log_message(self, fmt, *args):
        pass

    def log_line(self, status):
        if not self.server.quiet:
            path = self.path.split("?", 1)[0]
            sys.stderr.write("mockd[%s]: %s %s %s\n" % (
                self.server.mode, self.command, path[:200], status))
            sys.stderr.flush()

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = b""
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline(1024)
                if len(out) > MAX_BODY:
                    return None
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def send(self, status, body=b"", ctype="application/json", headers=None,
             record=None):
        if record is not None:
            record["status"] = status
        self.send_response(status)
        if status != 204 and status >= 200:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if status != 204 and self.command != "HEAD":
            self.wfile.write(body)
        self.log_line(status)

    def send_json(self, status, obj, record=None, headers=None):
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send(status, body, "application/json; charset=utf-8",
                  headers=headers, record=record)

    def error_body(self, status, message=None):
        if self.server.mode == "sns":
            code = SNS_ERROR_CODES.get(status, "Error%d" % status)
            return (sns_xml_error(status, code, message or code), "text/xml")
        code = ERROR_CODES.get(status, "ERROR_%d" % status)
        body = json.dumps({"code": code, "message": message or
                           "mock error %d" % status}).encode("utf-8")
        return body, "application/json"

    def send_error_status(self, status, record=None, message=None):
        if status == 204 or status < 300:
            body, ctype = (b"", "application/json") if status == 204 else \
                (b"{}", "application/json")
        else:
            body, ctype = self.error_body(status, message)
        headers = {"Retry-After": "1"} if status == 429 else None
        self.send(status, body, ctype, headers=headers, record=record)

    def hard_reset(self):
        """Close with SO_LINGER 0: the peer sees a TCP reset."""
        try:
            self.wfile.flush()
        except OSError:
            pass
        time.sleep(0.2)     # let the partial data reach the peer first
        try:
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    struct.pack("ii", 1, 0))
        except OSError:
            pass
        # The fd only closes once the makefile() objects are closed too; an
        # SSLSocket closed this way sends no close_notify.
        for f in (self.wfile, self.rfile, self.request):
            try:
                f.close()
            except OSError:
                pass
        self.close_connection = True
        raise Abort()

    def deliver(self, beh, status, body, ctype, record):
        """Answer with (status, body) shaped by behaviour beh."""
        kind, arg = beh
        if kind == "slow":
            time.sleep(arg)
            kind = "ok"
        served = getattr(self, "served", 0)
        self.served = served + 1
        if kind == "dropkept":
            # A kept connection the server closes as the next request
            # arrives (its idle timeout raced the client): no answer at all.
            if served > 0:
                self.log_line("%d(dropped)" % status)
                self.close_connection = True
                raise Abort()
            kind = "ok"
        if kind == "big":
            # A valid JSON-object answer of BIG_SIZE bytes: larger than a
            # profile answer may be, within what a backend answer may be.
            if body.startswith(b"{"):
                pad = BIG_SIZE - len(body) - len(b'"pad": "", ')
                body = b'{"pad": "' + b"x" * pad + b'", ' + body[1:]
            kind = "ok"
        if kind == "dup":
            # A broken proxy or balancer: the answer, then the same answer
            # again DUP_DELAY_S later on the kept connection, unasked.
            self.send(status, body, ctype, record=record)
            self.wfile.flush()
            time.sleep(DUP_DELAY_S)
            self.send(status, body, ctype)
            self.wfile.flush()
            record["dup_sent"] = True
            return None
        if kind == "closeafter":
            # Answers as if the connection stayed open, then closes it.
            self.send(status, body, ctype, record=record)
            self.close_connection = True
            return None
        if kind == "chunked":
            record["status"] = status
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            half = len(body) // 2
            self.wfile.write(b"%x;part=1\r\n%s\r\n%X\r\n%s\r\n0\r\n"
                             b"X-Trailer: yes\r\n\r\n" % (
                                 half, body[:half], len(body) - half,
                                 body[half:]))
            self.log_line(status)
            return None
        if kind == "ok":
            return self.send(status, body, ctype, record=record)
        if kind == "status":
            return self.send_error_status(arg, record=record)
        if kind == "garbage":
            return self.send(200, b'{"oops', "application/json", record=record)
        if kind == "badutf8":
            return self.send(200, b'"Zo\xc3\xab \xff\xfe\xc3( Quinn"',
                             "application/json; charset=utf-8",
                             record=record)
        if kind == "huge":
            record["status"] = 200
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(HUGE_SIZE))
            self.end_headers()
            self.log_line(200)
            chunk = b"a" * HUGE_CHUNK
            if ctype.startswith("application/json"):
                first = b'"' + chunk[1:]
                last = chunk[:-1] + b'"'
            else:
                first = last = chunk
            sent = 0
            try:
                while sent < HUGE_SIZE:
                    n = min(HUGE_CHUNK, HUGE_SIZE - sent)
                    piece = first if sent == 0 else (
                        last if sent + n >= HUGE_SIZE else chunk)
                    self.wfile.write(piece[:n])
                    sent += n
            except OSError:
                self.close_connection = True
                raise Abort()
            return None
        if kind == "drip":
            record["status"] = status
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.log_line(status)
            try:
                self.wfile.flush()
                for i in range(len(body)):
                    time.sleep(DRIP_INTERVAL_S)
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
            except OSError:
                self.close_connection = True
                raise Abort()
            return None
        if kind == "reset":
            if len(body) < 2:
                body = body + b" " * (2 - len(body))
            record["status"] = status
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.log_line("%d(reset)" % status)
            try:
                self.wfile.write(body[:len(body) // 2])
            except OSError:
                pass
            self.hard_reset()
        raise ValueError(kind)

    # -- dispatch

    def dispatch(self):
        try:
            self._dispatch()
        except Abort:
            self.close_connection = True
        except (OSError, ssl.SSLError):
            self.close_connection = True

    def _dispatch(self):
        parts = urllib.parse.urlsplit(self.path)
        path, query = parts.path, parts.query
        body = self.read_body()
        if body is None:
            self.close_connection = True
            return self.send_error_status(413)
        if path.startswith("/__"):
            self.server.uncount_control_connection()
            return self.control(path, query, body)

        auth = self.headers.get("Authorization") or ""
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        hdrs = {}
        for k, v in self.headers.items():
            k = k.lower()
            hdrs[k] = hdrs[k] + ", " + v if k in hdrs else v
        record = {
            "method": self.command, "path": path, "query": query,
            "headers": hdrs, "body": body.decode("utf-8", errors="replace"),
            "token": token, "t": time.time(), "status": None,
        }
        with self.server.state.lock:
            self.server.state.calls.append(record)
        getattr(self, "mode_" + self.server.mode)(path, query, body, record)

    def control(self, path, query, body):
        st = self.server.state
        if path == "/__health":
            return self.send(200, b"ok\n", "text/plain")
        if path == "/__calls" and self.command == "GET":
            q = urllib.parse.parse_qs(query)
            with st.lock:
                calls = list(st.calls)
                conns = st.connections
                hs = st.max_handshaking
            if "token" in q:
                calls = [c for c in calls if c["token"] == q["token"][0]]
            return self.send_json(200, {"connections": conns, "calls": calls,
                                        "max_concurrent_handshakes": hs})
        if path == "/__handshake_delay" and self.command == "POST":
            try:
                secs = float(json.loads(body.decode("utf-8"))["seconds"])
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                return self.send_json(400, {"error": 'want {"seconds": S}'})
            if not 0 <= secs <= 5:
                return self.send_json(400, {"error": "0 to 5 seconds"})
            with st.lock:
                st.handshake_delay = secs
            return self.send_json(200, {"seconds": secs})
        if path == "/__reset" and self.command == "POST":
            st.reset()
            return self.send_json(200, {"reset": True})
        if path == "/__behaviour":
            if self.command == "GET":
                return self.send_json(200, {"mode": st.behaviour})
            try:
                mode = json.loads(body.decode("utf-8"))["mode"]
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                return self.send_json(400, {"error": 'want {"mode": "..."}'})
            if not isinstance(mode, str) or parse_behaviour(mode) is None:
                return self.send_json(400, {"error": "unknown behaviour"})
            with st.lock:
                st.behaviour = mode.strip()
            return self.send_json(200, {"mode": st.behaviour})
        if path == "/__bookings" and self.command == "GET":
            with st.lock:
                bookings = list(st.bookings)
            return self.send_json(200, {"bookings": bookings})
        return self.send_error_status(404)

    def global_behaviour(self):
        with self.server.state.lock:
            return parse_behaviour(self.server.state.behaviour) or ("ok", None)

    # -- modes

    def mode_profile(self, path, query, body, record):
        target = PROFILE_PATHS.get(path)
        if target is None:
            return self.send_error_status(404, record)
        api, field = target
        record["api"] = api
        record["field"] = field
        if self.command != "GET":
            return self.send_error_status(405, record)
        opts = parse_mock_token(record["token"])
        if opts is None:
            return self.send_error_status(401, record,
                                          "missing or invalid bearer token")
        if field in opts:
            beh = parse_behaviour(opts[field])
        elif "all" in opts:
            beh = parse_behaviour(opts["all"])
        else:
            beh = self.global_behaviour()
        beh = beh or ("ok", None)
        value = profile_value(opts, api, field)
        data = json.dumps(value, ensure_ascii=False).encode("utf-8")
        return self.deliver(beh, 200, data, "application/json; charset=utf-8",
                            record)

    CERT_NAME = re.compile(r"[A-Za-z0-9._-]+\.pem")

    def mode_certhost(self, path, query, body, record):
        beh = self.global_behaviour()
        if beh[0] != "ok":
            pem = self._read_pem("echo-api.pem") or b""
            return self.deliver(beh, 200, pem, "application/x-pem-file",
                                record)
        if self.command not in ("GET", "HEAD"):
            return self.send_error_status(405, record)
        if not path.startswith("/echo.api/"):
            return self.send_error_status(404, record)
        name = path[len("/echo.api/"):]
        if not self.CERT_NAME.fullmatch(name) or name.startswith("."):
            return self.send_error_status(404, record)
        if name == "redirect.pem":
            return self.send(302, b"", "text/plain", record=record,
                             headers={"Location": "/echo.api/echo-api.pem"})
        special = {"slow.pem": ("slow", 10.0), "huge.pem": ("huge", None),
                   "drip.pem": ("drip", None)}
        if name in special:
            pem = self._read_pem("echo-api.pem") or b""
            return self.deliver(special[name], 200, pem,
                                "application/x-pem-file", record)
        pem = self._read_pem(name)
        if pem is None:
            return self.send_error_status(404, record)
        return self.send(200, pem, "application/x-pem-file", record=record)

    def _read_pem(self, name):
        fn = os.path.join(self.server.dir, "echo.api", name)
        try:
            with open(fn, "rb") as f:
                return f.read(MAX_BODY)
        except OSError:
            return None

    def backend_behaviour(self, record):
        """The /__behaviour setting for booking/sms/sns: a status answers
        at once (returns done=True), slow:S sleeps first."""
        beh = self.global_behaviour()
        if beh[0] == "status":
            self.deliver(beh, 0, b"", "", record)
            return beh, True
        if beh[0] == "slow":
            time.sleep(beh[1])
            beh = ("ok", None)
        return beh, False

    def json_post(self, path, want, body, record):
        """A JSON-object POST to want; answers the error itself
        (returns done=True) otherwise."""
        if path != want:
            self.send_error_status(404, record)
            return None, True
        if self.command != "POST":
            self.send_error_status(405, record)
            return None, True
        try:
            req = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            req = None
        if not isinstance(req, dict):
            self.send_error_status(400, record, "body must be a JSON object")
            return None, True
        return req, False

    def mode_booking(self, path, query, body, record):
        st = self.server.state
        beh, done = self.backend_behaviour(record)
        if done:
            return None
        req, done = self.json_post(path, "/bookings", body, record)
        if done:
            return None
        key = self.headers.get("Idempotency-Key")
        if not key:
            return self.send_error_status(400, record,
                                          "Idempotency-Key header missing")
        if req.get("idempotencyKey") != key:
            return self.send_error_status(
                400, record, "Idempotency-Key differs from idempotencyKey")
        with st.lock:
            existing = st.booking_by_key.get(key)
            if existing is None:
                st.seq += 1
                booking = dict(req)
                booking["bookingId"] = "BK-%d" % st.seq
                st.bookings.append(booking)
                st.booking_by_key[key] = booking
                status, bid = 201, booking["bookingId"]
            else:
                status, bid = 200, existing["bookingId"]
        record["bookingId"] = bid
        out = json.dumps({"bookingId": bid, "status": "confirmed"}).encode()
        return self.deliver(beh, status, out, "application/json", record)

    PHONE_RE = re.compile(r"\+[1-9][0-9]{6,14}")

    def mode_sms(self, path, query, body, record):
        beh, done = self.backend_behaviour(record)
        if done:
            return None
        req, done = self.json_post(path, "/sms", body, record)
        if done:
            return None
        to, text = req.get("to"), req.get("text")
        if not isinstance(to, str) or not self.PHONE_RE.fullmatch(to):
            return self.send_error_status(400, record, "bad 'to'")
        if not isinstance(text, str) or not text:
            return self.send_error_status(400, record, "bad 'text'")
        sid = "SM-%d" % self.server.state.next_seq()
        record["smsId"] = sid
        out = json.dumps({"id": sid}).encode()
        return self.deliver(beh, 200, out, "application/json", record)

    def mode_sns(self, path, query, body, record):
        beh, done = self.backend_behaviour(record)
        if done:
            return None
        raw_path = self.path.split("?", 1)[0]
        sig = sigv4_verify(self.command, raw_path, query,
                           self.headers.items(), body, self.server.aws_secret,
                           access_key=self.server.aws_access_key,
                           max_skew=self.server.aws_max_skew)
        record["sigv4"] = sig
        xml = "text/xml"
        if not sig["valid"]:
            code = ("MissingAuthenticationToken" if sig["reason"].startswith(
                "missing Authorization") else "SignatureDoesNotMatch")
            return self.send(403, sns_xml_error(403, code, sig["reason"]), xml,
                             record=record)
        if self.command != "POST" or path != "/":
            return self.send(400, sns_xml_error(400, "InvalidAction",
                                                "POST / only"), xml,
                             record=record)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype.lower() != "application/x-www-form-urlencoded":
            return self.send(400, sns_xml_error(
                400, "InvalidParameter", "form-urlencoded body expected"), xml,
                record=record)
        try:
            params = urllib.parse.parse_qs(body.decode("utf-8"),
                                           keep_blank_values=True,
                                           strict_parsing=False)
        except UnicodeDecodeError:
            params = {}
        flat = {k: v[0] for k, v in params.items()}
        record["params"] = flat
        if flat.get("Action") != "Publish":
            return self.send(400, sns_xml_error(400, "InvalidAction",
                                                "Action must be Publish"),
                             xml, record=record)
        phone = flat.get("PhoneNumber", "")
        if not self.PHONE_RE.fullmatch(phone):
            return self.send(400, sns_xml_error(
                400, "InvalidParameter",
                "Invalid parameter: PhoneNumber Reason: not E.164"), xml,
                record=record)
        if not flat.get("Message"):
            return self.send(400, sns_xml_error(
                400, "InvalidParameter", "Empty message"), xml, record=record)
        mid = str(uuid.uuid4())
        record["messageId"] = mid
        out = ('<PublishResponse xmlns="http://sns.amazonaws.com/doc/'
               '2010-03-31/"><PublishResult><MessageId>%s</MessageId>'
               "</PublishResult><ResponseMetadata><RequestId>%s</RequestId>"
               "</ResponseMetadata></PublishResponse>" % (mid, uuid.uuid4())
               ).encode()
        return self.deliver(beh, 200, out, xml, record)


# -------------------------------------------------------------------- server

class MockServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, mode, state, tls_ctx=None, **kw):
        if ":" in addr[0]:
            self.address_family = socket.AF_INET6
        self.mode = mode
        self.state = state
        self.tls_ctx = tls_ctx
        self.quiet = kw.get("quiet", False)
        self.dir = kw.get("dir", DEFAULT_DIR)
        self.aws_secret = kw.get("aws_secret") or ""
        self.aws_access_key = kw.get("aws_access_key")
        self.aws_max_skew = kw.get("aws_max_skew", 900)
        self.conn_epoch = {}
        self.tl = threading.local()
        super().__init__(addr, handler)

    def get_request(self):
        # Count every accepted connection, before any TLS handshake.
        sock, addr = super().get_request()
        with self.state.lock:
            self.state.connections += 1
            self.conn_epoch[sock.fileno()] = self.state.epoch
        return sock, addr

    def uncount_control_connection(self):
        """A connection used for /__ control requests is not the client's:
        take it back out of the count (once, and only if no reset since)."""
        tl = self.tl
        if getattr(tl, "epoch", None) is None:
            return
        with self.state.lock:
            if tl.epoch == self.state.epoch:
                self.state.connections -= 1
        tl.epoch = None

    def finish_request(self, request, client_address):
        # TLS handshake here, in the connection's own thread, so one slow or
        # failing client never blocks accept() (and still counts above).
        with self.state.lock:
            self.tl.epoch = self.conn_epoch.pop(request.fileno(), None)
        conn = request
        try:
            if self.tls_ctx is not None:
                request.settimeout(10)
                conn = self.slow_handshake(request)
            self.RequestHandlerClass(conn, client_address, self)
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            if conn is not request:
                try:
                    conn.close()
                except OSError:
                    pass

    def slow_handshake(self, request):
        """TLS handshake after the configured delay (a slow network).  How
        many connections wait in that delay at once is counted: more than
        one only when a client opens connections in parallel."""
        st = self.state
        with st.lock:
            delay = st.handshake_delay
            if delay > 0:
                st.handshaking += 1
                st.max_handshaking = max(st.max_handshaking, st.handshaking)
        if delay > 0:
            time.sleep(delay)
            with st.lock:
                st.handshaking -= 1
        return self.tls_ctx.wrap_socket(request, server_side=True)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ssl.SSLError)):
            return
        sys.stderr.write("mockd[%s]: handler error: %s\n" % (
            self.mode, type(exc).__name__))


def make_tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description="local mock Alexa services")
    ap.add_argument("--mode", required=True, choices=MODES)
    ap.add_argument("--port", type=int, required=True,
                    help="0 picks a free port (printed on the READY line)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--tls-cert", help="PEM chain; default for profile/"
                    "certhost: DIR/tls/{api,certhost}.pem")
    ap.add_argument("--tls-key")
    ap.add_argument("--no-tls", action="store_true",
                    help="plain HTTP even for profile/certhost")
    ap.add_argument("--dir", default=DEFAULT_DIR,
                    help="dev-pki directory (default %(default)s)")
    ap.add_argument("--aws-secret", help="SigV4 secret key (sns mode)")
    ap.add_argument("--aws-access-key",
                    help="accept only this access key id (sns mode)")
    ap.add_argument("--aws-max-skew", type=float, default=900,
                    help="max |x-amz-date - now| in s, 0 = no check "
                    "(default %(default)s)")
    ap.add_argument("--behaviour", default="ok",
                    help="initial /__behaviour mode")
    ap.add_argument("--quiet", action="store_true", help="no request log")
    args = ap.parse_args(argv)
    if args.mode == "sns" and not args.aws_secret:
        ap.error("--aws-secret is required in sns mode")
    if parse_behaviour(args.behaviour) is None:
        ap.error("unknown behaviour %r" % args.behaviour)
    return args


def main(argv=None):
    args = parse_args(argv)
    tls_cert, tls_key = args.tls_cert, args.tls_key
    if not tls_cert and not args.no_tls and args.mode in ("profile",
                                                          "certhost"):
        name = "api" if args.mode == "profile" else "certhost"
        tls_cert = os.path.join(args.dir, "tls", name + ".pem")
        tls_key = os.path.join(args.dir, "tls", name + ".key")
    if tls_cert and not tls_key:
        tls_key = os.path.splitext(tls_cert)[0] + ".key"
    try:
        ctx = make_tls_context(tls_cert, tls_key) if tls_cert else None
    except (OSError, ssl.SSLError) as e:
        sys.stderr.write("mockd: cannot load TLS cert/key %s: %s\n" % (
            tls_cert, e))
        return 2
    state = State()
    state.behaviour = args.behaviour
    try:
        server = MockServer((args.host, args.port), Handler, args.mode, state,
                            tls_ctx=ctx, quiet=args.quiet, dir=args.dir,
                            aws_secret=args.aws_secret,
                            aws_access_key=args.aws_access_key,
                            aws_max_skew=args.aws_max_skew)
    except OSError as e:
        sys.stderr.write("mockd: cannot listen on %s:%d: %s\n" % (
            args.host, args.port, e))
        return 2

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write("READY %d\n" % server.server_address[1])
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
