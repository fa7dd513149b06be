#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "unit.h"
#include "../../app/limits.h"
#include "../../app/verify.h"

/* The unit tests run with cwd tests/unit; make test runs dev-pki first. */
#define PKI "../../build/pki"
#define TRUST PKI "/trust.pem"

static const char BODY[] = "{\"version\":\"1.0\",\"request\":"
    "{\"type\":\"LaunchRequest\"}}";

/*
 * The cert URL cases both test layers share (accept/refuse, a tab, the
 * URL), loaded by suite_verify before the tests run.
 */
#define URL_CASES "../data/cert-urls.txt"
#define URL_CASES_MAX 64

static char url_case[URL_CASES_MAX][CERT_URL_MAX + 1];
static int url_accept[URL_CASES_MAX];
static int n_url_cases = -1;	/* -1: the file could not be read */

static void
load_url_cases(void)
{
	char line[CERT_URL_MAX + 16];
	FILE *f = fopen(URL_CASES, "r");
	int n = 0;

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *tab = strchr(line, '\t');

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (tab == NULL || n == URL_CASES_MAX ||
		    strlen(tab + 1) > CERT_URL_MAX) {
			n = -1;	/* malformed or too many: fails url_cases_read */
			break;
		}
		*tab = '\0';
		if (strcmp(line, "accept") == 0)
			url_accept[n] = 1;
		else if (strcmp(line, "refuse") == 0)
			url_accept[n] = 0;
		else {
			n = -1;
			break;
		}
		memcpy(url_case[n++], tab + 1, strlen(tab + 1) + 1);
	}
	fclose(f);
	n_url_cases = n;
}

START_TEST(url_cases_read)
{
	ck_assert_msg(n_url_cases >= 30, "%s: %d cases read", URL_CASES,
	    n_url_cases);
}
END_TEST

START_TEST(cert_url_case)
{
	const char *why = verify_cert_url(url_case[_i]);

	if (url_accept[_i])
		ck_assert_msg(why == NULL, "%s refused: %s", url_case[_i], why);
	else
		ck_assert_msg(why != NULL, "%s accepted", url_case[_i]);
}
END_TEST

/* Refused strings an HTTP header cannot carry, so only tested here. */
static const char *const raw_bad_urls[] = {
	" https://s3.amazonaws.com/echo.api/x.pem",
	"",
};

START_TEST(refuses_raw_strings)
{
	ck_assert_msg(verify_cert_url(raw_bad_urls[_i]) != NULL,
	    "\"%s\" accepted", raw_bad_urls[_i]);
}
END_TEST

START_TEST(refuses_missing_url)
{
	ck_assert_str_eq(verify_cert_url(NULL), "cert_url_missing");
}
END_TEST

/* Every spelling of one file has one canonical URL (the cache key). */
START_TEST(cert_url_canonical)
{
	static const char *const same[] = {
		"https://s3.amazonaws.com/echo.api/echo-api.pem",
		"https://S3.AmazonAWS.com/echo.api/echo-api.pem",
		"https://s3.amazonaws.com:443/echo.api/echo-api.pem",
		"HTTPS://s3.amazonaws.com/echo.api/../echo.api/echo-api.pem",
		"https://s3.amazonaws.com/echo.api/v1/../echo-api.pem",
		"https://s3.amazonaws.com/echo.api/./echo-api.pem",
	};
	char canon[CERT_URL_MAX + 1], small[20];

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		ck_assert_msg(verify_cert_url_canon(same[i], canon,
		    sizeof(canon)) == NULL, "%s refused", same[i]);
		ck_assert_str_eq(canon,
		    "https://s3.amazonaws.com/echo.api/echo-api.pem");
	}
	/* No room for it: refused, never cut. */
	ck_assert_ptr_nonnull(verify_cert_url_canon(same[0], small,
	    sizeof(small)));
}
END_TEST

/* --- the verifier core: PEM + trust file + signature + body --------- */

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s (run scripts/dev-pki)", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	ck_assert_int_ge(n = ftell(f), 0);
	rewind(f);
	ck_assert_ptr_nonnull(buf = malloc((size_t)n + 1));
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static char *
chain(const char *name, size_t *len)
{
	char path[256];

	snprintf(path, sizeof(path), PKI "/echo.api/%s.pem", name);
	return slurp(path, len);
}

