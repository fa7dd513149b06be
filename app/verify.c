#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "limits.h"
#include "log.h"
#include "verify.h"

#define CERT_HOST "s3.amazonaws.com"
#define CERT_PATH_PREFIX "/echo.api/"
#define CERT_SAN "echo-api.amazon.com"

enum entry_state { ENTRY_EMPTY, ENTRY_FETCHING, ENTRY_READY };

struct cache_entry {
	char url[CERT_URL_MAX + 1];
	enum entry_state state;
	EVP_PKEY *key;			/* signing cert's public key */
	time_t expires;			/* earliest notAfter in the chain */
	unsigned long used;		/* LRU tick */
	unsigned long gen;		/* bumped when a fetch ends */
	const char *last_error;
};

struct verifier {
	const struct config *cfg;
	X509_STORE *store;
	cert_fetch_fn fetch;
	void *fetch_ctx;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned long tick;
	struct cache_entry entry[CERT_CACHE_MAX];
};

/* --- 1. The certificate URL ---------------------------------------- */

const char *
verify_cert_url(const char *url)
{
	return verify_cert_url_canon(url, NULL, 0);
}

const char *
verify_cert_url_canon(const char *url, char *canon, size_t canonlen)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	char *user = NULL, *query = NULL, *frag = NULL;
	const char *why = "cert_url";

	if (url == NULL)
		return "cert_url_missing";
	/*
	 * Amazon's URLs never carry percent-encoding or backslashes.  Refuse
	 * them anywhere in the URL, not only in the path: curl decodes an
	 * encoded host ("s3%2eamazonaws.com"), so a check of the parsed
	 * parts alone would let an encoded variant through.
	 */
	if (strlen(url) > CERT_URL_MAX || strpbrk(url, "%\\") != NULL ||
	    (u = curl_url()) == NULL)
		goto out;
	/*
	 * curl also takes "https:/host/..." and "https:///host/...", which
	 * have no host at all to an RFC 3986 parser: insist on exactly
	 * "https://" before the host, so curl and the rules agree.
	 */
	if (strncasecmp(url, "https://", 8) != 0 || url[8] == '/')
		goto out;
	/* curl removes dot-segments from the path while parsing. */
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    strcasecmp(scheme, "https") != 0)
		goto out;
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    strcasecmp(host, CERT_HOST) != 0)
		goto out;
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
	    strcmp(port, "443") != 0)
		goto out;
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto out;
	/* Nor in what curl made of the path (it may encode some bytes). */
	if (strpbrk(path, "%\\") != NULL)
		goto out;
	if (strncmp(path, CERT_PATH_PREFIX, strlen(CERT_PATH_PREFIX)) != 0 ||
	    path[strlen(CERT_PATH_PREFIX)] == '\0')
		goto out;
	if (canon != NULL && (size_t)snprintf(canon, canonlen, "https://%s%s",
	    CERT_HOST, path) >= canonlen)
		goto out;
	why = NULL;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(user);
	curl_free(query);
	curl_free(frag);
	curl_url_cleanup(u);
	return why;
}

/* --- 2. Download --------------------------------------------------- */

struct fetch_buf {
	char *buf;
	size_t len;
	int too_large;
};

static size_t
fetch_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fetch_buf *fb = arg;
	size_t n = size * nmemb;

	if (n > CERT_CHAIN_MAX - fb->len) {
		fb->too_large = 1;
		return 0;
	}
	memcpy(fb->buf + fb->len, data, n);
	fb->len += n;
	return n;
}

