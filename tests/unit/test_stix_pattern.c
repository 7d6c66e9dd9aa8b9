/* test_stix_pattern.c - STIX 2.1 pattern parser: the specification's
 * examples, malformed patterns with their offset and reason class, the
 * same-type AND rule, qualifiers, escapes, value extraction, round-trips and
 * the hostile-input caps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stix_pattern.h"
#include "lib/arena.h"
#include "lib/buf.h"

/* Example patterns from STIX 2.1 section 9 (patterning). */
static const char *const spec_examples[] = {
	"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
	"[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
	"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']",
	"[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
	"([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS",
	"[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']",
	"[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
	"[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32']",
	"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
	"[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
	"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
	"[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
	"[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
	"[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
	"[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
	"[windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\CryptoLocker\\\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\CurrentVersion\\\\Run\\\\CryptoLocker_0388']",
	"[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = t'2014-01-13T07:03:17Z']",
	"[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']",
	"[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
	"[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
	"[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
	"([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']",
	"[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] FOLLOWEDBY [domain-name:value = 'example.com'] WITHIN 600 SECONDS",
	"[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
	"[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] REPEATS 5 TIMES",
	"[process:name IN ('proccy', 'proximus', 'badproc')]",
	"[directory:path LIKE 'C:\\\\Windows\\\\%\\\\foo']",
	"[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
	"[ipv4-addr:value ISSUPERSET '198.51.100.0/24']",
	"[EXISTS windows-registry-key:values]",
	"[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']",
	"[file:size > 1024]",
	"[file:created > t'2016-01-01T00:00:00.000Z']",
	"[network-traffic:extensions.'http-request-ext'.request_header.'Accept-Encoding' = 'gzip']",
	"[file:extensions.'ntfs-ext'.alternate_data_streams[0].name = 'second.stream']",
	"[email-message:to_refs[*].value = 'analyst@example.com']",
	"[file:name NOT = 'foo.dll']",
	"[network-traffic:is_active = true]",
};

static struct stix_pattern *parse_ok(struct arena *a, const char *s)
{
	struct stix_pattern *p = NULL;
	struct stix_error err;
	int rc = stix_pattern_parse(a, s, strlen(s), &p, &err);
	if (rc != KR_OK)
		fail_msg("pattern %s\nrefused: %s", s, err.msg);
	assert_non_null(p);
	return p;
}

/* print(parse(x)) parses to an equal AST and prints identically. */
static void check_roundtrip(struct arena *a, const struct stix_pattern *p)
{
	struct buf b1 = BUF_INIT, b2 = BUF_INIT;
	stix_pattern_print(p, &b1);
	struct stix_pattern *q = parse_ok(a, b1.p);
	if (!stix_pattern_equal(p, q))
		fail_msg("round-trip changed the AST: %s", b1.p);
	stix_pattern_print(q, &b2);
	assert_string_equal(b1.p, b2.p);
	buf_free(&b1);
	buf_free(&b2);
}

static void test_spec_examples(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	for (size_t i = 0; i < KR_ARRAY_LEN(spec_examples); i++) {
		struct stix_pattern *p = parse_ok(a, spec_examples[i]);
		check_roundtrip(a, p);
	}
	arena_free(a);
}

struct bad {
	const char *pat;
	enum stix_err_class cls;
	size_t off;
	const char *reason; /* a substring of the reason */
};

#define SHA256_OK "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"
#define T1 "t'2016-01-01T00:00:00Z'"
#define T2 "t'2016-01-02T00:00:00Z'"

