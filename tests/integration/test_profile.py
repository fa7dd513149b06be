"""Issue 5: recognized-speaker contact information against the real stack
and the profile mock: API choice, consent, not-set and unavailable paths,
deadlines, the origin allow-list, voice consent and permission events."""
import uuid

import harness
from harness import (BOOK_DAY, LATER_DAY, check, eq, parse_ssml, sim, token,
                     validate_response, wait_for)

PERSON = sim.DEFAULT_PERSON
USER = sim.DEFAULT_USER
GIVEN = "alexa::profile:given_name:read"
NAME = "alexa::profile:name:read"
MOBILE = "alexa::profile:mobile_number:read"
NOT_SET = ("Your mobile number is not set. You can enter these details in "
           "the Alexa app under Settings > Your Profile, and then launch this "
           "skill again.")
APOLOGY = "Sorry, I can't get your contact details right now."
SLOTS = {"date": BOOK_DAY.iso, "time": "19:30", "partySize": "2"}
NAME_TAG = '<alexa:name type="first" personId="%s"/>' % PERSON


def _book(s, tok, **kw):
    kw.setdefault("slots", SLOTS)
    return s.send("intent", name="BookTableIntent", token=tok, **kw)


def _details(s, tok, **kw):
    return s.send("intent", name="SendDetailsIntent", token=tok, **kw)


def _card(r):
    c = r.resp.get("card") or {}
    eq(c.get("type"), "AskForPermissionsConsent", "card type")
    return c["permissions"]


def _paths(env, tok):
    return [c["path"] for c in env.profile.calls(token=tok)]


def _bookings(env, request_id):
    return [b for b in env.mocks["booking"].bookings()
            if b.get("idempotencyKey") == request_id]


# ------------------------------------------------------------ greeting

def _greet(env, who, raw):
    tok = token(who=who)
    r = env.shared().send("launch", token=tok)
    validate_response(r)
    want = "<speak>Welcome back, %s!" % raw
    check(r.ssml.startswith(want), "ssml %r does not start %r" % (r.ssml, want))
    parse_ssml(r.ssml)
    eq(_paths(env, tok), ["/v2/persons/~current/profile/givenName"],
       "launch asks the Person Profile API for the given name only")
    return r


def test_greets_by_given_name_amp(env):
    r = _greet(env, "amp", "Tom &amp; Jerry")
    check("Tom & Jerry" in r.speech, r.speech)


def test_greets_by_given_name_lt(env):
    r = _greet(env, "lt", "&lt;b&gt;Bo&lt;/b&gt;")
    el = parse_ssml(r.ssml)
    eq([e.tag for e in el.iter()], ["speak"], "no markup from the name")


def test_greets_by_given_name_apos(env):
    _greet(env, "apos", "O&apos;Brien &quot;Obi&quot;")


def test_greets_by_given_name_non_ascii(env):
    r = _greet(env, "zoe", "Zo\u00eb")
    check("Zo\u00eb" in r.body.decode("utf-8"), "raw UTF-8 in the body")


def test_launch_without_person_calls_nothing(env):
    tok = token()
    r = env.shared().send("launch", token=tok, person=None)
    validate_response(r, "Welcome to The Corner Table")
    check("alexa:name" not in r.ssml, r.ssml)
    eq(_paths(env, tok), [], "profile calls for a launch without a person")


# -------------------------------------------------------- API choice

def test_no_person_never_calls_person_api(env):
    s = env.shared()
    tok = token()
    validate_response(_details(s, tok, person=None), "ending in 23")
    eq(_paths(env, tok), ["/v2/accounts/~current/settings/Profile.mobileNumber"],
       "SendDetailsIntent without a person")
    tok2 = token()
    r = _book(s, tok2, person=None)
    validate_response(r, "under Ada")
    eq(sorted(_paths(env, tok2)),
       ["/v2/accounts/~current/settings/Profile.givenName",
        "/v2/accounts/~current/settings/Profile.mobileNumber"],
       "BookTableIntent without a person")
    for t in (tok, tok2):
        check(all(c["api"] == "account" for c in env.profile.calls(token=t)),
              "a /v2/persons call without a person")


