/* markdown_check.h - the safety property of the Markdown renderer's output,
 * shared by tests/unit/test_markdown.c and tests/fuzz/fuzz_markdown.c.
 *
 * md_check_html() reads the output as a browser's tokenizer would and
 * accepts it only when it is built from the renderer's own vocabulary:
 *   - tags from an allow-list, each attribute allowed for its tag, every
 *     attribute written name="value" with no quote or angle bracket inside;
 *   - href values (entities decoded) that start with http:, https:, mailto:,
 *     "/" (not "//" or "/\") or "#", and contain no whitespace, control
 *     characters or backslashes; rel is exactly "nofollow noopener
 *     noreferrer"; align, start, type, disabled and checked have their only
 *     legal values;
 *   - text with no '<' or '>' and no '&' other than the five entities the
 *     renderer writes;
 *   - well-formed nesting: every non-void tag closed in order, nothing left
 *     open, no <a> inside <a>.
 * Returns NULL when the output passes, else a static message.  Header-only
 * so that the fuzz target needs no other object. */
#ifndef KR_MARKDOWN_CHECK_H
#define KR_MARKDOWN_CHECK_H

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct md_check_tag {
	const char *name;
	const char *attrs; /* space-separated, with a leading and trailing space */
	bool is_void;
};

static const struct md_check_tag md_check_tags[] = {
	{"p", " ", false},          {"br", " ", true},        {"em", " ", false},
	{"strong", " ", false},     {"del", " ", false},      {"code", " ", false},
	{"pre", " ", false},        {"blockquote", " ", false}, {"ul", " ", false},
	{"ol", " start ", false},   {"li", " ", false},       {"a", " href rel title ", false},
	{"h3", " ", false},         {"h4", " ", false},       {"h5", " ", false},
	{"h6", " ", false},         {"hr", " ", true},        {"table", " ", false},
	{"thead", " ", false},      {"tbody", " ", false},    {"tr", " ", false},
	{"th", " align ", false},   {"td", " align ", false},
	{"input", " type disabled checked ", true},
};

/* Entity-decode an attribute value (only the renderer's five entities are
 * legal) into out; false on anything else. */
static bool md_check_decode(const char *v, size_t n, char *out, size_t outsz)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		if (o + 1 >= outsz)
			return false;
		if (v[i] != '&') {
			out[o++] = v[i++];
			continue;
		}
		size_t k;
		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
			size_t el = strlen(ents[k].ent);
			if (n - i >= el && memcmp(v + i, ents[k].ent, el) == 0) {
				out[o++] = ents[k].c;
				i += el;
				break;
			}
		}
		if (k == sizeof(ents) / sizeof(ents[0]))
			return false;
	}
	out[o] = 0;
	return true;
}

static const char *md_check_href(const char *u)
{
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '\\' || *p == '"' || *p == '\'' || *p == '<' ||
		    *p == '>')
			return "href holds a character that should have been encoded";
	if (u[0] == '#')
		return NULL;
	if (u[0] == '/')
		return (u[1] == '/' || u[1] == '\\') ? "protocol-relative href" : NULL;
	if (strncasecmp(u, "http:", 5) == 0 || strncasecmp(u, "https:", 6) == 0 ||
	    strncasecmp(u, "mailto:", 7) == 0)
		return NULL;
	return "href with a scheme that is not allowed";
}

static const char *md_check_attr(const char *tag, const char *name, const char *val)
{
	if (strcmp(name, "href") == 0)
		return md_check_href(val);
	if (strcmp(name, "rel") == 0)
		return strcmp(val, "nofollow noopener noreferrer") == 0 ? NULL : "bad rel";
	if (strcmp(name, "title") == 0)
		return NULL;
	if (strcmp(name, "align") == 0)
		return (strcmp(val, "left") == 0 || strcmp(val, "center") == 0 ||
			strcmp(val, "right") == 0)
			       ? NULL
			       : "bad align";
	if (strcmp(name, "start") == 0) {
		if (!*val || strlen(val) > 10)
			return "bad start";
		for (const char *p = val; *p; p++)
			if (!isdigit((unsigned char)*p))
				return "bad start";
		return NULL;
	}
	if (strcmp(name, "type") == 0)
		return strcmp(val, "checkbox") == 0 ? NULL : "bad input type";
	if (strcmp(name, "disabled") == 0 || strcmp(name, "checked") == 0)
		return *val ? "bad boolean attribute" : NULL;
	(void)tag;
	return "unknown attribute";
}

