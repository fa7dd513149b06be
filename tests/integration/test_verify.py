"""Issue 4: request verification (PROTOCOL.md section 5) against the real
stack: nginx + workers + the mock cert host, signed with the dev PKI."""
import base64
import concurrent.futures
import os
import re
import shutil
import subprocess
import time

from harness import (CERT_URL, Mock, PKI, ROOT, SKILL_ID, WORKER, check, eq,
                     free_port, sim, validate_response, wait_for)

FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
ECHO = "https://s3.amazonaws.com/echo.api/"



def _url_cases():
    """tests/data/cert-urls.txt, shared with the unit tests: (accepted,
    refused) lists of URLs."""
    cases = {"accept": [], "refuse": []}
    with open(os.path.join(ROOT, "tests", "data", "cert-urls.txt")) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            verdict, tab, url = line.partition("\t")
            if not tab or verdict not in cases:
                raise ValueError("cert-urls.txt: bad line %r" % line)
            cases[verdict].append(url)
    return cases["accept"], cases["refuse"]


ACCEPTED_URLS, REFUSED_URLS = _url_cases()


# ------------------------------------------------------------- helpers

def _x_pem():
    """echo.api/x.pem for the accepted-URL cases: a copy of the good chain
    (build/pki is generated, so adding a file there is fine)."""
    dst = os.path.join(PKI, "echo.api", "x.pem")
    src = os.path.join(PKI, "echo.api", "echo-api.pem")
    if not os.path.exists(dst) or (os.path.getmtime(dst) <
                                   os.path.getmtime(src)):
        shutil.copyfile(src, dst + ".tmp")
        os.replace(dst + ".tmp", dst)


def _key(name):
    return os.path.join(PKI, "keys", name + ".key")


def _downloads(mock, path=None):
    """Cert downloads the mock cert host received (GET /echo.api/...)."""
    return [c for c in mock.calls()
            if c["path"].startswith("/echo.api/") and
            (path is None or c["path"] == path)]


def _refused(r, reason, what):
    eq(r.status, 400, what + ": HTTP status")
    check(isinstance(r.json, dict), what + ": no JSON error body: %r" % r)
    eq(r.json.get("error"), "bad_request", what + ": error")
    eq(r.json.get("reason"), "verify: " + reason, what + ": reason")


def _ok(r, what):
    eq(r.status, 200, what + ": HTTP status (%r)" % (r,))
    validate_response(r)


def _body(s, kind="launch", **opts):
    opts.setdefault("api_endpoint", s.env_api_endpoint)
    return sim.encode_envelope(sim.build_envelope(kind, **opts))


def _timed(fn):
    t0 = time.monotonic()
    r = fn()
    return r, time.monotonic() - t0


def _served_pids(s, status=200):
    """Worker pids that logged a request line with this status."""
    pat = re.compile(r"\[(\d+)\] req .* status=%d " % status)
    return {int(m.group(1)) for m in map(pat.search,
                                        s.worker_log().splitlines()) if m}


def _write_atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


# --------------------------------------------- good, tampered, missing

def test_good_request_is_200(env):
    _ok(env.shared().send("launch"), "signed launch")


def test_body_changed_one_byte_is_400(env):
    def flip(b):
        i = b.index(b"LaunchRequest") + len("Launch")
        return b[:i] + b"r" + b[i + 1:]      # LaunchRequest -> Launchrequest
    r = env.shared().send("launch", tamper=flip)
    _refused(r, "signature", "one byte changed after signing")


def test_missing_cert_url_is_400(env):
    s = env.shared()
    body = _body(s)
    h = sim.sign_headers(body, _key("echo-api"), "sha256", CERT_URL)
    del h["SignatureCertChainUrl"]
    _refused(s.send(body=body, sign=None, headers=h), "cert_url_missing",
             "no SignatureCertChainUrl")


def test_missing_signature_is_400(env):
    s = env.shared()
    body = _body(s)
    h = sim.sign_headers(body, _key("echo-api"), "sha256", CERT_URL)
    del h["Signature-256"]
    check("Signature" not in h, "legacy header present")
    _refused(s.send(body=body, sign=None, headers=h), "signature_missing",
             "no Signature-256 and no Signature")


