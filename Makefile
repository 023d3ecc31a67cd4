# vusb: virtual USB devices through vhci_hcd.
#
#   make              build bin/vusb-attach and bin/vusbctl
#   make check        unit, loop and host tests (no kernel module needed)
#   make vm-check     real-kernel tests in a qemu VM (tests/vm/README.md)
#   make check-all    both
#   make install      PREFIX=/usr/local DESTDIR=
#   make deps         install the Debian/Ubuntu packages to build and test

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DESTDIR    ?=
BUILD      ?= build

CC         ?= cc
PKG_CONFIG ?= pkg-config
PKGS       := libudev libkmod libmnl

CFLAGS     ?= -O2 -g
WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
              -Wmissing-prototypes -Wformat=2 -Wno-unused-parameter
ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE -DVUSB_VERSION='"$(VERSION)"' \
              $(WARN) -I. -MMD -MP \
              $(shell $(PKG_CONFIG) --cflags $(PKGS)) $(CFLAGS)
LIBS        = $(shell $(PKG_CONFIG) --libs $(PKGS))
TEST_LIBS   = $(shell $(PKG_CONFIG) --libs cmocka)

# Everything but the main()s goes into one static library that the
# programs, the tests and the fuzzers link.
PROGS      := vusb-attach vusbctl
MAINS      := $(PROGS:%=src/%.c)
LIB_SRCS   := $(filter-out $(MAINS),$(wildcard src/*.c hid/*.c dfu/*.c sysfs/*.c))
LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB        := $(BUILD)/libvusb.a

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
LOOP_SRCS  := $(wildcard tests/loop/test_*.c)
TEST_BINS  := $(UNIT_SRCS:tests/%.c=$(BUILD)/tests/%) \
              $(LOOP_SRCS:tests/%.c=$(BUILD)/tests/%)
# Programs the VM tests run inside the guest beside ours.
VM_TOOLS   := $(patsubst tests/vm/%.c,$(BUILD)/tests/vm/%,$(wildcard tests/vm/*.c))

all: $(PROGS:%=bin/%)

bin/%: $(BUILD)/src/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS) $(TEST_LIBS)

$(BUILD)/tests/vm/%: tests/vm/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

# Scripts that drive our programs with real tools on the build machine
# (tests/host/usbip-client.sh: Debian's usbip against --listen).
HOST_TESTS := $(wildcard tests/host/*.sh)

check: all $(TEST_BINS)
	@tests/run-tests $(TEST_BINS) $(HOST_TESTS)

vm-check: all $(VM_TOOLS)
	tests/vm/run

check-all: check vm-check

demo: all $(VM_TOOLS)
	tests/vm/run --demo

deps:
	scripts/install-deps

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 bin/vusb-attach bin/vusbctl $(DESTDIR)$(BINDIR)/

format:
	clang-format -i $(wildcard src/*.[ch] hid/*.[ch] dfu/*.[ch] sysfs/*.[ch])

clean:
	rm -rf $(BUILD) bin

.PHONY: all check vm-check check-all demo deps install format clean
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
