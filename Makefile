# dusk — the one Makefile: build, test, demo, bench, install
#
#   make                  libraries, dusk.pc, examples and the demo (no install of deps)
#   make demo             install missing Debian packages, build, run `build/dusk demo`
#   make view-demo        the lecture's array job in the live window
#   make test             install missing Debian packages, build, run every test
#   make bench            build and run the benchmarks in bench/
#   make python           the Python module into build/python/dusk/ (PYTHON=/usr/bin/python3)
#   make install          PREFIX=/usr/local DESTDIR= (headers, libs, dusk.pc, the dusk
#                         command, its man page and bash completion)
#   make installcheck     install into build/.../stage, build every example and C++ test
#                         against it with pkg-config, run them
#   make fuzz-run         build the libFuzzer targets (clang) and run each FUZZ_SECONDS=60
#   make SANITIZE=address,undefined test    sanitizer builds live in their own
#   make SANITIZE=thread test               build dirs: build/san-<list>/
#
# Options: WERROR=1 (warnings are errors; CI sets it), V=1 (show commands),
# TESTS="graph sched" (run only those tests/*/test_<name>.c), TEST_TIMEOUT=900
# (seconds per test program), CFLAGS (default -O2 -g; the warning and
# standard flags are always added).
#
# Layout of the build tree (BUILD is build/ or build/san-<list>/):
#   $(BUILD)/obj/<dir>/<file>.o (+ .d)   objects with their header dependencies
#   $(BUILD)/lib<name>.a, .so*          libdusk (core/), libdusk-array (array/),
#                                       libdusk-viz (viz/), libdusk-profiler (profiler/),
#                                       libdusk-gui (gui/), libdusk-mpi (mpi/)
#   $(BUILD)/dusk.pc                    for pkg-config
#   $(BUILD)/tests/<lib>/test_<module>  one cmocka program per tests/<lib>/test_<module>.c
#   $(BUILD)/tests/cxx/test_<name>-<c++> tests/cxx/test_<name>.cpp, once per C++ compiler
#   $(BUILD)/examples/<name>            one program per examples/<name>.c
#   $(BUILD)/bench/<name>               one program per bench/<name>.c
#   $(BUILD)/dusk-demo                  examples/demo.c (what `dusk demo tour` runs)
#   $(BUILD)/dusk                       the dusk command, cli/*.c

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
# Keep objects that pattern chains make (examples, tests, bench) as well.
.SECONDARY:

# --- version (from include/dusk/version.h) ----------------------------------
VERSION_MAJOR := $(shell sed -n 's/^\#define DUSK_VERSION_MAJOR \([0-9]*\).*/\1/p' include/dusk/version.h)
VERSION       := $(shell sed -n 's/^\#define DUSK_VERSION "\(.*\)".*/\1/p' include/dusk/version.h)

# --- install locations -------------------------------------------------------
PREFIX       ?= /usr/local
INCLUDEDIR   ?= $(PREFIX)/include
LIBDIR       ?= $(PREFIX)/lib
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BINDIR       ?= $(PREFIX)/bin
MANDIR       ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
# assets/'s themes, as models for a user's own (the library has them built in)
DATADIR      ?= $(PREFIX)/share/dusk
DESTDIR      ?=

# --- tools -------------------------------------------------------------------
CC         ?= cc
AR         ?= ar
PKG_CONFIG ?= pkg-config
INSTALL    ?= install

ifeq ($(V),1)
  Q :=
  say :=
else
  Q := @
  say = @printf '  %-7s %s\n' $(1) $(2);
endif

# --- build directory and sanitizers ------------------------------------------
comma := ,
SANITIZE ?=
ifeq ($(strip $(SANITIZE)),)
  BUILD ?= build
  SAN_FLAGS :=
else
  BUILD ?= build/san-$(subst $(comma),-,$(strip $(SANITIZE)))
  SAN_FLAGS := -fsanitize=$(strip $(SANITIZE)) -fno-omit-frame-pointer
  ifneq ($(filter undefined,$(subst $(comma), ,$(SANITIZE))),)
    SAN_FLAGS += -fno-sanitize-recover=all
  endif
endif

# --- flags -------------------------------------------------------------------
# CFLAGS/CPPFLAGS/LDFLAGS/LDLIBS are the user's to override; the rest is
# always there, so `make CFLAGS=-O0` still warns the same way.
CFLAGS   ?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(WERROR),1)
  WARNINGS += -Werror
endif
# -I. lets a library name another room's private header by its path
# ("core/util.h"); only the public dusk_ API is exported from the shared
# libraries (-fvisibility=hidden, DUSK_API marks what is public).
ALL_CPPFLAGS := -D_POSIX_C_SOURCE=200809L -Iinclude -I. $(CPPFLAGS)
ALL_CFLAGS   := -std=c11 $(WARNINGS) -fPIC -fvisibility=hidden -pthread $(SAN_FLAGS) $(CFLAGS)
ALL_LDFLAGS  := -pthread $(SAN_FLAGS) $(LDFLAGS)
SYS_LIBS     := -lm $(LDLIBS)