/* base64 RSA PKCS#1 v1.5 signature of body with keys/<name>.key. */
static char *
sign_b64(const char *name, const EVP_MD *md, const char *body, size_t len)
{
	unsigned char sig[1024];
	char path[256], *b64;
	size_t n = sizeof(sig);
	EVP_MD_CTX *ctx;
	EVP_PKEY *key;
	FILE *f;

	snprintf(path, sizeof(path), PKI "/keys/%s.key", name);
	ck_assert_msg((f = fopen(path, "r")) != NULL, "cannot open %s", path);
	ck_assert_ptr_nonnull(key = PEM_read_PrivateKey(f, NULL, NULL, NULL));
	fclose(f);
	ck_assert_ptr_nonnull(ctx = EVP_MD_CTX_new());
	ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, md, NULL, key), 1);
	ck_assert_int_eq(EVP_DigestSign(ctx, sig, &n,
	    (const unsigned char *)body, len), 1);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	ck_assert_ptr_nonnull(b64 = malloc(4 * ((n + 2) / 3) + 1));
	EVP_EncodeBlock((unsigned char *)b64, sig, (int)n);
	return b64;
}

/* The core for chain <name>, signed by keys/<name>.key with SHA-256. */
static const char *
core_for(const char *name, time_t now)
{
	size_t len;
	char *pem = chain(name, &len);
	char *sig = sign_b64(name, EVP_sha256(), BODY, strlen(BODY));
	const char *why = verify_chain_and_signature(TRUST, pem, len, sig,
	    NULL, BODY, strlen(BODY), now);

	free(sig);
	free(pem);
	return why;
}

/* notBefore / notAfter of the first cert of chain <name>. */
static void
leaf_times(const char *name, time_t *nb, time_t *na)
{
	size_t len;
	char *pem = chain(name, &len);
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	struct tm tm;

	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm), 1);
	*nb = timegm(&tm);
	ck_assert_int_eq(ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm), 1);
	*na = timegm(&tm);
	X509_free(x);
	BIO_free(bio);
	free(pem);
}

START_TEST(core_good_chain)
{
	const char *why = core_for("echo-api", time(NULL));

	ck_assert_msg(why == NULL, "good chain refused: %s", why);
}
END_TEST

static const char *const bad_certs[][2] = {
	{ "nosan", "cert_san" },
	{ "wrongsan", "cert_san" },
	{ "expired", "cert_expired" },
	{ "notyet", "cert_not_yet_valid" },
	{ "untrusted", "cert_chain" },
};

START_TEST(core_bad_certs)
{
	const char *why = core_for(bad_certs[_i][0], time(NULL));

	ck_assert_msg(why != NULL && strcmp(why, bad_certs[_i][1]) == 0,
	    "%s: got %s, want %s", bad_certs[_i][0], why ? why : "NULL",
	    bad_certs[_i][1]);
}
END_TEST

/* The check time is the caller's now, on both sides of the window. */
START_TEST(core_check_time_is_now)
{
	time_t nb, na;

	leaf_times("echo-api", &nb, &na);
	ck_assert_ptr_null(core_for("echo-api", na - 1));
	ck_assert_str_eq(core_for("echo-api", na + 1), "cert_expired");
	ck_assert_ptr_null(core_for("echo-api", nb + 1));
	ck_assert_str_eq(core_for("echo-api", nb - 1), "cert_not_yet_valid");
}
END_TEST

START_TEST(core_tampered_body)
{
	size_t len;
	char *pem = chain("echo-api", &len);
	char *sig = sign_b64("echo-api", EVP_sha256(), BODY, strlen(BODY));
	char body[sizeof(BODY)];

	memcpy(body, BODY, sizeof(BODY));
	body[3] ^= 1;
	ck_assert_str_eq(verify_chain_and_signature(TRUST, pem, len, sig, NULL,
	    body, strlen(body), time(NULL)), "signature");
	/* One byte more or less is tampering too. */
	ck_assert_str_eq(verify_chain_and_signature(TRUST, pem, len, sig, NULL,
	    BODY, strlen(BODY) - 1, time(NULL)), "signature");
	free(sig);
	free(pem);
}
END_TEST

START_TEST(core_other_key)
{
	size_t len;
	char *pem = chain("echo-api", &len);
	char *sig = sign_b64("other", EVP_sha256(), BODY, strlen(BODY));

	ck_assert_str_eq(verify_chain_and_signature(TRUST, pem, len, sig, NULL,
	    BODY, strlen(BODY), time(NULL)), "signature");
	free(sig);
	free(pem);
}
END_TEST

