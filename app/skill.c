#include <stdio.h>
#include <string.h>

#include "skill.h"

/* Placeholder skill: proves the path until the reference skill lands. */
void
skill_handle(const struct config *cfg, struct skill_io *io,
    const struct envelope *env, struct response *resp, char *outcome,
    size_t outcome_len)
{
	(void)io;
	snprintf(outcome, outcome_len, "ok");
	switch (env->kind) {
	case RK_LAUNCH:
		speech_text(response_speech(resp), "Welcome to ");
		speech_text(response_speech(resp), cfg->skill_name);
		speech_text(response_speech(resp), ". How can I help?");
		speech_text(response_reprompt(resp), "How can I help?");
		resp->end_session = 0;
		return;
	case RK_ENDED:
	case RK_EVENT:
		return;
	case RK_INTENT:
		if (strcmp(env->intent_name, "AMAZON.HelpIntent") == 0) {
			speech_text(response_speech(resp), "You can ask me for help.");
			resp->end_session = 0;
		} else if (strcmp(env->intent_name, "AMAZON.StopIntent") == 0 ||
		    strcmp(env->intent_name, "AMAZON.CancelIntent") == 0) {
			speech_text(response_speech(resp), "Goodbye.");
			resp->end_session = 1;
		} else {
			speech_text(response_speech(resp),
			    "Sorry, I can't help with that.");
			resp->end_session = 0;
			snprintf(outcome, outcome_len, "fallback");
		}
		return;
	default:
		return;
	}
}
