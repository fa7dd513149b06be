"""Integration harness: real nginx + spawn-fcgi + workers (scripts/stack)
against the local mock services (tests/mocks/mockd.py).

Tests get an Env with one shared stack and mocks; a test that needs a
different configuration or clock starts its own stack with env.stack().
Nothing here sleeps to synchronise: mocks announce READY, scripts/stack
returns once /healthz answers, and waits poll a condition with a deadline.
"""
import contextlib
import datetime
import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request
import uuid
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PKI = os.path.join(ROOT, "build", "pki")
CA = os.path.join(PKI, "ca.pem")
SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000dev"
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api.pem"
WORKER = os.path.join(ROOT, os.environ.get("WORKER_BIN", "build/skill.fcgi"))

_loader = importlib.machinery.SourceFileLoader(
    "alexasim", os.path.join(ROOT, "scripts", "alexa-sim"))
_spec = importlib.util.spec_from_loader("alexasim", _loader)
sim = importlib.util.module_from_spec(_spec)
_loader.exec_module(sim)


class TestFailure(AssertionError):
    pass


def check(cond, msg="check failed"):
    if not cond:
        raise TestFailure(msg)


def eq(got, want, what="value"):
    if got != want:
        raise TestFailure("%s: got %r, want %r" % (what, got, want))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def live(pid):
    """The process exists and has not ended (a zombie has).  Reads
    /proc/PID/stat once, so a process that ends between two looks is
    not an error."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def rss_kb(pid):
    """VmRSS of process pid, in KiB."""
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def wait_for(cond, timeout=10.0, what="condition"):
    """Polls cond() until true; fails after timeout seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.02)
    raise TestFailure("timed out waiting for " + what)


# Every profile token the tests made (test_zz_privacy checks the logs).
SENT_TOKENS = []

_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
            "Saturday", "Sunday")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
              "August", "September", "October", "November", "December")
_DE_DAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag",
            "Samstag", "Sonntag")
_DE_MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
              "August", "September", "Oktober", "November", "Dezember")


class BookingDay:
    """A day `ahead` days after today (UTC) and how each locale says it.
    The worker refuses past days and days over a year ahead, so a fixed
    date in a test would start failing on the calendar."""

    def __init__(self, ahead):
        d = (datetime.datetime.now(datetime.timezone.utc).date() +
             datetime.timedelta(days=ahead))
        self.iso = d.isoformat()
        wd, m = d.weekday(), d.month - 1
        self.en_us = "%s, %s %d" % (_EN_DAYS[wd], _EN_MONTHS[m], d.day)
        self.en_gb = "%s %d %s" % (_EN_DAYS[wd], d.day, _EN_MONTHS[m])
        self.de = "%s, %d. %s" % (_DE_DAYS[wd], d.day, _DE_MONTHS[m])


BOOK_DAY = BookingDay(30)
LATER_DAY = BookingDay(37)


PLACEHOLDER_ID = "amzn1.ask.skill.REPLACE-WITH-YOUR-SKILL-ID"


def production_conf(directory):
    """conf/skill.conf as an operator fills it in: the placeholder skill_id
    replaced (the worker refuses the file as shipped); written to a new
    folder under directory (the run's env.tmp)."""
    with open(os.path.join(ROOT, "conf", "skill.conf")) as f:
        text = f.read()
    check(PLACEHOLDER_ID in text, "conf/skill.conf lost its placeholder")
    path = os.path.join(tempfile.mkdtemp(prefix="prod-", dir=directory),
                        "skill.conf")
    with open(path, "w") as f:
        f.write(text.replace(PLACEHOLDER_ID, "amzn1.ask.skill."
                             "5c2e1a64-0b7e-4d3e-9a51-2f1d7c0e9b11"))
    return path


def token(**kv):
    """A mock profile token with a unique secret marker."""
    kv.setdefault("secret", "S" + uuid.uuid4().hex[:12])
    t = "mock;" + ";".join("%s=%s" % (k, v) for k, v in kv.items())
    SENT_TOKENS.append(t)
    return t


# --------------------------------------------------------------- mocks

