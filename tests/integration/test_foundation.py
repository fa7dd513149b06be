"""Issue 3: the worker behind nginx + spawn-fcgi, end to end."""
import json
import os
import signal
import subprocess
import threading
import time

from harness import (ROOT, WORKER, check, eq, free_port, live, parse_ssml,
                     validate_response, wait_for)


def test_launch_is_valid_alexa_response(env):
    s = env.shared()
    r = s.send("launch", person=None)
    j = validate_response(r)
    eq(j["version"], "1.0", "version")
    check(r.ssml and parse_ssml(r.ssml) is not None, "no SSML")
    check("Corner Table" in r.speech, "welcome names the skill: %r" % r.speech)


def test_session_ended_has_no_speech(env):
    r = env.shared().send("end")
    validate_response(r)
    check("outputSpeech" not in r.resp, "SessionEnded answered with speech")


def test_unknown_intent_gets_fallback(env):
    r = env.shared().send("intent", name="NoSuchIntent")
    validate_response(r)
    check("outputSpeech" in r.resp, "no fallback speech")
    eq(r.resp.get("shouldEndSession"), False, "fallback keeps the session")


def test_get_alexa_is_405(env):
    r = env.shared().request("GET", "/alexa")
    eq(r.status, 405, "GET /alexa")


def test_text_plain_is_415(env):
    r = env.shared().send("launch", content_type="text/plain")
    eq(r.status, 415, "text/plain")


def test_one_mib_body_is_413(env):
    s = env.shared()
    r = s.send(body=b'{"a":"' + b"x" * (1024 * 1024) + b'"}', sign=None)
    eq(r.status, 413, "1 MiB body")
    check(r.json is not None and r.json.get("error") == "payload_too_large",
          "413 body is JSON: %r" % r.body[:100])


def test_body_just_over_worker_cap_is_413(env):
    s = env.shared()
    r = s.send(body=b" " * (64 * 1024 + 1), sign=None)
    eq(r.status, 413, "64 KiB + 1 body")


def _bad(env, body, what):
    s = env.shared()
    r = s.send(body=body)
    eq(r.status, 400, what)
    check(r.json and r.json.get("error") == "bad_request", "JSON error body")
    # The worker is still there and answers at once.
    t0 = time.monotonic()
    validate_response(s.send("launch"))
    check(time.monotonic() - t0 < 5, "next good request was slow")
    return r


def test_invalid_json_is_400(env):
    _bad(env, b'{"version": "1.0", "request": ', "truncated JSON")
    _bad(env, b'\xff\xfe{}', "not UTF-8")


def test_deep_nesting_is_400(env):
    body = b'{"version":"1.0","x":' + b"[" * 100 + b"]" * 100 + b"}"
    r = _bad(env, body, "nesting 100 deep")
    check("nested" in r.json.get("reason", ""), r.json)


def _envelope(env, **change):
    from harness import sim
    e = sim.build_envelope("launch",
                           api_endpoint="https://127.0.0.1:%d" % env.profile.port)
    for path, value in change.items():
        cur = e
        keys = path.split("__")
        for k in keys[:-1]:
            cur = cur[k]
        if value is KeyError:
            del cur[keys[-1]]
        else:
            cur[keys[-1]] = value
    return json.dumps(e).encode()


def test_wrong_types_are_400(env):
    _bad(env, _envelope(env, request__type=42), "request.type a number")
    _bad(env, _envelope(env, session__new="yes"), "session.new a string")
    _bad(env, _envelope(env, context__System__person=[]), "person a list")
    _bad(env, _envelope(env, request__timestamp="yesterday"), "bad timestamp")


def test_missing_request_type_is_400(env):
    r = _bad(env, _envelope(env, request__type=KeyError), "no request.type")
    check("request.type" in r.json.get("reason", ""), r.json)


def test_wrong_application_id_is_400(env):
    r = env.shared().send("launch", skill_id="amzn1.ask.skill.someone-else")
    eq(r.status, 400, "wrong application id")
    eq(r.json.get("reason"), "verify: application_id", "reason")


def test_skill_event_without_session_is_200(env):
    r = env.shared().send("event", event="SkillEnabled")
    eq(r.status, 200, "skill event")
    check(r.envelope and "session" not in r.envelope, "event had a session")


def test_healthz(env):
    r = env.shared().request("GET", "/healthz")
    eq(r.status, 200, "healthz")
    eq(r.body, b"ok\n", "healthz body")


def test_other_paths_404(env):
    eq(env.shared().request("GET", "/").status, 404, "/")
    eq(env.shared().request("POST", "/alexa/x", b"{}").status, 404, "/alexa/x")


def test_log_line_per_request(env):
    s = env.shared()
    r = s.send("launch", request_id="amzn1.echo-api.request.LOGCHECK-1")
    eq(r.status, 200, "launch")
    line = wait_for(lambda: [l for l in s.worker_log().splitlines()
                             if "LOGCHECK-1" in l], 5, "log line")[0]
    for part in ("type=LaunchRequest", "status=200", "ms=", "outcome="):
        check(part in line, "log line lacks %s: %s" % (part, line))


def test_sigkill_worker_is_replaced(env):
    with env.own_stack(name="kill") as s:
        before = s.worker_pids()
        eq(len(before), 2, "workers at start")
        os.kill(before[0], signal.SIGKILL)
        wait_for(lambda: len(s.worker_pids()) == 2 and
                 s.worker_pids() != before, 10, "replacement worker")
        for _ in range(5):
            validate_response(s.send("launch"))