def test_signature_by_other_key_is_400(env):
    r = env.shared().send("launch", key=_key("other"))
    _refused(r, "signature", "signed by keys/other.key")


# ---------------------------------------------------------- cert URLs

def test_accepted_cert_urls_are_200(env):
    _x_pem()
    s = env.shared()
    for url in ACCEPTED_URLS:
        _ok(s.send("launch", cert_url=url), url)


def test_refused_cert_urls_are_400_without_download(env):
    _x_pem()
    s = env.shared()
    before = len(_downloads(env.certhost))
    for url in REFUSED_URLS:
        _refused(s.send("launch", cert_url=url), "cert_url", url)
    eq(len(_downloads(env.certhost)) - before, 0,
       "downloads for refused URLs")
    # The same stack still verifies a good URL (and that one is fetched or
    # cached, so the count above could have moved).
    _ok(s.send("launch"), "good request after refused URLs")


# ------------------------------------------------------------ bad certs

def _bad_cert(env, name, reason):
    r = env.shared().send("launch", cert_url=ECHO + name + ".pem",
                          key=_key(name))
    _refused(r, reason, name + ".pem")


def test_cert_without_san_is_400(env):
    _bad_cert(env, "nosan", "cert_san")


def test_cert_with_wrong_san_is_400(env):
    _bad_cert(env, "wrongsan", "cert_san")


def test_expired_cert_is_400(env):
    _bad_cert(env, "expired", "cert_expired")


def test_not_yet_valid_cert_is_400(env):
    _bad_cert(env, "notyet", "cert_not_yet_valid")


def test_untrusted_root_is_400(env):
    _bad_cert(env, "untrusted", "cert_chain")


def test_bad_cert_is_not_cached_as_good(env):
    """A refused chain is fetched (and refused) again, never reused."""
    s = env.shared()
    path = "/echo.api/wrongsan.pem"
    before = len(_downloads(env.certhost, path))
    for _ in range(2):
        _bad_cert(env, "wrongsan", "cert_san")
    eq(len(_downloads(env.certhost, path)) - before, 2,
       "downloads of a refused chain")
    _ok(s.send("launch"), "good request afterwards")


def _forged(s, url):
    """A request nobody signed (256 zero bytes) naming url: the chain is
    downloaded before the signature can be checked."""
    sig = base64.b64encode(b"\0" * 256).decode()
    return s.send("launch", sign=None, headers={
        "SignatureCertChainUrl": url, "Signature-256": sig})


def test_cert_cache_one_entry_per_file_and_no_eviction_by_forgeries(env):
    """Spellings of one URL (dot-segments, host case, :443) are one cache
    entry; forged requests naming them download nothing, and forged ones
    whose chain is refused evict no good key.  The cache used to be keyed
    by the raw URL: 9 unsigned requests caused 9 downloads and pushed the
    good key out."""
    for i in range(7):
        dst = os.path.join(PKI, "echo.api", "c%d.pem" % i)
        shutil.copyfile(os.path.join(PKI, "echo.api", "echo-api.pem"), dst)
    with env.own_stack(name="certcache", workers=1) as s:
        good = "/echo.api/echo-api.pem"
        _ok(s.send("launch"), "first request")
        before = len(_downloads(env.certhost, good))
        urls = ["https://s3.amazonaws.com/echo.api/v%d/../echo-api.pem" % i
                for i in range(9)]
        urls += ["https://S3.AmazonAWS.com:443/echo.api/echo-api.pem",
                 "HTTPS://s3.amazonaws.com/echo.api/./echo-api.pem"]
        for url in urls:
            _refused(_forged(s, url), "signature", url)
        _ok(s.send("launch"), "good request after the forgeries")
        eq(len(_downloads(env.certhost, good)) - before, 0,
           "downloads of the cached chain")
        # Fill all 8 slots with good keys, then forgeries whose chain is
        # refused: no good key may be pushed out.
        mine = [CERT_URL] + [ECHO + "c%d.pem" % i for i in range(7)]
        for url in mine:
            _ok(s.send("launch", cert_url=url), url)
        before = len(_downloads(env.certhost))
        for _ in range(3):
            _refused(_forged(s, ECHO + "wrongsan.pem"), "cert_san",
                     "forged, refused chain")
        eq(len(_downloads(env.certhost)) - before, 3, "refused chains fetched")
        for url in mine:
            _ok(s.send("launch", cert_url=url), url)
        eq(len(_downloads(env.certhost)) - before, 3,
           "good keys downloaded again after the forgeries")


