"""The worker's own HTTP checks, over FastCGI straight to its socket (nginx
catches most of these first, so they are tested here without it)."""
import json
import os
import resource
import socket

from fcgiclient import head, read_answer, request, stdin
from harness import check, eq, rss_kb, sim, wait_for, PKI


def _sock(s):
    p = os.path.join(s.dir, "sockdir")
    d = open(p).read().strip() if os.path.exists(p) else s.dir
    return os.path.join(d, "skill.sock")


def _params(**kv):
    p = {"SKILL_ROUTE": "alexa", "REQUEST_METHOD": "POST",
         "CONTENT_TYPE": "application/json"}
    p.update({k: v for k, v in kv.items() if v is not None})
    for k in [k for k, v in kv.items() if v is None]:
        p.pop(k, None)
    return p


def test_direct_good_request(env):
    s = env.shared()
    e = sim.build_envelope("launch", person=None,
                           api_endpoint=s.env_api_endpoint)
    body = sim.encode_envelope(e)
    h = sim.sign_headers(body, os.path.join(PKI, "keys", "echo-api.key"))
    p = _params(CONTENT_LENGTH=str(len(body)),
                HTTP_SIGNATURECERTCHAINURL=h["SignatureCertChainUrl"],
                HTTP_SIGNATURE_256=h["Signature-256"])
    status, headers, out = request(_sock(s), p, body)
    eq(status, 200, "direct launch")
    eq(headers.get("content-type"), "application/json", "content type")
    eq(json.loads(out)["version"], "1.0", "version")


def test_direct_statuses(env):
    s = env.shared()
    sock = _sock(s)
    cases = (
        (_params(REQUEST_METHOD="GET", CONTENT_LENGTH="0"), 405),
        (_params(CONTENT_TYPE="text/plain", CONTENT_LENGTH="2"), 415),
        (_params(CONTENT_TYPE="application/jsonx", CONTENT_LENGTH="2"), 415),
        (_params(CONTENT_LENGTH=None), 400),
        (_params(CONTENT_LENGTH="12abc"), 400),
        (_params(CONTENT_LENGTH="-1"), 400),
        (_params(CONTENT_LENGTH="99999999999999999999"), 400),
        (_params(CONTENT_LENGTH="5"), 400),          # body shorter
        (_params(SKILL_ROUTE=None, CONTENT_LENGTH="2"), 404),
    )
    for params, want in cases:
        status, headers, out = request(sock, params, b"{}")
        eq(status, want, "params %r" % params)
        check(json.loads(out).get("reason"), "no reason in %r" % out)
        if want == 405:
            eq(headers.get("allow"), "POST", "Allow header")
    # A refused health check is logged like any refused request.
    status, headers, out = request(sock, _params(SKILL_ROUTE="healthz",
                                                 CONTENT_LENGTH="0"), b"")
    eq(status, 405, "POST /healthz")
    eq(headers.get("allow"), "GET", "Allow header of /healthz")
    wait_for(lambda: 'outcome="healthz: method must be GET" status=405'
             in s.worker_log(), what="the log line of POST /healthz")


def test_direct_oversized_body_not_read(env):
    """413 from the worker itself, answered without reading the body: the
    worker's memory does not grow by the body's size."""
    with env.own_stack(name="big", workers=1) as s:
        pid = s.worker_pids()[0]
        before = rss_kb(pid)
        big = 8 * 1024 * 1024
        status, _, out = request(_sock(s), _params(CONTENT_LENGTH=str(big)),
                                 b"x" * big)
        eq(status, 413, "8 MiB body")
        eq(json.loads(out)["error"], "payload_too_large", "error")
        check(rss_kb(pid) - before < 2048, "worker RSS grew by %d KiB"
              % (rss_kb(pid) - before))
        # And it still answers.
        status, _, _ = request(_sock(s), _params(REQUEST_METHOD="GET",
                                                 CONTENT_LENGTH="0"))
        eq(status, 405, "worker alive after the 413")


def test_direct_healthz(env):
    s = env.shared()
    status, headers, out = request(_sock(s), {"SKILL_ROUTE": "healthz",
                                              "REQUEST_METHOD": "GET"})
    eq(status, 200, "healthz")
    eq(out, b"ok\n", "healthz body")


