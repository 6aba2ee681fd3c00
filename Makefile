# lua-wbem: cross-build with mingw-w64, run and test under Wine.
#
#   make            build everything and run the demo
#   make test       run every suite under Wine; ends with "N passed, N failed, N skipped"
#   make run SCRIPT=path.lua ARGS="..."   run any Lua script with the module on its path
#   make bench      benchmarks (ratios against the raw C client)
#   make dist       the release archives and the source rock (build/dist)
#   make LUA=5.4.4  the same with Lua 5.4.4 (default 5.4.7); make test tests on both
#
# Everything lands in build/: the fetched sources (build/src), a Windows Lua tree for
# each Lua release (build/win for 5.4.7, build/win-5.4.4: bin/lua.exe, lib/lua/5.4,
# share/lua/5.4), the simulator (build/sim), the rocks LuaRocks built (build/rocks), the
# release files (build/dist), the workflow linter (build/node) and the Wine prefix
# (build/prefix).

BUILD  := build
SRCS   := $(BUILD)/src
SIM    := $(BUILD)/sim
LUAV   := 5.4

# The Lua releases built from Debian's lua5.4 sources (tools/bootstrap.sh fetches both):
# the first is the default, whose tree is build/win; another's is build/win-<release>.
LUAS   := 5.4.7 5.4.4
LUA    ?= $(firstword $(LUAS))
ifeq ($(filter $(LUA),$(LUAS)),)
$(error LUA=$(LUA): the releases this Makefile builds are $(LUAS))
endif
tree_of = $(BUILD)/win$(if $(filter $(1),$(firstword $(LUAS))),,-$(1))
WIN    := $(call tree_of,$(LUA))
LUASRC := $(SRCS)/lua-$(LUA)
CMOD   := $(WIN)/lib/lua/$(LUAV)
LMOD   := $(WIN)/share/lua/$(LUAV)
STAMP  := $(BUILD)/.bootstrap

CC      := x86_64-w64-mingw32-gcc
STRIP   := x86_64-w64-mingw32-strip
CFLAGS  := -O2 -g0
WERROR  := -std=gnu11 -Wall -Wextra -Werror
LUAINC  := -I$(LUASRC)/src

# One Wine set-up for every target: a project-local 64-bit prefix, no debugger (so a
# crash exits non-zero instead of printing a backtrace and exiting 0), no Mono/Gecko
# install prompts, quiet.
export WINEPREFIX := $(abspath $(BUILD))/prefix
export WINEARCH := win64
export WINEDEBUG := -all
export WINEDLLOVERRIDES := winedbg.exe=d;mscoree=d;mshtml=d
WINE   := wine
PREFIX := $(WINEPREFIX)/.lua-wbem-ready

DEMO   ?= examples/puts.lua

.PHONY: all build tree demo test run bench clean distclean lint prefix dist
all: demo
prefix: $(PREFIX)

# One Lua release's tree: Lua, the module, busted, the test host.
tree: $(WIN)/bin/lua.exe $(CMOD)/wbem/core.dll lua-files testdeps host

build: tree example-host sim $(PREFIX) $(SIM)/.registered

demo: build
	$(WINE) $(WIN)/bin/lua.exe $(DEMO)
	@wineserver -w

# Every suite on this release's tree, and the busted suite on each other release's.
OTHER_LUAS := $(filter-out $(LUA),$(LUAS))
test: build
	@for v in $(OTHER_LUAS); do $(MAKE) --no-print-directory LUA=$$v tree || exit 1; done
	@LUA_INC=$(LUASRC)/src bash tools/test.sh $(foreach v,$(LUA) $(OTHER_LUAS),$(call tree_of,$(v)):$(v))

run: build
	@test -n "$(SCRIPT)" || { echo 'usage: make run SCRIPT=path.lua ARGS="..."' >&2; exit 2; }
	@$(WINE) $(WIN)/bin/lua.exe $(SCRIPT) $(ARGS); rc=$$?; wineserver -w; exit $$rc

bench: build $(BUILD)/bench/benchutil.dll $(BUILD)/bench/simbench.dll $(BUILD)/bench/benchops.dll
	@bash tools/bench.sh

$(BUILD)/bench/benchutil.dll: bench/benchutil.c $(WIN)/bin/lua54.dll
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WERROR) -shared $(LUAINC) -o $@ $^ -lpsapi

# bench/inflight_parts.lua's cwrap and cspawn: the bridge's put with its Lua layer in C
$(BUILD)/bench/benchops.dll: bench/benchops.c $(WIN)/bin/lua54.dll
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WERROR) -shared $(LUAINC) -o $@ $^

lint: $(STAMP)
	@bash tools/lint.sh

dist: $(STAMP)
	@bash tools/dist.sh

clean:
	rm -rf $(foreach v,$(LUAS),$(call tree_of,$(v))) $(SIM) $(BUILD)/obj $(BUILD)/rocks $(BUILD)/dist

distclean:
	-wineserver -k 2>/dev/null
	rm -rf $(BUILD)

# --- set-up: packages and Debian sources ---------------------------------------------

$(STAMP): tools/bootstrap.sh
	bash tools/bootstrap.sh $(BUILD)
	@touch $@

# --- Lua 5.4 for Windows, from Debian's lua5.4 source (orig tarball) -------------------

