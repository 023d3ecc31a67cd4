# vusb: virtual USB devices through vhci_hcd.
#
#   make              build bin/vusb-attach and bin/vusbctl
#   make check        unit, loop and host tests, the layer check (no kernel module needed)
#   make vm-check     real-kernel tests in a qemu VM (tests/vm/README.md)
#   make check-asan   all tests again with ASan and UBSan (build-asan/)
#   make check-all    all three
#   make fuzz         each fuzzer for FUZZ_SECONDS (clang, libFuzzer)
#   make bench        vusb beside the kernel's own paths, one table (tests/bench)
#   make bench-storage  the mass storage benchmark alone (tests/bench/storage)
#   make install      PREFIX=/usr/local DESTDIR=
#   make uninstall    the same PREFIX and DESTDIR
#   make deb          the Debian package, build/deb/vusb_VERSION_ARCH.deb (scripts/mkdeb)
#   make deps         install the Debian/Ubuntu packages to build and test

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share
# systemd finds units under /usr/local too, but udevd and systemd-sleep
# look in /usr/lib (/lib) only: install with PREFIX=/usr, or point these
# there, for the rules and the sleep hook to take effect.
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SLEEPDIR   ?= $(PREFIX)/lib/systemd/system-sleep
UDEVDIR    ?= $(PREFIX)/lib/udev
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
COMPLDIR   ?= $(DATADIR)/bash-completion/completions
DESTDIR    ?=
BUILD      ?= build
BIN        ?= bin

CC         ?= cc
PKG_CONFIG ?= pkg-config
PKGS       := libudev libkmod libmnl

CFLAGS     ?= -O2 -g
# dpkg-buildflags' -D_FORTIFY_SOURCE comes in CPPFLAGS (make deb).
WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
              -Wmissing-prototypes -Wformat=2 -Wno-unused-parameter
ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE -DVUSB_VERSION='"$(VERSION)"' \
              $(WARN) -I. -MMD -MP \
              $(shell $(PKG_CONFIG) --cflags $(PKGS)) $(CPPFLAGS) $(CFLAGS)
# libkmod is opened with dlopen when needed (sysfs/kmod.c): headers only.
LIBS        = $(shell $(PKG_CONFIG) --libs $(filter-out libkmod,$(PKGS)))
TEST_LIBS   = $(shell $(PKG_CONFIG) --libs cmocka)

