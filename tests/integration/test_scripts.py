"""scripts/stack and scripts/run: what they signal, what they leave behind,
and how `make run` ends.  Found in review; each test fails on the
scripts before the fix."""
import os
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import urllib.request

from harness import (BASE_CONF, PKI, ROOT, SKILL_ID, WORKER, Stack, check, eq,
                     free_port, live, wait_for)

STACK = os.path.join(ROOT, "scripts", "stack")
RUN = os.path.join(ROOT, "scripts", "run")


def _group(pgid):
    """The live processes of a process group."""
    p = subprocess.run(["pgrep", "-g", str(pgid)], stdout=subprocess.PIPE)
    return [int(x) for x in p.stdout.split() if live(int(x))]


def _pid(path):
    with open(path) as f:
        return int(f.read().strip())


def _healthz(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        urllib.request.HTTPSHandler(context=ctx))
    try:
        with opener.open("https://127.0.0.1:%d/healthz" % port,
                         timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _port_free(port):
    """True when nothing listens on 127.0.0.1:port: a connection is refused.
    Not bind(): a connection the server closed first leaves TIME_WAIT on
    its port, and bind() without SO_REUSEADDR fails on that for 60 s
    after the server is gone (CI failed on it)."""
    import socket
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    return False


def _unstarted(env, name, **kw):
    s = Stack(env, env.conf(), name=name, **kw)
    s.env_api_endpoint = "https://127.0.0.1:%d" % env.profile.port
    env.stacks.append(s)
    return s


# ------------------------------------------------------------ scripts/stack

def test_stack_stop_and_start_leave_unrelated_pid_alone(env):
    """Pid files naming a process that is not the stack's (a reboot, a
    crash): stop and start neither signal it nor its process group, and
    start is not refused."""
    s = _unstarted(env, "stale")
    sleeper = subprocess.Popen(["sleep", "300"], start_new_session=True)
    try:
        for f in ("nginx.pid", "workers.pid"):
            with open(os.path.join(s.dir, f), "w") as fh:
                fh.write("%d\n" % sleeper.pid)
        rc, out = s.run("stop", check_rc=False)
        eq(rc, 0, "stop: %s" % out)
        check(sleeper.poll() is None and live(sleeper.pid),
              "stop killed an unrelated process: %s" % out)
        for f in ("nginx.pid", "workers.pid"):
            with open(os.path.join(s.dir, f), "w") as fh:
                fh.write("%d\n" % sleeper.pid)
        rc, out = s.run("status", check_rc=False)
        check(rc != 0 and "nginx: not running" in out and
              "workers: not running" in out, "status: %s" % out)
        rc, out = s.run("start", check_rc=False)
        eq(rc, 0, "start refused by a stale pid file: %s" % out)
        s.started = True
        check(_healthz(s.port), "stack not up")
        s.stop()
        check(sleeper.poll() is None and live(sleeper.pid),
              "start/stop killed an unrelated process")
    finally:
        sleeper.kill()
        sleeper.wait()


def test_stack_stop_ends_orphaned_nginx_workers(env):
    """nginx's master killed with SIGKILL: its workers (same process group)
    still hold the port; stop ends them, and a new start on the same port
    succeeds."""
    s = env.stack(name="orphan")
    master = _pid(os.path.join(s.dir, "nginx.pid"))
    workers = [p for p in _group(master) if p != master]
    check(workers, "no nginx workers in the master's group")
    os.kill(master, signal.SIGKILL)
    wait_for(lambda: not live(master), 5, "nginx master gone")
    check(_group(master), "nginx workers ended with their master")
    rc, out = s.run("stop", check_rc=False)
    s.started = False
    eq(rc, 0, "stop: %s" % out)
    eq(_group(master), [], "processes left in nginx's group after stop")
    check(_port_free(s.port), "port %d still taken" % s.port)
    s.start()
    check(_healthz(s.port), "restart on the same port")
    s.stop()


WRAPPER = """#!/bin/bash
# A worker that exits at once on a signal (before multiwatch has handled
# its own): it runs the real worker as a child and passes the signal on.
if [ "$1" = --check-config ]; then exec {worker} "$@"; fi
echo $$ >>{starts}
{worker} "$@" <&0 &
child=$!
trap 'kill -TERM $child 2>/dev/null; exit 0' TERM QUIT INT
wait $child
"""


def test_stack_stop_respawns_no_worker(env):
    """stop tells multiwatch alone and lets it stop its workers: no worker
    is started again during a stop, even one that exits the moment it is
    signalled."""
    workers, cycles = 6, 5
    s = _unstarted(env, "respawn", workers=workers)
    wrapper = os.path.join(s.dir, "wrapworker")
    starts = os.path.join(s.dir, "starts")
    with open(wrapper, "w") as f:
        f.write(WRAPPER.format(worker=WORKER, starts=starts))
    os.chmod(wrapper, 0o755)
    s.env["WORKER_BIN"] = wrapper
    for i in range(cycles):
        s.start()
        group = s.group()
        rc, out = s.run("stop")
        s.started = False
        eq(_group(group), [], "processes left after stop %d" % (i + 1))
        with open(starts) as f:
            n = len(f.read().split())
        eq(n, workers * (i + 1), "workers started after %d stops" % (i + 1))


def test_stack_failed_start_removes_socket_dir(env):
    """A start that fails after making the socket directory in /tmp (as
    root, STACK_DIR out of nobody's reach) removes it again."""
    if os.getuid() != 0:
        print("  (not root: no socket directory in /tmp to check)")
        return
    s = _unstarted(env, "failstart")
    os.chmod(s.dir, 0o700)

    def sockdir():
        with open(os.path.join(s.dir, "nginx.conf")) as f:
            m = re.search(r"unix:(/tmp/skill-stack\.\w+)/skill\.sock",
                          f.read())
        check(m, "socket not in a directory of its own in /tmp")
        return m.group(1)

    # nginx -t refuses the configuration (port out of range).
    s.env["HTTPS_PORT"] = "99999"
    rc, out = s.run("start", check_rc=False)
    check(rc != 0 and "nginx refused" in out, "start: %s" % out)
    check(not os.path.exists(sockdir()), "left %s" % sockdir())
    # nginx cannot bind: the port is taken.
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        s.env["HTTPS_PORT"] = str(busy.getsockname()[1])
        rc, out = s.run("start", check_rc=False)
    check(rc != 0 and "nginx did not start" in out, "start: %s" % out)
    check(not os.path.exists(sockdir()), "left %s" % sockdir())
    for f in ("nginx.pid", "workers.pid", "sockdir", "stack.state"):
        check(not os.path.exists(os.path.join(s.dir, f)), "left " + f)


def test_stack_status_and_stop_of_missing_dir(env):
    """Only start creates STACK_DIR: status says not running (exit 1),
    stop has nothing to stop (exit 0), and neither creates it."""
    d = os.path.join(env.tmp, "no-such-stack")
    e = dict(os.environ, STACK_DIR=d)
    p = subprocess.run([STACK, "status"], env=e, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    out = p.stdout.decode()
    check(p.returncode != 0 and "not running" in out, "status: %s" % out)
    check(not os.path.exists(d), "status created STACK_DIR")
    p = subprocess.run([STACK, "stop"], env=e, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    out = p.stdout.decode()
    check(p.returncode == 0 and "nothing to stop" in out, "stop: %s" % out)
    check(not os.path.exists(d), "stop created STACK_DIR")


# -------------------------------------------------------------- scripts/run

class _Run:
    """scripts/run in a process group of its own (as in a terminal: the
    group a Ctrl-C reaches), with its own STACK_DIR, port and mocks."""

    def __init__(self, env, name):
        self.dir = tempfile.mkdtemp(prefix=name + "-", dir=env.tmp)
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        ports = set()
        while len(ports) < 4:
            ports.add(free_port())
        self.mock_ports = sorted(ports)
        self.conf = self._conf(self.mock_ports)
        self.env = dict(os.environ, STACK_DIR=self.dir,
                        HTTPS_PORT=str(self.port), SKILL_CONF=self.conf,
                        WORKERS="2", WORKER_BIN=WORKER)
        self.env.update(self._mock_env(self.mock_ports))
        self.out = os.path.join(self.dir, "run.out")
        self.proc = None

    def _conf(self, ports):
        path = os.path.join(self.dir, "skill-%d.conf" % ports[0])
        with open(path, "w") as f:
            f.write(BASE_CONF.format(
                skill_id=SKILL_ID, pki=PKI, profile=ports[0],
                certhost=ports[1], booking=ports[2], sms=ports[3]))
        return path

    @staticmethod
    def _mock_env(ports):
        return dict(zip(("MOCK_PROFILE_PORT", "MOCK_CERTHOST_PORT",
                         "MOCK_BOOKING_PORT", "MOCK_SMS_PORT"),
                        map(str, ports)))

    def start(self):
        with open(self.out, "wb") as f:
            self.proc = subprocess.Popen([RUN], env=self.env, cwd=ROOT,
                                         stdout=f, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        wait_for(lambda: "Ctrl-C stops everything" in self.output() or
                 self.proc.poll() is not None, 60, "make run up")
        check(self.proc.poll() is None, "run exited: %s" % self.output())
        check(_healthz(self.port), "stack of run not up")
        self.nginx = _pid(os.path.join(self.dir, "nginx.pid"))
        self.multiwatch = _pid(os.path.join(self.dir, "workers.pid"))
        return self

    def output(self):
        with open(self.out, "rb") as f:
            return f.read().decode(errors="replace")

    def signal(self, sig):
        os.killpg(self.proc.pid, sig)

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        subprocess.run([STACK, "stop"], env=self.env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)


def test_run_second_instance_leaves_first_alone_and_ctrl_c_ends_it(env):
    """A second `make run` with the same STACK_DIR and port fails and stops
    nothing of the first; the first's hint works as printed (port and
    STACK_DIR included); Ctrl-C ends the first, its stack and its mocks."""
    first = _Run(env, "run1").start()
    try:
        # Same environment: its mocks cannot start (ports taken).
        p = subprocess.run([RUN], env=first.env, cwd=ROOT, timeout=60,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        out = p.stdout.decode(errors="replace")
        check(p.returncode != 0, "second run succeeded: %s" % out)
        check(_healthz(first.port), "second run (mocks refused) stopped "
              "the first one's stack: %s" % out)
        # Its own mock ports: its mocks start, its stack start is refused.
        ports = []
        while len(ports) < 4:
            q = free_port()
            if q not in first.mock_ports and q not in ports:
                ports.append(q)
        e = dict(first.env, **_Run._mock_env(ports))
        p = subprocess.run([RUN], env=e, cwd=ROOT, timeout=60,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        out = p.stdout.decode(errors="replace")
        check(p.returncode != 0 and "already running" in out,
              "second run: %s" % out)
        check(_healthz(first.port), "second run (stack refused) stopped "
              "the first one's stack: %s" % out)
        for q in first.mock_ports:
            check(not _port_free(q), "first run's mock on %d gone" % q)
        for q in ports:
            wait_for(lambda: _port_free(q), 10, "second run's mock gone")

        # The printed commands reach this stack as they are.
        hint = [l.strip() for l in first.output().splitlines()
                if "scripts/alexa-sim" in l and l.strip().endswith(" launch")
                and "--no-person" not in l]
        eq(len(hint), 1, "launch hint in %r" % first.output())
        check(hint[0].startswith("HTTPS_PORT=%d " % first.port),
              "hint without the port: %s" % hint[0])
        clean = {k: v for k, v in os.environ.items()
                 if k not in ("HTTPS_PORT", "STACK_DIR")}
        p = subprocess.run(["bash", "-c", hint[0]], env=clean, cwd=ROOT,
                           timeout=60, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        out = p.stdout.decode(errors="replace")
        check(p.returncode == 0 and "HTTP 200" in out and "Zo" in out,
              "hinted command %r: %s" % (hint[0], out))

        # Ctrl-C: SIGINT to the foreground process group.
        first.signal(signal.SIGINT)
        try:
            rc = first.proc.wait(30)
        except subprocess.TimeoutExpired:
            raise AssertionError("run did not exit on SIGINT: %s"
                                 % first.output()[-500:])
        eq(rc, 130, "exit status after SIGINT")
        check("run: stopped" in first.output(), first.output()[-300:])
        check(not live(first.nginx) and not _group(first.nginx),
              "nginx left after Ctrl-C")
        check(not _group(first.multiwatch), "workers left after Ctrl-C")
        for q in first.mock_ports:
            wait_for(lambda: _port_free(q), 10, "mock on %d gone" % q)
    finally:
        first.close()


def test_run_sigterm_exits_143(env):
    r = _Run(env, "runterm").start()
    try:
        r.proc.send_signal(signal.SIGTERM)
        try:
            rc = r.proc.wait(30)
        except subprocess.TimeoutExpired:
            raise AssertionError("run did not exit on SIGTERM")
        eq(rc, 143, "exit status after SIGTERM")
        check(not live(r.nginx) and not _group(r.multiwatch),
              "stack left after SIGTERM")
    finally:
        r.close()


# ---------------------------------------------------------------- systemd

def _unit():
    keys = {}
    with open(os.path.join(ROOT, "conf", "systemd",
                           "skill-workers.service")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith(("#", "[")) and "=" in line:
                k, v = line.split("=", 1)
                keys.setdefault(k, v)
    return keys


def test_systemd_unit_socket_reachable_by_www_data(env):
    """conf/systemd/skill-workers.service, replayed without systemd: the
    runtime directory as systemd makes it (root:root, RuntimeDirectoryMode,
    no User=) and spawn-fcgi with the unit's socket options (user 'skill'
    replaced by nobody/nogroup) and UMask.  nginx's user www-data can
    connect to the socket; another user cannot."""
    import pwd
    import shlex
    try:
        pwd.getpwnam("www-data")
    except KeyError:
        print("  (no www-data user here)")
        return
    if os.getuid() != 0:
        print("  (not root: cannot replay the unit)")
        return
    unit = _unit()
    check("User" not in unit and "Group" not in unit,
          "the replay assumes a root:root runtime directory")
    argv = shlex.split(unit["ExecStart"])
    check(os.path.basename(argv[0]) == "spawn-fcgi", argv[0])
    opts = argv[1:argv.index("--")]
    rundir = tempfile.mkdtemp(prefix="run-skill-", dir=env.tmp)
    os.chown(rundir, 0, 0)
    os.chmod(rundir, int(unit["RuntimeDirectoryMode"], 8))
    swap = {"-u": "nobody", "-U": "nobody", "-g": "nogroup"}
    sock = None
    for i, o in enumerate(opts[:-1]):
        if o == "-s":
            sock = opts[i + 1] = os.path.join(
                rundir, os.path.basename(opts[i + 1]))
        elif o in swap and opts[i + 1] == "skill":
            opts[i + 1] = swap[o]
    check(sock and "-n" in opts, "spawn-fcgi options %r" % opts)
    umask = int(unit.get("UMask", "0022"), 8)
    p = subprocess.Popen(["spawn-fcgi"] + opts +
                         ["--", shutil.which("sleep"), "60"],
                         preexec_fn=lambda: os.umask(umask),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:

        def listening():   # spawn-fcgi listens, then execs the program
            with open("/proc/%d/cmdline" % p.pid, "rb") as f:
                return f.read().split(b"\0")[0].endswith(b"sleep")
        wait_for(lambda: p.poll() is not None or listening(), 10,
                 "spawn-fcgi exec")
        if p.poll() is not None or not os.path.exists(sock):
            raise AssertionError("spawn-fcgi: %r" % p.stdout.read())
        connect = ("import socket; s = socket.socket(socket.AF_UNIX); "
                   "s.connect(%r)" % sock)

        def as_user(user):
            return subprocess.run(["runuser", "-u", user, "--", "python3",
                                   "-c", connect], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        r = as_user("www-data")
        eq(r.returncode, 0, "www-data connecting to %s (directory %o): %s"
           % (sock, os.stat(rundir).st_mode & 0o777, r.stdout.decode()))
        r = as_user("daemon")
        check(r.returncode != 0, "any user can connect to the socket")
    finally:
        p.kill()
        p.wait()
