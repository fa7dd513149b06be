"""make bench's own checks, in short runs: every target answers before it
is timed, the project and the floor make their profile calls, and a target
that takes a forged request is reported BROKEN instead of timed.  No
timing goal is asserted here (those are make bench's, see README)."""
import json
import os
import subprocess

from harness import ROOT, WORKER, check, eq, sim

BENCH = os.path.join(ROOT, "tests", "bench", "run")


def _bench(env, name, *args):
    """tests/bench/run with its output under the run's temp dir and the
    worker under test (the sanitizer build under make sanitize); returns
    (exit status, printed text, build/bench/latest.json's content)."""
    out = os.path.join(env.tmp, name)
    p = subprocess.run(
        [BENCH, "--duration", "1", "--warmup", "0", "--conns", "4",
         "--mock-seconds", "1", "--cold-runs", "1"] + list(args),
        env=dict(os.environ, BENCH_OUT=out, BENCH_WORKER=WORKER),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    text = p.stdout.decode(errors="replace")
    try:
        with open(os.path.join(out, "latest.json")) as f:
            return p.returncode, text, json.load(f)
    except (OSError, ValueError) as e:
        raise AssertionError("no latest.json (%s): %s" % (e, text[-2000:]))


def _logs(top):
    """Every *.log under top, one text."""
    out = []
    for d, _, files in os.walk(top):
        for n in files:
            if n.endswith(".log"):
                with open(os.path.join(d, n), "rb") as f:
                    out.append(f.read().decode(errors="replace"))
    return "\n".join(out)


def test_bench_times_ceiling_floor_and_project(env):
    rc, text, j = _bench(env, "bench-ok", "--targets",
                         "ceiling,floor,evfloor,project", "--log-level", "info",
                         "--duration", "2", "--rounds", "2")
    res = j["results"]
    eq(j["load"]["rounds"], 2, "rounds")
    for name in ("ceiling", "floor", "evfloor", "project"):
        r = res.get(name)
        check(r is not None and "error" not in r,
              "%s not measured: %s\n%s" % (name, r, text[-2000:]))
        check(r["requests"] > 0, "%s: no requests" % name)
        eq(r["errors"], 0, "%s errors" % name)
        # Its figures are over both rounds.
        eq(len(r["rounds"]), 2, "%s's rounds" % name)
        eq(r["requests"], sum(x["requests"] for x in r["rounds"]),
           "%s's requests against its rounds'" % name)
        check(all(x["requests"] > 0 for x in r["rounds"]),
              "%s: a round without requests" % name)
        # The latencies of both rounds together: the median of all lies
        # between the rounds' medians (1 % buckets: within 1 %).
        p50s = [x["p50_ms"] for x in r["rounds"]]
        check(min(p50s) * 0.99 <= r["p50_ms"] <= max(p50s) * 1.01,
              "%s: p50 %.3f ms, rounds' %s" % (name, r["p50_ms"], p50s))
        check(r["p50_ms"] <= r["p99_ms"], "%s: p50 above p99" % name)
    # The targets took turns: every target's first round came before any
    # target's second.
    starts = sorted((x["start_s"], name, i) for name in res
                    for i, x in enumerate(res[name]["rounds"]))
    eq([(name, i) for _, name, i in starts],
       [("ceiling", 0), ("floor", 0), ("evfloor", 0), ("project", 0),
        ("ceiling", 1), ("floor", 1), ("evfloor", 1), ("project", 1)],
       "order of the rounds")
    pc = j["ratios"]["project/ceiling"]["rounds"]
    eq(len(pc), 2, "project/ceiling per round")
    for i in range(2):
        check(abs(pc[i] - res["project"]["rounds"][i]["rps"] /
                  res["ceiling"]["rounds"][i]["rps"]) < 1e-9,
              "project/ceiling of round %d" % (i + 1))
    check("project/ceiling req/s per round " in text,
          "the rounds' ratios are not printed:\n" + text[-2000:])
    # Each timed request of floor and project made its profile call (the
    # mock also counts the warm-up and the answer checks: at least).
    for name in ("floor", "evfloor", "project"):
        check(res[name]["api_calls"] >= res[name]["requests"],
              "%s: %d profile calls for %d requests" % (
                  name, res[name]["api_calls"], res[name]["requests"]))
    eq(res["ceiling"].get("api_calls"), 0, "ceiling's profile calls")
    for k in ("project/ceiling", "floor/ceiling", "project/floor",
              "evfloor/ceiling", "project/evfloor"):
        check(k in j["ratios"], "ratio %s missing" % k)
    check(j["cold_start"].get("project_ms") is not None, "no cold start")
    v = {t["target"]: t for t in j["targets"]}
    check("floor" in v["throughput >= 50% of ceiling"]["detail"],
          "the 50%% verdict does not give the floor's share")
    # The peer was not run: its verdicts are "not measured", so no PASS.
    check(not v["throughput >= 3x peer"]["measured"], "peer verdict measured")
    check(rc != 0, "exit 0 with targets not measured")
    # The bench's own logs (worker at info: a line per request, nginx,
    # mocks) hold neither the name it served nor the token it sent.
    logs = _logs(os.path.join(env.tmp, "bench-ok"))
    check("type=LaunchRequest" in logs, "no worker log lines to check")
    for bad in ("Zo\u00eb", "Zo\\u00eb", sim.DEFAULT_TOKEN, "Bearer "):
        check(bad not in logs, "%r in the bench's logs" % bad)


def test_bench_refuses_to_time_a_target_that_takes_forged_requests(env):
    rc, text, j = _bench(env, "bench-forged", "--targets", "project",
                         "--set", "verify_signature=no")
    r = j["results"]["project"]
    check("accepts a forged signature" in r.get("error", ""),
          "project without verification was timed: %s" % r)
    check("project  BROKEN: accepts a forged signature" in text,
          "not reported in the table:\n" + text[-2000:])
    check(rc != 0, "exit 0 with a broken target")


def test_callgrind_counts_the_steady_state_of_the_request_path(env):
    """tests/bench/callgrind (README, Performance) runs: the worker under
    callgrind answers N requests, the count is per request, and it covers
    the request path without the start-up (cert download, API handshake)."""
    worker = WORKER
    if "/asan/" in worker:
        # valgrind cannot run an ASan binary; use the plain build if any.
        worker = os.path.join(ROOT, "build", "skill.fcgi")
        if not os.access(worker, os.X_OK):
            print("callgrind test: no plain build under make sanitize")
            return
    out = os.path.join(env.tmp, "callgrind")
    p = subprocess.run(
        [os.path.join(ROOT, "tests", "bench", "callgrind"), "20"],
        env=dict(os.environ, BENCH_OUT=out, BENCH_WORKER=worker,
                 LINES_OUT="400"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    text = p.stdout.decode(errors="replace")
    eq(p.returncode, 0, "tests/bench/callgrind exit status:\n" + text[-2000:])
    check("20 requests in" in text, "requests not sent:\n" + text[-2000:])
    per = [l for l in text.splitlines() if l.startswith("steady state: ")]
    check(len(per) == 1, "no steady-state line:\n" + text[-2000:])
    n = int(per[0].split()[2])
    # The RSA-2048 check alone is about 300 000 instructions.
    check(100000 < n < 5000000, "instructions per request: %d" % n)
    check("verify_signature" in text, "request path not in the profile")
    for startup in ("SSL_connect", "verify_fetch_curl", "chain_check"):
        check(startup not in text, "%s inside the steady state" % startup)