$(WIN)/bin/lua54.dll: $(STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -DLUA_BUILD_AS_DLL -o $@ $(filter-out %/lua.c %/luac.c,$(wildcard $(LUASRC)/src/*.c))

$(WIN)/bin/lua.exe: $(WIN)/bin/lua54.dll
	$(CC) $(CFLAGS) -DLUA_BUILD_AS_DLL -o $@ $(LUASRC)/src/lua.c $<

# --- busted and its helpers, for that Lua --------------------------------------------

# Pure-Lua files from Debian's packages (lua-busted and its dependencies).
BUSTED_LUA := busted busted.lua cliargs cliargs.lua dkjson.lua luassert mediator.lua pl say system term

$(LMOD)/.busted: $(STAMP)
	@mkdir -p $(LMOD)
	cd /usr/share/lua/$(LUAV) && cp -rL $(BUSTED_LUA) $(abspath $(LMOD))/
	@touch $@

$(CMOD)/lfs.dll: $(WIN)/bin/lua54.dll
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared $(LUAINC) -o $@ $(SRCS)/lfs/src/lfs.c $<

$(CMOD)/term/core.dll: $(WIN)/bin/lua54.dll
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared $(LUAINC) -o $@ $(SRCS)/lua-term/core.c $<

# lua-system's source is not served by the archive here: a stand-in of our own.
$(CMOD)/system/core.dll: spec/support/system_core.c $(WIN)/bin/lua54.dll
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WERROR) -shared $(LUAINC) -o $@ $^

.PHONY: testdeps
testdeps: $(LMOD)/.busted $(CMOD)/lfs.dll $(CMOD)/term/core.dll $(CMOD)/system/core.dll

# --- the module ------------------------------------------------------------------------

MOD_SRC := $(wildcard src/*.c)
MOD_HDR := $(wildcard src/*.h)
# the rockspec's libraries: no uuid or wbemuuid (src/guids.c defines what they would)
MOD_LIBS := -lkernel32 -luser32 -lole32 -loleaut32

$(CMOD)/wbem/core.dll: $(MOD_SRC) $(MOD_HDR) $(WIN)/bin/lua54.dll
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WERROR) -shared $(LUAINC) -o $@ $(MOD_SRC) $(WIN)/bin/lua54.dll $(MOD_LIBS)

LUA_SRC := $(wildcard lua/wbem/*.lua)
LUA_OUT := $(patsubst lua/%,$(LMOD)/%,$(LUA_SRC))

.PHONY: lua-files
lua-files: $(LUA_OUT)

$(LMOD)/wbem/%.lua: lua/wbem/%.lua
	@mkdir -p $(dir $@)
	cp $< $@

# --- the simulator (test support) ------------------------------------------------------

SIM_SRC := $(wildcard spec/sim/server/*.c)
SIM_HDR := $(wildcard spec/sim/server/*.h)
CLI_SRC := $(wildcard spec/sim/client/*.c)
CLI_HDR := $(wildcard spec/sim/client/*.h)
# The COM helpers of the module serve the simulator and the host too.
COMUTIL := src/comutil.c src/comutil.h

.PHONY: sim
sim: $(SIM)/wbemsim.dll $(SIM)/simclient.exe

$(SIM)/wbemsim.dll: $(SIM_SRC) $(SIM_HDR) $(COMUTIL) spec/sim/server/wbemsim.def $(STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WERROR) -Isrc -shared -o $@ $(SIM_SRC) src/comutil.c spec/sim/server/wbemsim.def \
	  -lole32 -loleaut32 -luuid -ladvapi32

$(SIM)/simclient.exe: $(CLI_SRC) $(CLI_HDR) $(STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WERROR) -o $@ $(CLI_SRC) -lole32 -loleaut32 -luuid -lpsapi

# the raw C client's notify figure, run inside bench.lua's process beside the bridge's
$(BUILD)/bench/simbench.dll: bench/simbench.c $(filter-out spec/sim/client/main.c,$(CLI_SRC)) $(CLI_HDR) $(WIN)/bin/lua54.dll
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WERROR) -shared -static-libgcc $(LUAINC) -o $@ bench/simbench.c \
	  $(filter-out spec/sim/client/main.c,$(CLI_SRC)) $(WIN)/bin/lua54.dll -lole32 -loleaut32 -luuid -lpsapi

# --- a C host that embeds Lua (spec/host), beside lua.exe so it finds the same paths --

.PHONY: host
host: $(WIN)/bin/wbemhost.exe

$(WIN)/bin/wbemhost.exe: spec/host/host.c $(COMUTIL) $(WIN)/bin/lua54.dll
	$(CC) $(CFLAGS) $(WERROR) $(LUAINC) -Isrc -o $@ spec/host/host.c src/comutil.c $(WIN)/bin/lua54.dll \
	  -lole32 -loleaut32 -luuid

# --- the example of a host that embeds Lua and pumps once a frame (examples/host) ------

.PHONY: example-host
example-host: $(WIN)/bin/example-host.exe

$(WIN)/bin/example-host.exe: examples/host/host.c $(WIN)/bin/lua54.dll
	$(CC) $(CFLAGS) $(WERROR) $(LUAINC) -o $@ $^ -luser32

# --- the Wine prefix -------------------------------------------------------------------

# No X display: COM's message-only windows need none, and the null graphics driver
# covers ordinary hidden windows.
$(PREFIX): $(STAMP)
	@echo "wine: creating the prefix $(WINEPREFIX)"
	@wineboot -i >/dev/null 2>&1
	@$(WINE) reg add 'HKCU\Software\Wine\Drivers' /v Graphics /d null /f >/dev/null 2>&1
	@wineserver -w
	@touch $@

$(SIM)/.registered: $(SIM)/wbemsim.dll $(PREFIX)
	@$(WINE) regsvr32 /s $(SIM)/wbemsim.dll && wineserver -w && touch $@
