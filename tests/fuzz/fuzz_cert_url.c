/*
 * The signing-cert URL check.  Besides crashes, an accepted URL that does
 * not plainly name https://s3.amazonaws.com[:443]/ is a finding.
 */
#include <strings.h>

#include <curl/curl.h>

#include "fuzz.h"
#include "../../app/verify.h"

/*
 * https://s3.amazonaws.com[:PORT]/ with scheme and host in any case and
 * PORT empty or digits worth 443 (RFC 3986 allows both); the path is
 * curl's to normalize.
 */
static int
plain_amazon(const char *url)
{
	static const char base[] = "https://s3.amazonaws.com";
	const char *s = url + strlen(base);
	long port = 0;

	if (strncasecmp(url, base, strlen(base)) != 0)
		return 0;
	if (*s == ':') {
		for (s++; *s >= '0' && *s <= '9' && port <= 443; s++)
			port = port * 10 + (*s - '0');
		if (port != 443 && s[-1] != ':')
			return 0;
	}
	return *s == '/';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	char *url = fuzz_str(data, size);

	if (!init) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		init = 1;
	}
	if (url != NULL && verify_cert_url(url) == NULL && !plain_amazon(url))
		abort();
	free(url);
	return 0;
}
