#ifndef JTREE_H
#define JTREE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A strict JSON reader for the request envelope and the profile API's
 * answers.  A document is one array of nodes in document order plus one
 * buffer of decoded, NUL-terminated strings: two allocations however big
 * the input, where json-c makes one or more per value and key.
 *
 * Strict means RFC 8259 and a little more: UTF-8 is checked (no overlong
 * forms, surrogates or code points above U+10FFFF), \u escapes must pair
 * surrogates correctly, \u0000 is refused (strings are C strings here), a
 * key may appear only once per object, and only whitespace may follow the
 * value.  Nesting and the number of values are capped.
 */

enum jtype { JT_NULL, JT_FALSE, JT_TRUE, JT_NUMBER, JT_STRING, JT_ARRAY,
    JT_OBJECT };

struct jnode {
	uint32_t type;		/* enum jtype */
	uint32_t end;		/* index after this value's last descendant */
	uint32_t key;		/* object members: key offset in strs */
	uint32_t keylen;
	uint32_t str;		/* strings: offset in strs; numbers: in input */
	uint32_t len;		/* bytes; members for arrays and objects */
};

struct jdoc {
	struct jnode *node;
	uint32_t n;
	uint32_t cap;
	char *strs;
	uint32_t slen;
	uint32_t scap;		/* bytes allocated for strs */
	const char *src;
	uint32_t max_nodes;
};

/* The root is node 0; JNONE means "no such value". */
#define JNONE	(-1)

/*
 * Parses exactly len bytes.  On failure returns -1, frees what it took
 * and sets *why to a static reason ("invalid JSON", "truncated JSON",
 * "nested too deeply", "too many JSON values", "duplicate key in JSON
 * object", "trailing data after JSON").
 */
int jdoc_parse(struct jdoc *d, const char *buf, size_t len, int max_depth,
    uint32_t max_nodes, const char **why);
void jdoc_free(struct jdoc *d);

/* The member of object obj named key, or JNONE. */
int jdoc_get(const struct jdoc *d, int obj, const char *key);
/* Walks a dotted path ("context.System.person") through objects. */
int jdoc_path(const struct jdoc *d, int from, const char *path);

int jdoc_type(const struct jdoc *d, int i);
/* The decoded string (NUL-terminated), or NULL when i is not a string. */
const char *jdoc_str(const struct jdoc *d, int i);
/* The string at path, or NULL when missing or not a string. */
const char *jdoc_path_str(const struct jdoc *d, int from, const char *path);

/* Children of an array or object in order: first, then next. */
int jdoc_first(const struct jdoc *d, int i);
int jdoc_next(const struct jdoc *d, int parent, int child);
/* The key of an object member (NUL-terminated). */
const char *jdoc_key(const struct jdoc *d, int member);

#endif