def test_person_uses_person_api(env):
    tok = token()
    validate_response(_book(env.shared(), tok), "under Zo\u00eb")
    eq(sorted(_paths(env, tok)),
       ["/v2/persons/~current/profile/givenName",
        "/v2/persons/~current/profile/mobileNumber"], "person paths")
    for c in env.profile.calls(token=tok):
        eq(c["headers"].get("authorization"), "Bearer " + tok, "bearer")
        eq(c["headers"].get("accept"), "application/json", "accept")


# ---------------------------------------------------------- consent

def test_403_mobile_only_asks_for_mobile(env):
    r = _book(env.shared(), token(mobileNumber="403"))
    validate_response(r)
    eq(_card(r), [MOBILE], "scopes when only the mobile is refused")
    check("name and mobile number" in r.speech, "speech says why: " + r.speech)
    check(not _bookings(env, r.envelope["request"]["requestId"]), "booked")


def test_403_both_asks_for_both(env):
    r = _book(env.shared(), token(all="403"))
    validate_response(r)
    eq(sorted(_card(r)), sorted([GIVEN, MOBILE]), "scopes, both refused")


def test_403_without_person_still_lists_scopes(env):
    tok = token(all="403")
    r = _book(env.shared(), tok, person=None)
    validate_response(r)
    eq(sorted(_card(r)), sorted([GIVEN, MOBILE]), "account-level scopes")
    check(all(c["api"] == "account" for c in env.profile.calls(token=tok)),
          "person API used without a person")
    r = _details(env.shared(), token(mobileNumber="403"), person=None)
    validate_response(r, "needs your mobile number")
    eq(_card(r), [MOBILE], "SendDetailsIntent scopes")


def test_name_scope_name_asks_for_full_name(env):
    with env.own_stack(name="namescope", name_scope="name") as s:
        tok = token(all="403")
        r = _book(s, tok)
        validate_response(r)
        eq(sorted(_card(r)), sorted([NAME, MOBILE]), "name_scope=name card")
        check(GIVEN not in r.body.decode(), "given_name scope mentioned")
        fields = sorted(c["field"] for c in env.profile.calls(token=tok))
        eq(fields, ["mobileNumber", "name"], "fields asked for")
        # With the data: booked under the full name.
        r = _book(s, token(who="apos"))
        validate_response(r, "under Se\u00e1n O'Brien")


# ---------------------------------------------------------- not set

def test_204_mobile_says_not_set(env):
    r = _book(env.shared(), token(mobileNumber="204"))
    validate_response(r)
    check(NOT_SET in r.speech, "not-set sentence missing: %r" % r.speech)
    check("card" not in r.resp, "card for a number that is not set")
    r = _details(env.shared(), token(mobileNumber="204"))
    validate_response(r, NOT_SET)


def test_204_name_says_name(env):
    r = _book(env.shared(), token(givenName="204"))
    validate_response(r, "Your first name is not set. You can enter these "
                      "details in the Alexa app under Settings > Your Profile")
    check("mobile" not in r.speech, r.speech)
    with env.own_stack(name="namescope204", name_scope="name") as s:
        validate_response(_book(s, token(name="204")),
                          "Your name is not set. You can enter")


# ------------------------------------------------------- no caching

def test_two_requests_two_calls(env):
    s = env.shared()
    tok = token()
    validate_response(s.send("launch", token=tok), "Zo\u00eb")
    validate_response(s.send("launch", token=tok), "Zo\u00eb")
    eq(len(env.profile.calls(token=tok)), 2, "launch calls")
    tok2 = token()
    validate_response(_details(s, tok2), "ending in 47")
    validate_response(_details(s, tok2), "ending in 47")
    eq(len(env.profile.calls(token=tok2)), 2, "SendDetailsIntent calls")


# ------------------------------------------- kept connections to the API

def test_profile_calls_share_one_kept_connection(env):
    # One thread: every call goes over its one kept connection.
    with env.own_stack(name="keptconn", workers=1, worker_threads=1) as s:
        env.profile.reset()
        for _ in range(5):
            validate_response(s.send("launch", token=token()),
                              "Welcome back, Zo\u00eb!")
        eq(env.profile.connections(), 1, "connections for 5 launches")