static const struct bad bad_patterns[] = {
	{"", STIX_ERR_SYNTAX, 0, "expected '[' or '(' to start an observation expression"},
	{"   ", STIX_ERR_SYNTAX, 3, "expected '[' or '('"},
	{"file:name = 'x'", STIX_ERR_SYNTAX, 0, "expected '[' or '('"},
	{"[file:name = 'x'", STIX_ERR_SYNTAX, 16, "expected ']' to close the observation expression"},
	{"[file:name = 'x' file:size = 1]", STIX_ERR_SYNTAX, 17, "expected ']'"},
	{"[]", STIX_ERR_SYNTAX, 1, "is empty"},
	{"[file:name = 'x'] AND", STIX_ERR_SYNTAX, 21, "found end of pattern"},
	{"[file:name = 'x'] [file:name = 'y']", STIX_ERR_SYNTAX, 18, "expected AND, OR, FOLLOWEDBY"},
	{"[file:name = 'x'])", STIX_ERR_SYNTAX, 17, "found ')'"},
	{"([file:name = 'x']", STIX_ERR_SYNTAX, 18, "expected ')' to close the '(' at offset 0"},
	{"[file:name 'x']", STIX_ERR_SYNTAX, 11, "expected a comparison operator"},
	{"[file:name = ]", STIX_ERR_SYNTAX, 13, "expected a constant"},
	{"[file:name = 'a' AND]", STIX_ERR_SYNTAX, 20, "expected an object path"},
	{"[file:name EXISTS]", STIX_ERR_SYNTAX, 11, "EXISTS goes before the object path"},
	{"[file:size NOT]", STIX_ERR_SYNTAX, 14, "expected a comparison operator"},
	{"[file:name = 'x'] and [file:name = 'y']", STIX_ERR_SYNTAX, 18, "found 'and' (keywords are written in upper case)"},
	{"[file:name = 'x'] WITHIN 5 HOURS", STIX_ERR_SYNTAX, 27, "expected SECONDS after the WITHIN duration, found 'HOURS'"},
	{"[file:hashes.sha256 = 'abc']", STIX_ERR_VALUE, 22, "SHA256 needs 64 hex digits"},
	{"[file name = 'x']", STIX_ERR_SYNTAX, 6, "expected ':' after the object type"},
	{"[file: = 'x']", STIX_ERR_SYNTAX, 7, "expected a property name"},
	{"[file:extensions.windows-pebinary-ext.size = 1]", STIX_ERR_SYNTAX, 17, "must be quoted"},
	{"[file:name[x] = 'a']", STIX_ERR_SYNTAX, 11, "expected a list index"},
	{"[file:names[0 = 'a']", STIX_ERR_SYNTAX, 14, "expected ']' to close the list index"},
	{"[file:name = ('a', 'b'", STIX_ERR_SYNTAX, 22, "expected ',' or ')'"},
	{"[file:name IN (('a'))]", STIX_ERR_SYNTAX, 15, "cannot contain another set"},
	{"[file:name = 'x'] WITHIN 5", STIX_ERR_SYNTAX, 26, "expected SECONDS"},
	{"[file:name = 'x'] WITHIN SECONDS", STIX_ERR_SYNTAX, 25, "number of seconds"},
	{"[file:name = 'x'] REPEATS 2.5 TIMES", STIX_ERR_SYNTAX, 26, "expected an integer after REPEATS"},
	{"[file:name = 'x'] START '2016-01-01T00:00:00Z' STOP " T2, STIX_ERR_SYNTAX, 24,
	 "expected a timestamp"},
	{"[file:name = 'x'] START " T1, STIX_ERR_SYNTAX, 47, "expected STOP"},
	{"[file:name = 'x\\n']", STIX_ERR_LEXICAL, 15, "invalid escape"},
	{"[file:name = 'abc]", STIX_ERR_LEXICAL, 13, "missing its closing quote"},
	{"[file:name ! 'a']", STIX_ERR_LEXICAL, 11, "'!' must be followed by '='"},
	{"[file:name === 'a']", STIX_ERR_SYNTAX, 13, "expected a constant, found '='"},
	{"[file:size => 1]", STIX_ERR_SYNTAX, 12, "expected a constant, found '>'"},
	{"[file:name = 'a'] /* c */", STIX_ERR_LEXICAL, 18, "comments"},
	{"[file:name = 'a' # ]", STIX_ERR_LEXICAL, 17, "unexpected character '#'"},
	{"[file:size = 007]", STIX_ERR_LEXICAL, 13, "leading zero"},
	{"[file:size = -]", STIX_ERR_LEXICAL, 13, "must be followed by a number"},
	{"[file:magic_number_hex = h'ffd']", STIX_ERR_LEXICAL, 25, "even number"},
	{"[file:magic_number_hex = h'ffzz']", STIX_ERR_LEXICAL, 29, "not a hex digit"},
	{"[file:magic_number_hex = h'ffd8]", STIX_ERR_LEXICAL, 25, "missing its closing quote"},
	{"[artifact:payload_bin = b'abc']", STIX_ERR_LEXICAL, 24, "groups of four"},
	{"[artifact:payload_bin = b'']", STIX_ERR_LEXICAL, 24, "groups of four"},
	{"[artifact:payload_bin = b'ab=c']", STIX_ERR_LEXICAL, 28, "padding before its end"},
	{"[artifact:payload_bin = b'ab!c']", STIX_ERR_LEXICAL, 28, "not base64"},
	{"[File:name = 'x']", STIX_ERR_TYPE_NAME, 1, "may only contain a-z, 0-9 and '-'"},
	{"[fi:name = 'x']", STIX_ERR_TYPE_NAME, 1, "3 to 250 characters"},
	{"[x--y:name = 'x']", STIX_ERR_TYPE_NAME, 3, "contains '--'"},
	{"[abc-:name = 'x']", STIX_ERR_TYPE_NAME, 4, "ends in '-'"},
	{"[file_x:name = 'x']", STIX_ERR_TYPE_NAME, 5, "may only contain"},
	{"[file:name = 'a' AND process:name = 'b']", STIX_ERR_MIXED_TYPES, 21, "('file' and 'process')"},
	{"[(file:name = 'a' OR process:name = 'b') AND file:size = 3]", STIX_ERR_MIXED_TYPES, 1,
	 "this OR mixes types"},
	{"[file:size = 3 AND (file:name = 'a' OR process:name = 'b')]", STIX_ERR_MIXED_TYPES, 19,
	 "this OR mixes types"},
	{"[file:size < true]", STIX_ERR_OPERAND, 13, "cannot order a boolean"},
	{"[file:size >= false]", STIX_ERR_OPERAND, 14, "cannot order a boolean"},
	{"[file:name IN 'x']", STIX_ERR_OPERAND, 14, "IN needs a set constant"},
	{"[file:name = ('a', 'b')]", STIX_ERR_OPERAND, 13, "cannot take a set"},
	{"[file:name IN ('a', 1)]", STIX_ERR_OPERAND, 20, "one type (string, then integer)"},
	{"[file:size IN (1, 2.5)]", STIX_ERR_OPERAND, 18, "one type (integer, then float)"},
	{"[file:name LIKE 5]", STIX_ERR_OPERAND, 16, "LIKE needs a string"},
	{"[file:name MATCHES h'00']", STIX_ERR_OPERAND, 19, "MATCHES needs a string"},
	{"[ipv4-addr:value ISSUBSET 5]", STIX_ERR_OPERAND, 26, "ISSUBSET needs a string"},
	{"[file:name ISSUBSET '10.0.0.0/8']", STIX_ERR_OPERAND, 1, "applies only to ipv4-addr:value"},
	{"[ipv4-addr:value = 5]", STIX_ERR_OPERAND, 19, "must be compared with a string"},
	{"[file:hashes.MD5 = 5]", STIX_ERR_OPERAND, 19, "must be compared with a string"},
	{"[file:name MATCHES '(abc']", STIX_ERR_VALUE, 19, "never closed"},
	{"[file:name MATCHES '[abc']", STIX_ERR_VALUE, 19, "character class"},
	{"[file:name MATCHES 'a)']", STIX_ERR_VALUE, 19, "without a matching '('"},
	{"[file:name MATCHES 'a\\\\']", STIX_ERR_VALUE, 19, "lone backslash"},
	{"[ipv4-addr:value ISSUBSET '10.0.0.0/33']", STIX_ERR_VALUE, 26, "valid IPv4 CIDR block"},
	{"[ipv6-addr:value ISSUPERSET '10.0.0.0/8']", STIX_ERR_VALUE, 28, "valid IPv6 CIDR block"},
	{"[ipv4-addr:value ISSUBSET '10.0.0.1']", STIX_ERR_VALUE, 26, "valid IPv4 CIDR block"},
	{"[network-traffic:dst_ref.value ISSUBSET 'example.com/8']", STIX_ERR_VALUE, 40, "valid IP CIDR block"},
	{"[network-traffic:dst_ref.type ISSUBSET '10.0.0.0/8']", STIX_ERR_OPERAND, 1, "applies only to"},
	{"[ipv4-addr:value = '256.1.1.1']", STIX_ERR_VALUE, 19, "not a valid IPv4 address"},
	{"[ipv4-addr:value = '10.01.1.1']", STIX_ERR_VALUE, 19, "not a valid IPv4 address"},
	{"[ipv4-addr:value = '2001:db8::1']", STIX_ERR_VALUE, 19, "not a valid IPv4"},
	{"[ipv6-addr:value = '2001:db8:::1']", STIX_ERR_VALUE, 19, "not a valid IPv6"},
	{"[ipv6-addr:value IN ('::1', '::1/129')]", STIX_ERR_VALUE, 20, "'::1/129' is not a valid IPv6"},
	{"[file:hashes.MD5 = 'abc']", STIX_ERR_VALUE, 19,
	 "object path 'file:hashes.MD5' has an invalid hash length"},
	{"[file:hashes.'SHA-256' = 'zz" SHA256_OK "']", STIX_ERR_VALUE, 25, "invalid hash length"},
	{"[file:hashes.'SHA-256' = 'z" SHA256_OK "']", STIX_ERR_VALUE, 25, "invalid hash length"},
	{"[file:hashes.'SHA-1' = 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz']", STIX_ERR_VALUE, 23,
	 "not hexadecimal"},
	{"[file:hashes.'SHA-1' IN ('da39a3ee5e6b4b0d3255bfef95601890afd80709', 'abc')]",
	 STIX_ERR_VALUE, 24, "'file:hashes.'SHA-1'' has an invalid hash length"},
	{"[file:created = t'2016-02-30T00:00:00Z']", STIX_ERR_VALUE, 16, "day that month does not have"},
	{"[file:created = t'2015-02-29T00:00:00Z']", STIX_ERR_VALUE, 16, "day that month does not have"},
	{"[file:created = t'2016-01-01T00:00:00']", STIX_ERR_VALUE, 16, "too short"},
	{"[file:created = t'2016-01-01T00:00:00.123']", STIX_ERR_VALUE, 16, "must end in 'Z'"},
	{"[file:created = t'2016-01-01T00:00:00+01:00']", STIX_ERR_VALUE, 16, "must end in 'Z'"},
	{"[file:created = t'2016-13-01T00:00:00Z']", STIX_ERR_VALUE, 16, "month outside"},
	{"[file:created = t'2016-01-01T24:00:00Z']", STIX_ERR_VALUE, 16, "hour outside"},
	{"[file:created = t'2016-01-01T12:00:60Z']", STIX_ERR_VALUE, 16, "leap second"},
	{"[file:created = t'2016-01-01 00:00:00Z']", STIX_ERR_VALUE, 16, "not in the form"},
	{"[file:created = t'2016-01-01T00:00:00.Z']", STIX_ERR_VALUE, 16, "without fraction digits"},
	{"[file:name = 'x'] WITHIN 0 SECONDS", STIX_ERR_QUALIFIER, 25, "positive number of seconds"},
	{"[file:name = 'x'] WITHIN 0.0 SECONDS", STIX_ERR_QUALIFIER, 25, "positive number of seconds"},
	{"[file:name = 'x'] WITHIN -5 SECONDS", STIX_ERR_QUALIFIER, 25, "positive number of seconds"},
	{"[file:name = 'x'] REPEATS 0 TIMES", STIX_ERR_QUALIFIER, 26, "positive integer"},
	{"[file:name = 'x'] START " T2 " STOP " T1, STIX_ERR_QUALIFIER, 53, "STOP must be later than START"},
	{"[file:name = 'x'] START " T1 " STOP " T1, STIX_ERR_QUALIFIER, 53, "STOP must be later"},
	{"[file:name = 'x'] START t'2016-01-01T00:00:00.5Z' STOP t'2016-01-01T00:00:00.25Z'",
	 STIX_ERR_QUALIFIER, 55, "STOP must be later"},
	{"[file:name = 'x'] WITHIN 5 SECONDS WITHIN 6 SECONDS", STIX_ERR_QUALIFIER, 35,
	 "WITHIN is given twice"},
	{"([file:name = 'x'] REPEATS 2 TIMES REPEATS 3 TIMES)", STIX_ERR_QUALIFIER, 35,
	 "REPEATS is given twice"},
	{"[file:name = 'x'] START " T1 " STOP " T2 " WITHIN 1 SECONDS START " T1 " STOP " T2,
	 STIX_ERR_QUALIFIER, 94, "START/STOP is given twice"},
	{"[file:size = 99999999999999999999]", STIX_ERR_LIMIT, 13, "64-bit range"},
};