def test_redirect_is_not_followed(env):
    s = env.shared()
    before = len(_downloads(env.certhost, "/echo.api/echo-api.pem"))
    r = s.send("launch", cert_url=ECHO + "redirect.pem")
    _refused(r, "cert_fetch", "302 from the cert host")
    eq(len(_downloads(env.certhost, "/echo.api/echo-api.pem")) - before, 0,
       "redirect target fetched")


# ------------------------------------------------ failing cert host

TIMEOUT_S = 1.5     # cert_fetch_timeout_ms of the test configuration


def test_cert_host_down_is_400_then_recovers(env):
    """Nothing listens on the cert host port: 400 at once; once a cert host
    answers there, the same stack verifies again (the failure was not
    cached)."""
    port = free_port()
    with env.own_stack(name="certdown", cert_fetch_connect_to=
                       "s3.amazonaws.com:443:127.0.0.1:%d" % port) as s:
        r, dt = _timed(lambda: s.send("launch"))
        _refused(r, "cert_fetch", "cert host down")
        check(dt < TIMEOUT_S + 1, "refusal took %.2f s" % dt)
        print("  cert host down: 400 in %.3f s" % dt)
        host = Mock("certhost", env.logdir, ("--port", str(port)))
        try:
            _ok(s.send("launch"), "cert host back")
            eq(len(_downloads(host)), 1, "downloads at the new cert host")
        finally:
            host.stop()


def _slow_case(env, name, reason):
    s = env.shared()
    r, dt = _timed(lambda: s.send("launch", cert_url=ECHO + name))
    _refused(r, reason, name)
    check(dt < TIMEOUT_S + 1,
          "%s: refusal after %.2f s, fetch timeout %.1f s" % (name, dt,
                                                              TIMEOUT_S))
    print("  %s: 400 in %.3f s" % (name, dt))
    r, dt2 = _timed(lambda: s.send("launch"))
    _ok(r, "good request after " + name)
    check(dt2 < 1.0, "next good request took %.2f s" % dt2)
    return dt


def test_slow_cert_host_is_400_within_timeout(env):
    dt = _slow_case(env, "slow.pem", "cert_fetch_timeout")
    check(dt >= TIMEOUT_S - 0.2, "timed out before the fetch timeout: %.2f"
          % dt)


def test_huge_cert_is_400_within_timeout(env):
    _slow_case(env, "huge.pem", "cert_too_large")


def test_dripping_cert_host_is_400_within_timeout(env):
    _slow_case(env, "drip.pem", "cert_fetch_timeout")


# ------------------------------------------------------------ timestamps

def _at_offset(s, offset, kind="launch", **opts):
    """Sends a request whose timestamp is exactly offset seconds from the
    worker's clock.  Alexa timestamps have whole seconds, so the request is
    sent at the start of a second and retried if it crossed into the next
    one (which would shift the skew by one)."""
    for _ in range(5):
        wait_for(lambda: time.time() % 1.0 < 0.3, 2, "start of a second")
        t0 = time.time()
        r = s.send(kind, timestamp_offset=offset, **opts)
        if int(time.time()) == int(t0):
            return r
    raise AssertionError("could not send inside one second")


def test_timestamp_151_s_old_is_400(env):
    _refused(_at_offset(env.shared(), -151), "timestamp_too_old", "151 s old")


def test_timestamp_151_s_ahead_is_400(env):
    _refused(_at_offset(env.shared(), 151), "timestamp_in_future",
             "151 s ahead")


