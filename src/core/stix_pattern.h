/* stix_pattern.h - STIX 2.1 patterning language: parser, validator,
 * canonical printer and indicator-value extraction.
 *
 * Kairan stores STIX 2.1 indicators and must refuse an invalid pattern with
 * a reason a person can act on.  The parser follows section 9 of the STIX
 * 2.1 specification (pattern expressions, observation expressions and
 * operators, comparison expressions and operators, qualifiers, constants and
 * object paths) and adds the checks the specification requires but the
 * reference validators skip: comparisons joined by AND inside one
 * observation expression name one object type, object type names follow the
 * type-name rules, operators get constants they can use, IP addresses, CIDR
 * blocks, hashes, timestamps and regular expressions are well formed.
 *
 * Hostile input is bounded: at most STIX_PATTERN_MAX_LEN bytes, at most
 * STIX_PATTERN_MAX_DEPTH nested brackets/parentheses, and no step is worse
 * than linear in the input (a 64 KiB pattern parses in a few milliseconds
 * and takes a few MiB of arena at most).  Every exported function is
 * thread-safe as long as its arguments are not shared. */
#ifndef KR_STIX_PATTERN_H
#define KR_STIX_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/kr.h"

struct arena;
struct buf;

#define STIX_PATTERN_MAX_LEN (64 * 1024)
#define STIX_PATTERN_MAX_DEPTH 64

/* What kind of mistake a pattern holds (for tests and for choosing a
 * message key; the English reason says the rest). */
enum stix_err_class {
	STIX_ERR_NONE = 0,
	STIX_ERR_LEXICAL,     /* bad character, bad escape, malformed constant */
	STIX_ERR_SYNTAX,      /* tokens in the wrong place */
	STIX_ERR_TYPE_NAME,   /* object type name breaks the naming rules */
	STIX_ERR_MIXED_TYPES, /* AND joins comparisons on different object types */
	STIX_ERR_OPERAND,     /* operator given a constant it cannot use */
	STIX_ERR_VALUE,       /* constant ill-formed for its object path */
	STIX_ERR_QUALIFIER,   /* WITHIN / REPEATS / START..STOP out of range */
	STIX_ERR_LIMIT,       /* over a size, depth or range cap */
};

struct stix_error {
	size_t offset;            /* byte offset into the pattern */
	enum stix_err_class cls;
	char reason[200];         /* "expected ']' to close ..." */
	char msg[240];            /* "offset 17: expected ']' to close ..." */
};

enum stix_const_kind {
	STIX_C_STRING,
	STIX_C_INT,
	STIX_C_FLOAT,
	STIX_C_BOOL,
	STIX_C_BINARY,    /* b'base64' */
	STIX_C_HEX,       /* h'00ff' */
	STIX_C_TIMESTAMP, /* t'2016-01-01T00:00:00Z' */
	STIX_C_SET,       /* ( c, c, ... ) */
};

struct stix_const {
	enum stix_const_kind kind;
	/* STRING: the value with escapes removed (NUL-terminated, no NUL
	 * inside); FLOAT: the literal without a leading '+'; BINARY, HEX,
	 * TIMESTAMP: the text between the quotes.  NULL for the others. */
	const char *text;
	int64_t i;        /* INT */
	double f;         /* FLOAT */
	bool b;           /* BOOL */
	struct stix_const *items; /* SET: nitems elements of one kind */
	size_t nitems;
};

enum stix_step_kind {
	STIX_STEP_KEY,   /* .name or .'quoted name' */
	STIX_STEP_INDEX, /* [n] */
	STIX_STEP_ANY,   /* [*] */
};

struct stix_step {
	enum stix_step_kind kind;
	const char *key; /* KEY: the property or dictionary key, unquoted */
	int64_t index;   /* INDEX */
};

/* type:first.second[0]...  steps[0] is the first property (always a KEY). */
struct stix_path {
	const char *type;
	struct stix_step *steps;
	size_t nsteps;
};

enum stix_op {
	STIX_OP_EQ,
	STIX_OP_NEQ,
	STIX_OP_LT,
	STIX_OP_LE,
	STIX_OP_GT,
	STIX_OP_GE,
	STIX_OP_IN,
	STIX_OP_LIKE,
	STIX_OP_MATCHES,
	STIX_OP_ISSUBSET,
	STIX_OP_ISSUPERSET,
	STIX_OP_EXISTS,
};

