#ifndef SKILL_H
#define SKILL_H

#include "config.h"
#include "envelope.h"
#include "response.h"

struct skill_io;

/*
 * Handles one validated, verified request.  Writes the answer into resp
 * and a short outcome for the log (never personal data) into outcome.
 */
void skill_handle(const struct config *cfg, struct skill_io *io,
    const struct envelope *env, struct response *resp, char *outcome,
    size_t outcome_len);

/*
 * Every permission scope the skill can ask for (and so must declare in
 * skill-package/skill.json).  Returns the count.
 */
size_t skill_scopes(const struct config *cfg, const char **out, size_t max);

#endif