def test_timestamp_149_s_old_is_200(env):
    _ok(_at_offset(env.shared(), -149), "149 s old")


def test_timestamp_149_s_ahead_is_200(env):
    _ok(_at_offset(env.shared(), 149), "149 s ahead")


def test_timestamp_150_s_both_ways_is_200(env):
    _ok(_at_offset(env.shared(), -150), "150 s old")
    _ok(_at_offset(env.shared(), 150), "150 s ahead")


def test_skill_event_30_min_old_is_200(env):
    r = env.shared().send("event", event="SkillEnabled",
                          timestamp_offset=-30 * 60)
    eq(r.status, 200, "SkillEnabled 30 min old (%r)" % (r,))


def test_skill_event_2_hours_old_is_400(env):
    r = env.shared().send("event", event="SkillEnabled",
                          timestamp_offset=-2 * 3600)
    _refused(r, "timestamp_too_old", "SkillEnabled 2 h old")


def test_launch_30_min_old_is_400(env):
    """The event tolerance is for AlexaSkillEvent.* only."""
    _refused(env.shared().send("launch", timestamp_offset=-30 * 60),
             "timestamp_too_old", "launch 30 min old")


# ------------------------------------------------------ legacy SHA-1

def test_legacy_sha1_alone_is_200(env):
    _ok(env.shared().send("launch", sign="sha1"), "Signature (SHA-1) only")


def test_bad_sha256_with_good_sha1_is_400(env):
    s = env.shared()
    body = _body(s)
    h = sim.sign_headers(body, _key("echo-api"), "both", CERT_URL)
    # A well-formed SHA-256 signature, but of other bytes.
    h["Signature-256"] = sim.sign_headers(body + b" ", _key("echo-api"),
                                          "sha256", CERT_URL)["Signature-256"]
    _refused(s.send(body=body, sign=None, headers=h), "signature",
             "bad Signature-256 + good Signature")
    # Control: the same headers with the right Signature-256 pass.
    h2 = sim.sign_headers(body, _key("echo-api"), "both", CERT_URL)
    _ok(s.send(body=body, sign=None, headers=h2), "both headers good")


def test_oversized_headers_are_400_not_absent(env):
    """A Signature-256 over the cap is refused, not skipped in favour of a
    good SHA-1 Signature; an oversized cert URL is a bad cert URL."""
    s = env.shared()
    body = _body(s)
    h = sim.sign_headers(body, _key("echo-api"), "both", CERT_URL)
    _ok(s.send(body=body, sign=None, headers=h), "control: both headers good")
    _refused(s.send(body=body, sign=None,
                    headers=dict(h, **{"Signature-256": "A" * 3000})),
             "signature_encoding", "3000-byte Signature-256")
    _refused(s.send(body=body, sign=None,
                    headers=dict(h, SignatureCertChainUrl=CERT_URL + "a" * 3000)),
             "cert_url", "3000-byte cert URL")


def test_sha1_signature_in_sha256_header_is_400(env):
    s = env.shared()
    body = _body(s)
    h = sim.sign_headers(body, _key("echo-api"), "sha1", CERT_URL)
    h["Signature-256"] = h.pop("Signature")
    _refused(s.send(body=body, sign=None, headers=h), "signature",
             "SHA-1 signature sent as Signature-256")


# --------------------------------------------------------------- cache

def test_one_download_per_worker_process(env):
    """200 requests (8 at a time, so first requests race) with one cert URL
    on a fresh 2-worker stack: each worker that served downloads once."""
    path = "/echo.api/echo-api.pem"
    with env.own_stack(name="cache", workers=2) as s:
        before = len(_downloads(env.certhost, path))
        body = _body(s)
        h = sim.sign_headers(body, _key("echo-api"), "sha256", CERT_URL)
        h["Content-Type"] = "application/json"

        def one(_):
            return sim.post(s.url, body, h, cacert=s.cacert, timeout=15)[0]
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            statuses = list(ex.map(one, range(200)))
        eq(statuses.count(200), 200, "HTTP 200 answers")
        got = len(_downloads(env.certhost, path)) - before
        served = _served_pids(s)
        print("  200 requests: %d downloads, %d workers served" %
              (got, len(served)))
        check(served and served <= set(s.worker_pids()),
              "serving pids %s vs workers %s" % (served, s.worker_pids()))
        check(1 <= got <= s.workers, "downloads: %d" % got)
        eq(got, len(served), "downloads vs worker processes that served")