static void test_malformed(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	int failures = 0;
	for (size_t i = 0; i < KR_ARRAY_LEN(bad_patterns); i++) {
		const struct bad *b = &bad_patterns[i];
		struct stix_pattern *p = (struct stix_pattern *)1;
		struct stix_error err;
		int rc = stix_pattern_parse(a, b->pat, strlen(b->pat), &p, &err);
		if (rc != KR_EINVAL || p != NULL || err.cls != b->cls || err.offset != b->off ||
		    !strstr(err.reason, b->reason)) {
			print_error("pattern %s\n  want class %d offset %zu reason ~ %s\n  got rc %d class %d %s\n",
			            b->pat, b->cls, b->off, b->reason, rc, err.cls,
			            rc ? err.msg : "(accepted)");
			failures++;
			continue;
		}
		/* msg is "offset N: reason". */
		char want[64];
		snprintf(want, sizeof(want), "offset %zu: ", b->off);
		assert_memory_equal(err.msg, want, strlen(want));
	}
	assert_true(KR_ARRAY_LEN(bad_patterns) >= 40);
	assert_int_equal(failures, 0);
	arena_free(a);
}

static void expect_class(const char *s, size_t len, int want_rc, enum stix_err_class cls, size_t off)
{
	struct arena *a = arena_new();
	struct stix_pattern *p = NULL;
	struct stix_error err;
	assert_int_equal(stix_pattern_parse(a, s, len, &p, &err), want_rc);
	assert_null(p);
	assert_int_equal(err.cls, cls);
	assert_int_equal(err.offset, off);
	arena_free(a);
}

