# painpath — the front door. CMake does the build; this file installs what is missing
# (scripts/deps.sh), drives CMake and runs things. `make help` lists the targets.
#
#   make            build build/painpath (gcc, Release, -Werror)
#   make run        build, show the CLI on examples/, create the demo clinic on first run, print
#                   its demo logins, serve it
#   make check      everything CI runs: gcc, clang, ASan+UBSan, fuzz smoke (scripts/check.sh)
#   make bench      Release build, then bench/run.sh
#   make fuzz       longer libFuzzer runs (FUZZ_SECONDS per target, FUZZ_TARGETS to pick)
#   make format     clang-format -i on src tests bench
#   make docs       regenerate the rule and policy tables of docs/CLINICAL-RULES.md
#   make clean      remove every build directory

JOBS        ?= 2
BUILD       ?= build
BUILD_TYPE  ?= Release
PAINPATH    := ./$(BUILD)/painpath
DEMO        ?= examples/clinic-demo.json
# What `make run` shows: painpath subcommands separated by ';'. Exit status 1 means
# "there are findings" and is fine here; 2 or more fails the run.
# The demo clinic's orders are dated around DEMO_NOW, so it is evaluated on that day.
DEMO_NOW    ?= 2026-11-27
# The clinic database `make run` creates on first run and serves.
DB          ?= painpath.db
LISTEN      ?= 127.0.0.1:8080
RUN         ?= mme --now $(DEMO_NOW) $(DEMO) ; check --now $(DEMO_NOW) $(DEMO)
FUZZ_SECONDS ?= 300
DEPS        := bash scripts/deps.sh
FORMAT_DIRS := src tests bench

export JOBS BUILD_TYPE
MAKEFLAGS += --no-print-directory

.DEFAULT_GOAL := build
# One thing at a time at this level (apt and CMake do not like company); the builds
# themselves run JOBS compilers in parallel.
.NOTPARALLEL:
.PHONY: all build run check test bench fuzz format format-check clean help docs \
        deps deps-build deps-check deps-bench deps-format \
        check-gcc check-clang check-asan check-fuzz

all: build

help:
	@sed -n 's/^#   //p' Makefile
	@echo "  variables: JOBS=$(JOBS) BUILD=$(BUILD) BUILD_TYPE=$(BUILD_TYPE) DEMO=$(DEMO)"
	@echo "             RUN='$(RUN)'  FUZZ_SECONDS=$(FUZZ_SECONDS)  PP_NO_DEPS=1 skips installs"

# ---- packages ---------------------------------------------------------------------------
deps:        ; @$(DEPS) all
deps-build:  ; @$(DEPS) build
deps-check:  ; @$(DEPS) build check
deps-bench:  ; @$(DEPS) build bench
deps-format: ; @$(DEPS) format

# ---- build ------------------------------------------------------------------------------
# CC is read only when the directory is first configured; later runs re-use the cache.
build: deps-build
	@CC=gcc cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@if [ -f "$(DEMO)" ]; then \
	echo '$(RUN)' | tr ';' '\n' | while read -r cmd; do \
	    [ -n "$$cmd" ] || continue; \
	    echo; echo "\$$ painpath $$cmd"; \
	    eval "$(PAINPATH) $$cmd"; rc=$$?; \
	    [ $$rc -le 1 ] || { echo "painpath exited $$rc"; exit $$rc; }; \
	done; fi
	@if [ ! -f "$(DB)" ]; then \
	    echo; echo "make run: creating the demo clinic in $(DB)"; \
	    $(PAINPATH) demo --db "$(DB)" || exit $$?; \
	else \
	    echo; $(PAINPATH) demo --logins --db "$(DB)" || exit $$?; \
	fi
	@echo; echo "make run: serving $(DB) on http://$(LISTEN)/ (FHIR at /fhir, CDS Hooks at /cds-services; Ctrl-C stops)"
	@$(PAINPATH) serve --db "$(DB)" --listen "$(LISTEN)"

docs: build
	@bash scripts/gen-docs.sh $(PAINPATH)
	@echo "docs/CLINICAL-RULES.md regenerated from $(PAINPATH)"

# ---- tests ------------------------------------------------------------------------------
check: deps-check
	@bash scripts/check.sh

# One phase of `make check` at a time.
check-gcc check-clang check-asan check-fuzz: deps-check
	@bash scripts/check.sh $(@:check-%=%)

# Quick loop while coding: the gcc build and its ctest run only.
test: check-gcc

fuzz: deps-check
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/check.sh fuzz-long

# ---- benchmarks -------------------------------------------------------------------------
bench: deps-bench build
	@if [ -f bench/run.sh ]; then \
	    BUILD=$(BUILD) PP_BIN=$(PAINPATH) bash bench/run.sh; \
	else \
	    echo "make bench: bench/run.sh is not there yet"; \
	fi

# ---- formatting -------------------------------------------------------------------------
FORMAT_FILES = $(shell find $(FORMAT_DIRS) -name '*.[ch]' 2>/dev/null)

format: deps-format
	@clang-format -i $(FORMAT_FILES)
	@echo "formatted $(words $(FORMAT_FILES)) files"

format-check: deps-format
	@clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf build build-*/
