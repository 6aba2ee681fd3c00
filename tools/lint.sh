#!/usr/bin/env bash
# lint.sh: checks of the tree that need no Wine, as TAP: the rockspec is valid and
# builds exactly the sources the Makefile builds.
set -u
cd "$(dirname "$0")/.."
rock=rockspec/lua-wbem-scm-1.rockspec
n=0 failed=0
check() {  # check NAME COMMAND...
  n=$((n + 1))
  local out
  if out=$("${@:2}" 2>&1); then echo "ok $n - $1"
  else echo "not ok $n - $1"; echo "$out" | sed 's/^/# /'; failed=1; fi
}
listed() { lua5.4 -e "dofile('$rock') for _, f in ipairs(build.modules['wbem.core'].sources) do print(f) end" | sort; }
modules() { lua5.4 -e "dofile('$rock') for k, v in pairs(build.modules) do if type(v) == 'string' then print(v) end end" | sort; }
check "luarocks lint accepts the rockspec" luarocks lint "$rock"
check "the rockspec builds every src/*.c, and no other" diff <(listed) <(ls src/*.c | sort)
check "the rockspec installs every lua/wbem/*.lua" diff <(modules) <(ls lua/wbem/*.lua | sort)
echo "1..$n"
exit $failed
