#include <string.h>

#include "unit.h"
#include "../../app/verify.h"

static const char *const good_urls[] = {
	"https://s3.amazonaws.com/echo.api/echo-api.pem",
	"HTTPS://s3.amazonaws.com/echo.api/x.pem",
	"https://S3.AMAZONAWS.COM/echo.api/x.pem",
	"https://s3.amazonaws.com:443/echo.api/x.pem",
	"https://s3.amazonaws.com/echo.api/../echo.api/x.pem",
	"https://s3.amazonaws.com:443/echo.api/../echo.api/echo-api.pem",
	"https://s3.amazonaws.com/echo.api/./x.pem",
};

static const char *const bad_urls[] = {
	"http://s3.amazonaws.com/echo.api/x.pem",
	"https://notamazon.com/echo.api/x.pem",
	"https://s3.amazonaws.com/EcHo.aPi/x.pem",
	"https://s3.amazonaws.com/invalid.path/x.pem",
	"https://s3.amazonaws.com:563/echo.api/x.pem",
	"https://s3.amazonaws.com/echo.api/../invalid/x.pem",
	/* encoded variants */
	"https://s3.amazonaws.com/echo.api/%2e%2e/invalid/x.pem",
	"https://s3.amazonaws.com/echo.api/%2E%2E/invalid/x.pem",
	"https://s3.amazonaws.com/echo.api%2f..%2finvalid/x.pem",
	"https://s3.amazonaws.com/%65cho.api/x.pem",
	"https://s3.amazonaws.com/echo.api/..%2finvalid/x.pem",
	"https://s3.amazonaws.com/echo.api\\..\\invalid/x.pem",
	"https%3A//s3.amazonaws.com/echo.api/x.pem",
	"https://s3.amazonaws.com%2f@evil.com/echo.api/x.pem",
	"https://s3%2eamazonaws.com/echo.api/x.pem",
	"https://%73%33.amazonaws.com/echo.api/x.pem",
	"https://s3.amazonaws.com:%34%34%33/echo.api/x.pem",
	"https://s3.amazonaws.com/echo.api/%78.pem",
	"https://user@s3.amazonaws.com/echo.api/x.pem",
	"https://s3.amazonaws.com.evil.com/echo.api/x.pem",
	"https://s3.amazonaws.com./echo.api/x.pem",
	"https://evil.com#@s3.amazonaws.com/echo.api/x.pem",
	"https://s3.amazonaws.com/echo.api/x.pem?x=1",
	"https://s3.amazonaws.com/echo.api/",
	"https://s3.amazonaws.com/echo.api",
	"https://s3.amazonaws.com:0443x/echo.api/x.pem",
	"https://s3.amazonaws.com:80/echo.api/x.pem",
	"ftp://s3.amazonaws.com/echo.api/x.pem",
	"//s3.amazonaws.com/echo.api/x.pem",
	"s3.amazonaws.com/echo.api/x.pem",
	"",
};

START_TEST(accepts_amazon_urls)
{
	const char *why = verify_cert_url(good_urls[_i]);

	ck_assert_msg(why == NULL, "%s refused: %s", good_urls[_i], why);
}
END_TEST

START_TEST(refuses_other_urls)
{
	ck_assert_msg(verify_cert_url(bad_urls[_i]) != NULL, "%s accepted",
	    bad_urls[_i]);
}
END_TEST

START_TEST(refuses_missing_url)
{
	ck_assert_str_eq(verify_cert_url(NULL), "cert_url_missing");
}
END_TEST

Suite *
suite_verify(void)
{
	Suite *s = suite_create("verify");
	TCase *tc = tcase_create("cert_url");

	tcase_add_loop_test(tc, accepts_amazon_urls, 0,
	    sizeof(good_urls) / sizeof(good_urls[0]));
	tcase_add_loop_test(tc, refuses_other_urls, 0,
	    sizeof(bad_urls) / sizeof(bad_urls[0]));
	tcase_add_test(tc, refuses_missing_url);
	suite_add_tcase(s, tc);
	return s;
}
