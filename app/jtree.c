#include <stdlib.h>
#include <string.h>

#include "jtree.h"

struct parser {
	struct jdoc *d;
	const unsigned char *p;
	const unsigned char *end;
	int depth;
	int max_depth;
	const char *why;
};

static int parse_value(struct parser *ps, uint32_t key, uint32_t keylen);

static int
fail(struct parser *ps, const char *why)
{
	/* Running out of input anywhere means the text was cut short. */
	if (ps->why == NULL)
		ps->why = ps->p >= ps->end ? "truncated JSON" : why;
	return -1;
}

static void
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
	    *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

/* Appends a node; returns its index or -1 at the cap. */
static int
new_node(struct parser *ps, enum jtype type, uint32_t key, uint32_t keylen)
{
	struct jdoc *d = ps->d;
	struct jnode *nn;

	if (d->n == d->max_nodes)
		return fail(ps, "too many JSON values");
	if (d->n == d->cap) {
		uint32_t cap = d->cap ? d->cap * 2 : 64;

		if (cap > d->max_nodes)
			cap = d->max_nodes;
		if ((nn = realloc(d->node, cap * sizeof(*nn))) == NULL)
			return fail(ps, "out of memory");
		d->node = nn;
		d->cap = cap;
	}
	nn = &d->node[d->n];
	memset(nn, 0, sizeof(*nn));
	nn->type = type;
	nn->key = key;
	nn->keylen = keylen;
	return (int)d->n++;
}

static int
hex4(const unsigned char *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned c = p[i];

		if (c >= '0' && c <= '9')
			c -= '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			c = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v << 4 | c;
	}
	*out = v;
	return 0;
}

