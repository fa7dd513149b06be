#ifndef CONFIG_H
#define CONFIG_H

#include <limits.h>
#include <stddef.h>

#include "limits.h"

/*
 * The worker's configuration: read once at start (config_load), then
 * shared read-only by every thread.  Keys and defaults are documented in
 * ../shared/INTERFACE.md and conf/skill.conf.
 */

enum name_scope { NAME_SCOPE_GIVEN_NAME, NAME_SCOPE_NAME };
enum greeting_name { GREETING_PROFILE, GREETING_SSML_TAG };
enum sms_gateway { SMS_NONE, SMS_WEBHOOK, SMS_SNS };

/*
 * The operator's texts, which may be given per locale as well
 * (skill_name.de-DE = ...), for the locales of app/messages.c.
 */
enum conf_text { TXT_SKILL_NAME, TXT_VENUE_ADDRESS, TXT_VENUE_HOURS,
    CONF_TEXTS };
#define CONF_LOCALES	3
extern const char *const conf_locale_tags[CONF_LOCALES];

struct config_list {
	char item[CONF_LIST_MAX][CONF_VALUE_MAX];
	size_t n;
};

struct config {
	char path[PATH_MAX];

	struct config_list skill_id;
	int verify_signature;
	int timestamp_tolerance_s;
	int event_timestamp_tolerance_s;
	char cert_trust_file[PATH_MAX];
	char cert_fetch_ca_file[PATH_MAX];
	int cert_fetch_timeout_ms;
	char cert_fetch_connect_to[CONF_VALUE_MAX];
	struct config_list api_allowed_origins;
	char api_ca_file[PATH_MAX];
	int api_timeout_ms;
	int log_level;
	int worker_threads;

	/* The reference skill. */
	char skill_name[CONF_VALUE_MAX];
	int name_scope;
	int voice_consent;
	int greeting_name;
	char booking_url[CONF_VALUE_MAX];
	int booking_timeout_ms;
	int sms_gateway;
	char sms_url[CONF_VALUE_MAX];
	char sns_region[64];
	char sns_endpoint[CONF_VALUE_MAX];
	int sms_timeout_ms;
	char venue_address[CONF_VALUE_MAX];
	char venue_hours[CONF_VALUE_MAX];
	char backend_ca_file[PATH_MAX];
	/* The texts per locale (conf_locale_tags order); "" = not given. */
	char text_loc[CONF_TEXTS][CONF_LOCALES][CONF_VALUE_MAX];
};

/*
 * Parses FILE into *cfg.  On failure returns -1 and writes one message
 * naming the file, the line and the key into err.
 */
int config_load(struct config *cfg, const char *file, char *err, size_t errlen);

/* Same, from a buffer (unit tests and the fuzzer); name is used in messages. */
int config_parse(struct config *cfg, const char *name, const char *text,
    size_t len, char *err, size_t errlen);

int config_has_skill_id(const struct config *cfg, const char *id);
/*
 * Text t for the locale tagged tag: its value for that locale if one is
 * given, else the plain key's (which may be "").
 */
const char *config_text(const struct config *cfg, enum conf_text t,
    const char *tag);
int config_origin_allowed(const struct config *cfg, const char *origin);

#endif