START_TEST(core_legacy_sha1_only)
{
	size_t len;
	char *pem = chain("echo-api", &len);
	char *sig1 = sign_b64("echo-api", EVP_sha1(), BODY, strlen(BODY));
	const char *why = verify_chain_and_signature(TRUST, pem, len, NULL,
	    sig1, BODY, strlen(BODY), time(NULL));

	ck_assert_msg(why == NULL, "SHA-1 alone refused: %s", why);
	free(sig1);
	free(pem);
}
END_TEST

START_TEST(core_bad_sha256_good_sha1)
{
	size_t len;
	char *pem = chain("echo-api", &len);
	char *sig1 = sign_b64("echo-api", EVP_sha1(), BODY, strlen(BODY));
	char *bad = sign_b64("echo-api", EVP_sha256(), "other", 5);

	ck_assert_str_eq(verify_chain_and_signature(TRUST, pem, len, bad, sig1,
	    BODY, strlen(BODY), time(NULL)), "signature");
	/* A SHA-1 signature in the SHA-256 header is no SHA-256 signature. */
	ck_assert_str_eq(verify_chain_and_signature(TRUST, pem, len, sig1,
	    NULL, BODY, strlen(BODY), time(NULL)), "signature");
	free(bad);
	free(sig1);
	free(pem);
}
END_TEST

START_TEST(core_signature_encoding)
{
	size_t len;
	char *pem = chain("echo-api", &len);
	static const char *const bad[] = { "", "abc", "ab=c", "a===",
	    "!!!!", "YWJj\n", "YW Jj" };
	char big[SIGNATURE_B64_MAX + 8];

	ck_assert_str_eq(verify_chain_and_signature(TRUST, pem, len, NULL,
	    NULL, BODY, strlen(BODY), time(NULL)), "signature_missing");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_str_eq(verify_chain_and_signature(TRUST, pem, len,
		    bad[i], NULL, BODY, strlen(BODY), time(NULL)),
		    "signature_encoding");
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_str_eq(verify_chain_and_signature(TRUST, pem, len, big,
	    NULL, BODY, strlen(BODY), time(NULL)), "signature_encoding");
	/* Well-formed base64 of a short value: decodes, does not verify. */
	ck_assert_str_eq(verify_chain_and_signature(TRUST, pem, len, "YWJj",
	    NULL, BODY, strlen(BODY), time(NULL)), "signature");
	free(pem);
}
END_TEST

START_TEST(core_garbage_pem)
{
	static const char garbage[] = "-----BEGIN CERTIFICATE-----\nnot "
	    "base64 at all\n-----END CERTIFICATE-----\n";
	char *sig = sign_b64("echo-api", EVP_sha256(), BODY, strlen(BODY));
	size_t len;
	char *pem = chain("echo-api", &len);

	ck_assert_str_eq(verify_chain_and_signature(TRUST, garbage,
	    strlen(garbage), sig, NULL, BODY, strlen(BODY), time(NULL)),
	    "cert_parse");
	ck_assert_str_eq(verify_chain_and_signature(TRUST, "hello", 5, sig,
	    NULL, BODY, strlen(BODY), time(NULL)), "cert_parse");
	/* The first cert cut in half. */
	ck_assert_str_eq(verify_chain_and_signature(TRUST, pem, 600, sig,
	    NULL, BODY, strlen(BODY), time(NULL)), "cert_parse");
	free(pem);
	free(sig);
}
END_TEST

START_TEST(core_empty_input)
{
	char *sig = sign_b64("echo-api", EVP_sha256(), BODY, strlen(BODY));
	size_t len;
	char *pem = chain("echo-api", &len);
	const char *why;

	ck_assert_str_eq(verify_chain_and_signature(TRUST, "", 0, sig, NULL,
	    BODY, strlen(BODY), time(NULL)), "cert_parse");
	/* An empty body is still signed bytes: its signature must match. */
	ck_assert_str_eq(verify_chain_and_signature(TRUST, pem, len, sig,
	    NULL, "", 0, time(NULL)), "signature");
	free(sig);
	sig = sign_b64("echo-api", EVP_sha256(), "", 0);
	why = verify_chain_and_signature(TRUST, pem, len, sig, NULL, "", 0,
	    time(NULL));
	ck_assert_msg(why == NULL, "signed empty body refused: %s", why);
	free(pem);
	free(sig);
}
END_TEST