def _send_and_read_to_eof(sock_path, params, body):
    """One request on a raw connection; reads until the worker's EOF and
    returns the socket still open on this side."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(sock_path)
    s.sendall(head(params) + stdin(body))
    got = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return s, got
        got += chunk


def test_direct_closes_at_once_when_input_read(env):
    """Once a request's input is read to its end, the worker closes the
    connection outright instead of libfcgi's lingering close (shutdown,
    then wait up to 2 s for the peer to close): the thread is free at once.
    After the worker's EOF, writing to the connection must fail (with a
    lingering close the worker's end would still be open and accept it)."""
    s = env.shared()
    e = sim.build_envelope("launch", person=None,
                           api_endpoint=s.env_api_endpoint)
    body = sim.encode_envelope(e)
    h = sim.sign_headers(body, os.path.join(PKI, "keys", "echo-api.key"))
    cases = (
        ("healthz", {"SKILL_ROUTE": "healthz", "REQUEST_METHOD": "GET"}, b""),
        ("launch", _params(CONTENT_LENGTH=str(len(body)),
                           HTTP_SIGNATURECERTCHAINURL=h[
                               "SignatureCertChainUrl"],
                           HTTP_SIGNATURE_256=h["Signature-256"]), body),
    )
    for name, params, data in cases:
        conn, got = _send_and_read_to_eof(_sock(s), params, data)
        check(b"Status: 200" in got or (name == "healthz" and b"ok\n" in got),
              "%s answered: %r" % (name, got[:120]))
        try:
            conn.send(b"x" * 8)
            closed = False
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        finally:
            conn.close()
        check(closed, "%s: the worker's end was still open after its EOF"
              % name)


def _launch(s):
    e = sim.build_envelope("launch", person=None,
                           api_endpoint=s.env_api_endpoint)
    body = sim.encode_envelope(e)
    h = sim.sign_headers(body, os.path.join(PKI, "keys", "echo-api.key"))
    return _params(CONTENT_LENGTH=str(len(body)),
                   HTTP_SIGNATURECERTCHAINURL=h["SignatureCertChainUrl"],
                   HTTP_SIGNATURE_256=h["Signature-256"]), body


def _kept(sock_path):
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(5)
    c.connect(sock_path)
    return c


def _ask(conn, params, body, keep=True):
    conn.sendall(head(params, keep=keep) + stdin(body))
    return read_answer(conn)


def test_direct_kept_connections_served_by_any_thread(env):
    """With FCGI_KEEP_CONN (nginx's fastcgi_keep_conn) a connection stays
    open for the next request, and no thread waits on an idle one: with
    two threads and four idle kept connections, a request on a new
    connection and the next ones on the kept connections are all answered
    at once (a thread per connection would hang on the first two)."""
    with env.own_stack(name="keep", workers=1, worker_threads=2) as s:
        params, body = _launch(s)
        conns = [_kept(_sock(s)) for _ in range(4)]
        try:
            for i, c in enumerate(conns):
                out, ended = _ask(c, params, body)
                check(ended and b"Status: 200" in out,
                      "first answer on kept connection %d: %r" % (i, out[:80]))
            fresh = _kept(_sock(s))
            out, ended = _ask(fresh, params, body, keep=False)
            check(ended and b"Status: 200" in out, "new connection: %r"
                  % out[:80])
            eq(fresh.recv(1), b"", "no FCGI_KEEP_CONN: closed after the answer")
            fresh.close()
            for rnd in range(3):
                for i, c in enumerate(conns):
                    out, ended = _ask(c, params, body)
                    check(ended and b"Status: 200" in out,
                          "round %d on kept connection %d: %r"
                          % (rnd, i, out[:80]))
        finally:
            for c in conns:
                c.close()