static size_t
put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A \uXXXX escape at p (on the backslash); surrogates must pair. */
static int
unicode_escape(struct parser *ps, unsigned *cp)
{
	unsigned lo;

	if (ps->end - ps->p < 6 || hex4(ps->p + 2, cp) != 0)
		return fail(ps, "invalid JSON");
	ps->p += 6;
	if (*cp == 0 || (*cp >= 0xdc00 && *cp <= 0xdfff))
		return fail(ps, "invalid JSON");
	if (*cp < 0xd800 || *cp > 0xdbff)
		return 0;
	if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
	    hex4(ps->p + 2, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
		return fail(ps, "invalid JSON");
	ps->p += 6;
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	return 0;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return 0;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static const char short_escapes[][2] = {
	{ '"', '"' }, { '\\', '\\' }, { '/', '/' }, { 'b', '\b' },
	{ 'f', '\f' }, { 'n', '\n' }, { 'r', '\r' }, { 't', '\t' },
};

static int
escape(struct parser *ps, char *o, size_t *n)
{
	unsigned cp;

	if (ps->p + 1 >= ps->end)
		return fail(ps, "invalid JSON");
	if (ps->p[1] == 'u') {
		if (unicode_escape(ps, &cp) != 0)
			return -1;
		*n = put_utf8(o, cp);
		return 0;
	}
	for (size_t i = 0; i < sizeof(short_escapes) /
	    sizeof(short_escapes[0]); i++)
		if (ps->p[1] == (unsigned char)short_escapes[i][0]) {
			*o = short_escapes[i][1];
			*n = 1;
			ps->p += 2;
			return 0;
		}
	return fail(ps, "invalid JSON");
}

/*
 * Decodes the string at p (on its opening quote) into strs.  The decoded
 * text and its NUL are never longer than the quoted source, so strs, as
 * long as the input, always has room.
 */
static int
parse_string(struct parser *ps, uint32_t *off, uint32_t *len)
{
	struct jdoc *d = ps->d;
	char *start = d->strs + d->slen, *o = start;

	ps->p++;
	for (;;) {
		const unsigned char *run = ps->p;
		size_t n;

		while (ps->p < ps->end && *ps->p >= 0x20 && *ps->p < 0x80 &&
		    *ps->p != '"' && *ps->p != '\\')
			ps->p++;
		memcpy(o, run, (size_t)(ps->p - run));
		o += ps->p - run;
		if (ps->p >= ps->end)
			return fail(ps, "invalid JSON");
		if (*ps->p == '"')
			break;
		if (*ps->p == '\\') {
			if (escape(ps, o, &n) != 0)
				return -1;
		} else if (*ps->p < 0x20 ||
		    (n = utf8_len(ps->p, ps->end)) == 0) {
			return fail(ps, "invalid JSON");
		} else {
			memcpy(o, ps->p, n);
			ps->p += n;
		}
		o += n;
	}
	ps->p++;
	*o = '\0';
	*off = d->slen;
	*len = (uint32_t)(o - start);
	d->slen += *len + 1;
	return 0;
}

static int
digits(struct parser *ps)
{
	const unsigned char *s = ps->p;

	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
		ps->p++;
	return ps->p > s ? 0 : fail(ps, "invalid JSON");
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, kept as text. */
static int
parse_number(struct parser *ps, int i)
{
	const unsigned char *s = ps->p;

	if (*ps->p == '-')
		ps->p++;
	if (ps->p < ps->end && *ps->p == '0')
		ps->p++;
	else if (digits(ps) != 0)
		return -1;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (digits(ps) != 0)
			return -1;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (digits(ps) != 0)
			return -1;
	}
	ps->d->node[i].str = (uint32_t)(s - (const unsigned char *)ps->d->src);
	ps->d->node[i].len = (uint32_t)(ps->p - s);
	return 0;
}

static int
parse_literal(struct parser *ps, int i)
{
	static const struct {
		const char *text;
		enum jtype type;
	} lits[] = {
		{ "true", JT_TRUE }, { "false", JT_FALSE }, { "null", JT_NULL },
	};

	for (size_t k = 0; k < sizeof(lits) / sizeof(lits[0]); k++) {
		size_t n = strlen(lits[k].text), have;

		if (*ps->p != (unsigned char)lits[k].text[0])
			continue;
		have = (size_t)(ps->end - ps->p) < n ?
		    (size_t)(ps->end - ps->p) : n;
		if (memcmp(ps->p, lits[k].text, have) != 0)
			return fail(ps, "invalid JSON");
		ps->p += have;
		if (have < n)
			return fail(ps, "truncated JSON");
		ps->d->node[i].type = lits[k].type;
		return 0;
	}
	return fail(ps, "invalid JSON");
}

/* The member of object obj whose key is the len bytes at key. */
static int
get_n(const struct jdoc *d, int obj, const char *key, size_t len)
{
	if (obj < 0 || (uint32_t)obj >= d->n || d->node[obj].type != JT_OBJECT)
		return JNONE;
	for (uint32_t c = (uint32_t)obj + 1; c < d->node[obj].end;
	    c = d->node[c].end)
		if (d->node[c].keylen == len && (len == 0 ||
		    (d->strs[d->node[c].key] == key[0] &&
		    memcmp(d->strs + d->node[c].key, key, len) == 0)))
			return (int)c;
	return JNONE;
}

/* Shared by arrays and objects: '[' or '{' at p, members up to close. */
static int
parse_container(struct parser *ps, int i, int is_object)
{
	struct jdoc *d = ps->d;
	unsigned char close = is_object ? '}' : ']';
	uint32_t key = 0, keylen = 0, count = 0;

	if (++ps->depth > ps->max_depth)
		return fail(ps, "nested too deeply");
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return 0;
	}
	for (;;) {
		if (is_object) {
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, "invalid JSON");
			if (parse_string(ps, &key, &keylen) != 0)
				return -1;
			/* Members so far end at d->n: node i is still open. */
			d->node[i].end = d->n;
			if (get_n(d, i, d->strs + key, keylen) != JNONE)
				return fail(ps, "duplicate key in JSON object");
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return fail(ps, "invalid JSON");
			ps->p++;
		}
		if (parse_value(ps, key, keylen) != 0)
			return -1;
		count++;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == close)
			break;
		if (ps->p >= ps->end || *ps->p != ',')
			return fail(ps, "invalid JSON");
		ps->p++;
		skip_ws(ps);
	}
	ps->p++;
	ps->depth--;
	d->node[i].len = count;
	return 0;
}