const char *
verify_fetch_curl(void *ctx, const char *url, char *buf, size_t *len)
{
	const struct config *cfg = ctx;
	struct fetch_buf fb = { buf, 0, 0 };
	struct curl_slist *connect_to = NULL;
	const char *why = NULL;
	long code = 0;
	CURL *h;
	CURLcode rc;

	if ((h = curl_easy_init()) == NULL)
		return "cert_fetch";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
	    (long)cfg->cert_fetch_timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)cfg->cert_fetch_timeout_ms);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE, (long)CERT_CHAIN_MAX);
	/* A stalled DNS lookup must not outlast the timeout (profile.c). */
	curl_easy_setopt(h, CURLOPT_QUICK_EXIT, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fetch_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &fb);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->cert_fetch_ca_file[0] != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, cfg->cert_fetch_ca_file);
	if (cfg->cert_fetch_connect_to[0] != '\0') {
		connect_to = curl_slist_append(NULL, cfg->cert_fetch_connect_to);
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to);
	}
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (fb.too_large || rc == CURLE_FILESIZE_EXCEEDED)
		why = "cert_too_large";
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		why = "cert_fetch_timeout";
	else if (rc != CURLE_OK || code != 200)
		why = "cert_fetch";
	if (why != NULL)
		log_msg(LOG_WARN, "verify: cert download failed: %s (curl %d, "
		    "http %ld)", why, (int)rc, code);
	*len = fb.len;
	curl_slist_free_all(connect_to);
	curl_easy_cleanup(h);
	return why;
}

/* --- 3. Chain, SAN and validity ------------------------------------ */

static X509_STORE *
store_load(const char *trust_file)
{
	X509_STORE *s = X509_STORE_new();

	if (s == NULL)
		return NULL;
	if ((trust_file[0] != '\0' && X509_STORE_load_file(s, trust_file) != 1) ||
	    (trust_file[0] == '\0' && X509_STORE_set_default_paths(s) != 1)) {
		X509_STORE_free(s);
		return NULL;
	}
	return s;
}

static time_t
cert_not_after(X509 *x)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1)
		return 0;
	return timegm(&tm);
}

/*
 * Parses the PEM chain (signing cert first), checks the SAN and verifies
 * the chain against the trust store at time now.  On success returns
 * NULL, the signing key (a reference the caller owns) and the earliest
 * notAfter of the verified chain.
 */
static const char *
chain_check(X509_STORE *store, const char *pem, size_t len, time_t now,
    EVP_PKEY **key, time_t *expires)
{
	STACK_OF(X509) *certs = NULL, *chain;
	X509_STORE_CTX *ctx = NULL;
	const char *why = "cert_parse";
	BIO *bio = NULL;
	X509 *x, *leaf;
	int err;

	*key = NULL;
	if (len == 0 || len > CERT_CHAIN_MAX || len > INT32_MAX)
		goto out;
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL ||
	    (certs = sk_X509_new_null()) == NULL)
		goto out;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_num(certs) == CERT_CHAIN_CERTS_MAX ||
		    !sk_X509_push(certs, x)) {
			X509_free(x);
			goto out;
		}
	}
	ERR_clear_error();
	if (sk_X509_num(certs) == 0)
		goto out;
	leaf = sk_X509_value(certs, 0);
	why = "cert_san";
	if (X509_check_host(leaf, CERT_SAN, strlen(CERT_SAN),
	    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
	    X509_CHECK_FLAG_NO_WILDCARDS, NULL) != 1)
		goto out;
	why = "cert_chain";
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, store, leaf, certs) != 1)
		goto out;
	X509_STORE_CTX_set_time(ctx, 0, now);
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		why = err == X509_V_ERR_CERT_HAS_EXPIRED ? "cert_expired" :
		    err == X509_V_ERR_CERT_NOT_YET_VALID ? "cert_not_yet_valid" :
		    "cert_chain";
		goto out;
	}
	*expires = cert_not_after(leaf);
	chain = X509_STORE_CTX_get0_chain(ctx);
	for (int i = 0; chain != NULL && i < sk_X509_num(chain); i++) {
		time_t t = cert_not_after(sk_X509_value(chain, i));

		if (t < *expires)
			*expires = t;
	}
	why = "cert_key";
	if ((*key = X509_get_pubkey(leaf)) == NULL ||
	    EVP_PKEY_get_base_id(*key) != EVP_PKEY_RSA) {
		EVP_PKEY_free(*key);
		*key = NULL;
		goto out;
	}
	why = NULL;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(certs, X509_free);
	BIO_free(bio);
	return why;
}

/* --- 4. Signature --------------------------------------------------- */

