# Kairan build.  One GNU Makefile, pkg-config for every library.
#
#   make                 debug build            -> build/debug/kairan
#   make KIND=release    optimised build        -> build/release/kairan
#   make KIND=asan       ASan + UBSan build     -> build/asan/kairan  (used by the tests)
#   make KIND=cov        coverage build
#   make run             bootstrap, build, create the demo database and serve it
#   make test            bootstrap, build, run every test (unit, http, browser, fuzz)
#   make check-code      the build-time rule check (literal SQL and raw HTML only)
#
# Sources are found by wildcard so adding a file never needs a Makefile edit.

KIND    ?= debug
BUILD   := build/$(KIND)
CC      ?= cc
PKGS    := libmicrohttpd sqlite3 jansson libsodium libcurl libcmark-gfm liboath libqrencode libpq

WARN    := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wvla -Wimplicit-fallthrough
CSTD    := -std=c17 -D_GNU_SOURCE
# libcmark-gfm.pc already links -lcmark-gfm-extensions; Debian ships no .pc
# of its own for the extensions, and one unknown package empties the lot.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ifeq ($(PKG_LIBS),)
  ifeq ($(filter bootstrap run test clean,$(MAKECMDGOALS)),)
    $(error pkg-config cannot find the libraries ($(PKGS)): run scripts/bootstrap.sh)
  endif
endif

ifeq ($(KIND),release)
  OPT := -O2 -g -DNDEBUG -fstack-protector-strong -D_FORTIFY_SOURCE=2
else ifeq ($(KIND),asan)
  OPT := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
  LDOPT := -fsanitize=address,undefined
else ifeq ($(KIND),fuzz)
  # libFuzzer targets: every object instrumented for coverage and sanitizers.
  CC  := clang
  OPT := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
  LDOPT := -fsanitize=address,undefined
else ifeq ($(KIND),cov)
  OPT := -O0 -g --coverage
  LDOPT := --coverage
else
  OPT := -O0 -g
endif

CFLAGS  += $(CSTD) $(WARN) $(OPT) -Isrc $(PKG_CFLAGS) -MMD -MP
LDFLAGS += $(LDOPT)
LDLIBS  += $(PKG_LIBS) -lpthread -lm

SRC      := $(sort $(wildcard src/*/*.c))
MAIN_SRC := src/main.c
OBJ      := $(SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/assets.o
MAIN_OBJ := $(MAIN_SRC:%.c=$(BUILD)/%.o)
ASSETS   := $(sort $(wildcard assets/*))

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/fuzz/%)

.PHONY: fuzz all run test test-unit test-http test-browser test-fuzz check-code clean bench bench-tools bootstrap

all: $(BUILD)/kairan check-code

# Everything but main() goes into one archive: the binary and every test
# link against it, so a test may define its own route table or hooks and
# only the objects it needs are pulled in.
$(BUILD)/libkairan.a: $(OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/kairan: $(MAIN_OBJ) $(BUILD)/libkairan.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# Assets (CSS, JS, icons) are compiled into the binary by a small generator.
$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -O1 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/gen/assets.c: $(BUILD)/tools/embed $(ASSETS)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed $@ $(ASSETS)

$(BUILD)/gen/assets.o: $(BUILD)/gen/assets.c
	$(CC) $(CSTD) -O1 -Isrc -c -o $@ $<

# The rule check (STYLE.md): SQL text and raw HTML must be string literals.
$(BUILD)/tools/codecheck: tools/codecheck.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -O1 -Wall -Wextra -Werror -o $@ $<

check-code: $(BUILD)/tools/codecheck
	$(BUILD)/tools/codecheck $(SRC) $(MAIN_SRC)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libkairan.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libkairan.a $(LDLIBS) -lcmocka

# Fuzz targets: tests/fuzz/fuzz_NAME.c -> build/fuzz/fuzz/fuzz_NAME, seed corpus
# in tests/fuzz/corpus/NAME/.  Build with: make fuzz (uses KIND=fuzz).
fuzz:
	$(MAKE) KIND=fuzz fuzz-bins

fuzz-bins: $(FUZZ_BIN)

build/fuzz/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/libkairan.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(BUILD)/libkairan.a $(LDLIBS)

run:
	scripts/bootstrap.sh
	$(MAKE) KIND=release
	scripts/run-demo.sh

test:
	scripts/bootstrap.sh --test
	scripts/test.sh

test-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# One stage of scripts/test.sh at a time (each builds what it needs first).
test-http:
	KAIRAN_TEST_ONLY=http scripts/test.sh

test-browser:
	KAIRAN_TEST_ONLY=browser scripts/test.sh

test-fuzz:
	KAIRAN_TEST_ONLY=fuzz scripts/test.sh

bench:
	bench/run.sh

# bench/taxii.sh's raw-SQLite yardstick (sqlite3 only, no Kairan code).
bench-tools: $(BUILD)/bench/sqlite_raw

$(BUILD)/bench/sqlite_raw: bench/sqlite_raw.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -D_GNU_SOURCE $(WARN) $(OPT) -o $@ $< $(shell pkg-config --cflags --libs sqlite3)

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_BIN:=.d) $(FUZZ_BIN:=.d)