static void test_bytes(void **state)
{
	(void)state;
	/* NUL inside, invalid UTF-8, overlong encoding. */
	expect_class("[file:name = 'a\0']", 19, KR_EINVAL, STIX_ERR_LEXICAL, 15);
	expect_class("[file:name = 'a\xff']", 18, KR_EINVAL, STIX_ERR_LEXICAL, 15);
	expect_class("[file:name = '\xc0\xaf']", 19, KR_EINVAL, STIX_ERR_LEXICAL, 14);
	/* UTF-8 inside strings is fine. */
	struct arena *a = arena_new();
	struct stix_pattern *p = parse_ok(a, "[file:name = '\xe6\x97\xa5\xe6\x9c\xac.exe']");
	assert_string_equal(p->root->cmp->value.text, "\xe6\x97\xa5\xe6\x9c\xac.exe");
	arena_free(a);
}

static void test_limits(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct stix_error err;
	struct stix_pattern *p;

	/* 63 parentheses + 1 bracket = 64 levels: accepted. 65: refused. */
	struct buf b = BUF_INIT;
	for (int i = 0; i < 63; i++)
		buf_addc(&b, '(');
	buf_adds(&b, "[file:name = 'a']");
	for (int i = 0; i < 63; i++)
		buf_addc(&b, ')');
	p = parse_ok(a, b.p);
	check_roundtrip(a, p);
	buf_reset(&b);
	for (int i = 0; i < 64; i++)
		buf_addc(&b, '(');
	buf_adds(&b, "[file:name = 'a']");
	for (int i = 0; i < 64; i++)
		buf_addc(&b, ')');
	assert_int_equal(stix_pattern_parse(a, b.p, b.len, &p, &err), KR_EINVAL);
	assert_int_equal(err.cls, STIX_ERR_LIMIT);
	assert_int_equal(err.offset, 64);

	/* Comparison-level nesting counts too. */
	buf_reset(&b);
	buf_addc(&b, '[');
	for (int i = 0; i < 100; i++)
		buf_addc(&b, '(');
	assert_int_equal(stix_pattern_parse(a, b.p, b.len, &p, &err), KR_EINVAL);
	assert_int_equal(err.cls, STIX_ERR_LIMIT);
	assert_int_equal(err.offset, 64);

	/* A hostile run of brackets far past the cap fails fast, not deep. */
	buf_reset(&b);
	for (int i = 0; i < 60000; i++)
		buf_addc(&b, '(');
	assert_int_equal(stix_pattern_parse(a, b.p, b.len, &p, &err), KR_EINVAL);
	assert_int_equal(err.cls, STIX_ERR_LIMIT);

	/* Long flat chains are fine and stay flat. */
	buf_reset(&b);
	int n = 0;
	while (b.len < 60000) {
		if (n++)
			buf_adds(&b, " AND ");
		buf_adds(&b, "[file:size = 1 OR file:size = 2]");
	}
	p = parse_ok(a, b.p);
	assert_int_equal(p->root->kind, STIX_OBS_AND);
	assert_int_equal(p->root->nkids, (size_t)n);
	check_roundtrip(a, p);

	/* Over the length cap. */
	buf_reset(&b);
	buf_adds(&b, "[file:name = '");
	while (b.len < STIX_PATTERN_MAX_LEN)
		buf_addc(&b, 'x');
	buf_adds(&b, "']");
	assert_int_equal(stix_pattern_parse(a, b.p, b.len, &p, &err), KR_ETOOBIG);
	assert_int_equal(err.cls, STIX_ERR_LIMIT);
	assert_null(p);
	buf_free(&b);
	arena_free(a);
}