# Everything but the programs' own files (each main() and what only it
# uses: src/app/vusb-attach*.c, src/app/vusbctl*.c) goes into one static
# library that the programs, the tests and the fuzzers link.
PROGS      := vusb-attach vusbctl
CTL_SRCS   := $(wildcard src/app/vusbctl*.c)
ATTACH_SRCS := $(wildcard src/app/vusb-attach*.c)
MAINS      := $(ATTACH_SRCS) $(CTL_SRCS)
LIB_SRCS   := $(filter-out $(MAINS),$(wildcard src/*/*.c hid/*.c dfu/*.c dfu/*/*.c sysfs/*.c))
LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB        := $(BUILD)/libvusb.a

TESTLIB_SRCS := $(wildcard tests/lib/*.c)
TESTLIB_OBJS := $(TESTLIB_SRCS:%.c=$(BUILD)/%.o)
TESTLIB    := $(BUILD)/libvusbtest.a

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
LOOP_SRCS  := $(wildcard tests/loop/test_*.c)
TEST_BINS  := $(UNIT_SRCS:tests/%.c=$(BUILD)/tests/%) \
              $(LOOP_SRCS:tests/%.c=$(BUILD)/tests/%)
# Programs the VM tests run inside the guest beside ours.
VM_TOOLS   := $(patsubst tests/vm/%.c,$(BUILD)/tests/vm/%,$(wildcard tests/vm/*.c))

all: $(PROGS:%=$(BIN)/%)

$(BIN)/%: $(BUILD)/src/app/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# vusb-attach's main() and the files only it needs (vusb-attach.h).
$(BIN)/vusb-attach: $(ATTACH_SRCS:%.c=$(BUILD)/%.o) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# vusbctl is a client of the control socket (and, for vusbctl add, of
# vusb-attach's pure parser): linked without libudev and libmnl, it fails
# to link if it ever needs them.
$(BIN)/vusbctl: $(CTL_SRCS:%.c=$(BUILD)/%.o) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^
	@size $@ | awk 'NR == 2 { printf "vusbctl: %d bytes of code\n", $$1 }'

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(TESTLIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(TESTLIB) $(LIB) $(LIBS) $(TEST_LIBS)

# What the unit and loop tests share (tests/lib: the fake host, the URB
# stream writer and the loop runner, the protocol checker), one static
# library that every test links: each takes only what it uses.
$(TESTLIB): $(TESTLIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tests/vm/%: tests/vm/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

# Scripts that drive our programs with real tools on the build machine
# (tests/host/usbip-client.sh: Debian's usbip against --listen).
HOST_TESTS := $(wildcard tests/host/*.sh)

check: all $(TEST_BINS) $(BUILD)/tests/vm/ctlraw check-layers
	@tests/run-tests $(TEST_BINS) $(HOST_TESTS)

# No include runs up a layer (tests/layers: the rules, bottom-up).
check-layers: $(BIN)/vusbctl
	@tests/layers
	@! ldd $(BIN)/vusbctl | grep -E 'libudev|libmnl' || \
		{ echo "vusbctl links libudev or libmnl: it is a client only" >&2; exit 1; }

vm-check: all $(VM_TOOLS)
	tests/vm/run
	tests/vm/run-systemd
	tests/vm/run-systemd --deb

check-all: check vm-check check-asan

# The unit, loop, host and VM tests again with AddressSanitizer and
# UndefinedBehaviorSanitizer, built apart in build-asan/ (programs in
# build-asan/bin, which the VM runs with the sanitizer runtimes). The
# first error ends the program that made it, and fails its test. Warnings
# are not errors here: the sanitizers change what GCC's flow analysis
# sees (format-truncation, stringop-*), and the plain build has -Werror.
# Sanitized programs run two to three times slower: the VM tests get more
# time (VUSB_VM_TIMEOUT, VUSB_VM_TEST_TIMEOUT override it).
ASAN_BUILD := build-asan
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_ENV    := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:verify_asan_link_order=0 \
              UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

#
# The VM tests that run the real foboot releases (ASAN_VM_SLOW) are left
# out of the sanitized VM run, and the run says so: under ASan the RV32
# core runs foboot's SPI bit-banging about ten times slower than the board
# it emulates, so their time limits measure the sanitizer, not vusb. The
# firmware runner is sanitized all the same: test_fomu_foboot runs both
# releases through the device core in the unit tests above, and t-30/t-31
# run the Fomu model's USB side in the sanitized VM.
ASAN_VM_SLOW := t-32-foboot t-33-foboot-listen t-34-foboot-compare t-35-foboot2
ASAN_VM_TESTS = $(filter-out $(ASAN_VM_SLOW),$(patsubst tests/vm/%.sh,%,$(wildcard tests/vm/t-*.sh)))

check-asan:
	$(SAN_ENV) VUSB_BIN=$(CURDIR)/$(ASAN_BUILD)/bin $(MAKE) BUILD=$(ASAN_BUILD) BIN=$(ASAN_BUILD)/bin \
		CFLAGS="-O1 -g -Wno-error $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" check fuzz-replay
	$(MAKE) $(VM_TOOLS)
	@echo "check-asan: not in the sanitized VM run (too slow under ASan; run by vm-check): $(filter $(ASAN_VM_SLOW),$(patsubst tests/vm/%.sh,%,$(wildcard tests/vm/t-*.sh)))"
	VUSB_VM_BIN=$(ASAN_BUILD)/bin VUSB_VM_OUT=$(ASAN_BUILD)/vm \
		VUSB_VM_TIMEOUT=$${VUSB_VM_TIMEOUT:-6000} \
		VUSB_VM_TEST_TIMEOUT=$${VUSB_VM_TEST_TIMEOUT:-900} tests/vm/run $(ASAN_VM_TESTS)

# libFuzzer targets (tests/fuzz/fuzz_*.c), built with clang and ASan/UBSan
# in build/fuzz/, each run for FUZZ_SECONDS from its seed corpus in
# tests/fuzz/corpus/NAME/ (new inputs go to build/fuzz/corpus/NAME/).
# Any crash, leak, hang or sanitizer report fails the run.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -DVUSB_VERSION='"$(VERSION)"' -I. -g -O1 \
                $(filter-out -Werror,$(WARN)) $(shell $(PKG_CONFIG) --cflags $(PKGS)) \
                $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_LIB     := $(FUZZ_BUILD)/libvusb.a

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(LIB_SRCS:%.c=$(FUZZ_BUILD)/%.o)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/harness.h $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(LIBS)

fuzz: $(FUZZ_BINS)
	tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_BINS)

# The same targets with a plain main() (tests/fuzz/replay.c) and the
# project's compiler: make fuzz-replay runs each over its seeds and over
# every crash reproducer kept in tests/fuzz/crashes/NAME/. check-asan
# runs it, so that a fixed crash stays fixed where there is no clang.
REPLAY_BINS  := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/replay/%)

$(BUILD)/replay/%: $(BUILD)/tests/fuzz/%.o $(BUILD)/tests/fuzz/replay.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

fuzz-replay: $(REPLAY_BINS)
	@for f in $(REPLAY_BINS); do \
		n=$${f##*/fuzz_}; \
		$$f tests/fuzz/corpus/$$n tests/fuzz/crashes/$$n 2>$$f.log || \
			{ tail -n 40 $$f.log; exit 1; }; \
	done

demo: all $(VM_TOOLS)
	tests/vm/run --demo

# Installs what it needs first (valgrind too): a fresh machine runs it as is.
bench:
	scripts/install-deps --bench
	$(MAKE) all $(VM_TOOLS) $(BUILD)/tests/bench/urbcost
	tests/bench/run

# The storage part of make bench alone, with its own table, CSV and JSON.
bench-storage: all $(VM_TOOLS)
	tests/bench/storage

deps:
	scripts/install-deps

# dpkg-buildpackage in a copy of the tree, with contrib/debian as debian/.
deb:
	scripts/mkdeb

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(BIN)/vusb-attach $(BIN)/vusbctl $(DESTDIR)$(BINDIR)/
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SLEEPDIR) $(DESTDIR)$(UDEVDIR)/rules.d $(DESTDIR)$(COMPLDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(DATADIR)/doc/vusb/examples
	install -m 0644 contrib/man/vusb-attach.1 contrib/man/vusbctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 contrib/man/vusb.conf.5 $(DESTDIR)$(MANDIR)/man5/
	for u in vusb@.service vusb-hotplug@.service; do \
		sed 's|@bindir@|$(BINDIR)|g' contrib/systemd/$$u.in >$(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; done
	install -m 0644 contrib/systemd/vusb.target $(DESTDIR)$(UNITDIR)/
	sed 's|@bindir@|$(BINDIR)|g' contrib/systemd-sleep/vusb.in >$(DESTDIR)$(SLEEPDIR)/vusb
	chmod 0755 $(DESTDIR)$(SLEEPDIR)/vusb
	install -m 0644 contrib/udev/60-vusb.rules $(DESTDIR)$(UDEVDIR)/rules.d/
	install -m 0644 contrib/sysusers/vusb.conf $(DESTDIR)$(SYSUSERSDIR)/
	install -m 0644 contrib/tmpfiles/vusb.conf $(DESTDIR)$(TMPFILESDIR)/
	install -m 0644 contrib/bash-completion/vusb-attach contrib/bash-completion/vusbctl \
		$(DESTDIR)$(COMPLDIR)/
	install -m 0644 contrib/udev/61-vusb-hotplug.rules.example contrib/examples/*.conf \
		contrib/examples/*.hid \
		$(DESTDIR)$(DATADIR)/doc/vusb/examples/
	@case '$(UDEVDIR)' in /lib/udev | /usr/lib/udev | /etc/udev) ;; \
	*) echo "make install: warning: udevd reads rules from /usr/lib/udev, /lib/udev and /etc/udev only," \
		"not $(UDEVDIR): 60-vusb.rules and the sleep hook in $(SLEEPDIR) do nothing there" \
		"(install with PREFIX=/usr, or UDEVDIR=/usr/lib/udev SLEEPDIR=/usr/lib/systemd/system-sleep)" >&2 ;; \
	esac

# What make install put there, and nothing else (the directories stay).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vusb-attach $(DESTDIR)$(BINDIR)/vusbctl \
		$(DESTDIR)$(MANDIR)/man1/vusb-attach.1 $(DESTDIR)$(MANDIR)/man1/vusbctl.1 \
		$(DESTDIR)$(MANDIR)/man5/vusb.conf.5 \
		$(DESTDIR)$(UNITDIR)/vusb@.service $(DESTDIR)$(UNITDIR)/vusb-hotplug@.service \
		$(DESTDIR)$(UNITDIR)/vusb.target $(DESTDIR)$(SLEEPDIR)/vusb \
		$(DESTDIR)$(UDEVDIR)/rules.d/60-vusb.rules $(DESTDIR)$(SYSUSERSDIR)/vusb.conf \
		$(DESTDIR)$(TMPFILESDIR)/vusb.conf \
		$(DESTDIR)$(COMPLDIR)/vusb-attach $(DESTDIR)$(COMPLDIR)/vusbctl
	rm -rf $(DESTDIR)$(DATADIR)/doc/vusb


# Lays out the lines changed since HEAD (.clang-format); the tables laid
# out by hand elsewhere stay as they are.
format:
	git clang-format

clean:
	rm -rf $(BUILD) bin $(ASAN_BUILD)

.PHONY: all check check-layers check-asan vm-check check-all fuzz-replay demo bench bench-storage deps deb install uninstall format clean fuzz
.SECONDARY:

# Dependency files only: the VM images under $(BUILD)/vm hold directories
# such as udev/rules.d that are not makefiles.
-include $(shell find $(BUILD) -path '$(BUILD)/vm' -prune -o -name '*.d' -type f -print 2>/dev/null)