# --- library modules -----------------------------------------------------------
# A module is a directory of sources, subdirectories included. Each library
# lists its modules; to add one (say viz/ into libdusk-viz, needing Graphviz):
#     LIBRARIES += dusk-viz
#     dusk-viz_MODULES := viz
#     dusk-viz_PKGS := libcgraph libgvc        (pkg-config names)
# and add its Debian package to scripts/install-deps.sh. Libraries are listed
# from the bottom up: a later one may use the earlier ones.
LIBRARIES := dusk dusk-array dusk-mpi dusk-viz dusk-profiler dusk-gui
dusk_MODULES := core
dusk_PKGS :=
dusk-array_MODULES := array
dusk-array_PKGS := hdf5-serial openblas lapacke zlib
# DUSK_SCHED_MPI (mpi/): Open MPI; libdusk reaches it through a transport.
dusk-mpi_MODULES := mpi
dusk-mpi_PKGS := ompi-c
dusk-viz_MODULES := viz
dusk-viz_PKGS := libgvc libcgraph
dusk-profiler_MODULES := profiler
dusk-profiler_PKGS := cairo jansson
dusk-gui_MODULES := gui
dusk-gui_PKGS := sdl2 SDL2_ttf cairo
# The window's font and themes (assets/), built in: see gui/assets.h.
dusk-gui_EXTRA_OBJS = $(BUILD)/obj/gen/assets.o
GUI_ASSETS := assets/fonts/DejaVuSans-ascii.ttf $(sort $(wildcard assets/themes/*.theme))

# Every .c under a directory, at any depth.
rwildcard = $(foreach d,$(wildcard $(1:=/*)),$(call rwildcard,$(d),$(2)) $(filter $(subst *,%,$(2)),$(d)))
srcs_of = $(sort $(foreach m,$($(1)_MODULES),$(call rwildcard,$(m),*.c)))
# The private toolbox (core/util.c): libdusk has it; every other shared
# library links a hidden copy of its own, as nothing but dusk_ is exported.
UTIL_OBJ = $(BUILD)/obj/core/util.o
# A library whose modules have no sources yet is left out.
LIBRARIES := $(foreach l,$(LIBRARIES),$(if $(call srcs_of,$(l)),$(l)))
objs_of = $(patsubst %.c,$(BUILD)/obj/%.o,$(call srcs_of,$(1)))
pkg_cflags = $(if $(1),$(shell $(PKG_CONFIG) --cflags $(1)))
pkg_libs = $(if $(1),$(shell $(PKG_CONFIG) --libs $(1)))

# The libraries listed before library $(1) in list $(2).
libs_before = $(if $(filter-out $(1),$(firstword $(2))),$(firstword $(2)) $(call libs_before,$(1),$(wordlist 2,$(words $(2)),$(2))))
reverse = $(if $(1),$(call reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
# Each package once (the profiler and the gui both need cairo).
uniq = $(if $(1),$(firstword $(1)) $(call uniq,$(filter-out $(firstword $(1)),$(1))))
ALL_PKGS := $(call uniq,$(foreach l,$(LIBRARIES),$($(l)_PKGS)))
STATIC_LIBS := $(foreach l,$(call reverse,$(LIBRARIES)),$(BUILD)/lib$(l).a)
SHARED_LIBS := $(foreach l,$(LIBRARIES),$(BUILD)/lib$(l).so.$(VERSION))
# What a program of this tree links with (static, so tests reach internals).
PROGRAM_LIBS = $(STATIC_LIBS) $(call pkg_libs,$(ALL_PKGS)) $(SYS_LIBS)

# One set of rules per library: lib<name>.a, lib<name>.so.<version> with
# soname lib<name>.so.<major> and the two links, and its modules' pkg flags.
define library_rules
$(1)_OBJS := $$(call objs_of,$(1)) $$($(1)_EXTRA_OBJS)
$$(foreach m,$$($(1)_MODULES),$$(BUILD)/obj/$$(m)/%.o): MOD_CFLAGS = $$(call pkg_cflags,$$($(1)_PKGS))

$$(BUILD)/lib$(1).a: $$($(1)_OBJS)
	$$(call say,AR,$$@)
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^

$$(BUILD)/lib$(1).so.$$(VERSION): $$($(1)_OBJS) $$(if $$(filter-out dusk,$(1)),$$(UTIL_OBJ)) $$(foreach d,$$(call libs_before,$(1),$$(LIBRARIES)),$$(BUILD)/lib$$(d).so.$$(VERSION))
	$$(call say,LD,$$@)
	$$(Q)$$(CC) -shared -Wl,-soname,lib$(1).so.$$(VERSION_MAJOR) -Wl,-z,defs $$(ALL_LDFLAGS) \
		-o $$@ $$($(1)_OBJS) $$(if $$(filter-out dusk,$(1)),$$(UTIL_OBJ)) $$(if $$(call libs_before,$(1),$$(LIBRARIES)),-L$$(BUILD)) \
		$$(foreach d,$$(call reverse,$$(call libs_before,$(1),$$(LIBRARIES))),-l$$(d)) \
		$$(call pkg_libs,$$($(1)_PKGS)) $$(SYS_LIBS)
	$$(Q)ln -sf lib$(1).so.$$(VERSION) $$(BUILD)/lib$(1).so.$$(VERSION_MAJOR)
	$$(Q)ln -sf lib$(1).so.$$(VERSION_MAJOR) $$(BUILD)/lib$(1).so
endef
$(foreach l,$(LIBRARIES),$(eval $(call library_rules,$(l))))

# --- programs ------------------------------------------------------------------
# Tests: every tests/<library>/test_<module>.c is a program; tests/*.c
# (tests/helpers.c) are helpers linked into each.
TEST_HELPER_SRCS := $(wildcard tests/*.c)
TEST_ALL_SRCS    := $(wildcard tests/*/test_*.c)
ifneq ($(strip $(TESTS)),)
  TEST_SRCS := $(filter $(foreach t,$(TESTS),%/test_$(t).c %/$(t).c $(t)),$(TEST_ALL_SRCS))
else
  TEST_SRCS := $(TEST_ALL_SRCS)
endif
TEST_BINS    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
TEST_HELPERS := $(patsubst %.c,$(BUILD)/obj/%.o,$(TEST_HELPER_SRCS))
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka)
CMOCKA_LIBS   = $(shell $(PKG_CONFIG) --libs cmocka)
$(BUILD)/obj/tests/%.o: MOD_CFLAGS = $(CMOCKA_CFLAGS) $(call pkg_cflags,$(ALL_PKGS)) -Itests -Icore -Iarray