static void test_same_type_and(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"[file:name = 'a' OR process:name = 'b']",
		"[file:name = 'a' AND file:size = 3 OR process:name = 'b']",
		"[(file:name = 'a' OR file:name = 'b') AND file:size = 3]",
		"[process:name = 'a' OR (file:name = 'x' AND file:size > 1)]",
		/* A reference leads elsewhere, but the comparison is still about a file. */
		"[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\\\Windows']",
		/* Observation-level AND may join different types. */
		"[file:name = 'a'] AND [process:name = 'b']",
		"[EXISTS file:name AND file:size = 3]",
	};
	struct arena *a = arena_new();
	for (size_t i = 0; i < KR_ARRAY_LEN(ok); i++)
		check_roundtrip(a, parse_ok(a, ok[i]));
	struct stix_pattern *p;
	struct stix_error err;
	const char *bad = "[file:name = 'a' AND file:size = 1 AND (process:pid = 1 OR process:pid = 2)]";
	assert_int_equal(stix_pattern_parse(a, bad, strlen(bad), &p, &err), KR_EINVAL);
	assert_int_equal(err.cls, STIX_ERR_MIXED_TYPES);
	assert_int_equal(err.offset, 39);
	bad = "[file:name = 'a' AND (process:pid = 1 OR process:pid = 2)]";
	assert_int_equal(stix_pattern_parse(a, bad, strlen(bad), &p, &err), KR_EINVAL);
	assert_int_equal(err.cls, STIX_ERR_MIXED_TYPES);
	assert_non_null(strstr(err.reason, "('file' and 'process')"));
	arena_free(a);
}

