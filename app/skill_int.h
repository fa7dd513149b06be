#ifndef SKILL_INT_H
#define SKILL_INT_H

/* Shared by the reference skill's files (skill.c, booking.c, consent.c). */

#include <stddef.h>

#include "config.h"
#include "envelope.h"
#include "messages.h"
#include "profile.h"
#include "response.h"

struct skill_req {
	const struct config *cfg;
	struct skill_io *io;
	const struct envelope *env;
	const struct locale *loc;
	struct response *resp;
	char *outcome;
	size_t outcome_len;
};

/* Something the user asked for that may wait for consent. */
struct skill_action {
	enum { ACT_BOOK, ACT_DETAILS } kind;
	char date[11];		/* YYYY-MM-DD */
	char time[6];		/* HH:MM */
	int party;
};

void skill_say(struct skill_req *r, enum msg_id id);
void skill_sayf(struct skill_req *r, enum msg_id id, const char *const *keys,
    const char *const *vals, size_t n);
void skill_reprompt(struct skill_req *r, enum msg_id id);
/* Keeps the session open, with the standard reprompt. */
void skill_listen(struct skill_req *r);
void skill_say_venue(struct skill_req *r);
/* The operator's text t (skill_name, ...) for the request's locale. */
const char *skill_text(const struct skill_req *r, enum conf_text t);
void skill_outcome(struct skill_req *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The name field this skill asks for (name_scope). */
enum profile_field skill_name_field(const struct config *cfg);
const char *skill_scope(enum profile_field f);

/*
 * When one of the fields in `need` is not usable, answers for it (consent
 * card or voice consent for refused fields, the not-set message, or an
 * apology) and returns 1; returns 0 when every needed field is there.
 */
int consent_check(struct skill_req *r, const struct profile *p, unsigned need,
    const struct skill_action *act);
/* SessionResumedRequest / Connections.Response after voice consent. */
void consent_resumed(struct skill_req *r);
/* SkillPermissionAccepted / SkillPermissionChanged. */
void consent_event(struct skill_req *r);

int action_encode(const struct skill_action *a, char *out, size_t outlen);
int action_decode(const char *token, struct skill_action *a);
/* 1 if a decoded action holds a real, bookable date, time and party. */
int action_valid(const struct skill_req *r, const struct skill_action *a);

/* Runs the action: books (and texts) or texts the details. */
void booking_run(struct skill_req *r, const struct skill_action *act);
void booking_intent(struct skill_req *r);
void details_intent(struct skill_req *r);

#endif
