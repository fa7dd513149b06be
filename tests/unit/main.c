#include <stdlib.h>

#include <curl/curl.h>

#include "unit.h"

int
main(void)
{
	SRunner *sr;
	int failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	sr = srunner_create(suite_response());
	srunner_add_suite(sr, suite_envelope());
	srunner_add_suite(sr, suite_config());
	srunner_add_suite(sr, suite_verify());
	srunner_add_suite(sr, suite_profile());
	srunner_add_suite(sr, suite_skill());
	srunner_add_suite(sr, suite_http1());
	srunner_add_suite(sr, suite_jtree());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
