"""Runs last (run.py sorts it after the others): after the whole suite,
no log of any stack or mock holds the personal data the mocks served or
the tokens the tests sent (issue 5: "Logs after the whole suite contain
none of the mock's names, numbers, emails or tokens")."""
import importlib.machinery
import importlib.util
import json
import os
import re
from xml.sax.saxutils import escape

import harness
from harness import BOOK_DAY, ROOT, check, sim, token, validate_response

_loader = importlib.machinery.SourceFileLoader(
    "mockd", os.path.join(ROOT, "tests", "mocks", "mockd.py"))
_spec = importlib.util.spec_from_loader("mockd", _loader)
mockd = importlib.util.module_from_spec(_spec)
_loader.exec_module(mockd)


def _personal_data():
    """Every name, number and email the profile mock can serve."""
    names = set()
    for d in mockd.PERSON_DATA.values():
        names.update(v for v in d.values() if v)
    names.update([mockd.ACCOUNT_DATA["name"], mockd.ACCOUNT_DATA["givenName"]])
    numbers = set()
    for m in [mockd.PERSON_MOBILE, mockd.ACCOUNT_DATA["mobileNumber"]] + [
            v for v in mockd.MOBILE_VARIANTS.values()]:
        cc, num = str(m["countryCode"]), str(m["phoneNumber"])
        numbers.add(num)
        numbers.add("+" + cc.lstrip("+") + num)
    emails = {mockd.ACCOUNT_DATA["email"]}
    return names, numbers, emails


def _forms(s):
    """s as it could appear in a log: raw, JSON-escaped, XML-escaped."""
    return {s, json.dumps(s)[1:-1], json.dumps(s, ensure_ascii=False)[1:-1],
            escape(s, {"'": "&apos;", '"': "&quot;"})}


def _exercise(env):
    """Every path that touches personal data, so the check means something
    even when this module runs alone."""
    s = env.shared()
    slots = {"date": BOOK_DAY.iso, "time": "19:30", "partySize": "2"}
    for who in mockd.PERSON_DATA:
        validate_response(s.send("launch", token=token(who=who)))
        validate_response(s.send("intent", name="BookTableIntent",
                                 token=token(who=who), slots=slots))
    for person in (sim.DEFAULT_PERSON, None):
        for b in ("ok", "403", "204", "500", "garbage", "badutf8"):
            validate_response(s.send("intent", name="SendDetailsIntent",
                                     person=person, token=token(all=b)))
            validate_response(s.send("intent", name="BookTableIntent",
                                     person=person, token=token(all=b),
                                     slots=slots))
        for m in mockd.MOBILE_VARIANTS:
            validate_response(s.send("intent", name="SendDetailsIntent",
                                     person=person, token=token(mobile=m)))
    validate_response(s.send("launch"))     # alexa-sim's default token


def test_logs_hold_no_personal_data(env):
    _exercise(env)
    logs = env.all_logs()
    check(len(logs) > 1000 and "type=IntentRequest" in logs,
          "no worker logs to check")
    names, numbers, emails = _personal_data()
    found = []
    for what, values in (("name", names), ("number", numbers),
                         ("email", emails)):
        for v in values:
            for f in _forms(v):
                if f in logs:
                    found.append("%s %r" % (what, f))
    # Short names: as words only ("Ada" must not match "Adapter").
    for n in names:
        if len(n) < 6 and re.search(r"(?<![A-Za-z])%s(?![A-Za-z])" %
                                    re.escape(n), logs):
            found.append("name %r" % n)
    tokens = set(harness.SENT_TOKENS) | {sim.DEFAULT_TOKEN}
    check(len(tokens) > 20, "token registry looks empty: %d" % len(tokens))
    for t in tokens:
        if t in logs:
            found.append("token %r" % t)
        for part in t.split(";"):
            # (alexa-sim's default "secret=dev" is too short to look for:
            # "dev" ends the test skill id.)
            if (part.startswith("secret=") and len(part) > 14 and
                    part[7:] in logs):
                found.append("token secret %r" % part)
    for marker in ("mock;", "Bearer ", "accessToken\":",
                   env.aws_secret, "AKIDTEST"):
        if marker in logs:
            found.append("marker %r" % marker)
    check(not found, "personal data or secrets in the logs: " +
          ", ".join(sorted(set(found))[:20]))