def test_unasked_bytes_on_kept_connection_never_answer_the_next(env):
    """An API (or a proxy before it) that repeats its answer on the kept
    connection: the next request on that thread, right after, must get its
    own user's name, never the stale answer of the previous user (the
    check for unasked bytes ran only after 1 s of rest)."""
    with env.own_stack(name="dupanswer", workers=1, worker_threads=1) as s:
        a = token(givenName="dup")
        validate_response(s.send("launch", token=a), "Welcome back, Zo\u00eb!")
        wait_for(lambda: any(c.get("dup_sent")
                             for c in env.profile.calls(token=a)),
                 what="the repeated answer")
        b = token(who="amp")
        r = s.send("launch", token=b)
        validate_response(r, "Welcome back, Tom & Jerry!")
        check("Zo\u00eb" not in r.ssml, "user B heard user A's name")
        eq(len(env.profile.calls(token=b)), 1, "B's own call")


def test_chunked_api_answer_is_read(env):
    tok = token(givenName="chunked")
    validate_response(env.shared().send("launch", token=tok),
                      "Welcome back, Zo\u00eb!")
    eq(_paths(env, tok), ["/v2/persons/~current/profile/givenName"],
       "one call")


def test_api_closing_a_kept_connection_costs_no_answer(env):
    with env.own_stack(name="closeafter", workers=1, worker_threads=1) as s:
        env.profile.reset()
        # The API answers, then closes the connection it did not announce
        # as closing: the next call finds it closed and opens another.
        validate_response(s.send("launch", token=token(
            givenName="closeafter")), "Welcome back, Zo\u00eb!")
        validate_response(s.send("launch", token=token()),
                          "Welcome back, Zo\u00eb!")
        eq(env.profile.connections(), 2, "connections")


def test_kept_connection_dropped_mid_call_is_retried_once(env):
    with env.own_stack(name="dropkept", workers=1, worker_threads=1) as s:
        validate_response(s.send("launch", token=token()),
                          "Welcome back, Zo\u00eb!")
        env.profile.reset()
        # The API closes the kept connection when this call arrives on it,
        # without a byte of answer: the call is sent again, once, on a new
        # connection (a GET: safe to repeat).
        tok = token(givenName="dropkept")
        validate_response(s.send("launch", token=tok),
                          "Welcome back, Zo\u00eb!")
        eq(len(env.profile.calls(token=tok)), 2, "calls: dropped + retry")
        eq(env.profile.connections(), 1, "new connections")
        check("profile: givenName" not in s.worker_log(),
              "a retried call that then succeeds is not an error")


def test_new_connections_for_two_fields_open_together(env):
    # A booking needs the name and the mobile number: a thread without kept
    # connections opens both at once, not one after the other.
    with env.own_stack(name="parconn", workers=1, worker_threads=1) as s:
        env.profile.handshake_delay(0.4)
        try:
            env.profile.reset()
            tok = token()
            validate_response(_book(s, tok), "under Zo\u00eb")
            eq(len(env.profile.calls(token=tok)), 2, "profile calls")
            eq(env.profile.max_concurrent_handshakes(), 2,
               "TLS handshakes in progress at the same time")
        finally:
            env.profile.handshake_delay(0)


# ------------------------------------------------------- deadlines

def test_slow_api_answers_within_deadline(env):
    # One worker with one thread: if the slow call kept it, the next
    # request would wait.
    with env.own_stack(name="slowapi", workers=1, worker_threads=1) as s:
        validate_response(s.send("launch"))     # warm up (TLS, cert)
        tok = token(all="slow:10")
        r = s.send("launch", token=tok)
        first = r.elapsed
        validate_response(r)
        check(NAME_TAG in r.ssml, "launch falls back to the name tag")
        check(first < 1.5 + 0.5, "slow launch took %.3f s" % first)
        r = _book(s, token(all="slow:10"))
        booking = r.elapsed
        validate_response(r, APOLOGY)
        check(booking < 1.5 + 0.5, "slow booking took %.3f s" % booking)
        r = s.send("launch", token=token())
        nxt = r.elapsed
        validate_response(r, "Welcome back, Zo\u00eb!")
        check(nxt < 0.5, "next request took %.3f s" % nxt)
        print("  timing: slow launch %.3f s, slow booking %.3f s, next "
              "request %.3f s (api_timeout_ms 1500)" % (first, booking, nxt))
        check("api_timeout_ms (1500) reached" in s.worker_log(),
              "timeout not logged")


# -------------------------------------------------- origin allow-list

