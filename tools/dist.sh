#!/usr/bin/env bash
# dist.sh: what a release hands out, in build/dist (make dist):
#   lua-wbem-<version>.tar.gz, lua-wbem-scm.tar.gz   the files git tracks, as they are
#       in the working tree, under lua-wbem-<version>/ (the directory the rockspecs'
#       source fields name). The project has no public repository yet, so these
#       archives are what a rockspec's source is.
#   lua-wbem-<version>-<rev>.rockspec                 rockspec/'s, beside its archive
#   lua-wbem-<version>-<rev>.src.rock                 `luarocks pack` of it: the rockspec
#       and the archive, which `luarocks build` (or install) takes offline.
set -euo pipefail
cd "$(dirname "$0")/.."
dist=$PWD/build/dist
release=$(ls rockspec/lua-wbem-*-*.rockspec | grep -v -- '-scm-' | head -n 1)
version=$(basename "$release" .rockspec | sed 's/^lua-wbem-//')     # 0.1.0-1
upstream=${version%-*}                                             # 0.1.0
mkdir -p "$dist"

files=$(mktemp)
scratch=$(mktemp -d)
trap 'rm -rf "$files" "$scratch"' EXIT
# tracked files that exist (a deletion not yet committed is not shipped)
git ls-files -z | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done > "$files"
for v in "$upstream" scm; do
  tar --null -T "$files" --transform "s,^,lua-wbem-$v/," --owner=0 --group=0 \
      --sort=name -czf "$dist/lua-wbem-$v.tar.gz"
  echo "dist: build/dist/lua-wbem-$v.tar.gz"
done
cp "$release" "$dist/"

# The rockspec's source is the archive beside it, a relative path; `luarocks pack`
# fetches from a directory of its own, so it packs a copy that names the archive by its
# absolute file:// URL, and the source rock then gets the rockspec as it is.
sed "s|^\(   url = \)\"\(lua-wbem-$upstream\.tar\.gz\)\"|\1\"file://$dist/\2\"|" "$release" \
  > "$scratch/lua-wbem-$version.rockspec"
grep -q "file://$dist/" "$scratch/lua-wbem-$version.rockspec" ||
  { echo "dist: $release names no source url lua-wbem-$upstream.tar.gz" >&2; exit 1; }
(cd "$scratch" && luarocks --lua-version 5.4 pack "lua-wbem-$version.rockspec" >/dev/null)
cp "$release" "$scratch/"
(cd "$scratch" && zip -q "lua-wbem-$version.src.rock" "lua-wbem-$version.rockspec")
mv "$scratch/lua-wbem-$version.src.rock" "$dist/"
echo "dist: build/dist/lua-wbem-$version.src.rock"