/* stack holds the open elements (indices into md_check_tags) and val a
 * decoded attribute value; both have room for n + 1 bytes. */
static const char *md_check_run(const char *s, size_t n, unsigned char *stack, char *val)
{
	size_t depth = 0;
	int in_a = 0;

	if (strlen(s) != n)
		return "length does not match or embedded NUL";
	for (size_t i = 0; i < n;) {
		char c = s[i];
		if (c == '>')
			return "stray '>' in text";
		if (c == '&') {
			static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
			size_t k;
			for (k = 0; k < 5; k++)
				if (strncmp(s + i, ents[k], strlen(ents[k])) == 0)
					break;
			if (k == 5)
				return "unknown entity or bare '&' in text";
			i += strlen(ents[k]);
			continue;
		}
		if (c != '<') {
			i++;
			continue;
		}
		/* A tag. */
		i++;
		bool closing = false;
		if (i < n && s[i] == '/') {
			closing = true;
			i++;
		}
		size_t nb = i;
		while (i < n && (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
			i++;
		size_t nl = i - nb;
		const struct md_check_tag *tag = NULL;
		for (size_t k = 0; k < sizeof(md_check_tags) / sizeof(md_check_tags[0]); k++)
			if (strlen(md_check_tags[k].name) == nl &&
			    memcmp(md_check_tags[k].name, s + nb, nl) == 0)
				tag = &md_check_tags[k];
		if (!tag)
			return "tag not in the allow-list";
		if (closing) {
			if (i >= n || s[i] != '>')
				return "malformed closing tag";
			i++;
			if (tag->is_void)
				return "closing tag for a void element";
			if (depth == 0 || stack[depth - 1] != (unsigned char)(tag - md_check_tags))
				return "closing tag does not match the open element";
			depth--;
			if (strcmp(tag->name, "a") == 0)
				in_a--;
			continue;
		}
		/* Attributes: ( ' ' name '="' value '"' )* '>' */
		char seen[64] = " ";
		while (i < n && s[i] == ' ') {
			i++;
			size_t ab = i;
			while (i < n && islower((unsigned char)s[i]))
				i++;
			size_t al = i - ab;
			if (al == 0 || al > 20)
				return "malformed attribute name";
			char name[32];
			memcpy(name, s + ab, al);
			name[al] = 0;
			char key[40];
			snprintf(key, sizeof key, " %s ", name);
			if (!strstr(tag->attrs, key))
				return "attribute not allowed on this tag";
			if (strstr(seen, key))
				return "duplicate attribute";
			if (strlen(seen) + al + 2 < sizeof seen) {
				strcat(seen, name);
				strcat(seen, " ");
			}
			if (n - i < 2 || s[i] != '=' || s[i + 1] != '"')
				return "attribute without a double-quoted value";
			i += 2;
			size_t vb = i;
			while (i < n && s[i] != '"') {
				if (s[i] == '<' || s[i] == '>')
					return "angle bracket inside an attribute value";
				i++;
			}
			if (i >= n)
				return "unterminated attribute value";
			if (!md_check_decode(s + vb, i - vb, val, n + 1))
				return "bad entity in an attribute value";
			i++;
			const char *err = md_check_attr(tag->name, name, val);
			if (err)
				return err;
		}
		if (i >= n || s[i] != '>')
			return "malformed tag";
		i++;
		if (strcmp(tag->name, "a") == 0) {
			if (in_a)
				return "<a> inside <a>";
			if (!strstr(seen, " href ") || !strstr(seen, " rel "))
				return "<a> without href and rel";
			in_a++;
		}
		if (strcmp(tag->name, "input") == 0 && !strstr(seen, " type "))
			return "<input> without type";
		if (!tag->is_void)
			stack[depth++] = (unsigned char)(tag - md_check_tags);
	}
	if (depth != 0)
		return "element left open";
	return NULL;
}

static const char *md_check_html(const char *s, size_t n)
{
	unsigned char *stack = malloc(n + 1);
	char *val = malloc(n + 1);
	const char *err = stack && val ? md_check_run(s, n, stack, val) : "out of memory";
	free(stack);
	free(val);
	return err;
}

#endif
