"""Issue 8: load and lifecycle under load, least privilege."""
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time

from harness import (ROOT, WORKER, check, eq, production_conf,
                     validate_response, wait_for)


class Load:
    """n client threads sending signed launches until stopped."""

    def __init__(self, stack, n=8):
        self.stack = stack
        self.results = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run) for _ in range(n)]

    def _run(self):
        while not self.stopping.is_set():
            try:
                r = self.stack.send("launch", person=None, timeout=10)
                v = r.status
            except OSError as e:
                v = "error: %s" % e
            with self.lock:
                self.results.append(v)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for t in self.threads:
            t.join(30)

    def count(self):
        with self.lock:
            return len(self.results)


def test_sigkill_under_load_bounded_errors(env):
    with env.own_stack(name="killload", worker_threads=4) as s:
        with Load(s) as load:
            wait_for(lambda: load.count() >= 50, 30, "load started")
            victim = s.worker_pids()[0]
            os.kill(victim, signal.SIGKILL)
            wait_for(lambda: len(s.worker_pids()) == 2 and
                     victim not in s.worker_pids(), 10, "replacement")
            mark = load.count()
            wait_for(lambda: load.count() >= mark + 50, 30, "load after kill")
        bad = [r for r in load.results if r != 200]
        # At most the requests the killed worker held: one per thread.
        check(len(bad) <= 4, "%d failed requests after one SIGKILL: %r"
              % (len(bad), bad[:10]))
        check(all(r == 200 for r in load.results[mark:]),
              "errors after the replacement worker came up")


def _fastcgi_conns(stack):
    """Inodes of the worker ends of connections on the stack's socket."""
    path = os.path.join(stack.dir, "skill.sock")
    p = os.path.join(stack.dir, "sockdir")
    if os.path.exists(p):
        path = os.path.join(open(p).read().strip(), "skill.sock")
    out = set()
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            cols = line.split()
            # St 03: connected (the listening socket is 01).
            if len(cols) >= 8 and cols[7] == path and cols[5] == "03":
                out.add(cols[6])
    return out


def test_nginx_keeps_fastcgi_connections(env):
    """nginx keeps its FastCGI connections open between requests: ten
    requests in a row use at most one connection per nginx process, and
    the connection is still open after the last answer."""
    with env.own_stack(name="keepconn", workers=1) as s:
        seen = set()
        for i in range(10):
            validate_response(s.send("launch", person=None))
            now = _fastcgi_conns(s)
            check(now, "no open FastCGI connection after request %d" % i)
            seen |= now
        check(len(seen) <= 2, "%d FastCGI connections for 10 requests"
              % len(seen))


def test_fastcgi_keepalive_off_one_request_per_connection(env):
    """FASTCGI_KEEPALIVE=off: nginx opens a connection per request and
    never passes a request on twice; nothing stays open afterwards."""
    with env.own_stack(name="nokeep", workers=1,
                       extra_env={"FASTCGI_KEEPALIVE": "off"}) as s:
        conf = open(os.path.join(s.dir, "nginx.conf")).read()
        check(not re.search(r"\n\s*fastcgi_keep_conn on;", conf) and
              "fastcgi_next_upstream off;" in conf and
              not re.search(r"\n\s*keepalive \d+;", conf),
              "nginx.conf still keeps connections")
        for _ in range(3):
            validate_response(s.send("launch", person=None))
        wait_for(lambda: not _fastcgi_conns(s), 5,
                 "FastCGI connections closed after their request")


def test_worker_restart_under_load_no_errors(env):
    """A worker that stops (SIGTERM) while nginx holds kept connections to
    it: requests nginx sends on them as they close are passed on to a new
    connection (nginx/skill.conf.in), so none fails."""
    with env.own_stack(name="restart", workers=2) as s:
        with Load(s) as load:
            wait_for(lambda: load.count() >= 50, 30, "load started")
            for _ in range(6):
                victim = s.worker_pids()[0]
                os.kill(victim, signal.SIGTERM)
                wait_for(lambda: len(s.worker_pids()) == 2 and
                         victim not in s.worker_pids(), 10, "replacement")
                mark = load.count()
                wait_for(lambda: load.count() >= mark + 50, 30,
                         "requests after the restart")
        bad = [r for r in load.results if r != 200]
        eq(bad, [], "failures while workers restarted")


