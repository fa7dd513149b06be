"""Issue 8: fault injection against the real stack.  Every case: a valid
Alexa response (or 400 for verification failures) inside the deadline, no
worker crash, and no stuck worker afterwards."""
import os
import subprocess
import time

from harness import (BOOK_DAY, ROOT, check, eq, free_port, token,
                     validate_response)

SLOTS = {"date": BOOK_DAY.iso, "time": "19:30", "partySize": "2"}
# The fault stack's budgets: api 1000 ms, booking 1000 ms, sms 1000 ms,
# cert fetch 1000 ms.  Alexa's deadline is 8 s; we hold ourselves to this.
DEADLINE = 4.0
PROFILE_FAULTS = ("reset", "drip", "huge", "badutf8", "garbage", "500", "429")
BACKEND_FAULTS = ("reset", "drip", "huge", "badutf8", "500", "429")


def _stack(env, **over):
    if getattr(env, "_fault_stack", None) is None or \
            not env._fault_stack.started:
        closed = free_port()
        env._closed_port = closed
        env._fault_stack = env.stack(
            name="faults", api_timeout_ms=1000, booking_timeout_ms=1000,
            sms_timeout_ms=1000, cert_fetch_timeout_ms=1000,
            api_allowed_origins="https://127.0.0.1:%d,https://127.0.0.1:%d"
            % (env.profile.port, closed))
    return env._fault_stack


def _after(s, pids, what):
    """The same workers are alive and a good request answers at once."""
    eq(s.worker_pids(), pids, "%s: workers changed (crash?)" % what)
    t0 = time.monotonic()
    r = s.send("launch", person=None)
    validate_response(r)
    check(time.monotonic() - t0 < 1.0, "%s: next request slow (stuck "
          "worker?)" % what)


def _timed(fn):
    t0 = time.monotonic()
    r = fn()
    return r, time.monotonic() - t0


def test_profile_api_faults(env):
    s = _stack(env)
    pids = s.worker_pids()
    for beh in PROFILE_FAULTS:
        r, dt = _timed(lambda: s.send("intent", name="SendDetailsIntent",
                                      token=token(mobileNumber=beh)))
        validate_response(r, "Sorry")
        check(dt < DEADLINE, "profile %s: %.2f s" % (beh, dt))
        r, dt = _timed(lambda: s.send("launch", token=token(givenName=beh)))
        validate_response(r)
        check("alexa:name" in r.ssml, "profile %s: launch without the tag"
              % beh)
        check(dt < DEADLINE, "profile %s launch: %.2f s" % (beh, dt))
        _after(s, pids, "profile " + beh)


def test_profile_api_refusing_connections(env):
    s = _stack(env)
    pids = s.worker_pids()
    r, dt = _timed(lambda: s.send(
        "intent", name="SendDetailsIntent", token=token(),
        api_endpoint="https://127.0.0.1:%d" % env._closed_port))
    validate_response(r, "Sorry")
    check(dt < DEADLINE, "refused profile API: %.2f s" % dt)
    _after(s, pids, "profile refused")


def _book(s):
    return s.send("intent", name="BookTableIntent", token=token(),
                  slots=SLOTS)


def test_booking_backend_faults(env):
    s = _stack(env)
    pids = s.worker_pids()
    booking = env.mocks["booking"]
    try:
        for beh in BACKEND_FAULTS:
            booking.behaviour(beh)
            r, dt = _timed(lambda: _book(s))
            validate_response(r)
            check(dt < DEADLINE, "booking %s: %.2f s" % (beh, dt))
            _after(s, pids, "booking " + beh)
    finally:
        booking.behaviour("ok")


def test_booking_answer_above_profile_cap_is_read(env):
    # 6 KiB: more than a profile answer may hold (4 KiB), within a backend
    # answer's cap (8 KiB).  The buffer it is read into is the backend's.
    s = _stack(env)
    booking = env.mocks["booking"]
    try:
        booking.behaviour("big")
        r = _book(s)
        validate_response(r, "under Zo\u00eb")
        rid = r.envelope["request"]["requestId"]
        eq(len([b for b in booking.bookings()
                if b.get("idempotencyKey") == rid]), 1, "bookings")
    finally:
        booking.behaviour("ok")


