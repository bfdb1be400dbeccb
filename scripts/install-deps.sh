#!/usr/bin/env bash
# Installs the Debian 12 packages tributary builds, tests and runs with.
# Runs `apt-get update` once and `apt-get install -y` only when something is missing,
# so calling it from every make target costs a dpkg query when all is present.
# `install-deps.sh cli` installs only what building and running the CLI needs.
set -euo pipefail

# What building and running the CLI needs: the container image (deploy/Dockerfile) installs
# only these (`install-deps.sh cli`); psql runs scripts/create-analyst-role.sh.
cli_packages=(
  build-essential cmake pkg-config
  libcurl4-openssl-dev nlohmann-json3-dev libpqxx-dev libhowardhinnant-date-dev
  libyaml-cpp-dev libcpp-httplib-dev zlib1g-dev libcli11-dev libspdlog-dev
  libxxhash-dev  # the payload digest (XXH3-128)
  libsimdjson-dev  # the fast per-event reader (models/src/event_reader_simd.cpp)
  libjs-chart.js  # Chart.js 3.9, inlined by `tributary report` into its HTML file
  postgresql-client-15 curl procps
)
packages=(
  "${cli_packages[@]}"
  libgtest-dev libgmock-dev
  postgresql-15 postgresql-15-pgtap
  python3-prometheus-client
  systemd  # systemd-analyze: the tests verify deploy/systemd/
  chromium  # headless: the report's browser test and `make report-screenshot`
  clang libclang-rt-14-dev llvm-14
)
case ${1:-all} in
  all) ;;
  cli) packages=("${cli_packages[@]}") ;;
  *) echo "usage: install-deps.sh [all|cli]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