def _long_tls_cert(dirname):
    """A TLS cert for the cert host valid ~3 years (dev-pki's lasts one),
    so a worker whose clock runs 400 days ahead can still connect."""
    key = os.path.join(dirname, "certhost.key")
    csr = os.path.join(dirname, "certhost.csr")
    crt = os.path.join(dirname, "certhost.crt")
    ext = os.path.join(dirname, "ext.cnf")
    pem = os.path.join(dirname, "certhost.pem")
    with open(ext, "w") as f:
        f.write("basicConstraints = critical, CA:false\n"
                "keyUsage = critical, digitalSignature, keyEncipherment\n"
                "extendedKeyUsage = serverAuth\n"
                "subjectAltName = DNS:s3.amazonaws.com, IP:127.0.0.1\n")

    def run(*a):
        subprocess.run(a, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
        "rsa_keygen_bits:2048", "-out", key)
    run("openssl", "req", "-new", "-key", key, "-subj",
        "/CN=s3.amazonaws.com", "-out", csr)
    run("openssl", "x509", "-req", "-in", csr, "-CA",
        os.path.join(PKI, "inter.pem"), "-CAkey",
        os.path.join(PKI, "inter.key"), "-set_serial", "0x7123",
        "-sha256", "-days", "1100", "-extfile", ext, "-out", crt)
    with open(pem, "w") as out:
        for n in (crt, os.path.join(PKI, "inter.pem")):
            with open(n) as f:
                out.write(f.read())
    return pem, key


def test_cert_expiring_while_cached_is_fetched_again(env):
    """One worker with libfaketime: a cached chain is used until the
    signing cert's notAfter; after it (clock moved 400 days on) the chain
    is downloaded again and refused as expired; back at real time it is
    fetched and accepted again."""
    check(os.path.exists(FAKETIME_LIB), "libfaketime missing: " + FAKETIME_LIB)
    d = os.path.join(env.tmp, "faketime")
    os.makedirs(d, exist_ok=True)
    pem, key = _long_tls_cert(d)
    host = Mock("certhost", env.logdir, ("--tls-cert", pem, "--tls-key", key))
    clock = os.path.join(d, "faketime.rc")
    _write_atomic(clock, "+0\n")
    ahead = 400 * 86400
    try:
        with env.own_stack(
                name="faketime", workers=1,
                cert_fetch_connect_to="s3.amazonaws.com:443:127.0.0.1:%d" %
                host.port,
                extra_env={"LD_PRELOAD": FAKETIME_LIB,
                           "FAKETIME_ONLY_CMDS": os.path.basename(WORKER),
                           "FAKETIME_TIMESTAMP_FILE": clock,
                           "FAKETIME_NO_CACHE": "1",
                           # mimalloc reads the clock when it schedules a
                           # decommit; inside libfaketimeMT's own malloc
                           # (reading the clock file under its lock) that
                           # deadlocked the worker in 1 run of 5 (504).
                           # Without decommits it reads it only at start.
                           "MIMALLOC_ALLOW_DECOMMIT": "0"}) as s:
            _ok(s.send("launch"), "real time")
            _ok(s.send("launch"), "real time, cached")
            eq(len(_downloads(host)), 1, "downloads at real time")
            _write_atomic(clock, "+400d\n")
            r = s.send("launch", timestamp_offset=ahead)
            _refused(r, "cert_expired", "400 days on, chain cached")
            eq(len(_downloads(host)), 2, "downloads after notAfter")
            r = s.send("launch", timestamp_offset=ahead)
            _refused(r, "cert_expired", "400 days on, again")
            eq(len(_downloads(host)), 3, "expired chain not cached")
            _write_atomic(clock, "+0\n")
            _ok(s.send("launch"), "back at real time")
            eq(len(_downloads(host)), 4, "downloads back at real time")
    finally:
        host.stop()