enum stix_cmp_kind {
	STIX_CMP_TEST, /* one comparison: path [NOT] op constant, or EXISTS path */
	STIX_CMP_AND,
	STIX_CMP_OR,
};

struct stix_cmp {
	enum stix_cmp_kind kind;
	size_t offset;           /* where it starts in the pattern */
	struct stix_cmp **kids;  /* AND / OR: nkids >= 2 operands in order */
	size_t nkids;
	struct stix_path path;   /* TEST */
	bool negated;            /* TEST: NOT before the operator */
	enum stix_op op;         /* TEST */
	struct stix_const value; /* TEST, unless op == EXISTS */
	/* The one object type this subtree refers to, or NULL when an OR
	 * inside it mixes types (internal to the same-type check). */
	const char *type;
};

enum stix_qual_kind {
	STIX_Q_WITHIN,    /* a: INT or FLOAT seconds, > 0 */
	STIX_Q_REPEATS,   /* a: INT times, > 0 */
	STIX_Q_STARTSTOP, /* a: START timestamp, b: STOP timestamp, a < b */
};

struct stix_qual {
	enum stix_qual_kind kind;
	struct stix_const a, b;
};

enum stix_obs_kind {
	STIX_OBS_CMP,        /* [ comparison expression ] */
	STIX_OBS_AND,
	STIX_OBS_OR,
	STIX_OBS_FOLLOWEDBY,
	/* ( expression ) with qualifiers of its own, kept apart only when the
	 * expression inside already has qualifiers ("([a] WITHIN 5 SECONDS)
	 * REPEATS 2 TIMES"); kids[0] is that expression, nkids == 1.  Any
	 * other parentheses leave no trace in the tree. */
	STIX_OBS_GROUP,
};

struct stix_obs {
	enum stix_obs_kind kind;
	size_t offset;
	struct stix_obs **kids;  /* AND / OR / FOLLOWEDBY: nkids >= 2, in order; GROUP: 1 */
	size_t nkids;
	struct stix_cmp *cmp;    /* CMP */
	/* Qualifiers applied to this expression, in order, at most one of each
	 * kind (as the reference validator also requires). */
	struct stix_qual *quals;
	size_t nquals;
};

struct stix_pattern {
	struct stix_obs *root;
};

/* Parse and validate pattern[0..len).  On KR_OK *out points to an AST in
 * arena a (it lives as long as the arena).  On failure returns KR_EINVAL (or
 * KR_ETOOBIG over the length cap), fills err (if not NULL) with the byte
 * offset, class and reason, and leaves *out NULL.  Only the first error is
 * reported. */
int stix_pattern_parse(struct arena *a, const char *pattern, size_t len,
                       struct stix_pattern **out, struct stix_error *err);

/* Call cb(ud, kind, value) for each indicator value worth correlating: every
 * non-negated '=' or IN comparison with string constants on ipv4-addr:value
 * ("ipv4-addr"), ipv6-addr:value ("ipv6-addr"), domain-name:value
 * ("domain-name"), url:value ("url"), email-addr:value and
 * email-message:from_ref.value ("email-addr"), file:name ("file-name") and
 * file:hashes.X ("md5", "sha-1", "sha-256", "sha-512", "sha3-256",
 * "sha3-512", "ssdeep", "tlsh"; hex hashes are lowercased).  The strings
 * are valid only during the call.  Returns the number of values reported,
 * or KR_EINVAL when p is NULL. */
int stix_pattern_values(const struct stix_pattern *p,
                        void (*cb)(void *ud, const char *kind, const char *value),
                        void *ud);

/* Append the canonical text of p to out: single spaces, keywords in upper
 * case, parentheses exactly where grouping needs them, path components
 * quoted only when they must be.  Parsing the result gives an AST equal
 * (stix_pattern_equal) to p. */
void stix_pattern_print(const struct stix_pattern *p, struct buf *out);

/* true when a and b have the same structure and constants (offsets and the
 * spelling of quoted path components are ignored). */
bool stix_pattern_equal(const struct stix_pattern *a, const struct stix_pattern *b);

#endif