def test_direct_idle_or_stalled_connection_holds_no_thread(env):
    """One thread: a connection that sends nothing does not keep it (the
    next request is answered at once), and one that stops in the middle of
    a record is closed after FCGI_IO_TIMEOUT_MS (5 s), so the thread is
    free again instead of waiting for ever."""
    with env.own_stack(name="idle", workers=1, worker_threads=1) as s:
        params, body = _launch(s)

        def answered_within_2s(what):
            c = _kept(_sock(s))
            c.settimeout(2)
            out, ended = _ask(c, params, body, keep=False)
            c.close()
            check(ended and b"Status: 200" in out, "%s: %r" % (what, out[:80]))

        idle = _kept(_sock(s))
        stalled = _kept(_sock(s))
        try:
            answered_within_2s("answer next to an idle connection")
            # Half a begin-request record, then nothing.
            stalled.sendall(head(params)[:5])
            stalled.settimeout(10)
            eq(stalled.recv(1), b"", "stalled connection closed by the worker")
            answered_within_2s("answer after the stalled connection")
        finally:
            idle.close()
            stalled.close()


def test_direct_idle_connections_are_capped(env):
    """Over FCGI_CONNS_MAX (256) open connections, a new one that sends
    nothing within FCGI_NEWCOMER_WAIT_MS (100 ms) is closed: 270 idle
    peers leave the worker with at most 256 of them (and its own few
    fds), and a request on a new connection is still answered."""
    with env.own_stack(name="cap", workers=1, worker_threads=1) as s:
        params, body = _launch(s)
        pid = s.worker_pids()[0]
        idle = [_kept(_sock(s)) for _ in range(270)]
        try:
            # The last ones are closed by the worker (EOF), the first kept.
            idle[-1].settimeout(5)
            eq(idle[-1].recv(1), b"", "idle connection over the cap")
            c = _kept(_sock(s))
            out, ended = _ask(c, params, body, keep=False)
            c.close()
            check(ended and b"Status: 200" in out, "answer: %r" % out[:80])
            fds = len(os.listdir("/proc/%d/fd" % pid))
            check(fds < 256 + 32, "worker holds %d fds" % fds)
            check(fds > 256, "worker holds only %d fds: were the idle "
                  "connections kept at all?" % fds)
        finally:
            for c in idle:
                c.close()
        check("closed a new one with no request" in s.worker_log(),
              "no log line for the refused connections")


def _cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_direct_connection_cap_follows_open_files_limit(env):
    """Under an open-files limit of 64 (set on the running worker, as
    prlimit does), the cap shrinks to leave the worker's own descriptors:
    80 idle peers do not exhaust them, the worker does not spin, and a
    request on a new connection is still answered.  With the fixed cap of
    256, accept failed with EMFILE and both threads spun on it."""
    with env.own_stack(name="nofile", workers=1, worker_threads=2) as s:
        params, body = _launch(s)
        pid = s.worker_pids()[0]
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (64, 64))
        idle = []
        try:
            for _ in range(80):
                idle.append(_kept(_sock(s)))
            # The last one is over the cap: closed by the worker (EOF).
            idle[-1].settimeout(5)
            eq(idle[-1].recv(1), b"", "idle connection over the cap")
            cpu = _cpu_s(pid)
            c = _kept(_sock(s))
            c.settimeout(5)
            out, ended = _ask(c, params, body, keep=False)
            c.close()
            check(ended and b"Status: 200" in out, "answer: %r" % out[:80])
            fds = len(os.listdir("/proc/%d/fd" % pid))
            check(fds <= 64, "worker holds %d fds" % fds)
            # An answer takes a few ms of CPU; spinning threads take the
            # whole time since the idle peers connected.
            used = _cpu_s(pid) - cpu
            check(used < 0.5, "worker used %.2f s of CPU for one answer"
                  % used)
        finally:
            for c in idle:
                c.close()
        check("closed a new one with no request" in s.worker_log(),
              "no log line for the refused connections")


def test_direct_kept_connection_closed_after_unread_body(env):
    """A refused body is not read, so the connection cannot carry another
    request: the worker closes it after the answer even with
    FCGI_KEEP_CONN; a good request before it leaves it open."""
    s = env.shared()
    params, body = _launch(s)
    c = _kept(_sock(s))
    try:
        out, ended = _ask(c, params, body)
        check(ended and b"Status: 200" in out, "launch: %r" % out[:80])
        out, ended = _ask(c, _params(CONTENT_TYPE="text/plain",
                                     CONTENT_LENGTH="2"), b"{}")
        check(ended and b"Status: 415" in out, "415: %r" % out[:80])
        eq(c.recv(1), b"", "closed after the request with unread input")
    finally:
        c.close()