# C++: each tests/cxx/test_<name>.cpp uses the public headers from C++, as a
# user's program would (include/ only). It is compiled and linked by every
# compiler in CXX_TEST_COMPILERS, as $(BUILD)/tests/cxx/test_<name>-<compiler>,
# since g++ and clang++ each refuse things the other lets through.
CXX_TEST_COMPILERS ?= g++ clang++
CXXFLAGS ?= -O2 -g
ALL_CXXFLAGS := -std=c++17 -Wall -Wextra -pedantic -Wshadow $(filter -Werror,$(WARNINGS)) \
                -pthread $(SAN_FLAGS) $(CXXFLAGS)
CXX_TEST_ALL_SRCS := $(wildcard tests/cxx/test_*.cpp)
ifneq ($(strip $(TESTS)),)
  CXX_TEST_SRCS := $(filter $(foreach t,$(TESTS),%/test_$(t).cpp %/$(t).cpp $(t)),$(CXX_TEST_ALL_SRCS))
else
  CXX_TEST_SRCS := $(CXX_TEST_ALL_SRCS)
endif
TEST_BINS += $(foreach c,$(CXX_TEST_COMPILERS),$(patsubst tests/cxx/%.cpp,$(BUILD)/tests/cxx/%-$(c),$(CXX_TEST_SRCS)))