START_TEST(core_leaf_without_intermediate)
{
	size_t len;
	char *pem = chain("echo-api", &len);
	char *sig = sign_b64("echo-api", EVP_sha256(), BODY, strlen(BODY));
	char *end = strstr(pem, "-----END CERTIFICATE-----");

	ck_assert_ptr_nonnull(end);
	len = (size_t)(end - pem) + strlen("-----END CERTIFICATE-----\n");
	ck_assert_str_eq(verify_chain_and_signature(TRUST, pem, len, sig,
	    NULL, BODY, strlen(BODY), time(NULL)), "cert_chain");
	free(sig);
	free(pem);
}
END_TEST

/* The signing cert is the first one: a good cert later does not count. */
START_TEST(core_signing_cert_is_first)
{
	size_t l1, l2;
	char *bad = chain("wrongsan", &l1), *good = chain("echo-api", &l2);
	char *both = malloc(l1 + l2);
	char *sig = sign_b64("echo-api", EVP_sha256(), BODY, strlen(BODY));

	memcpy(both, bad, l1);
	memcpy(both + l1, good, l2);
	ck_assert_str_eq(verify_chain_and_signature(TRUST, both, l1 + l2, sig,
	    NULL, BODY, strlen(BODY), time(NULL)), "cert_san");
	free(sig);
	free(both);
	free(good);
	free(bad);
}
END_TEST

START_TEST(core_too_many_certs)
{
	size_t len, n = 0;
	char *pem = chain("echo-api", &len);
	char *many = malloc(len * (CERT_CHAIN_CERTS_MAX + 1));
	char *sig = sign_b64("echo-api", EVP_sha256(), BODY, strlen(BODY));

	/* The chain file holds two certs; repeat it past the cap. */
	for (int i = 0; i < CERT_CHAIN_CERTS_MAX / 2 + 1; i++, n += len)
		memcpy(many + n, pem, len);
	ck_assert_str_eq(verify_chain_and_signature(TRUST, many, n, sig, NULL,
	    BODY, strlen(BODY), time(NULL)), "cert_parse");
	free(sig);
	free(many);
	free(pem);
}
END_TEST

START_TEST(core_bad_trust_file)
{
	size_t len;
	char *pem = chain("echo-api", &len);
	char *sig = sign_b64("echo-api", EVP_sha256(), BODY, strlen(BODY));

	ck_assert_str_eq(verify_chain_and_signature(PKI "/no-such-file.pem",
	    pem, len, sig, NULL, BODY, strlen(BODY), time(NULL)),
	    "trust_store");
	/* A trust file holding another root: the chain does not verify. */
	ck_assert_str_eq(verify_chain_and_signature(PKI "/untrusted-root.pem",
	    pem, len, sig, NULL, BODY, strlen(BODY), time(NULL)),
	    "cert_chain");
	free(sig);
	free(pem);
}
END_TEST

/* --- the cache, with an injected fetch -------------------------------- */

struct fake_host {
	pthread_mutex_t mu;
	int calls;
	int fail;		/* answer "cert_fetch" */
	int delay_ms;		/* a slow download */
	const char *name;	/* chain served */
};

static const char *
fake_fetch(void *ctx, const char *url, char *buf, size_t *len)
{
	struct fake_host *h = ctx;
	char *pem;
	size_t n;

	(void)url;
	pthread_mutex_lock(&h->mu);
	h->calls++;
	pthread_mutex_unlock(&h->mu);
	if (h->delay_ms > 0)
		usleep((useconds_t)h->delay_ms * 1000);
	if (h->fail)
		return "cert_fetch";
	pem = chain(h->name, &n);
	ck_assert_uint_le(n, CERT_CHAIN_MAX);
	memcpy(buf, pem, n);
	*len = n;
	free(pem);
	return NULL;
}

static struct config cache_cfg;
static struct fake_host host = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, NULL };
static char *sig_good;

static struct verifier *
cache_setup(const char *name)
{
	char err[512];
	struct verifier *v;

	memset(&cache_cfg, 0, sizeof(cache_cfg));
	snprintf(cache_cfg.path, sizeof(cache_cfg.path), "unit.conf");
	snprintf(cache_cfg.cert_trust_file, sizeof(cache_cfg.cert_trust_file),
	    "%s", TRUST);
	host.calls = host.fail = host.delay_ms = 0;
	host.name = name;
	v = verifier_new(&cache_cfg, fake_fetch, &host, err, sizeof(err));
	ck_assert_msg(v != NULL, "verifier_new: %s", err);
	free(sig_good);
	sig_good = sign_b64(name, EVP_sha256(), BODY, strlen(BODY));
	return v;
}