def test_endpoint_outside_allow_list_not_contacted(env):
    other = harness.Mock("profile", env.logdir)
    try:
        s = env.shared()
        bad = ["https://127.0.0.1:%d" % other.port,
               "https://127.0.0.1:%d@127.0.0.1:%d" % (env.profile.port,
                                                      other.port),
               "http://127.0.0.1:%d" % other.port,
               "https://localhost:%d" % other.port]
        for ep in bad:
            r = s.send("launch", token=token(), api_endpoint=ep)
            validate_response(r)
            check(NAME_TAG in r.ssml, "%s: launch without the name" % ep)
            r = _details(s, token(), api_endpoint=ep)
            validate_response(r, APOLOGY)
            r = _book(s, token(), api_endpoint=ep)
            validate_response(r, APOLOGY)
            check(not _bookings(env, r.envelope["request"]["requestId"]),
                  "booked without data")
        eq(other.connections(), 0, "connections to a disallowed endpoint")
        eq(other.calls(), [], "calls to a disallowed endpoint")
        # The allowed origin with a trailing slash still works.
        r = s.send("launch", token=token(),
                   api_endpoint="https://127.0.0.1:%d/" % env.profile.port)
        validate_response(r, "Welcome back, Zo\u00eb!")
    finally:
        other.stop()


# ------------------------------------------------- broken API answers

BROKEN = ("garbage", "huge", "badutf8", "reset", "401", "429", "500")


def test_broken_api_answers_reduce_gracefully(env):
    s = env.shared()
    for b in BROKEN:
        r = s.send("launch", token=token(givenName=b))
        validate_response(r)
        check(NAME_TAG in r.ssml, "%s: launch ssml %r" % (b, r.ssml))
        eq(r.resp.get("shouldEndSession"), False, b + ": launch ends")
        r = _details(s, token(mobileNumber=b))
        validate_response(r, APOLOGY)
        check("card" not in r.resp, b + ": consent card for an error")
        eq(r.resp.get("shouldEndSession"), False, b + ": session kept")
        r = _book(s, token(all=b))
        validate_response(r, APOLOGY)
        check(not _bookings(env, r.envelope["request"]["requestId"]),
              b + ": booked")
    # Non-mock bearer: the mock's own 401.
    bogus = "bogus;secret=S" + uuid.uuid4().hex[:12]
    harness.SENT_TOKENS.append(bogus)
    validate_response(_details(s, bogus), APOLOGY)
    eq([c["status"] for c in env.profile.calls(token=bogus)], [401],
       "mock answered 401")


def test_bad_mobile_bodies(env):
    s = env.shared()
    for variant in ("bad", "int"):
        r = _details(s, token(mobile=variant))
        validate_response(r, APOLOGY)
    validate_response(s.send("launch", token=token(who="long")))
    r = s.send("launch", token=token(who="empty"))
    validate_response(r)
    check(NAME_TAG in r.ssml, "empty name: %r" % r.ssml)


def test_empty_name_is_not_set_long_name_books(env):
    """An API answering 200 "" is a name that is not set (what the seed
    says for missing data), not a failure to apologise for; a 300-character
    name is a name."""
    s = env.shared()
    r = _book(s, token(who="empty"))
    validate_response(r, "Your first name is not set. You can enter these "
                      "details in the Alexa app under Settings > Your Profile")
    check(not _bookings(env, r.envelope["request"]["requestId"]),
          "booked without a name")
    r = _book(s, token(who="long"))
    validate_response(r, "Done: a table for 2 on %s" % BOOK_DAY.en_us)
    b = _bookings(env, r.envelope["request"]["requestId"])
    eq([x["name"] for x in b], ["a" * 300], "booked under the long name")


# ---------------------------------------------------- voice consent

def _start_connection(r, scopes, level):
    validate_response(r)
    d = r.resp.get("directives") or []
    eq(len(d), 1, "directives")
    d = d[0]
    eq(d["type"], "Connections.StartConnection", "directive type")
    eq(d["uri"], "connection://AMAZON.AskForPermissionsConsent/2", "uri")
    eq(d["input"]["@type"], "AskForPermissionsConsentRequest", "@type")
    eq(d["input"]["@version"], "2", "@version")
    eq(sorted(p["permissionScope"] for p in d["input"]["permissionScopes"]),
       sorted(scopes), "permission scopes")
    eq({p["consentLevel"] for p in d["input"]["permissionScopes"]}, {level},
       "consent level")
    check(isinstance(d.get("token"), str) and d["token"], "no token")
    check("reprompt" not in r.resp, "reprompt with StartConnection")
    check("shouldEndSession" not in r.resp, "shouldEndSession present")
    check("card" not in r.resp, "card with voice consent")
    return d["token"]