def test_sms_gateway_faults(env):
    s = _stack(env)
    pids = s.worker_pids()
    sms = env.mocks["sms"]
    try:
        for beh in BACKEND_FAULTS:
            sms.behaviour(beh)
            r, dt = _timed(lambda: s.send("intent", name="SendDetailsIntent",
                                          token=token()))
            validate_response(r)
            check("ending in" not in r.speech or beh in ("drip", "huge",
                                                         "badutf8"),
                  "sms %s: claimed a text: %r" % (beh, r.speech))
            check(dt < DEADLINE, "sms %s: %.2f s" % (beh, dt))
            _after(s, pids, "sms " + beh)
    finally:
        sms.behaviour("ok")


def test_cert_host_faults(env):
    """Every fault on the cert host: 400 in time, then good requests work
    (each case on a URL of its own, so nothing is served from cache)."""
    s = _stack(env)
    pids = s.worker_pids()
    try:
        for beh in ("reset", "drip", "huge", "500", "429", "badutf8"):
            env.certhost.behaviour(beh)
            r, dt = _timed(lambda: s.send(
                "launch", person=None,
                cert_url="https://s3.amazonaws.com/echo.api/fault-%s.pem"
                % beh))
            eq(r.status, 400, "cert host %s" % beh)
            check(dt < DEADLINE, "cert host %s: %.2f s" % (beh, dt))
            env.certhost.behaviour("ok")
            _after(s, pids, "cert host " + beh)
    finally:
        env.certhost.behaviour("ok")


def _slowdns(env):
    """tests/mocks/slowdns.c built into an LD_PRELOAD shim: names ending
    in .slow.test take SLOWDNS_S (9) seconds to resolve."""
    so = os.path.join(env.tmp, "slowdns.so")
    if not os.path.exists(so):
        subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", so,
                        os.path.join(ROOT, "tests", "mocks", "slowdns.c"),
                        "-ldl"], check=True)
    return {"LD_PRELOAD": so, "SLOWDNS_S": "9"}


def test_slow_dns_keeps_the_deadline(env):
    """A resolver that does not answer for 9 s must not hold a request
    past its budgets: libcurl's threaded resolver used to be waited for
    when a call timed out (the reply took 9 s; nginx and Alexa give up at
    8).  Profile API, cert host and booking backend, each behind a name
    that stalls."""
    extra = _slowdns(env)
    api = "https://api.slow.test:%d" % env.profile.port
    with env.own_stack(name="slowapi", workers=1, extra_env=extra,
                       api_allowed_origins=api) as s:
        s.env_api_endpoint = api
        r, dt = _timed(lambda: s.send("launch", token=token()))
        validate_response(r)
        check("alexa:name" in r.ssml, "launch without the tag: %r" % r.ssml)
        check(dt < DEADLINE, "profile behind slow DNS: %.2f s" % dt)
    with env.own_stack(
            name="slowcert", workers=1, extra_env=extra,
            cert_fetch_connect_to="s3.amazonaws.com:443:cert.slow.test:%d"
            % env.certhost.port) as s:
        r, dt = _timed(lambda: s.send("launch", person=None))
        eq(r.status, 400, "cert host behind slow DNS")
        check(dt < DEADLINE, "cert host behind slow DNS: %.2f s" % dt)
    with env.own_stack(
            name="slowbook", workers=1, extra_env=extra,
            booking_url="https://booking.slow.test:%d/bookings"
            % env.mocks["booking"].port) as s:
        r, dt = _timed(lambda: _book(s))
        validate_response(r)
        check("can't say whether your table is booked" in r.speech or
              "nothing has been booked" in r.speech, r.speech)
        check(dt < DEADLINE, "booking behind slow DNS: %.2f s" % dt)