#define URL "https://s3.amazonaws.com/echo.api/echo-api.pem"

static const char *
vs(struct verifier *v, const char *url, time_t now)
{
	return verify_signature(v, url, sig_good, NULL, BODY, strlen(BODY),
	    now);
}

START_TEST(cache_reuses_then_refetches_after_not_after)
{
	struct verifier *v = cache_setup("echo-api");
	time_t nb, na, now = time(NULL);

	leaf_times("echo-api", &nb, &na);
	ck_assert_ptr_null(vs(v, URL, now));
	ck_assert_ptr_null(vs(v, URL, now + 1));
	ck_assert_ptr_null(vs(v, URL, na - 1));
	ck_assert_int_eq(host.calls, 1);
	/* notAfter passed while cached: downloaded again and refused. */
	ck_assert_str_eq(vs(v, URL, na + 1), "cert_expired");
	ck_assert_int_eq(host.calls, 2);
	ck_assert_str_eq(vs(v, URL, na + 2), "cert_expired");
	ck_assert_int_eq(host.calls, 3);
	/* Back in the window: fetched and good again. */
	ck_assert_ptr_null(vs(v, URL, now));
	ck_assert_int_eq(host.calls, 4);
	verifier_free(v);
}
END_TEST

START_TEST(cache_failures_not_cached)
{
	struct verifier *v = cache_setup("echo-api");

	host.fail = 1;
	ck_assert_str_eq(vs(v, URL, time(NULL)), "cert_fetch");
	ck_assert_str_eq(vs(v, URL, time(NULL)), "cert_fetch");
	ck_assert_int_eq(host.calls, 2);
	host.fail = 0;
	ck_assert_ptr_null(vs(v, URL, time(NULL)));
	ck_assert_ptr_null(vs(v, URL, time(NULL)));
	ck_assert_int_eq(host.calls, 3);
	verifier_free(v);
}
END_TEST

START_TEST(cache_bad_chain_not_cached)
{
	struct verifier *v = cache_setup("wrongsan");

	ck_assert_str_eq(vs(v, URL, time(NULL)), "cert_san");
	ck_assert_str_eq(vs(v, URL, time(NULL)), "cert_san");
	ck_assert_int_eq(host.calls, 2);
	verifier_free(v);
}
END_TEST

START_TEST(cache_url_checked_before_fetch)
{
	struct verifier *v = cache_setup("echo-api");

	ck_assert_str_eq(vs(v, "https://s3.amazonaws.com/echo.api/%2e%2e/x/y",
	    time(NULL)), "cert_url");
	ck_assert_str_eq(vs(v, NULL, time(NULL)), "cert_url_missing");
	ck_assert_str_eq(verify_signature(v, URL, NULL, NULL, BODY,
	    strlen(BODY), time(NULL)), "signature_missing");
	ck_assert_int_eq(host.calls, 0);
	verifier_free(v);
}
END_TEST

/* More URLs than cache slots: entries are evicted, never wrong. */
START_TEST(cache_eviction)
{
	struct verifier *v = cache_setup("echo-api");
	char url[128];

	for (int round = 0; round < 2; round++)
		for (int i = 0; i < CERT_CACHE_MAX + 3; i++) {
			snprintf(url, sizeof(url),
			    "https://s3.amazonaws.com/echo.api/c%d.pem", i);
			ck_assert_ptr_null(vs(v, url, time(NULL)));
		}
	ck_assert_int_eq(host.calls, 2 * (CERT_CACHE_MAX + 3));
	ck_assert_ptr_null(vs(v, url, time(NULL)));
	ck_assert_int_eq(host.calls, 2 * (CERT_CACHE_MAX + 3));
	verifier_free(v);
}
END_TEST

struct racer {
	struct verifier *v;
	const char *why;
};

static void *
race(void *arg)
{
	struct racer *r = arg;

	r->why = vs(r->v, URL, time(NULL));
	verify_thread_done();	/* as every worker thread does at exit */
	return NULL;
}

