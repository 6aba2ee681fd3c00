#!/usr/bin/env bash
# bootstrap.sh BUILD_DIR
#
# Installs what the cross-build and the Wine test run need, from Debian's archive only,
# and fetches the Debian source packages we compile for Windows into BUILD_DIR/src.
# Idempotent: it installs only what is missing and fetches only what is not cached.
set -euo pipefail

build=${1:-build}
src="$build/src"
mkdir -p "$src"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The tools. lua-busted brings busted's pure-Lua files and its dependencies
# (luassert, say, penlight, cliargs, mediator, lua-term, lua-system, lfs), which we
# copy into the Windows Lua tree; dpkg-dev unpacks source packages; luarocks lints
# the rockspec; lua5.4 runs small host-side helpers.
packages=(wine wine64 gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 mingw-w64-x86-64-dev
          lua-busted lua5.4 luarocks dpkg-dev make xz-utils ca-certificates)
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

# apt-get source needs a deb-src entry; add one mirroring the deb entries when there is none.
if ! apt-cache showsrc lua5.4 2>/dev/null | grep -q '^Package:'; then
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

# Source packages: we need only their upstream (orig) tarballs. Debian's archive here
# sometimes answers 404 for a package's debian.tar.xz; that part is not needed, so
# each package is fetched on its own and judged by its orig tarball alone.
fetch_orig() {   # fetch_orig PACKAGE DIRNAME
  local pkg=$1 dir=$2
  [ -d "$src/$dir" ] && return 0
  local tarball
  tarball=$(ls "$src"/"${pkg}"_*.orig.tar.* 2>/dev/null | head -n 1 || true)
  if [ -z "$tarball" ]; then
    echo "bootstrap: fetching the source of $pkg"
    (cd "$src" && apt-get source --download-only -q "$pkg" >/dev/null 2>&1) || true
    tarball=$(ls "$src"/"${pkg}"_*.orig.tar.* 2>/dev/null | head -n 1 || true)
    if [ -z "$tarball" ] && [ $updated = no ]; then
      as_root apt-get update -q && updated=yes
      (cd "$src" && apt-get source --download-only -q "$pkg" >/dev/null 2>&1) || true
      tarball=$(ls "$src"/"${pkg}"_*.orig.tar.* 2>/dev/null | head -n 1 || true)
    fi
  fi
  if [ -z "$tarball" ]; then
    echo "bootstrap: could not fetch the source of $pkg from Debian's archive" >&2
    exit 1
  fi
  local tmp="$src/.unpack.$pkg"
  rm -rf "$tmp" && mkdir -p "$tmp"
  tar -xf "$tarball" -C "$tmp"
  mv "$tmp"/* "$src/$dir"
  rm -rf "$tmp"
}

# Lua from the orig tarball: Debian's patch 0001 breaks Lua's own mingw target, and we
# compile the files ourselves anyway.
fetch_orig lua5.4 lua
fetch_orig lua-filesystem lfs
fetch_orig lua-term lua-term

echo "bootstrap: ok"