static int
parse_value(struct parser *ps, uint32_t key, uint32_t keylen)
{
	int i, rc;

	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, "truncated JSON");
	if ((i = new_node(ps, JT_NULL, key, keylen)) < 0)
		return -1;
	switch (*ps->p) {
	case '{':
	case '[':
		ps->d->node[i].type = *ps->p == '{' ? JT_OBJECT : JT_ARRAY;
		rc = parse_container(ps, i, *ps->p == '{');
		break;
	case '"':
		ps->d->node[i].type = JT_STRING;
		rc = parse_string(ps, &ps->d->node[i].str, &ps->d->node[i].len);
		break;
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		ps->d->node[i].type = JT_NUMBER;
		rc = parse_number(ps, i);
		break;
	default:
		rc = parse_literal(ps, i);
		break;
	}
	ps->d->node[i].end = ps->d->n;
	return rc;
}

int
jdoc_parse(struct jdoc *d, const char *buf, size_t len, int max_depth,
    uint32_t max_nodes, const char **why)
{
	struct parser ps = {
		.d = d,
		.p = (const unsigned char *)buf,
		.end = (const unsigned char *)buf + len,
		.max_depth = max_depth,
	};

	memset(d, 0, sizeof(*d));
	*why = NULL;
	if (len >= UINT32_MAX || max_nodes == 0) {
		*why = "too large";
		return -1;
	}
	d->src = buf;
	d->max_nodes = max_nodes;
	if ((d->strs = malloc(len + 1)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	d->scap = (uint32_t)len + 1;
	if (parse_value(&ps, 0, 0) == 0) {
		skip_ws(&ps);
		if (ps.p < ps.end)
			ps.why = "trailing data after JSON";
	} else if (ps.why == NULL)
		ps.why = "invalid JSON";
	if (ps.why != NULL) {
		*why = ps.why;
		jdoc_free(d);
		return -1;
	}
	return 0;
}

void
jdoc_free(struct jdoc *d)
{
	/*
	 * Strings may hold tokens and personal data: wipe before free, all
	 * of it, since a string whose parse failed was decoded past slen.
	 */
	if (d->strs != NULL)
		explicit_bzero(d->strs, d->scap);
	free(d->strs);
	free(d->node);
	memset(d, 0, sizeof(*d));
}

int
jdoc_get(const struct jdoc *d, int obj, const char *key)
{
	return get_n(d, obj, key, strlen(key));
}

int
jdoc_path(const struct jdoc *d, int from, const char *path)
{
	int cur = from;

	while (cur != JNONE && *path != '\0') {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);

		cur = get_n(d, cur, path, len);
		path += len + (dot != NULL);
	}
	return cur;
}

int
jdoc_type(const struct jdoc *d, int i)
{
	return i >= 0 && (uint32_t)i < d->n ? (int)d->node[i].type : -1;
}

const char *
jdoc_str(const struct jdoc *d, int i)
{
	return jdoc_type(d, i) == JT_STRING ? d->strs + d->node[i].str : NULL;
}

const char *
jdoc_path_str(const struct jdoc *d, int from, const char *path)
{
	return jdoc_str(d, jdoc_path(d, from, path));
}

int
jdoc_first(const struct jdoc *d, int i)
{
	int t = jdoc_type(d, i);

	return (t == JT_ARRAY || t == JT_OBJECT) && d->node[i].len > 0 ?
	    i + 1 : JNONE;
}

int
jdoc_next(const struct jdoc *d, int parent, int child)
{
	uint32_t next = d->node[child].end;

	return next < d->node[parent].end ? (int)next : JNONE;
}

const char *
jdoc_key(const struct jdoc *d, int member)
{
	return d->strs + d->node[member].key;
}
