#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core.h"
#include "envelope.h"
#include "log.h"
#include "response.h"
#include "profile.h"
#include "skill.h"
#include "timeutil.h"
#include "verify.h"

void
core_error(struct core_out *out, int status, const char *reason)
{
	json_object *o = json_object_new_object();
	const char *s;

	json_object_object_add(o, "error", json_object_new_string(
	    status == 400 ? "bad_request" :
	    status == 404 ? "not_found" :
	    status == 405 ? "method_not_allowed" :
	    status == 413 ? "payload_too_large" :
	    status == 415 ? "unsupported_media_type" : "internal_error"));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	free(out->body);
	out->body_len = strlen(s);
	out->body = malloc(out->body_len + 1);
	if (out->body != NULL)
		memcpy(out->body, s, out->body_len + 1);
	else
		out->body_len = 0;
	out->status = status;
	snprintf(out->outcome, sizeof(out->outcome), "%s", reason);
	json_object_put(o);
}

void
core_out_free(struct core_out *out)
{
	/* The answer may speak a name. */
	if (out->body != NULL)
		explicit_bzero(out->body, out->body_len);
	free(out->body);
	out->body = NULL;
}

void
core_handle(struct core *c, const struct core_in *in, struct core_out *out)
{
	struct envelope env;
	struct response resp;
	const char *why;
	char reason[256];

	memset(out, 0, sizeof(*out));
	snprintf(out->type, sizeof(out->type), "-");
	snprintf(out->request_id, sizeof(out->request_id), "-");
	response_init(&resp);
	memset(&env, 0, sizeof(env));
	/* From here on, every outbound call fits in what is left of this. */
	if (c->io != NULL)
		c->io->reply_by = time_after_ms(CLOCK_MONOTONIC, REPLY_BUDGET_MS);

	if (c->verifier != NULL && (why = verify_signature(c->verifier,
	    in->cert_url, in->sig256, in->sig1, in->body, in->body_len,
	    in->now)) != NULL) {
		snprintf(reason, sizeof(reason), "verify: %s", why);
		core_error(out, 400, reason);
		goto out;
	}
	if (envelope_parse(&env, in->body, in->body_len, &why) != 0) {
		snprintf(reason, sizeof(reason), "envelope: %s", why);
		core_error(out, 400, reason);
		goto out;
	}
	log_sanitize_id(out->type, sizeof(out->type), env.type);
	log_sanitize_id(out->request_id, sizeof(out->request_id),
	    env.request_id);
	if ((why = verify_timestamp(c->cfg, &env, in->now)) != NULL) {
		snprintf(reason, sizeof(reason), "verify: %s", why);
		core_error(out, 400, reason);
		goto out;
	}
	if (!config_has_skill_id(c->cfg, env.application_id)) {
		core_error(out, 400, "verify: application_id");
		goto out;
	}
	skill_handle(c->cfg, c->io, &env, &resp, out->outcome,
	    sizeof(out->outcome));
	if ((out->body = response_serialize(&resp, &out->body_len)) == NULL) {
		core_error(out, 500, "out of memory");
		goto out;
	}
	out->status = 200;
out:
	response_free(&resp);
	envelope_free(&env);
}