def test_exactly_workers_processes(env):
    with env.own_stack(name="three", workers=3) as s:
        eq(len(s.worker_pids()), 3, "WORKERS=3 processes")


def test_stop_during_burst_loses_nothing(env):
    """scripts/stop during a burst: every request that reached a worker
    (its request id is in the worker log) got its 200; the others were
    refused or cut before nginx passed them on."""
    import uuid
    s = env.stack(name="burst")
    results = []
    lock = threading.Lock()
    stop_at = time.monotonic() + 20

    def client():
        while time.monotonic() < stop_at:
            rid = "amzn1.echo-api.request.burst-" + uuid.uuid4().hex
            try:
                r = s.send("launch", timeout=10, request_id=rid)
                with lock:
                    results.append((rid, r.status))
            except OSError as e:
                with lock:
                    results.append((rid, "error: %s" % e))
                return

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    wait_for(lambda: len(results) >= 40, 30, "burst under way")
    group = s.group()
    rc, out = s.run("stop")
    s.started = False
    for t in threads:
        t.join(30)
    log = s.worker_log()
    bad = [(rid, st) for rid, st in results
           if st != 200 and (not isinstance(st, str) or rid in log)]
    eq(bad, [], "requests that reached a worker and did not get 200")
    check(sum(1 for _, st in results if st == 200) >= 40, "burst ran")
    left = subprocess.run(["pgrep", "-g", str(group)],
                          stdout=subprocess.PIPE).stdout.split()
    eq(left, [], "processes left after stop")
    check(not os.path.exists(os.path.join(s.dir, "skill.sock")), "socket left")


def _check_config(text):
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
        f.write(text)
    p = subprocess.run([WORKER, "--check-config", f.name],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.unlink(f.name)
    return p.returncode, p.stderr.decode(), f.name


def test_config_errors_name_file_line_and_key(env):
    rc, err, name = _check_config("skill_id = x\n\nno_such_key = 1\n")
    check(rc != 0, "unknown key accepted")
    check("%s:3: key 'no_such_key': unknown key" % name in err, err)
    rc, err, name = _check_config("skill_id = x\napi_timeout_ms = fast\n")
    check(rc != 0 and "%s:2: key 'api_timeout_ms'" % name in err, err)
    rc, err, name = _check_config("verify_signature = maybe\nskill_id = x\n")
    check(rc != 0 and "%s:1: key 'verify_signature': expected yes or no"
          % name in err, err)
    rc, err, name = _check_config("# nothing\nlog_level = info\n")
    check(rc != 0 and "key 'skill_id': required" in err and name in err, err)


def test_stack_refuses_bad_config(env):
    from harness import Stack
    s = Stack(env, "skill_id = x\nbogus = 1\n", name="badconf")
    rc, out = s.run("start", check_rc=False)
    check(rc != 0, "stack started with a bad config")
    check("bogus" in out and "unknown key" in out, out)


def test_stack_status_exit_codes(env):
    with env.own_stack(name="status") as s:
        rc, out = s.run("status", check_rc=False)
        eq(rc, 0, "status of a healthy stack: %s" % out)
        check("healthz: ok" in out, out)
        # status asks the stack start made, whatever the caller's
        # HTTPS_PORT and WORKERS say.
        p = subprocess.run([os.path.join(ROOT, "scripts", "stack"), "status"],
                           env=dict(s.env, HTTPS_PORT=str(free_port()),
                                    WORKERS="7"),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = p.stdout.decode()
        eq(p.returncode, 0, "status with another environment: %s" % out)
        check("workers: 2 of 2" in out and ":%d/healthz" % s.port in out, out)
        s.run("stop")
        s.started = False
        rc, out = s.run("status", check_rc=False)
        check(rc != 0, "status after stop returned 0: %s" % out)


def test_sigterm_finishes_request_in_flight(env):
    """A worker told to stop finishes the request it holds, then exits."""
    _stop_with_request_in_flight(env, lambda s, pid: os.kill(pid, signal.SIGTERM))


def test_stopping_multiwatch_finishes_request_in_flight(env):
    """SIGTERM to multiwatch alone, as `systemctl stop` sends it
    (KillMode=mixed): multiwatch passes a signal on to the workers
    (Debian's build sends SIGQUIT for -s TERM), and the request in flight
    still gets its answer."""
    _stop_with_request_in_flight(
        env, lambda s, pid: os.kill(s.group(), signal.SIGTERM))


def _stop_with_request_in_flight(env, stop):
    from harness import token
    with env.own_stack(name="term", workers=1, api_timeout_ms=3000) as s:
        pid = s.worker_pids()[0]
        result = {}

        def slow():
            t = token(all="slow:1.5")
            result["r"] = s.send("launch", token=t, timeout=15)

        th = threading.Thread(target=slow)
        th.start()
        wait_for(lambda: env.profile.calls() and any(
            c["status"] is None for c in env.profile.calls()), 10,
            "request waiting on the profile API")
        t0 = time.monotonic()
        stop(s, pid)
        th.join(15)
        r = result.get("r")
        check(r is not None and r.status == 200, "in-flight request: %r" % r)
        validate_response(r)
        check("Zo" in r.speech, "answer used the slow API's data: %r" % r.speech)
        wait_for(lambda: not live(pid), 5, "worker exit after SIGTERM")
        check(time.monotonic() - t0 < 5, "worker took more than 5 s to stop")
        check("finishing requests in flight" in s.worker_log(), "no stop log")