static int
b64_decode(const char *in, unsigned char *out, size_t outlen, size_t *n)
{
	size_t len = strlen(in), pad = 0;
	int r;

	if (len == 0 || len % 4 != 0 || len > SIGNATURE_B64_MAX ||
	    len / 4 * 3 > outlen)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c == '=' && i >= len - 2) {
			pad++;
			continue;
		}
		if (pad > 0 || !((c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '/'))
			return -1;
	}
	if ((r = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len)) < 0)
		return -1;
	*n = (size_t)r - pad;
	return 0;
}

/*
 * A verification context per thread for the last key it used: setting one
 * up (EVP_DigestVerifyInit: provider and algorithm look-ups) costs more
 * than hashing the body, and every request of a worker uses the same
 * cached key.  The thread holds a reference, so the pointer it compares
 * stays valid; make bench measured this (README "Performance").
 */
struct verify_ctx {
	EVP_PKEY *key;
	EVP_PKEY_CTX *ctx[2];	/* [0] SHA-256, [1] SHA-1 */
	/*
	 * The digests (thread_md), for the contexts above and for hashing
	 * the body, and the hash's context: EVP_Digest looked the algorithm
	 * up in the provider tables (under a lock) and allocated a context
	 * on every call.
	 */
	EVP_MD *md[2];
	EVP_MD_CTX *md_ctx;
};

static __thread struct verify_ctx tls_vctx;

/* The signature's digest, looked up once per thread. */
static EVP_MD *
thread_md(struct verify_ctx *v, int sha1)
{
	if (v->md[sha1] == NULL)
		v->md[sha1] = EVP_MD_fetch(NULL, sha1 ? "SHA1" : "SHA256", NULL);
	return v->md[sha1];
}