# ------------------------------------------------ verify_signature = no

def test_verify_off_warns_and_accepts_unsigned(env):
    # log_level = error must not hide the warnings.
    with env.own_stack(name="noverify", verify_signature="no",
                       log_level="error") as s:
        p = subprocess.run([WORKER, "--check-config", s.conf],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        eq(p.returncode, 0, "--check-config exit")
        check(b"WARNING: verify_signature = no" in p.stderr,
              "--check-config did not warn: %r" % p.stderr)
        pids = set(s.worker_pids())
        warn = re.compile(r"\[(\d+)\] WARNING: verify_signature = no")
        started = wait_for(lambda: pids <= {
            int(m.group(1)) for m in map(warn.search,
                                         s.worker_log().splitlines()) if m},
            5, "start warning from every worker")
        check(started, "no start warning")
        rid = "amzn1.echo-api.request.UNVERIFIED-1"
        r = s.send("launch", sign=None, request_id=rid)
        _ok(r, "unsigned request with verify_signature = no")
        line = wait_for(lambda: [l for l in s.worker_log().splitlines()
                                 if "UNVERIFIED-1" in l], 5, "req line")[0]
        check("UNVERIFIED" in line.replace(rid, ""),
              "req line does not say UNVERIFIED: " + line)
        check(" error " in line, "req line not at level error: " + line)
        # One warning per request.
        for i in range(3):
            _ok(s.send("launch", sign=None,
                       request_id="amzn1.echo-api.request.UV-%d" % i), "again")
        n = wait_for(lambda: len([l for l in s.worker_log().splitlines()
                                  if re.search(r"req id=\S+UV-\d .*"
                                               r"UNVERIFIED", l)]) == 3,
                     5, "3 UNVERIFIED lines")
        check(n, "UNVERIFIED lines")


def test_verify_on_refuses_unsigned(env):
    _refused(env.shared().send("launch", sign=None), "cert_url_missing",
             "unsigned request")


# ------------------------------------------------------ --check-config

def _check_config(env, text):
    p = os.path.join(env.tmp, "check-%d.conf" % time.monotonic_ns())
    with open(p, "w") as f:
        f.write(text)
    r = subprocess.run([WORKER, "--check-config", p], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=10)
    return r.returncode, r.stdout.decode() + r.stderr.decode()


def test_check_config_bad_trust_file(env):
    notcert = os.path.join(env.tmp, "not-a-cert.pem")
    with open(notcert, "w") as f:
        f.write("this is not a certificate\n")
    for bad in (notcert, os.path.join(PKI, "keys", "echo-api.key"),
                os.path.join(env.tmp, "missing.pem")):
        rc, out = _check_config(env, env.conf(cert_trust_file=bad))
        check(rc != 0, "--check-config accepted trust file %s: %s" % (bad,
                                                                      out))
        check("cert_trust_file" in out, "message does not name the key: "
              + out)


def test_check_config_good(env):
    rc, out = _check_config(env, env.conf())
    eq(rc, 0, "--check-config exit status (%s)" % out.strip())


# -------------------------------------------------------------- alexa-sim

def _alexa_sim(s, *args):
    cmd = [os.path.join(ROOT, "scripts", "alexa-sim"), "--url", s.url,
           "--cacert", s.cacert, "--api-endpoint", s.env_api_endpoint,
           "--skill-id", SKILL_ID] + list(args)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    return r.returncode, r.stdout.decode(errors="replace")


def test_alexa_sim_prints_refusal_reason(env):
    s = env.shared()
    _, out = _alexa_sim(s, "--timestamp-offset", "-600", "launch")
    check("refused: verify: timestamp_too_old" in out, out)
    _, out = _alexa_sim(s, "--key", _key("other"), "launch")
    check("refused: verify: signature" in out, out)
    _, out = _alexa_sim(s, "launch")
    check("HTTP 200" in out and "refused" not in out, out)