def test_nginx_reload_under_load_no_errors(env):
    with env.own_stack(name="reload") as s:
        with Load(s) as load:
            wait_for(lambda: load.count() >= 30, 30, "load started")
            for _ in range(3):
                mark = load.count()
                subprocess.run(["nginx", "-p", s.dir, "-c",
                                os.path.join(s.dir, "nginx.conf"), "-e",
                                os.path.join(s.dir, "logs", "nginx-error.log"),
                                "-s", "reload"], check=True)
                wait_for(lambda: load.count() >= mark + 30, 30,
                         "requests after reload")
        bad = [r for r in load.results if r != 200]
        eq(bad, [], "failures during nginx -s reload")
        check(len(load.results) >= 120, "load ran")


def test_socket_not_world_writable(env):
    s = env.shared()
    st = os.stat(os.path.join(s.dir, "skill.sock"))
    check(stat.S_ISSOCK(st.st_mode), "not a socket")
    eq(st.st_mode & 0o007, 0, "socket permissions for others")


def test_worker_holds_no_writable_file(env):
    """The worker needs no writable path: apart from stdout/stderr (the log the
    stack opened for it) it holds only sockets, pipes and eventpolls."""
    s = env.shared()
    validate_response(s.send("launch"))
    for pid in s.worker_pids():
        fddir = "/proc/%d/fd" % pid
        for fd in os.listdir(fddir):
            try:
                target = os.readlink(os.path.join(fddir, fd))
            except OSError:
                continue
            if fd in ("1", "2") or not target.startswith("/"):
                continue
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                flags = int(re.search(r"flags:\s+(\d+)", f.read()).group(1), 8)
            check(flags & os.O_ACCMODE == os.O_RDONLY,
                  "worker %d has %s open for writing" % (pid, target))


UNIT = os.path.join(ROOT, "conf", "systemd", "skill-workers.service")


def test_systemd_unit_sandboxing(env):
    with open(UNIT) as f:
        text = f.read()
    want = {
        "ProtectSystem": "strict", "NoNewPrivileges": "yes",
        "PrivateTmp": "yes", "ProtectHome": "yes", "PrivateDevices": "yes",
        "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
        "ReadWritePaths": "/run/skill", "KillMode": "mixed",
    }
    for k, v in want.items():
        check(re.search(r"^%s=%s$" % (k, re.escape(v)), text, re.M),
              "%s=%s missing from the unit" % (k, v))
    start = re.search(r"^ExecStart=(.*)$", text, re.M).group(1)
    check(" -u skill " in start and " -g skill " in start,
          "workers not dropped to an unprivileged user")
    check(" -M 0660 " in start, "socket mode not 0660")
    if shutil.which("systemd-analyze"):
        d = tempfile.mkdtemp(prefix="unit-", dir=env.tmp)
        unit = text.replace("/usr/local/lib/skill/skill.fcgi", WORKER) \
                   .replace("/etc/skill/skill.conf",
                            os.path.join(ROOT, "conf", "skill.conf"))
        p = os.path.join(d, "skill-workers.service")
        with open(p, "w") as f:
            f.write(unit)
        r = subprocess.run(["systemd-analyze", "verify", p],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        eq(r.returncode, 0, "systemd-analyze verify: %s" % r.stdout.decode())


def test_production_conf_is_safe(env):
    with open(os.path.join(ROOT, "conf", "skill.conf")) as f:
        conf = f.read()
    check(re.search(r"^verify_signature = yes$", conf, re.M),
          "production config does not verify requests")
    # As shipped, the placeholder skill_id is refused ...
    r = subprocess.run([WORKER, "--check-config",
                        os.path.join(ROOT, "conf", "skill.conf")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check(r.returncode != 0 and b"placeholder" in r.stderr,
          "placeholder skill_id accepted: %r" % r.stderr)
    # ... and with the operator's ID the rest of the file is accepted.
    r = subprocess.run([WORKER, "--check-config", production_conf(env.tmp)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    eq(r.returncode, 0, "conf/skill.conf check: %s" % r.stderr.decode())