class Mock:
    def __init__(self, mode, logdir, extra=()):
        self.mode = mode
        self.log = open(os.path.join(logdir, "mock-%s.log" % mode), "ab")
        args = ["python3", os.path.join(ROOT, "tests", "mocks", "mockd.py"),
                "--mode", mode, "--port", "0", "--dir", PKI] + list(extra)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=self.log)
        line = self.proc.stdout.readline().decode()
        m = re.match(r"READY (\d+)", line)
        if not m:
            raise RuntimeError("mock %s did not start: %r" % (mode, line))
        self.port = int(m.group(1))
        self.tls = mode in ("profile", "certhost")
        scheme = "https" if self.tls else "http"
        self.base = "%s://127.0.0.1:%d" % (scheme, self.port)

    def _req(self, method, path, body=None):
        ctx = ssl.create_default_context(cafile=CA) if self.tls else None
        data = json.dumps(body).encode() if body is not None else None
        r = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            r.add_header("Content-Type", "application/json")
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPSHandler(context=ctx))
        with opener.open(r, timeout=10) as resp:
            return json.loads(resp.read() or b"null")

    def calls(self, token=None):
        q = "?token=" + urllib.request.quote(token) if token else ""
        return self._req("GET", "/__calls" + q)["calls"]

    def connections(self):
        return self._req("GET", "/__calls")["connections"]

    def max_concurrent_handshakes(self):
        return self._req("GET", "/__calls")["max_concurrent_handshakes"]

    def handshake_delay(self, seconds):
        self._req("POST", "/__handshake_delay", {"seconds": seconds})

    def reset(self):
        self._req("POST", "/__reset", {})

    def behaviour(self, mode):
        self._req("POST", "/__behaviour", {"mode": mode})

    def bookings(self):
        return self._req("GET", "/__bookings")["bookings"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# --------------------------------------------------------------- stack

BASE_CONF = """\
skill_id = {skill_id}
verify_signature = yes
cert_trust_file = {pki}/trust.pem
cert_fetch_ca_file = {pki}/ca.pem
cert_fetch_timeout_ms = 1500
cert_fetch_connect_to = s3.amazonaws.com:443:127.0.0.1:{certhost}
api_allowed_origins = https://127.0.0.1:{profile}
api_ca_file = {pki}/ca.pem
api_timeout_ms = 1500
log_level = debug
worker_threads = 4
skill_name = The Corner Table
booking_url = http://127.0.0.1:{booking}/bookings
booking_timeout_ms = 1500
sms_gateway = webhook
sms_url = http://127.0.0.1:{sms}/sms
sms_timeout_ms = 1000
venue_address = 12 Harbour Street
venue_hours = from 5 pm to 11 pm
"""


class Response:
    elapsed = None      # seconds, set by Stack.send

    def __init__(self, status, headers, body, envelope=None):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body
        self.envelope = envelope
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    @property
    def speech(self):
        return sim.speech_text(self.json or {}, show_names=True)

    @property
    def ssml(self):
        return (((self.json or {}).get("response") or {})
                .get("outputSpeech") or {}).get("ssml")

    @property
    def resp(self):
        return (self.json or {}).get("response") or {}

    def __repr__(self):
        return "<HTTP %s %s>" % (self.status, self.body[:300])


class Stack:
    """One scripts/stack instance in its own STACK_DIR and port."""

    def __init__(self, env, conf, workers=2, extra_env=None, name="stack"):
        self.dir = tempfile.mkdtemp(prefix=name + "-", dir=env.tmp)
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.conf = os.path.join(self.dir, "skill.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.workers = workers
        self.env = dict(os.environ, STACK_DIR=self.dir,
                        HTTPS_PORT=str(self.port), SKILL_CONF=self.conf,
                        WORKERS=str(workers), WORKER_BIN=WORKER)
        self.env.update(extra_env or {})
        self.url = "https://127.0.0.1:%d/alexa" % self.port
        self.cacert = os.path.join(self.dir, "tls", "cert.pem")
        self.started = False

    def run(self, *args, check_rc=True, timeout=60):
        p = subprocess.run([os.path.join(ROOT, "scripts", "stack")] + list(args),
                           env=self.env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        out = p.stdout.decode(errors="replace")
        if check_rc and p.returncode != 0:
            raise RuntimeError("stack %s failed: %s" % (args, out))
        return p.returncode, out

    def start(self):
        self.run("start")
        self.started = True
        return self

    def stop(self):
        if self.started:
            self.run("stop", check_rc=False)
            self.started = False

    # -- requests
    def send(self, kind="launch", sign="sha256", key=None, cert_url=CERT_URL,
             tamper=None, headers=None, body=None, content_type=None,
             timeout=15, **opts):
        opts.setdefault("api_endpoint", self.env_api_endpoint)
        env = None
        if body is None:
            env = sim.build_envelope(kind, **opts)
            body = sim.encode_envelope(env)
        h = sim.sign_headers(body, key or os.path.join(PKI, "keys",
                                                       "echo-api.key"),
                             sign, cert_url) if sign else {}
        if tamper is not None:
            body = tamper(body)
        h["Content-Type"] = content_type or "application/json"
        h.update(headers or {})
        t0 = time.monotonic()
        status, rh, rb = sim.post(self.url, body, h, cacert=self.cacert,
                                  timeout=timeout)
        r = Response(status, rh, rb, env)
        r.elapsed = time.monotonic() - t0   # the HTTP exchange only
        return r

    def request(self, method, path, body=None, headers=None):
        ctx = ssl.create_default_context(cafile=self.cacert)
        r = urllib.request.Request("https://127.0.0.1:%d%s" % (self.port, path),
                                   data=body, method=method)
        for k, v in (headers or {}).items():
            r.add_header(k, v)
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPSHandler(context=ctx))
        try:
            with opener.open(r, timeout=15) as resp:
                return Response(resp.status, dict(resp.headers.items()),
                                resp.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, dict(e.headers.items()), e.read())

    # -- inspection
    def logs(self):
        out = []
        d = os.path.join(self.dir, "logs")
        for n in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            with open(os.path.join(d, n), "rb") as f:
                out.append(f.read().decode(errors="replace"))
        return "\n".join(out)

    def worker_log(self):
        p = os.path.join(self.dir, "logs", "worker.log")
        with open(p, "rb") as f:
            return f.read().decode(errors="replace")

    def group(self):
        with open(os.path.join(self.dir, "workers.pid")) as f:
            return int(f.read().strip())

    def worker_pids(self):
        p = subprocess.run(["pgrep", "-g", str(self.group()), "-x",
                            os.path.basename(WORKER)],
                           stdout=subprocess.PIPE)
        return sorted(int(x) for x in p.stdout.split())


class Env:
    """Shared mocks and the default stack, for the whole run."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="skill-it-")
        os.chmod(self.tmp, 0o755)
        self.logdir = os.path.join(self.tmp, "mocklogs")
        os.makedirs(self.logdir)
        self.aws_secret = "test-secret-" + uuid.uuid4().hex[:8]
        self.mocks = {}
        for mode, extra in (("profile", ()), ("certhost", ()),
                            ("booking", ()), ("sms", ()),
                            ("sns", ("--aws-secret", self.aws_secret))):
            self.mocks[mode] = Mock(mode, self.logdir, extra)
        self.stacks = []
        self.default = None

    @property
    def profile(self):
        return self.mocks["profile"]

    @property
    def certhost(self):
        return self.mocks["certhost"]

    def conf(self, **over):
        """The base test configuration with keys replaced or added."""
        text = BASE_CONF.format(
            skill_id=SKILL_ID, pki=PKI, certhost=self.certhost.port,
            profile=self.profile.port, booking=self.mocks["booking"].port,
            sms=self.mocks["sms"].port)
        lines = []
        for line in text.splitlines():
            k = line.split("=", 1)[0].strip()
            if k in over:
                if over[k] is not None:
                    lines.append("%s = %s" % (k, over.pop(k)))
                else:
                    over.pop(k)
            else:
                lines.append(line)
        lines += ["%s = %s" % (k, v) for k, v in over.items() if v is not None]
        return "\n".join(lines) + "\n"

    def stack(self, workers=2, extra_env=None, name="stack", **over):
        """A new, started stack (stopped at the end of the run)."""
        s = Stack(self, self.conf(**over), workers, extra_env, name)
        s.env_api_endpoint = "https://127.0.0.1:%d" % self.profile.port
        self.stacks.append(s)
        return s.start()

    @contextlib.contextmanager
    def own_stack(self, **kw):
        s = self.stack(**kw)
        try:
            yield s
        finally:
            s.stop()

    def shared(self):
        if self.default is None or not self.default.started:
            self.default = self.stack(name="default")
        return self.default

    def all_logs(self):
        out = [s.logs() for s in self.stacks]
        for n in os.listdir(self.logdir):
            with open(os.path.join(self.logdir, n), "rb") as f:
                out.append(f.read().decode(errors="replace"))
        return "\n".join(out)

    def close(self, keep=False):
        for s in self.stacks:
            try:
                s.stop()
            except Exception:
                pass
        for m in self.mocks.values():
            m.stop()
        if not keep:
            shutil.rmtree(self.tmp, ignore_errors=True)


# --------------------------------------------------- response validation

def validate_response(r, expect_speech=None):
    """The Alexa response rules: JSON shape, SSML well-formed, limits."""
    eq(r.status, 200, "HTTP status")
    check(r.headers.get("content-type", "").startswith("application/json"),
          "content type %r" % r.headers.get("content-type"))
    check(len(r.body) <= 24 * 1024, "response over 24 KB")
    j = r.json
    check(isinstance(j, dict), "body is not a JSON object")
    eq(j.get("version"), "1.0", "version")
    resp = j.get("response")
    check(isinstance(resp, dict), "no response object")
    if "sessionAttributes" in j:
        check(isinstance(j["sessionAttributes"], dict), "sessionAttributes")
    for key in ("outputSpeech",):
        if key in resp:
            _check_speech(resp[key])
    if "reprompt" in resp:
        _check_speech(resp["reprompt"].get("outputSpeech"))
    if "card" in resp:
        c = resp["card"]
        check(c.get("type") in ("Simple", "Standard", "LinkAccount",
                                "AskForPermissionsConsent"), "card type")
        if c["type"] == "AskForPermissionsConsent":
            check(isinstance(c.get("permissions"), list) and c["permissions"],
                  "permissions card without scopes")
        if c["type"] == "Simple":
            check(len(c.get("content", "")) <= 8000, "card text too long")
    if "shouldEndSession" in resp:
        check(isinstance(resp["shouldEndSession"], bool), "shouldEndSession")
    for d in resp.get("directives", []):
        check(isinstance(d, dict) and isinstance(d.get("type"), str),
              "directive without type")
        if d["type"] == "Connections.StartConnection":
            check(resp.get("shouldEndSession") in (None, True),
                  "StartConnection with shouldEndSession false")
            check("reprompt" not in resp, "StartConnection with reprompt")
    if expect_speech is not None:
        check(expect_speech in r.speech,
              "speech %r does not contain %r" % (r.speech, expect_speech))
    return j


def _check_speech(o):
    check(isinstance(o, dict), "outputSpeech is not an object")
    eq(o.get("type"), "SSML", "outputSpeech.type")
    ssml = o.get("ssml")
    check(isinstance(ssml, str), "ssml missing")
    check(len(ssml) <= 8000, "ssml over 8000 characters")
    parse_ssml(ssml)


def parse_ssml(ssml):
    """Parses SSML as XML, allowing the alexa: prefix (PROTOCOL.md s4)."""
    check(ssml.startswith("<speak>") and ssml.endswith("</speak>"),
          "ssml not wrapped in <speak>")
    doc = ssml.replace("<speak>", '<speak xmlns:alexa="urn:alexa">', 1)
    try:
        return ET.fromstring(doc)
    except ET.ParseError as e:
        raise TestFailure("SSML is not well-formed XML: %s: %r" % (e, ssml))
