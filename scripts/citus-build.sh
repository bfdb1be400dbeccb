#!/usr/bin/env bash
# Makes sure the Citus extension is installed into this machine's PostgreSQL 15.
#
# An installed Citus (citus.so in `pg_config --pkglibdir`) is used as it is. Otherwise Citus
# is built from CITUS_SOURCE (default ../shared/vendor/citus-13.2.2.tar.gz beside the
# checkout): the tarball is checked against the SHA256SUMS next to it, its build packages
# are installed (apt-get, like install-deps.sh), it is extracted into build-citus/ (git
# ignored), patched for PostgreSQL >= 15.14 (see below), configured, built with -j2 and
# installed. The build tree is kept: a second run after a `make install` elsewhere removed
# nothing costs nothing, and after citus.so was removed it costs only `make install`.
#
# Exit status: 0 installed (or already present); 3 neither installed nor a source to build
# from (callers that may skip say so and skip); 1 anything else failed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source_tarball=${CITUS_SOURCE:-$repo/../shared/vendor/citus-13.2.2.tar.gz}
builddir=${CITUS_BUILD_DIR:-$repo/build-citus}
jobs=${CITUS_BUILD_JOBS:-2}

pg_config_bin=/usr/lib/postgresql/15/bin/pg_config
[ -x "$pg_config_bin" ] || pg_config_bin=$(command -v pg_config || true)

installed() {
  [ -n "$pg_config_bin" ] && [ -f "$("$pg_config_bin" --pkglibdir)/citus.so" ] &&
    [ -f "$("$pg_config_bin" --sharedir)/extension/citus.control" ]
}

if installed; then
  echo "citus-build: Citus is installed ($("$pg_config_bin" --pkglibdir)/citus.so)"
  exit 0
fi

if [ ! -f "$source_tarball" ]; then
  echo "citus-build: no installed Citus, and no source to build it from: CITUS_SOURCE=$source_tarball" \
    "does not exist (set CITUS_SOURCE to a Citus source tarball)" >&2
  exit 3
fi
source_tarball=$(cd "$(dirname "$source_tarball")" && pwd)/$(basename "$source_tarball")

# The checksum: SHA256SUMS beside the tarball must list it, and the file must match.
sums="$(dirname "$source_tarball")/SHA256SUMS"
name=$(basename "$source_tarball")
if [ ! -f "$sums" ]; then
  echo "citus-build: $sums is missing: cannot check $name" >&2
  exit 1
fi
expected=$(awk -v n="$name" '$2 == n || $2 == "*" n { print $1 }' "$sums")
if [ -z "$expected" ]; then
  echo "citus-build: $sums lists no checksum for $name" >&2
  exit 1
fi
actual=$(sha256sum "$source_tarball" | cut -d' ' -f1)
if [ "$actual" != "$expected" ]; then
  echo "citus-build: $name does not match $sums (sha256 $actual, expected $expected)" >&2
  exit 1
fi
echo "citus-build: $name matches $sums"

# Citus's build packages (Debian 12). Only what is missing is installed.
packages=(build-essential postgresql-server-dev-15 liblz4-dev libzstd-dev libkrb5-dev
  libselinux1-dev libxslt1-dev libpam0g-dev libreadline-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "citus-build: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
pg_config_bin=/usr/lib/postgresql/15/bin/pg_config

# One build tree per tarball checksum: a new tarball builds afresh.
tree="$builddir/citus-${actual:0:12}"
stamp="$tree/.tributary-built"
if [ ! -f "$stamp" ]; then
  rm -rf "$tree"
  mkdir -p "$tree"
  tar -xzf "$source_tarball" -C "$tree" --strip-components=1
  # PostgreSQL 15.14 and later export have_createdb_privilege() themselves; Citus 13.2.2's
  # compatibility header still defines a static inline copy for PostgreSQL 15, which then
  # conflicts in commands/database.c. The copy is deleted from the extracted tree (never from
  # the tarball): the `static inline bool` line, the name line and the body up to its `}`.
  header="$tree/src/include/pg_version_compat.h"
  sed -i '/^static inline bool$/{N;/\nhave_createdb_privilege(void)$/{:body;N;/\n}$/!bbody;d}}' "$header"
  if grep -q '^have_createdb_privilege(void)' "$header"; then
    echo "citus-build: could not remove have_createdb_privilege() from $header" >&2
    exit 1
  fi
  echo "citus-build: building Citus in $tree (-j$jobs; about 1.5 minutes on 2 idle cores)"
  start=$SECONDS
  (cd "$tree" && PG_CONFIG=$pg_config_bin ./configure --without-libcurl >"$tree/configure.log" 2>&1) || {
    echo "citus-build: configure failed; the end of $tree/configure.log:" >&2
    tail -n 20 "$tree/configure.log" >&2
    exit 1
  }
  make -C "$tree" -j"$jobs" >"$tree/build.log" 2>&1 || {
    echo "citus-build: the build failed; the end of $tree/build.log:" >&2
    tail -n 20 "$tree/build.log" >&2
    exit 1
  }
  touch "$stamp"
  echo "citus-build: built in $((SECONDS - start)) s"
fi
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO make -C "$tree" install >"$tree/install.log" 2>&1 || {
  echo "citus-build: make install failed; the end of $tree/install.log:" >&2
  tail -n 20 "$tree/install.log" >&2
  exit 1
}
installed || { echo "citus-build: make install did not install citus.so" >&2; exit 1; }
echo "citus-build: Citus installed into $("$pg_config_bin" --pkglibdir)"
