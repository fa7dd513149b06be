/*
 * The verifier core: fuzzed PEM chain bytes against the dev trust file,
 * with a fixed body and its real signature by the dev signing key.  Run
 * from the repository root (tests/fuzz/run does).
 */
#include <stdio.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "fuzz.h"
#include "../../app/verify.h"

#define PKI "build/pki"

static const char BODY[] = "{\"version\":\"1.0\",\"request\":"
    "{\"type\":\"LaunchRequest\"}}";
static char sig[1024];
static time_t now;

static void
init(void)
{
	unsigned char raw[512];
	size_t n = sizeof(raw);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	FILE *f = fopen(PKI "/keys/echo-api.key", "r");
	EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

	if (key == NULL || ctx == NULL ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, raw, &n, (const unsigned char *)BODY,
	    strlen(BODY)) != 1) {
		fprintf(stderr, "fuzz_verify_core: cannot sign with "
		    PKI "/keys/echo-api.key (run scripts/dev-pki)\n");
		exit(1);
	}
	EVP_EncodeBlock((unsigned char *)sig, raw, (int)n);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	fclose(f);
	now = time(NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *pem;

	if (sig[0] == '\0')
		init();
	if ((pem = fuzz_dup(data, size)) == NULL)
		return 0;
	(void)verify_chain_and_signature(PKI "/trust.pem", pem, size, sig,
	    NULL, BODY, strlen(BODY), now);
	free(pem);
	return 0;
}
