# Alexa recognized-speaker skill backend: see README.md.
# make / make deps / make run / make test / make bench / make fuzz / make sanitize

SHELL := /bin/bash
CC ?= gcc
BUILD ?= build
PKGS := libcurl json-c openssl
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT ?= -O2 -g
CFLAGS += $(OPT) -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Wall -Wextra -Werror \
	-Wshadow -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation $(HARDEN) -pthread \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(SANFLAGS)
LDFLAGS += -pie -Wl,-z,relro,-z,now -pthread $(SANFLAGS)
LIBS := -lfcgi $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# The worker allocates with mimalloc (fewer cycles per request than glibc's
# malloc, see README "Performance"); sanitizer and fuzz builds keep the
# allocator their runtime brings.
ALLOC := $(if $(SANFLAGS),,mimalloc)

CORE_SRC := app/config.c app/core.c app/envelope.c app/jsonutil.c app/log.c \
	app/messages.c app/profile.c app/response.c app/skill.c app/verify.c \
	app/consent.c app/booking.c app/http.c app/http1.c app/jtree.c
CORE_OBJ := $(CORE_SRC:app/%.c=$(BUILD)/obj/%.o)
WORKER_OBJ := $(BUILD)/obj/main.o $(BUILD)/obj/fcgi.o
UNIT_SRC := $(wildcard tests/unit/*.c)

# Debian packages: build, run the stack, run the tests.
DEB_PKGS := gcc clang libclang-rt-14-dev make pkg-config libfcgi-dev libcurl4-openssl-dev libjson-c-dev \
	libssl-dev libmimalloc-dev check nginx-light spawn-fcgi multiwatch curl openssl python3 \
	libfaketime faketime wrk valgrind

SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: all deps run test unit integration bench fuzz sanitize soak clean check-config

all: $(BUILD)/skill.fcgi

deps:
	@scripts/deps $(DEB_PKGS)

$(BUILD)/obj/%.o: app/%.c $(wildcard app/*.h) | $(BUILD)/obj
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/main.o: CFLAGS += $(if $(ALLOC),-DWITH_MIMALLOC)

$(BUILD)/obj:
	@mkdir -p $@

$(BUILD)/skill.fcgi: $(CORE_OBJ) $(WORKER_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(if $(ALLOC),-l$(ALLOC)) $(LIBS)

$(BUILD)/libcore.a: $(CORE_OBJ)
	ar rcs $@ $^

$(BUILD)/unit-tests: $(UNIT_SRC) $(BUILD)/libcore.a $(wildcard tests/unit/*.h)
	$(CC) $(CFLAGS) -o $@ $(UNIT_SRC) $(BUILD)/libcore.a \
		$(LDFLAGS) $(LIBS) $(shell pkg-config --libs check)

run: deps all
	@scripts/run

unit: deps $(BUILD)/unit-tests
	@scripts/dev-pki >/dev/null
	@mkdir -p $(BUILD)/reports
	@cd tests/unit && CK_TAP_LOG_FILE_NAME=- ../../$(BUILD)/unit-tests

test: deps all $(BUILD)/unit-tests
	@scripts/test-all

bench: deps all
	@tests/bench/run

# The whole test suite with the worker and unit tests built with
# AddressSanitizer + UndefinedBehaviorSanitizer; any report fails it.
sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build/asan SANFLAGS="$(SAN)" OPT="-O1 -g" \
		build/asan/skill.fcgi build/asan/unit-tests
	@scripts/sanitize

# Steady load through nginx TLS (SOAK_SECONDS, default 120).
soak: deps all
	@scripts/dev-pki >/dev/null
	@tests/soak/run

# libFuzzer targets (clang); FUZZ_SECONDS per target (default 60).
fuzz: deps
	@tests/fuzz/run

clean:
	rm -rf $(BUILD)