static EVP_PKEY_CTX *
verify_ctx_get(EVP_PKEY *key, int sha1)
{
	struct verify_ctx *v = &tls_vctx;
	EVP_PKEY_CTX *c;
	EVP_MD *md;

	if (v->key != key) {
		/* A new key: new contexts; the digest state is the same. */
		EVP_PKEY_CTX_free(v->ctx[0]);
		EVP_PKEY_CTX_free(v->ctx[1]);
		EVP_PKEY_free(v->key);
		v->ctx[0] = v->ctx[1] = NULL;
		v->key = NULL;
		if (EVP_PKEY_up_ref(key) != 1)
			return NULL;
		v->key = key;
	}
	if (v->ctx[sha1] != NULL)
		return v->ctx[sha1];
	if ((md = thread_md(v, sha1)) == NULL)
		return NULL;
	if ((c = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_verify_init(c) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(c, md) != 1) {
		EVP_PKEY_CTX_free(c);
		return NULL;
	}
	return v->ctx[sha1] = c;
}

static int
body_digest(const char *body, size_t len, int sha1, unsigned char *md,
    unsigned int *mdlen)
{
	struct verify_ctx *v = &tls_vctx;
	EVP_MD *type = thread_md(v, sha1);

	if (type == NULL ||
	    (v->md_ctx == NULL && (v->md_ctx = EVP_MD_CTX_new()) == NULL))
		return -1;
	return EVP_DigestInit_ex2(v->md_ctx, type, NULL) == 1 &&
	    EVP_DigestUpdate(v->md_ctx, body, len) == 1 &&
	    EVP_DigestFinal_ex(v->md_ctx, md, mdlen) == 1 ? 0 : -1;
}

void
verify_thread_done(void)
{
	struct verify_ctx *v = &tls_vctx;

	EVP_PKEY_CTX_free(v->ctx[0]);
	EVP_PKEY_CTX_free(v->ctx[1]);
	EVP_PKEY_free(v->key);
	EVP_MD_free(v->md[0]);
	EVP_MD_free(v->md[1]);
	EVP_MD_CTX_free(v->md_ctx);
	memset(v, 0, sizeof(*v));
}

/* Signature-256 wins; the legacy SHA-1 header only when it is absent. */
static const char *
signature_check(EVP_PKEY *key, const char *sig256, const char *sig1,
    const char *body, size_t len)
{
	unsigned char sig[SIGNATURE_B64_MAX], md[EVP_MAX_MD_SIZE];
	const char *b64 = sig256 != NULL ? sig256 : sig1;
	unsigned int mdlen = 0;
	EVP_PKEY_CTX *ctx;
	size_t n;
	int ok;

	if (b64 == NULL)
		return "signature_missing";
	if (b64_decode(b64, sig, sizeof(sig), &n) != 0)
		return "signature_encoding";
	if ((ctx = verify_ctx_get(key, sig256 == NULL)) == NULL ||
	    body_digest(body, len, sig256 == NULL, md, &mdlen) != 0) {
		ERR_clear_error();
		return "signature";
	}
	ok = EVP_PKEY_verify(ctx, sig, n, md, mdlen) == 1;
	ERR_clear_error();
	return ok ? NULL : "signature";
}

const char *
verify_chain_and_signature(const char *trust_file, const char *pem,
    size_t pem_len, const char *sig256, const char *sig1, const char *body,
    size_t len, time_t now)
{
	X509_STORE *store = store_load(trust_file);
	EVP_PKEY *key = NULL;
	const char *why;
	time_t expires;

	if (store == NULL)
		return "trust_store";
	if ((why = chain_check(store, pem, pem_len, now, &key,
	    &expires)) == NULL)
		why = signature_check(key, sig256, sig1, body, len);
	EVP_PKEY_free(key);
	X509_STORE_free(store);
	return why;
}

/* --- 5. The cache ---------------------------------------------------- */

struct verifier *
verifier_new(const struct config *cfg, cert_fetch_fn fetch, void *fetch_ctx,
    char *err, size_t errlen)
{
	struct verifier *v = calloc(1, sizeof(*v));

	if (v == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	v->cfg = cfg;
	v->fetch = fetch;
	v->fetch_ctx = fetch_ctx;
	if ((v->store = store_load(cfg->cert_trust_file)) == NULL) {
		snprintf(err, errlen, "%s: key 'cert_trust_file': cannot load "
		    "trusted certificates from '%s'", cfg->path,
		    cfg->cert_trust_file[0] ? cfg->cert_trust_file :
		    "(system CA bundle)");
		ERR_clear_error();
		free(v);
		return NULL;
	}
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
	return v;
}

void
verifier_free(struct verifier *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < CERT_CACHE_MAX; i++)
		EVP_PKEY_free(v->entry[i].key);
	X509_STORE_free(v->store);
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	free(v);
}

static struct cache_entry *
cache_find(struct verifier *v, const char *url)
{
	for (size_t i = 0; i < CERT_CACHE_MAX; i++)
		if (v->entry[i].state != ENTRY_EMPTY &&
		    strcmp(v->entry[i].url, url) == 0)
			return &v->entry[i];
	return NULL;
}

/* An empty slot, else the least recently used ready one. */
static struct cache_entry *
cache_slot(struct verifier *v)
{
	struct cache_entry *best = NULL;

	for (size_t i = 0; i < CERT_CACHE_MAX; i++) {
		struct cache_entry *e = &v->entry[i];

		if (e->state == ENTRY_EMPTY)
			return e;
		if (e->state == ENTRY_READY && (best == NULL ||
		    e->used < best->used))
			best = e;
	}
	return best;
}

static void
entry_clear(struct cache_entry *e)
{
	EVP_PKEY_free(e->key);
	e->key = NULL;
	e->expires = 0;
}

/* Downloads and checks outside the lock; returns a key or a reason. */
static const char *
fetch_and_check(struct verifier *v, const char *url, time_t now,
    EVP_PKEY **key, time_t *expires)
{
	char *buf = malloc(CERT_CHAIN_MAX);
	size_t len = 0;
	const char *why;

	if (buf == NULL)
		return "cert_fetch";
	if ((why = v->fetch(v->fetch_ctx, url, buf, &len)) == NULL)
		why = chain_check(v->store, buf, len, now, key, expires);
	free(buf);
	return why;
}

/* Under the lock: e holds url's key until expires. */
static void
entry_fill(struct verifier *v, struct cache_entry *e, const char *url,
    EVP_PKEY *key, time_t expires)
{
	entry_clear(e);
	snprintf(e->url, sizeof(e->url), "%s", url);
	e->state = ENTRY_READY;
	e->key = key;
	EVP_PKEY_up_ref(e->key);
	e->expires = expires;
	e->used = ++v->tick;
}

/*
 * The signing key for url (canonical): from the cache while every cert
 * of the chain is still valid, otherwise downloaded and verified again.
 * Threads asking for a URL that is being fetched wait for that one
 * download.  A new URL takes an empty slot while it is fetched; with
 * none free it is fetched outside the cache and evicts the least used
 * key only once it has been verified: a request with a bad URL (its
 * signature is not known to be good before the download) cannot push
 * out a good key.
 */
static const char *
key_for_url(struct verifier *v, const char *url, time_t now, EVP_PKEY **key)
{
	struct cache_entry *e;
	const char *why;
	time_t expires = 0;
	unsigned long gen;

	pthread_mutex_lock(&v->mu);
	for (;;) {
		e = cache_find(v, url);
		if (e == NULL || e->state == ENTRY_READY)
			break;
		/* Being fetched by another thread: wait for that result. */
		gen = e->gen;
		while (e->state == ENTRY_FETCHING && e->gen == gen)
			pthread_cond_wait(&v->cv, &v->mu);
		if (strcmp(e->url, url) == 0 && e->gen != gen &&
		    e->state == ENTRY_EMPTY) {
			why = e->last_error;
			pthread_mutex_unlock(&v->mu);
			return why;
		}
	}
	if (e != NULL && now < e->expires) {
		e->used = ++v->tick;
		EVP_PKEY_up_ref(e->key);
		*key = e->key;
		pthread_mutex_unlock(&v->mu);
		return NULL;
	}
	if (e == NULL && (e = cache_slot(v)) != NULL &&
	    e->state != ENTRY_EMPTY)
		e = NULL;	/* no free slot: fetch outside the cache */
	if (e != NULL) {
		entry_clear(e);
		snprintf(e->url, sizeof(e->url), "%s", url);
		e->state = ENTRY_FETCHING;
	}
	pthread_mutex_unlock(&v->mu);

	why = fetch_and_check(v, url, now, key, &expires);

	pthread_mutex_lock(&v->mu);
	if (e != NULL) {
		e->gen++;
		e->last_error = why;
		e->state = ENTRY_EMPTY;
		if (why == NULL)
			entry_fill(v, e, url, *key, expires);
	} else if (why == NULL && cache_find(v, url) == NULL &&
	    (e = cache_slot(v)) != NULL)
		entry_fill(v, e, url, *key, expires);
	pthread_cond_broadcast(&v->cv);
	pthread_mutex_unlock(&v->mu);
	return why;
}

const char *
verify_signature(struct verifier *v, const char *cert_url, const char *sig256,
    const char *sig1, const char *body, size_t len, time_t now)
{
	EVP_PKEY *key = NULL;
	char canon[CERT_URL_MAX + 1];
	const char *why;

	if (cert_url == NULL)
		return "cert_url_missing";
	if (sig256 == NULL && sig1 == NULL)
		return "signature_missing";
	if ((why = verify_cert_url_canon(cert_url, canon, sizeof(canon))) !=
	    NULL)
		return why;
	if ((why = key_for_url(v, canon, now, &key)) != NULL)
		return why;
	why = signature_check(key, sig256, sig1, body, len);
	EVP_PKEY_free(key);
	return why;
}

/* --- 6. Timestamp ----------------------------------------------------- */

const char *
verify_timestamp(const struct config *cfg, const struct envelope *env,
    time_t now)
{
	/* Skill events may arrive late, never early. */
	long old = env->kind == RK_EVENT ? cfg->event_timestamp_tolerance_s :
	    cfg->timestamp_tolerance_s;
	double skew = difftime(now, env->time);

	if (skew > old)
		return "timestamp_too_old";
	if (-skew > cfg->timestamp_tolerance_s)
		return "timestamp_in_future";
	return NULL;
}
