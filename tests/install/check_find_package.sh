#!/usr/bin/env bash
# Installs the kstreams build tree into a scratch prefix and builds examples/processor-api out of
# tree against it with find_package(kstreams): proves the exported package is complete.
# Usage: check_find_package.sh <build dir> <source dir>
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
prefix=$build/install-check/prefix
out=$build/install-check/example
rm -rf "$build/install-check"
cmake --install "$build" --prefix "$prefix" >/dev/null
cmake -S "$src/examples/processor-api" -B "$out" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
cmake --build "$out" -j2 >/dev/null
"$out/processor-api" | grep -q "plum: 7"
echo "find_package(kstreams) from $prefix: example built and ran"