EXAMPLE_SRCS := $(filter-out examples/demo.c,$(wildcard examples/*.c))
EXAMPLE_BINS := $(patsubst examples/%.c,$(BUILD)/examples/%,$(EXAMPLE_SRCS))
DEMO         := $(BUILD)/dusk-demo
# The dusk command: cli/*.c, and the demos it runs in-process (see cli/demo.c).
DUSK_CLI     := $(BUILD)/dusk
CLI_OBJS     := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard cli/*.c)) \
                $(BUILD)/obj/cli/demo-tour.o $(BUILD)/obj/cli/demo-window.o
BENCH_SRCS   := $(wildcard bench/*.c)
BENCH_BINS   := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))

# --- top-level targets ---------------------------------------------------------
.PHONY: all lib examples deps demo test check bench bench-reference install uninstall \
        installcheck clean distclean help run-demo run-tests \
        run-bench run-bench-reference view-demo run-view-demo FORCE

all: lib examples $(DEMO) $(DUSK_CLI)
lib: $(STATIC_LIBS) $(SHARED_LIBS) $(BUILD)/dusk.pc
examples: $(EXAMPLE_BINS)

# Install what is missing (quiet and fast when all is there).
deps:
	$(Q)sh scripts/install-deps.sh

# demo, test and bench first install what is missing, then run a second
# make, which reads pkg-config's answers only once the packages are there.
demo: deps
	$(Q)$(MAKE) --no-print-directory run-demo
test check: deps
	$(Q)$(MAKE) --no-print-directory run-tests
bench: deps
	$(Q)$(MAKE) --no-print-directory run-bench

# The same work measured by others, in the same run: oneTBB's flow graph on
# the overhead graph (bench/tbb.cpp, Debian's libtbb-dev, installed here as
# only this target needs it), alternated three times with dusk's threads run
# of it, then Dask's and NumPy's figures (bench/reference.py: python3-dask,
# python3-numpy, python3-h5py, which install-deps installs for the tests).
bench-reference: bench
	$(Q)sh scripts/install-deps.sh libtbb-dev
	$(Q)$(MAKE) --no-print-directory run-bench-reference

run-bench-reference: $(BUILD)/bench/tbb $(BENCH_BINS)
	$(Q)set -e; for i in 1 2 3; do \
		DUSK_BENCH_ONLY=overhead.threads.nolistener ./$(BUILD)/bench/overhead; \
		./$(BUILD)/bench/tbb; \
	done
	$(Q)/usr/bin/python3 bench/reference.py

$(BUILD)/bench/tbb: bench/tbb.cpp
	$(Q)mkdir -p $(@D)
	@echo "  CXX     $@"
	$(Q)$(CXX) -std=c++17 -O2 -Wall -Wextra -o $@ $< -ltbb

# `dusk demo` (the tour, into build/demo), then, where a display is (and
# DUSK_DEMO_HEADLESS is not 1), `dusk demo window`: the lecture's array job
# on the demo's HDF5 file in the live window, slowed for a class.
run-demo: all
	@echo "== $(DUSK_CLI) demo"
	$(Q)./$(DUSK_CLI) demo tour --dir $(BUILD)/demo
	$(Q)if [ "$$DUSK_DEMO_HEADLESS" != 1 ] && { [ -n "$$DISPLAY" ] || [ -n "$$WAYLAND_DISPLAY" ]; }; then \
		echo "== $(DUSK_CLI) demo window $(BUILD)/demo/rnd_data.hdf5 (the live window; q closes it)"; \
		./$(DUSK_CLI) demo window $(BUILD)/demo/rnd_data.hdf5; \
	else \
		echo "== the live window: no display here (or DUSK_DEMO_HEADLESS=1), so not opened."; \
		echo "   On a desktop, 'make view-demo' (or '$(DUSK_CLI) demo window $(BUILD)/demo/rnd_data.hdf5')"; \
		echo "   shows r = x - x.mean(axis=0) running, slowed so that a class can follow it."; \
	fi

# examples/view.c in the window, on the demo's HDF5 file once `make demo`
# has made it (on ones before); with no display it says how to get one.
view-demo: deps
	$(Q)$(MAKE) --no-print-directory run-view-demo
run-view-demo: $(BUILD)/examples/view
	@echo "== $(BUILD)/examples/view"
	$(Q)./$(BUILD)/examples/view $(wildcard $(BUILD)/demo/rnd_data.hdf5)

# Every test program and every example runs once (in parallel under -j),
# from the repository root so that tests/data/ paths work; each writes
# $(BUILD)/tests/<name>.log and a .result line; the summary prints the logs
# of failures and the line "N passed, N failed" (cmocka test cases, plus
# one per example program and the demo), and fails if anything failed.
TEST_RESULTS := $(TEST_BINS:=.result)
ifeq ($(strip $(TESTS)),)
  TEST_RESULTS += $(patsubst $(BUILD)/examples/%,$(BUILD)/tests/example-%.result,$(EXAMPLE_BINS))
  TEST_RESULTS += $(BUILD)/tests/dusk-demo.result
endif
run-tests: all $(BENCH_BINS) $(TEST_RESULTS)
	$(Q)sh scripts/run-tests.sh summary $(TEST_RESULTS)

$(BUILD)/tests/%.result: $(BUILD)/tests/% $(SHARED_LIBS) FORCE
	$(Q)SANITIZE='$(SANITIZE)' TEST_TIMEOUT='$(TEST_TIMEOUT)' sh scripts/run-tests.sh run $< $@
# tests/examples/test_demo and tests/profiler/test_viewers run the demo program.
$(BUILD)/tests/examples/test_demo.result: $(DEMO)
$(BUILD)/tests/profiler/test_viewers.result: $(DEMO)
# tests/cli/test_cli runs the dusk command.
$(BUILD)/tests/cli/test_cli.result: $(DUSK_CLI)
# examples/mpi.c starts MPI (a job of one): under the sanitizers it skips
# Open MPI's own leaks and races, as tests/mpi/test_mpi.c's ranks do.
$(BUILD)/tests/example-mpi.result: export LSAN_OPTIONS = suppressions=$(CURDIR)/tests/mpi/lsan.supp
$(BUILD)/tests/example-mpi.result: export ASAN_OPTIONS = fast_unwind_on_malloc=0
$(BUILD)/tests/example-mpi.result: export TSAN_OPTIONS = suppressions=$(CURDIR)/tests/mpi/tsan.supp
$(BUILD)/tests/example-%.result: $(BUILD)/examples/% FORCE
	$(Q)mkdir -p $(@D)
	$(Q)SANITIZE='$(SANITIZE)' TEST_TIMEOUT='$(TEST_TIMEOUT)' sh scripts/run-tests.sh run $< $@
$(BUILD)/tests/dusk-demo.result: $(DEMO) FORCE
	$(Q)mkdir -p $(@D)
	$(Q)SANITIZE='$(SANITIZE)' TEST_TIMEOUT='$(TEST_TIMEOUT)' sh scripts/run-tests.sh run $< $@

run-bench: $(BENCH_BINS) python
ifneq ($(strip $(SANITIZE)),)
	@echo "bench: note: built with SANITIZE=$(SANITIZE); figures are not representative"
endif
	$(Q)set -e; for b in $(filter-out $(BUILD)/bench/mpi,$(BENCH_BINS)); do ./$$b; done
	$(Q)OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HWLOC_COMPONENTS=-gl,-opencl mpirun --oversubscribe -np 4 ./$(BUILD)/bench/mpi
	$(Q)PYTHONPATH=$(BUILD)/python $(PYTHON) bench/py.py

# --- compiling and linking -----------------------------------------------------
# The flags in force are recorded in $(BUILD)/flags; it changes (and
# everything rebuilds) only when they do.
FLAGS_TEXT := $(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(SYS_LIBS)
$(BUILD)/flags: FORCE
	@mkdir -p $(@D)
	@echo '$(FLAGS_TEXT)' | cmp -s - $@ || echo '$(FLAGS_TEXT)' > $@

$(BUILD)/obj/%.o: %.c $(BUILD)/flags
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(MOD_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/gen/assets.c: scripts/embed.sh $(GUI_ASSETS)
	@mkdir -p $(@D)
	$(call say,EMBED,$@)
	$(Q)sh scripts/embed.sh $(GUI_ASSETS) > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/gen/assets.o: $(BUILD)/gen/assets.c $(BUILD)/flags
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -Igui -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_HELPERS) $(STATIC_LIBS)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(TEST_HELPERS) $(PROGRAM_LIBS) $(CMOCKA_LIBS)

# tests/core/test_plugin_doc loads dusk.1's plugin example, which calls the
# dusk API of the program that loads it, as the dusk command's plugins do.
$(BUILD)/tests/core/test_plugin_doc: ALL_LDFLAGS += -rdynamic
$(BUILD)/tests/core/test_plugin_doc: SYS_LIBS += -ldl

# The C++ tests, once per compiler (the flags in force in $(BUILD)/cxxflags).
CXXFLAGS_TEXT := $(CXX_TEST_COMPILERS) $(ALL_CXXFLAGS) $(ALL_LDFLAGS)
$(BUILD)/cxxflags: FORCE
	@mkdir -p $(@D)
	@echo '$(CXXFLAGS_TEXT)' | cmp -s - $@ || echo '$(CXXFLAGS_TEXT)' > $@
define cxx_test_rules
$$(BUILD)/obj/tests/cxx/%-$(1).o: tests/cxx/%.cpp $$(BUILD)/cxxflags
	@mkdir -p $$(@D)
	$$(call say,CXX,$$@)
	$$(Q)$(1) -Iinclude $$(CPPFLAGS) $$(ALL_CXXFLAGS) $$(CMOCKA_CFLAGS) -MMD -MP -c -o $$@ $$<
$$(BUILD)/tests/cxx/%-$(1): $$(BUILD)/obj/tests/cxx/%-$(1).o $$(STATIC_LIBS)
	@mkdir -p $$(@D)
	$$(call say,LINK,$$@)
	$$(Q)$(1) $$(ALL_LDFLAGS) -o $$@ $$< $$(PROGRAM_LIBS) $$(CMOCKA_LIBS)
endef
$(foreach c,$(CXX_TEST_COMPILERS),$(eval $(call cxx_test_rules,$(c))))

# tests/cli/test_expr calls the parser and cli_eval() directly, so it links
# cli/eval.c, cli/expr.c and cli/args.c (not the rest of the dusk command).
EXPR_TEST_OBJS := $(BUILD)/obj/cli/eval.o $(BUILD)/obj/cli/expr.o $(BUILD)/obj/cli/args.o
$(BUILD)/tests/cli/test_expr: $(BUILD)/obj/tests/cli/test_expr.o $(EXPR_TEST_OBJS) $(TEST_HELPERS) $(STATIC_LIBS)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(EXPR_TEST_OBJS) $(TEST_HELPERS) $(PROGRAM_LIBS) $(CMOCKA_LIBS)

$(BUILD)/examples/%: $(BUILD)/obj/examples/%.o $(STATIC_LIBS)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(PROGRAM_LIBS)

# bench/gui.c draws with SDL itself; bench/array.c writes a contiguous
# dataset (h5py's layout) with libhdf5 itself.
$(BUILD)/obj/bench/gui.o: MOD_CFLAGS = $(call pkg_cflags,$(dusk-gui_PKGS))
$(BUILD)/obj/bench/array.o: MOD_CFLAGS = $(call pkg_cflags,$(dusk-array_PKGS))
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(STATIC_LIBS)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(PROGRAM_LIBS)

$(DEMO): $(BUILD)/obj/examples/demo.o $(STATIC_LIBS)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(PROGRAM_LIBS)

# The command links like the examples; -rdynamic lets a --plugin library
# call the dusk_ API linked into it; the demos are the examples' own code,
# compiled again with their main renamed (cli/demo.c calls them).
$(BUILD)/obj/cli/%.o: MOD_CFLAGS = $(call pkg_cflags,$(ALL_PKGS))
$(BUILD)/obj/cli/demo-tour.o: MAIN_NAME = cli_demo_tour_main
$(BUILD)/obj/cli/demo-window.o: MAIN_NAME = cli_demo_window_main
$(BUILD)/obj/cli/demo-tour.o: examples/demo.c $(BUILD)/flags
$(BUILD)/obj/cli/demo-window.o: examples/view.c $(BUILD)/flags
$(BUILD)/obj/cli/demo-tour.o $(BUILD)/obj/cli/demo-window.o:
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -Dmain=$(MAIN_NAME) -Wno-missing-prototypes \
		-MMD -MP -c -o $@ $<
$(DUSK_CLI): $(CLI_OBJS) $(STATIC_LIBS)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -rdynamic -o $@ $(CLI_OBJS) $(PROGRAM_LIBS) -ldl

# dusk.pc for the install prefix; rewritten only when its text changes.
# Directories under PREFIX are written relative to ${prefix}, as is usual.
pc_dir = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
PC_TEXT = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@INCLUDEDIR@|$(call pc_dir,$(INCLUDEDIR))|g' \
	-e 's|@LIBDIR@|$(call pc_dir,$(LIBDIR))|g' -e 's|@VERSION@|$(VERSION)|g' \
	-e 's|@LIBS@|$(foreach l,$(call reverse,$(LIBRARIES)),-l$(l))|g' \
	-e 's|@REQUIRES_PRIVATE@|$(ALL_PKGS)|g' dusk.pc.in
$(BUILD)/dusk.pc: dusk.pc.in FORCE
	@mkdir -p $(@D)
	$(Q)$(PC_TEXT) | cmp -s - $@ || { $(PC_TEXT) > $@ && echo "  GEN     $@"; }

# --- the Python module (python/: `import dusk`, `import dusk.array as da`) --------
# Built against Debian's python3 (python3-dev, python3-numpy: python3 on PATH
# may be another interpreter without NumPy) into $(BUILD)/python/dusk/, the
# C extension linked with the static libraries, as the examples are:
# PYTHONPATH=$(BUILD)/python $(PYTHON) -c 'import dusk'. `make test` runs
# tests/python/ with pytest (tests/python/run.sh, as one more test program).
PYTHON ?= /usr/bin/python3
PY_CFLAGS = $(shell $(PYTHON) -c 'import sysconfig, numpy; print("-I" + sysconfig.get_paths()["include"], "-I" + numpy.get_include())' 2>/dev/null)
PY_EXT_SUFFIX = $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))' 2>/dev/null)
# Where `make install` puts the package: the directory Debian's python3
# reads for that prefix (/usr/local: /usr/local/lib/python3.X/dist-packages,
# /usr: /usr/lib/python3/dist-packages), else PREFIX/lib/python3.X/site-packages
# (then on PYTHONPATH). Under DESTDIR as the rest.
PY_SITEDIR ?= $(shell $(PYTHON) -c 'import sys, sysconfig; p = "$(PREFIX)"; v = "%d.%d" % sys.version_info[:2]; \
	print("/usr/lib/python3/dist-packages" if p == "/usr" else "/usr/local/lib/python%s/dist-packages" % v \
	if p == "/usr/local" else sysconfig.get_path("platlib", "posix_prefix", vars={"platbase": p, "base": p}))' 2>/dev/null)
PY_OUT   := $(BUILD)/python/dusk
PY_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard python/*.c))
PY_FILES := $(patsubst python/dusk/%,$(PY_OUT)/%,$(wildcard python/dusk/*.py))
PY_EXT    = $(PY_OUT)/_dusk$(PY_EXT_SUFFIX)
.PHONY: python
python: $(PY_EXT) $(PY_FILES)
$(PY_EXT): | python-check
.PHONY: python-check
python-check:
	@[ "$(PY_OK)" = 1 ] || { echo "python: $(PYTHON) needs python3-dev and python3-numpy (make deps installs them)"; exit 1; }
$(BUILD)/obj/python/%.o: MOD_CFLAGS = $(PY_CFLAGS) $(call pkg_cflags,$(ALL_PKGS))
$(PY_OBJS): python/pydusk.h
$(PY_EXT): $(PY_OBJS) $(STATIC_LIBS)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) -shared $(ALL_LDFLAGS) -o $@ $(PY_OBJS) $(PROGRAM_LIBS)
$(PY_OUT)/%.py: python/dusk/%.py
	@mkdir -p $(@D)
	$(Q)cp $< $@
# The pytest suite, as a program that run-tests.sh runs and counts (not
# under ThreadSanitizer, which cannot follow an uninstrumented python3).
$(BUILD)/tests/python/pytest: tests/python/run.sh $(PY_EXT) $(PY_FILES)
	@mkdir -p $(@D)
	$(Q)sed -e 's|@PYTHON@|$(PYTHON)|g' -e 's|@BUILD@|$(abspath $(BUILD))|g' \
		-e 's|@SANITIZE@|$(SANITIZE)|g' -e 's|@CC@|$(CC)|g' -e 's|@ROOT@|$(CURDIR)|g' tests/python/run.sh > $@ && chmod +x $@
ifeq ($(filter thread,$(subst $(comma), ,$(SANITIZE))),)
ifneq ($(strip $(if $(TESTS),$(filter python py,$(TESTS)),all)),)
  TEST_RESULTS += $(BUILD)/tests/python/pytest.result
run-tests: $(BUILD)/tests/python/pytest.result
endif
endif
$(BUILD)/tests/python/pytest.result: $(BUILD)/tests/python/pytest
.PHONY: install-python uninstall-python
# `make install` installs the module too where $(PYTHON) has its headers and
# NumPy (python3-dev, python3-numpy); without them it says so and goes on.
PY_OK := $(shell $(PYTHON) -c 'import os, sysconfig, numpy; print(int(os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))))' 2>/dev/null)
ifeq ($(PY_OK),1)
install: install-python
else
install: install-python-none
.PHONY: install-python-none
install-python-none:
	@echo "install: no Python module ($(PYTHON) without python3-dev or NumPy)"
endif
uninstall: uninstall-python
install-python: python
	$(INSTALL) -d $(DESTDIR)$(PY_SITEDIR)/dusk
	$(INSTALL) -m 644 $(PY_FILES) $(DESTDIR)$(PY_SITEDIR)/dusk/
	$(INSTALL) -m 755 $(PY_EXT) $(DESTDIR)$(PY_SITEDIR)/dusk/
uninstall-python:
	rm -rf $(DESTDIR)$(PY_SITEDIR)/dusk

# --- install -------------------------------------------------------------------
# Without a DESTDIR, and as root, install ends with ldconfig: the loader's
# cache learns the new libraries, so that a program linked against them starts.
install: lib $(DUSK_CLI)
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR)/dusk $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(COMPLETIONDIR)
	$(INSTALL) -m 755 $(DUSK_CLI) $(DESTDIR)$(BINDIR)/dusk
	$(INSTALL) -m 644 dusk.1 $(DESTDIR)$(MANDIR)/man1/dusk.1
	$(INSTALL) -m 644 scripts/dusk.bash-completion $(DESTDIR)$(COMPLETIONDIR)/dusk
	$(INSTALL) -d $(DESTDIR)$(DATADIR)/themes
	$(INSTALL) -m 644 $(wildcard assets/themes/*.theme) $(DESTDIR)$(DATADIR)/themes/
	$(INSTALL) -m 644 include/dusk.h $(DESTDIR)$(INCLUDEDIR)/dusk.h
	$(INSTALL) -m 644 include/dusk/*.h $(DESTDIR)$(INCLUDEDIR)/dusk/
	$(INSTALL) -m 644 $(STATIC_LIBS) $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 755 $(SHARED_LIBS) $(DESTDIR)$(LIBDIR)/
	$(Q)set -e; for l in $(LIBRARIES); do \
		ln -sf lib$$l.so.$(VERSION) $(DESTDIR)$(LIBDIR)/lib$$l.so.$(VERSION_MAJOR); \
		ln -sf lib$$l.so.$(VERSION_MAJOR) $(DESTDIR)$(LIBDIR)/lib$$l.so; done
	$(INSTALL) -m 644 $(BUILD)/dusk.pc $(DESTDIR)$(PKGCONFIGDIR)/dusk.pc
	$(Q)if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then \
		ldconfig; fi

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/dusk.h $(DESTDIR)$(PKGCONFIGDIR)/dusk.pc
	rm -f $(DESTDIR)$(BINDIR)/dusk $(DESTDIR)$(MANDIR)/man1/dusk.1 $(DESTDIR)$(COMPLETIONDIR)/dusk
	rm -rf $(DESTDIR)$(INCLUDEDIR)/dusk
	rm -rf $(DESTDIR)$(DATADIR)
	$(Q)set -e; for l in $(LIBRARIES); do \
		rm -f $(DESTDIR)$(LIBDIR)/lib$$l.a $(DESTDIR)$(LIBDIR)/lib$$l.so \
		      $(DESTDIR)$(LIBDIR)/lib$$l.so.$(VERSION_MAJOR) $(DESTDIR)$(LIBDIR)/lib$$l.so.$(VERSION); done

# Installs into a scratch prefix, then builds every example and every C++
# test against it as a user would, `cc FILE.c $(pkg-config --cflags --libs
# dusk)` (at -std=c11 -pedantic; the C++ tests with each of
# CXX_TEST_COMPILERS at -std=c++17), and runs each from the prefix (their
# files go under it) with LD_LIBRARY_PATH as the loader's path for the
# prefix (a runpath would not reach the libraries' own dependencies), its
# output in $(STAGE)/log/<name>.log. lecture.c is
# also linked statically (pkg-config --static).
STAGE = $(abspath $(BUILD))/stage
IC_CFLAGS = -std=c11 -Wall -Wextra -pedantic $(filter -Werror,$(WARNINGS)) $(SAN_FLAGS)
IC_CXXFLAGS = -std=c++17 -Wall -Wextra -pedantic $(filter -Werror,$(WARNINGS)) $(SAN_FLAGS)
installcheck:
	$(Q)rm -rf $(STAGE)
	$(Q)$(MAKE) --no-print-directory install PREFIX=$(STAGE) >/dev/null
	$(Q)set -e; export PKG_CONFIG_PATH=$(STAGE)/lib/pkgconfig; mkdir -p $(STAGE)/bin $(STAGE)/log; \
	dusk="$$($(PKG_CONFIG) --cflags --libs dusk)"; \
	build() { echo "  BUILD   $$2 ($$1)"; "$$@"; }; \
	run() { echo "  RUN     $$1"; if ! (cd $(STAGE) && LD_LIBRARY_PATH=$(STAGE)/lib "./bin/$$1") >$(STAGE)/log/$$1.log 2>&1; then \
		echo "installcheck: bin/$$1 failed; the end of $(STAGE)/log/$$1.log:"; \
		tail -n 40 $(STAGE)/log/$$1.log; exit 1; fi; }; \
	for f in $(wildcard examples/*.c); do n=$$(basename $$f .c); \
		build $(CC) $$f $(IC_CFLAGS) -o $(STAGE)/bin/$$n $$dusk; run $$n; done; \
	for f in $(CXX_TEST_ALL_SRCS); do for c in $(CXX_TEST_COMPILERS); do n=$$(basename $$f .cpp)-$$c; \
		build $$c $$f $(IC_CXXFLAGS) -o $(STAGE)/bin/$$n $$dusk $$($(PKG_CONFIG) --cflags --libs cmocka); \
		run $$n; done; done; \
	build $(CC) examples/lecture.c $(IC_CFLAGS) -o $(STAGE)/bin/lecture-static $$($(PKG_CONFIG) --cflags dusk) \
		$$($(PKG_CONFIG) --libs --static dusk | sed -E 's/-l(dusk[a-z-]*)/-l:lib\1.a/g'); \
	run lecture-static; \
	echo "  RUN     bin/dusk demo window --theme share/dusk/themes/contrast.theme"; \
	(cd $(STAGE) && DUSK_VIEW_HEADLESS=1 LD_LIBRARY_PATH=$(STAGE)/lib ./bin/dusk demo window \
		--theme share/dusk/themes/contrast.theme --close) >$(STAGE)/log/theme.log 2>&1 || \
		{ echo "installcheck: the installed contrast.theme was refused:"; cat $(STAGE)/log/theme.log; exit 1; }; \
	echo "  RUN     bin/dusk --version"; $(STAGE)/bin/dusk --version | grep -qx "dusk $(VERSION)" || \
		{ echo "installcheck: bin/dusk --version does not say dusk $(VERSION)"; exit 1; }; \
	echo "installcheck: ok (headers, libdusk.so.$(VERSION), libdusk.a and dusk.pc under $(STAGE);" \
		"$(words $(wildcard examples/*.c) $(foreach c,$(CXX_TEST_COMPILERS),$(CXX_TEST_ALL_SRCS))) programs built with pkg-config and run, lecture also statically)"

clean:
	rm -rf $(BUILD)
distclean:
	rm -rf build

help:
	@sed -n '3,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

# --- fuzzing ---------------------------------------------------------------------
# make fuzz        builds a libFuzzer program per tests/fuzz/fuzz_<name>.c
#                  (build/fuzz/fuzz_<name>) with clang, from the libraries
#                  compiled again with the fuzzer's coverage, ASan and UBSan
#                  in build/fuzz/ (the normal build is left alone)
# make fuzz-run    runs each one FUZZ_SECONDS (60), two at a time under -j2,
#                  from its seeds in tests/fuzz/corpus/<name>/ (new inputs
#                  go to build/fuzz/corpus/<name>/); first it replays
#                  tests/fuzz/crashes/<name>/*. A crash fails the run and
#                  its input is kept (build/fuzz/crashes/) and printed.
# make fuzz-corpus rewrites the generated seeds (decode, trace, hdf5)
# FUZZ_TARGETS="chunks slice" picks targets.
FUZZ_BUILD   := build/fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_GENS    := $(patsubst tests/fuzz/gen_%_corpus.c,%,$(wildcard tests/fuzz/gen_*_corpus.c))
FUZZ_MAKE     = $(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
                SANITIZE=fuzzer-no-link,address,undefined
.PHONY: fuzz fuzz-run fuzz-corpus fuzz-build fuzz-build-gens

fuzz: deps
	+$(Q)$(FUZZ_MAKE) fuzz-build
fuzz-run: fuzz
	+$(Q)$(FUZZ_MAKE) -k $(addprefix $(FUZZ_BUILD)/run-,$(FUZZ_TARGETS))
	@echo "fuzz-run: $(words $(FUZZ_TARGETS)) targets, $(FUZZ_SECONDS) s each, no crash"
fuzz-corpus: deps
	+$(Q)$(FUZZ_MAKE) fuzz-build-gens
	$(Q)set -e; for g in $(FUZZ_GENS); do rm -rf tests/fuzz/corpus/$$g; \
		mkdir -p tests/fuzz/corpus/$$g; ./$(FUZZ_BUILD)/gen_$${g}_corpus tests/fuzz/corpus/$$g; \
		echo "  GEN     tests/fuzz/corpus/$$g ($$(ls tests/fuzz/corpus/$$g | wc -l) files)"; done

# (In the inner make, BUILD is build/fuzz.)
fuzz-build: $(addprefix $(BUILD)/fuzz_,$(FUZZ_TARGETS))
fuzz-build-gens: $(addprefix $(BUILD)/gen_,$(addsuffix _corpus,$(FUZZ_GENS)))

$(BUILD)/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(STATIC_LIBS)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(PROGRAM_LIBS)
$(BUILD)/gen_%_corpus: $(BUILD)/obj/tests/fuzz/gen_%_corpus.o $(STATIC_LIBS)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(PROGRAM_LIBS)
$(BUILD)/run-%: $(BUILD)/fuzz_% FORCE
	$(Q)sh tests/fuzz/run.sh $< $* $(FUZZ_SECONDS)

FORCE:

-include $(call rwildcard,$(BUILD)/obj,*.d)