def test_voice_consent_accepted_books(env):
    with env.own_stack(name="voice", voice_consent="yes") as s:
        slots = {"date": LATER_DAY.iso, "time": "20:00", "partySize": "4"}
        r = _book(s, token(mobileNumber="403"), slots=slots)
        tok = _start_connection(r, [MOBILE], "PERSON")
        check("needs your name and mobile number" in r.speech, r.speech)
        check(not _bookings(env, r.envelope["request"]["requestId"]),
              "booked before consent")
        r = s.send("resumed", status="ACCEPTED", connection_token=tok,
                   token=token())
        validate_response(r, "a table for 4 on %s at 8 pm under Zo\u00eb"
                          % LATER_DAY.en_us)
        rid = r.envelope["request"]["requestId"]
        b = _bookings(env, rid)
        eq(len(b), 1, "bookings after ACCEPTED")
        eq((b[0]["date"], b[0]["time"], b[0]["partySize"]),
           (LATER_DAY.iso, "20:00", 4), "booking slots from the token")
        # Without a person: account level.
        r = _book(s, token(all="403"), person=None)
        _start_connection(r, [GIVEN, MOBILE], "ACCOUNT")


def test_voice_consent_accepted_texts(env):
    with env.own_stack(name="voicetext", voice_consent="yes") as s:
        r = _details(s, token(mobileNumber="403"))
        tok = _start_connection(r, [MOBILE], "PERSON")
        before = len(env.mocks["sms"].calls())
        r = s.send("resumed", status="ACCEPTED", connection_token=tok,
                   token=token())
        validate_response(r, "ending in 47")
        eq(len(env.mocks["sms"].calls()) - before, 1, "texts sent")
        # The old Connections.Response form works the same.
        before = len(env.mocks["sms"].calls())
        r = s.send("connections-response", status="ACCEPTED",
                   connection_token=tok, token=token())
        validate_response(r, "ending in 47")
        eq(len(env.mocks["sms"].calls()) - before, 1, "texts sent (v1)")


def test_voice_consent_declined(env):
    with env.own_stack(name="voicedeny", voice_consent="yes") as s:
        r = _book(s, token(all="403"))
        tok = _start_connection(r, [GIVEN, MOBILE], "PERSON")
        for kind in ("resumed", "connections-response"):
            for status in ("DENIED", "NOT_ANSWERED"):
                t = token()
                r = s.send(kind, status=status, connection_token=tok, token=t)
                validate_response(r, "No problem. Without those details")
                eq(r.resp.get("shouldEndSession"), False, "session kept")
                check(not _bookings(env, r.envelope["request"]["requestId"]),
                      "%s %s: booked" % (kind, status))
                eq(env.profile.calls(token=t), [],
                   "%s %s: profile called" % (kind, status))
        # A token the skill did not issue: no action.
        r = s.send("resumed", status="ACCEPTED", connection_token="v1|book|x",
                   token=token())
        validate_response(r, "Welcome to The Corner Table")
        check(not _bookings(env, r.envelope["request"]["requestId"]),
              "booked on a forged token")


# -------------------------------------------------- permission events

def test_permission_events_log_scopes(env):
    s = env.shared()
    for ev, acct, person in (
            ("SkillPermissionAccepted", [MOBILE], [GIVEN, MOBILE]),
            ("SkillPermissionChanged", [], [MOBILE])):
        rid = "amzn1.echo-api.request.PERMEV-" + uuid.uuid4().hex
        r = s.send("event", event=ev, scopes=acct, person_scopes=person,
                   request_id=rid)
        eq(r.status, 200, ev)
        check(r.json is not None and r.json.get("version") == "1.0",
              "event answer is a response")
        line = wait_for(lambda: [l for l in s.worker_log().splitlines()
                                 if rid in l], 5, "event log line")[0]
        want = "permissions: account=%s person=%s" % (
            ",".join(acct) or "none", ",".join(person) or "none")
        check(want in line, "log line %r lacks %r" % (line, want))
        check("AlexaSkillEvent." + ev in line, line)
