/* codecheck.c - Kairan's build-time rule check (run by `make check-code`).
 *
 * Rules (STYLE.md, ARCHITECTURE.md):
 *  1. SQL text is a string literal: the SQL argument of db_prepare() and
 *     db_exec() must start with a string literal (adjacent literals are fine).
 *     A statement built wholly from macros is written `"" MACRO(...)`: the
 *     empty literal makes the compiler prove the macro expands to literals
 *     (a variable next to a string literal does not compile).
 *  2. Raw HTML is a string literal: html_raw()'s markup argument likewise.
 *     (html_printf's format is checked by the compiler: -Wformat-nonliteral.)
 *  3. Engine calls (sqlite3_*, PQ*) only in src/store/; libmicrohttpd
 *     (MHD_*) only in src/http/.
 * Comments and string contents are skipped.  Prints file:line: message for
 * each violation and exits 1 if there was any. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rule {
	const char *fn;
	int arg; /* 0-based index of the argument that must be a literal */
};

static const struct rule rules[] = {
	{"db_prepare", 1},
	{"db_exec", 1},
	{"html_raw", 1},
};

static int errors;

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)len + 1);
	if (!p || fread(p, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(p);
		return NULL;
	}
	p[len] = 0;
	fclose(f);
	*n = (size_t)len;
	return p;
}

/* Blank out comments and the contents of string/char literals (keeping the
 * quotes and newlines) so the scanner sees only code. */
static void strip(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/' && s[i + 1] == '*') {
			s[i] = s[i + 1] = ' ';
			i += 2;
			while (i < n && !(s[i] == '*' && s[i + 1] == '/')) {
				if (s[i] != '\n')
					s[i] = ' ';
				i++;
			}
			if (i < n)
				s[i] = s[i + 1] = ' ', i++;
		} else if (s[i] == '/' && s[i + 1] == '/') {
			while (i < n && s[i] != '\n')
				s[i++] = ' ';
		} else if (s[i] == '"' || s[i] == '\'') {
			char q = s[i++];
			while (i < n && s[i] != q) {
				if (s[i] == '\\' && i + 1 < n) {
					s[i++] = 'x';
				}
				if (s[i] != '\n')
					s[i] = 'x';
				i++;
			}
		}
	}
}

static int line_of(const char *s, const char *p)
{
	int line = 1;
	for (; s < p; s++)
		if (*s == '\n')
			line++;
	return line;
}

static int is_ident(int c) { return isalnum(c) || c == '_'; }

static void check_calls(const char *path, const char *s)
{
	for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
		const char *fn = rules[r].fn;
		size_t fl = strlen(fn);
		for (const char *p = strstr(s, fn); p; p = strstr(p + 1, fn)) {
			if (p > s && is_ident((unsigned char)p[-1]))
				continue;
			const char *q = p + fl;
			while (isspace((unsigned char)*q))
				q++;
			if (*q != '(')
				continue;
			/* Skip a declaration or definition: the previous token is a type. */
			const char *b = p;
			while (b > s && isspace((unsigned char)b[-1]))
				b--;
			if (b > s && (is_ident((unsigned char)b[-1]) || b[-1] == '*')) {
				const char *w = b;
				while (w > s && is_ident((unsigned char)w[-1]))
					w--;
				if (strncmp(w, "return", 6) != 0)
					continue;
			}
			/* Walk to the wanted argument at depth 1. */
			q++;
			int depth = 1, arg = 0;
			while (*q && depth > 0 && arg < rules[r].arg) {
				if (*q == '(' || *q == '[' || *q == '{')
					depth++;
				else if (*q == ')' || *q == ']' || *q == '}')
					depth--;
				else if (*q == ',' && depth == 1)
					arg++;
				q++;
			}
			if (depth == 0)
				continue;
			while (isspace((unsigned char)*q))
				q++;
			if (*q != '"') {
				fprintf(stderr, "%s:%d: %s() argument %d must be a string literal\n",
					path, line_of(s, p), fn, rules[r].arg + 1);
				errors++;
			}
		}
	}
}

static void check_layer(const char *path, const char *s, const char *prefix,
			const char *dir, const char *what)
{
	if (strstr(path, dir))
		return;
	size_t pl = strlen(prefix);
	for (const char *p = strstr(s, prefix); p; p = strstr(p + 1, prefix)) {
		if (p > s && is_ident((unsigned char)p[-1]))
			continue;
		const char *q = p + pl;
		if (!is_ident((unsigned char)*q))
			continue;
		while (is_ident((unsigned char)*q))
			q++;
		if (*q == '(') {
			fprintf(stderr, "%s:%d: %s outside %s\n", path, line_of(s, p), what, dir);
			errors++;
		}
	}
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		size_t n;
		char *s = slurp(argv[i], &n);
		if (!s) {
			fprintf(stderr, "codecheck: cannot read %s\n", argv[i]);
			return 2;
		}
		strip(s, n);
		check_calls(argv[i], s);
		check_layer(argv[i], s, "sqlite3_", "src/store/", "SQLite call");
		check_layer(argv[i], s, "PQ", "src/store/", "libpq call");
		check_layer(argv[i], s, "MHD_", "src/http/", "libmicrohttpd call");
		free(s);
	}
	if (errors) {
		fprintf(stderr, "codecheck: %d violation(s)\n", errors);
		return 1;
	}
	return 0;
}
