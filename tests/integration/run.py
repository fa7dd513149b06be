#!/usr/bin/env python3
"""Runs the integration tests: tests/integration/test_*.py, functions
test_*(env).  Prints PASS/FAIL per test and ends with 'N passed, N failed'.

usage: run.py [-k SUBSTRING] [--keep]
"""
import argparse
import importlib
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", default="", help="run tests whose name contains this")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    a = ap.parse_args()
    mods = sorted(f[:-3] for f in os.listdir(HERE)
                  if f.startswith("test_") and f.endswith(".py"))
    # The privacy check reads every log, so it runs last.
    mods.sort(key=lambda m: m == "test_zz_privacy")
    tests = []
    for m in mods:
        mod = importlib.import_module(m)
        for name in sorted(n for n in dir(mod) if n.startswith("test_")):
            full = "%s.%s" % (m, name)
            if a.k in full:
                tests.append((full, getattr(mod, name)))
    env = harness.Env()
    passed = failed = 0
    try:
        for full, fn in tests:
            t0 = time.monotonic()
            try:
                fn(env)
                passed += 1
                print("PASS %s (%.1fs)" % (full, time.monotonic() - t0),
                      flush=True)
            except Exception as e:
                failed += 1
                print("FAIL %s (%.1fs): %s" % (full, time.monotonic() - t0, e),
                      flush=True)
                if not isinstance(e, harness.TestFailure):
                    traceback.print_exc()
    finally:
        env.close(keep=a.keep or failed > 0)
        if failed:
            print("logs kept in %s" % env.tmp)
    print("integration: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