static void test_precedence(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	/* FOLLOWEDBY binds loosest, then OR, then AND. */
	struct stix_pattern *p =
	    parse_ok(a, "[x-a:v = 1] OR [x-b:v = 2] AND [x-c:v = 3] FOLLOWEDBY [x-d:v = 4]");
	const struct stix_obs *r = p->root;
	assert_int_equal(r->kind, STIX_OBS_FOLLOWEDBY);
	assert_int_equal(r->nkids, 2);
	assert_int_equal(r->kids[0]->kind, STIX_OBS_OR);
	assert_int_equal(r->kids[0]->kids[1]->kind, STIX_OBS_AND);
	assert_string_equal(r->kids[0]->kids[1]->kids[0]->cmp->path.type, "x-b");
	assert_string_equal(r->kids[1]->cmp->path.type, "x-d");
	struct buf b = BUF_INIT;
	stix_pattern_print(p, &b);
	assert_string_equal(b.p, "([x-a:v = 1] OR ([x-b:v = 2] AND [x-c:v = 3])) FOLLOWEDBY [x-d:v = 4]");
	check_roundtrip(a, p);

	/* Parentheses regroup. */
	p = parse_ok(a, "([x-a:v = 1] OR [x-b:v = 2]) AND [x-c:v = 3]");
	assert_int_equal(p->root->kind, STIX_OBS_AND);
	assert_int_equal(p->root->kids[0]->kind, STIX_OBS_OR);

	/* Inside brackets: AND before OR. */
	p = parse_ok(a, "[x-a:v = 1 OR x-a:w = 2 AND x-a:u = 3]");
	const struct stix_cmp *c = p->root->cmp;
	assert_int_equal(c->kind, STIX_CMP_OR);
	assert_int_equal(c->nkids, 2);
	assert_int_equal(c->kids[1]->kind, STIX_CMP_AND);
	buf_reset(&b);
	stix_pattern_print(p, &b);
	assert_string_equal(b.p, "[x-a:v = 1 OR (x-a:w = 2 AND x-a:u = 3)]");
	buf_free(&b);
	arena_free(a);
}