START_TEST(cache_concurrent_first_requests_fetch_once)
{
	struct verifier *v = cache_setup("echo-api");
	struct racer r[8];
	pthread_t t[8];

	host.delay_ms = 100;
	for (int i = 0; i < 8; i++) {
		r[i].v = v;
		ck_assert_int_eq(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(r[i].why == NULL, "thread %d: %s", i, r[i].why);
	}
	ck_assert_int_eq(host.calls, 1);
	verifier_free(v);
}
END_TEST

/* --- timestamps ---------------------------------------------------- */

static const struct {
	enum req_kind kind;
	long offset;		/* request.timestamp - now */
	const char *want;
} stamps[] = {
	{ RK_LAUNCH, 0, NULL },
	{ RK_LAUNCH, -149, NULL },
	{ RK_LAUNCH, 149, NULL },
	{ RK_LAUNCH, -150, NULL },
	{ RK_LAUNCH, 150, NULL },
	{ RK_LAUNCH, -151, "timestamp_too_old" },
	{ RK_LAUNCH, 151, "timestamp_in_future" },
	{ RK_INTENT, -1800, "timestamp_too_old" },
	{ RK_EVENT, -1800, NULL },
	{ RK_EVENT, 150, NULL },
	{ RK_EVENT, 151, "timestamp_in_future" },
	{ RK_EVENT, 1800, "timestamp_in_future" },
	{ RK_EVENT, -3600, NULL },
	{ RK_EVENT, -3601, "timestamp_too_old" },
	{ RK_EVENT, -7200, "timestamp_too_old" },
	{ RK_EVENT, 7200, "timestamp_in_future" },
};

START_TEST(timestamp_window)
{
	static struct config cfg;
	struct envelope env;
	time_t now = 1796083200;	/* 2026-12-01T00:00:00Z */
	const char *why;

	cfg.timestamp_tolerance_s = 150;
	cfg.event_timestamp_tolerance_s = 3600;
	memset(&env, 0, sizeof(env));
	env.kind = stamps[_i].kind;
	env.time = now + stamps[_i].offset;
	why = verify_timestamp(&cfg, &env, now);
	if (stamps[_i].want == NULL)
		ck_assert_msg(why == NULL, "kind %d offset %ld: %s",
		    stamps[_i].kind, stamps[_i].offset, why);
	else
		ck_assert_msg(why != NULL && strcmp(why, stamps[_i].want) == 0,
		    "kind %d offset %ld: got %s, want %s", stamps[_i].kind,
		    stamps[_i].offset, why ? why : "NULL", stamps[_i].want);
}
END_TEST

Suite *
suite_verify(void)
{
	Suite *s = suite_create("verify");
	TCase *tc = tcase_create("cert_url");
	TCase *core = tcase_create("core");
	TCase *cache = tcase_create("cache");
	TCase *ts = tcase_create("timestamp");

	tcase_add_test(core, cert_url_canonical);
	tcase_add_test(core, core_good_chain);
	tcase_add_loop_test(core, core_bad_certs, 0,
	    sizeof(bad_certs) / sizeof(bad_certs[0]));
	tcase_add_test(core, core_check_time_is_now);
	tcase_add_test(core, core_tampered_body);
	tcase_add_test(core, core_other_key);
	tcase_add_test(core, core_legacy_sha1_only);
	tcase_add_test(core, core_bad_sha256_good_sha1);
	tcase_add_test(core, core_signature_encoding);
	tcase_add_test(core, core_garbage_pem);
	tcase_add_test(core, core_empty_input);
	tcase_add_test(core, core_leaf_without_intermediate);
	tcase_add_test(core, core_signing_cert_is_first);
	tcase_add_test(core, core_too_many_certs);
	tcase_add_test(core, core_bad_trust_file);
	suite_add_tcase(s, core);
	tcase_add_test(cache, cache_reuses_then_refetches_after_not_after);
	tcase_add_test(cache, cache_failures_not_cached);
	tcase_add_test(cache, cache_bad_chain_not_cached);
	tcase_add_test(cache, cache_url_checked_before_fetch);
	tcase_add_test(cache, cache_eviction);
	tcase_add_test(cache, cache_concurrent_first_requests_fetch_once);
	suite_add_tcase(s, cache);
	tcase_add_loop_test(ts, timestamp_window, 0,
	    sizeof(stamps) / sizeof(stamps[0]));
	suite_add_tcase(s, ts);

	load_url_cases();
	tcase_add_test(tc, url_cases_read);
	tcase_add_loop_test(tc, cert_url_case, 0,
	    n_url_cases > 0 ? n_url_cases : 0);
	tcase_add_loop_test(tc, refuses_raw_strings, 0,
	    sizeof(raw_bad_urls) / sizeof(raw_bad_urls[0]));
	tcase_add_test(tc, refuses_missing_url);
	suite_add_tcase(s, tc);
	return s;
}
