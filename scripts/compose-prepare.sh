#!/usr/bin/env bash
# Prepares the secrets of deploy/compose.yaml (`make compose-up` runs it):
#   scripts/compose-prepare.sh [ENV_FILE] [OUT_DIR]     (defaults: .env and .local/compose)
# 1. In ENV_FILE (created with mode 0600 when missing), each of WAREHOUSE_PASSWORD,
#    ANALYST_PASSWORD and PGADMIN_DEFAULT_PASSWORD that is neither set there nor in the
#    environment gets a generated value, written once (on its empty line, else appended) and
#    kept from then on.
# 2. OUT_DIR/pgpass (OUT_DIR mode 0700, git-ignored) gets the line pgAdmin's container
#    copies to /var/lib/pgadmin/.pgpass on its first start:
#      warehouse:5432:*:analyst:ANALYST_PASSWORD      (`\` and `:` escaped, as libpq reads them)
#    It is mode 0600 and owned by uid 5050 (pgAdmin's user in its image) when this runs as
#    root; otherwise it cannot be given to that uid, so it is 0644 and OUT_DIR's 0700 keeps
#    it from other users of this machine.
# Values are read literally (never sourced). As compose does, the environment wins over the
# file. No secret is printed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
env_file=${1:-$repo/.env}
out_dir=${2:-$repo/.local/compose}

# The last NAME=value line of the env file, as compose reads it (surrounding quotes dropped).
env_value() {
  local line value=""
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in "$1="*) value=${line#*=} ;; esac
  done <"$env_file"
  case $value in \"*\" | \'*\') value=${value:1:${#value}-2} ;; esac
  printf '%s' "$value"
}

if [ ! -e "$env_file" ]; then
  (umask 077 && : >"$env_file")
  echo "compose-prepare: created $env_file (mode 0600)"
fi
generated=()
for name in WAREHOUSE_PASSWORD ANALYST_PASSWORD PGADMIN_DEFAULT_PASSWORD; do
  if [ -n "${!name:-}" ] || [ -n "$(env_value "$name")" ]; then continue; fi
  value=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')  # letters and digits only
  if grep -q "^$name=\$" "$env_file"; then
    # An empty line for it (a copy of .env.example) gets the value in place.
    sed -i "s/^$name=\$/$name=$value/" "$env_file"
  else
    # A file not ending in a newline would glue the new line to its last one.
    if [ -s "$env_file" ] && [ -n "$(tail -c 1 "$env_file")" ]; then echo >>"$env_file"; fi
    printf '%s=%s\n' "$name" "$value" >>"$env_file"
  fi
  generated+=("$name")
done
if [ "${#generated[@]}" -gt 0 ]; then
  echo "compose-prepare: generated ${generated[*]} into $env_file"
fi

analyst_password=${ANALYST_PASSWORD:-$(env_value ANALYST_PASSWORD)}
escaped=${analyst_password//\\/\\\\}
escaped=${escaped//:/\\:}
mkdir -p "$out_dir"
chmod 0700 "$out_dir"
(umask 077 && printf 'warehouse:5432:*:analyst:%s\n' "$escaped" >"$out_dir/pgpass.new")
if [ "$(id -u)" -eq 0 ]; then
  chown 5050:5050 "$out_dir/pgpass.new"
else
  chmod 0644 "$out_dir/pgpass.new"
fi
mv -f "$out_dir/pgpass.new" "$out_dir/pgpass"
echo "compose-prepare: wrote $out_dir/pgpass (pgAdmin's password file for analyst)"