static void test_qualifiers(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct stix_pattern *p = parse_ok(
	    a, "[file:name = 'a'] REPEATS 5 TIMES WITHIN 1800 SECONDS START t'2016-06-01T00:00:00Z' STOP "
	       "t'2016-06-01T00:00:00.001Z'");
	const struct stix_obs *o = p->root;
	assert_int_equal(o->nquals, 3);
	assert_int_equal(o->quals[0].kind, STIX_Q_REPEATS);
	assert_int_equal(o->quals[0].a.i, 5);
	assert_int_equal(o->quals[1].kind, STIX_Q_WITHIN);
	assert_int_equal(o->quals[1].a.i, 1800);
	assert_int_equal(o->quals[2].kind, STIX_Q_STARTSTOP);
	assert_string_equal(o->quals[2].a.text, "2016-06-01T00:00:00Z");
	assert_string_equal(o->quals[2].b.text, "2016-06-01T00:00:00.001Z");
	check_roundtrip(a, p);

	/* Float WITHIN, '+' sign, qualifier on a group and on a group member. */
	p = parse_ok(a, "([file:name = 'a'] WITHIN +2.5 SECONDS AND [file:name = 'b']) WITHIN .5 SECONDS");
	assert_int_equal(p->root->kind, STIX_OBS_AND);
	assert_int_equal(p->root->nquals, 1);
	assert_string_equal(p->root->quals[0].a.text, ".5");
	assert_int_equal(p->root->kids[0]->nquals, 1);
	assert_string_equal(p->root->kids[0]->quals[0].a.text, "2.5");
	struct buf b = BUF_INIT;
	stix_pattern_print(p, &b);
	assert_string_equal(b.p,
	                    "([file:name = 'a'] WITHIN 2.5 SECONDS AND [file:name = 'b']) WITHIN .5 SECONDS");
	check_roundtrip(a, p);

	/* A parenthesised, qualified expression keeps its own qualifiers. */
	p = parse_ok(a, "(([file:name = 'a'] REPEATS 2 TIMES)) REPEATS 3 TIMES WITHIN 9 SECONDS");
	assert_int_equal(p->root->kind, STIX_OBS_GROUP);
	assert_int_equal(p->root->nkids, 1);
	assert_int_equal(p->root->nquals, 2);
	assert_int_equal(p->root->quals[0].a.i, 3);
	assert_int_equal(p->root->kids[0]->kind, STIX_OBS_CMP);
	assert_int_equal(p->root->kids[0]->nquals, 1);
	assert_int_equal(p->root->kids[0]->quals[0].a.i, 2);
	buf_reset(&b);
	stix_pattern_print(p, &b);
	assert_string_equal(b.p, "([file:name = 'a'] REPEATS 2 TIMES) REPEATS 3 TIMES WITHIN 9 SECONDS");
	check_roundtrip(a, p);
	p = parse_ok(a, "((([a-b:c = 1] OR [a-b:c = 2]) WITHIN 1 SECONDS) WITHIN 2 SECONDS) WITHIN 3 SECONDS "
	                "AND [a-b:c = 3]");
	assert_int_equal(p->root->kind, STIX_OBS_AND);
	assert_int_equal(p->root->kids[0]->kind, STIX_OBS_GROUP);
	assert_int_equal(p->root->kids[0]->kids[0]->kind, STIX_OBS_GROUP);
	assert_int_equal(p->root->kids[0]->kids[0]->kids[0]->kind, STIX_OBS_OR);
	check_roundtrip(a, p);
	/* Plain parentheses leave no trace. */
	p = parse_ok(a, "(([file:name = 'a'])) WITHIN 4 SECONDS");
	assert_int_equal(p->root->kind, STIX_OBS_CMP);
	assert_int_equal(p->root->nquals, 1);
	buf_free(&b);

	/* Leap second at the end of a day, and leap day. */
	parse_ok(a, "[file:name = 'a'] START t'2016-12-31T23:59:60Z' STOP t'2017-01-01T00:00:00Z'");
	parse_ok(a, "[file:created = t'2000-02-29T00:00:00Z']");
	arena_free(a);
}

static void test_escapes(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct stix_pattern *p = parse_ok(a, "[file:name = 'it\\'s a \\\\ test']");
	assert_string_equal(p->root->cmp->value.text, "it's a \\ test");
	struct buf b = BUF_INIT;
	stix_pattern_print(p, &b);
	assert_string_equal(b.p, "[file:name = 'it\\'s a \\\\ test']");
	check_roundtrip(a, p);

	/* Quoted path components: unquoted when they can be, quoted otherwise. */
	p = parse_ok(a, "[file:'name' = 'x' OR file:hashes.'SHA-256' = '" SHA256_OK
	                "' OR file:x.'IN' = 1 OR file:x.'a\\'b' = 2]");
	buf_reset(&b);
	stix_pattern_print(p, &b);
	assert_string_equal(b.p, "[file:name = 'x' OR file:hashes.'SHA-256' = '" SHA256_OK
	                         "' OR file:x.'IN' = 1 OR file:x.'a\\'b' = 2]");
	check_roundtrip(a, p);

	/* Constants of every kind survive printing. */
	p = parse_ok(a, "[x-t:a = -5 OR x-t:b = -0.25 OR x-t:c = true OR x-t:d != false OR x-t:e = b'AAE=' "
	                "OR x-t:f = h'' OR x-t:g[-1] = h'DeAd' OR x-t:h[*] IN () OR x-t:i NOT LIKE 'a%' OR "
	                "x-t:j NOT IN (t'2016-01-01T00:00:00Z', t'2017-01-01T00:00:00Z')]");
	buf_reset(&b);
	stix_pattern_print(p, &b);
	assert_string_equal(b.p, "[x-t:a = -5 OR x-t:b = -0.25 OR x-t:c = true OR x-t:d != false OR "
	                         "x-t:e = b'AAE=' OR x-t:f = h'' OR x-t:g[-1] = h'DeAd' OR x-t:h[*] IN () "
	                         "OR x-t:i NOT LIKE 'a%' OR x-t:j NOT IN (t'2016-01-01T00:00:00Z', "
	                         "t'2017-01-01T00:00:00Z')]");
	check_roundtrip(a, p);
	buf_free(&b);
	arena_free(a);
}

static void collect(void *ud, const char *kind, const char *value)
{
	buf_printf(ud, "%s=%s;", kind, value);
}

static void test_values(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct stix_pattern *p = parse_ok(
	    a, "[ipv4-addr:value = '198.51.100.1' OR ipv4-addr:value IN ('203.0.113.0/24', '10.0.0.1')] "
	       "OR [ipv6-addr:value = '2001:db8::1'] OR [domain-name:value = 'example.com'] "
	       "FOLLOWEDBY ([url:value = 'http://example.com/x'] AND [email-addr:value = 'a@example.com']) "
	       "OR [email-message:from_ref.value = 'b@example.com' AND email-message:subject = 'hi'] "
	       "OR [file:name = 'x.exe' AND file:hashes.MD5 = 'CEAD3F77F6CDA6EC00F57D76C9A6879F' AND "
	       "file:hashes.'SHA-256' != '" SHA256_OK "' AND file:hashes.ssdeep = '3:a:b'] "
	       "OR [file:name NOT = 'skip.exe' OR file:name LIKE 'skip%' OR process:name = 'skip']");
	struct buf b = BUF_INIT;
	int n = stix_pattern_values(p, collect, &b);
	assert_string_equal(b.p, "ipv4-addr=198.51.100.1;ipv4-addr=203.0.113.0/24;ipv4-addr=10.0.0.1;"
	                         "ipv6-addr=2001:db8::1;domain-name=example.com;url=http://example.com/x;"
	                         "email-addr=a@example.com;email-addr=b@example.com;file-name=x.exe;"
	                         "md5=cead3f77f6cda6ec00f57d76c9a6879f;ssdeep=3:a:b;");
	assert_int_equal(n, 11);
	assert_int_equal(stix_pattern_values(NULL, collect, &b), KR_EINVAL);
	buf_free(&b);
	arena_free(a);
}

static void test_ip_and_hash_values(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"[ipv4-addr:value = '0.0.0.0/0']",
		"[ipv4-addr:value = '255.255.255.255/32']",
		"[ipv6-addr:value = '::/0']",
		"[ipv6-addr:value = '::ffff:192.0.2.1']",
		"[ipv6-addr:value IN ('2001:db8::/32', 'fe80::1')]",
		"[ipv4-addr:value LIKE '10.%']",
		"[ipv4-addr:value != '10.0.0.1']",
		"[network-traffic:src_ref.value ISSUPERSET '10.0.0.0/8']",
		"[file:hashes.'SHA-512' = '" SHA256_OK SHA256_OK "']",
		"[file:hashes.'SHA3-256' = '" SHA256_OK "']",
		"[file:hashes.md5 = 'cead3f77f6cda6ec00f57d76c9a6879f']",
		"[file:hashes.'x-custom' = 'anything']",
		"[artifact:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']",
		"[file:name MATCHES '^[]a(]+(x|y)\\\\)$']",
	};
	struct arena *a = arena_new();
	for (size_t i = 0; i < KR_ARRAY_LEN(ok); i++)
		check_roundtrip(a, parse_ok(a, ok[i]));
	arena_free(a);
}

static void test_operator_spellings(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct stix_pattern *p = parse_ok(a, "[file:size == 1 OR file:size <> 2 OR file:size<=3 OR file:size>=4 "
	                                     "OR file:size<5 OR file:size>6 OR file:name!='x']");
	struct buf b = BUF_INIT;
	stix_pattern_print(p, &b);
	assert_string_equal(b.p, "[file:size = 1 OR file:size != 2 OR file:size <= 3 OR file:size >= 4 OR "
	                         "file:size < 5 OR file:size > 6 OR file:name != 'x']");
	buf_free(&b);
	check_roundtrip(a, p);
	/* Keywords need no surrounding space next to punctuation. */
	p = parse_ok(a, "([file:name MATCHES'^a$'AND file:size IN(1,2)])WITHIN 5 SECONDS");
	assert_int_equal(p->root->nquals, 1);
	assert_int_equal(p->root->cmp->kind, STIX_CMP_AND);
	arena_free(a);
}

static void test_bad_args(void **state)
{
	(void)state;
	struct arena *a = arena_new();
	struct stix_pattern *p;
	struct stix_error err;
	assert_int_equal(stix_pattern_parse(a, NULL, 5, &p, &err), KR_EINVAL);
	assert_int_equal(stix_pattern_parse(NULL, "[a:b=1]", 7, &p, NULL), KR_EINVAL);
	/* The length given is honoured: the text after it is not read. */
	assert_int_equal(stix_pattern_parse(a, "[file:size = 1]garbage", 15, &p, &err), KR_OK);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_examples),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_same_type_and),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_qualifiers),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_ip_and_hash_values),
		cmocka_unit_test(test_operator_spellings),
		cmocka_unit_test(test_bad_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
