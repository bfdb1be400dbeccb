#!/usr/bin/env python3
"""The pgAdmin part of deploy/compose.yaml, checked without its image (no registry here).

    check_pgadmin_config.py CONFIG_YAML SERVERS_JSON PGPASS ANALYST_PASSWORD_FILE

CONFIG_YAML is `docker-compose config` of deploy/compose.yaml; SERVERS_JSON the file it mounts
for PGADMIN_SERVER_JSON_FILE; PGPASS the file compose-prepare.sh generated for PGPASS_FILE;
ANALYST_PASSWORD_FILE holds the password the analyst role got. Prints one line per check;
exits 1 when any fails. Never prints a secret.
"""
import json
import os
import re
import stat
import sys

import yaml

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def importer_errors(data):
    """The checks of pgAdmin's `setup.py load-servers` (validate_json_data in
    web/pgadmin/utils/__init__.py): what makes it refuse a servers.json."""
    if "Servers" not in data:
        return ["'Servers' attribute not found"]
    errors = []
    for key, server in data["Servers"].items():
        for attrib in ("Group", "Name", "MaintenanceDB"):
            if attrib not in server:
                errors.append(f"'{attrib}' attribute not found for server '{key}'")
        if server.get("Service") is None:
            for attrib in ("Port", "Username"):
                if attrib not in server:
                    errors.append(f"'{attrib}' attribute not found for server '{key}'")
            if not isinstance(server.get("Port"), int) or isinstance(server.get("Port"), bool):
                errors.append(f"Port must be integer for server '{key}'")
            if "Host" not in server:
                errors.append(f"'Host' or 'Service' attribute not found for server '{key}'")
        if server.get("Shared"):
            errors.append(f"server '{key}' is Shared: desktop mode's user would skip it")
    return errors


def split_pgpass(line):
    """libpq's reading of one ~/.pgpass line: fields split on ':' not escaped by '\\'."""
    fields, field, chars = [], "", iter(line)
    for c in chars:
        if c == "\\":
            field += next(chars, "")
        elif c == ":" and len(fields) < 4:
            fields.append(field)
            field = ""
        else:
            field += c
    fields.append(field)
    return fields


def main():
    config_path, servers_path, pgpass_path, password_path = sys.argv[1:5]
    with open(config_path) as f:
        config = yaml.safe_load(f)
    with open(password_path) as f:
        analyst_password = f.read().rstrip("\n")

    services = config.get("services", {})
    check(set(services) == {"warehouse", "tributary", "pgadmin"},
          "compose: services warehouse, tributary, pgadmin")
    pgadmin = services.get("pgadmin", {})
    env = pgadmin.get("environment", {})
    check(str(pgadmin.get("image", "")).startswith("dpage/pgadmin4"),
          "pgadmin: image dpage/pgadmin4")
    ports = [str(p) for p in pgadmin.get("ports", [])]
    check(any(re.fullmatch(r"127\.0\.0\.1:5050:80(/tcp)?", p) for p in ports),
          "pgadmin: published on 127.0.0.1:5050 (container port 80)")
    check(env.get("PGADMIN_CONFIG_SERVER_MODE") == "False",
          "pgadmin: PGADMIN_CONFIG_SERVER_MODE=False (desktop mode: no login page)")
    check(env.get("PGADMIN_CONFIG_MASTER_PASSWORD_REQUIRED") == "False",
          "pgadmin: PGADMIN_CONFIG_MASTER_PASSWORD_REQUIRED=False")
    check(bool(env.get("PGADMIN_DEFAULT_EMAIL")) and bool(env.get("PGADMIN_DEFAULT_PASSWORD")),
          "pgadmin: PGADMIN_DEFAULT_EMAIL and PGADMIN_DEFAULT_PASSWORD set (the image needs them)")
    check("warehouse" in (pgadmin.get("depends_on") or {}), "pgadmin: depends on warehouse")

    mounts = {}
    for volume in pgadmin.get("volumes", []):
        parts = volume.split(":") if isinstance(volume, str) else [
            volume.get("source"), volume.get("target")]
        if len(parts) >= 2:
            mounts[parts[1]] = parts[0]
    for variable, expected_source in (("PGADMIN_SERVER_JSON_FILE", servers_path),
                                      ("PGPASS_FILE", pgpass_path)):
        target = env.get(variable)
        source = mounts.get(target)
        check(source is not None and os.path.realpath(source) == os.path.realpath(expected_source)
              and os.path.isfile(source),
              f"pgadmin: {variable}={target} is a mounted file ({expected_source})")
    check(mounts.get("/var/lib/pgadmin") is not None,
          "pgadmin: /var/lib/pgadmin on a volume (servers and pgpass are read on its first start)")

    with open(servers_path) as f:
        try:
            servers = json.load(f)
        except json.JSONDecodeError as e:
            check(False, f"servers.json: valid JSON ({e})")
            servers = {}
    errors = importer_errors(servers)
    check(not errors, "servers.json: accepted by pgAdmin's importer rules" +
          ("" if not errors else ": " + "; ".join(errors)))
    entries = list(servers.get("Servers", {}).values())
    check(len(entries) == 1, "servers.json: one server")
    server = entries[0] if entries else {}
    warehouse = services.get("warehouse", {})
    check(server.get("Host") == "warehouse", "servers.json: Host is the compose service warehouse")
    check(server.get("Port") == 5432, "servers.json: Port 5432 (the warehouse's port in the network)")
    check(server.get("MaintenanceDB") == warehouse.get("environment", {}).get("POSTGRES_DB"),
          "servers.json: MaintenanceDB is the warehouse's POSTGRES_DB")
    check(server.get("Username") == "analyst", "servers.json: Username analyst")
    check(server.get("PassFile") == "/var/lib/pgadmin/.pgpass",
          "servers.json: PassFile /var/lib/pgadmin/.pgpass (where the image copies PGPASS_FILE in desktop mode)")
    with open(servers_path) as f:
        check(analyst_password not in f.read() and "Password" not in server,
              "servers.json: holds no password")

    with open(pgpass_path) as f:
        lines = [line for line in f.read().split("\n") if line]
    check(len(lines) == 1, "pgpass: one line")
    fields = split_pgpass(lines[0]) if lines else []
    check(len(fields) == 5, "pgpass: host:port:database:username:password")
    if len(fields) == 5:
        check(fields[0] == server.get("Host") and fields[1] == str(server.get("Port")),
              "pgpass: host and port those of servers.json")
        check(fields[2] in ("*", server.get("MaintenanceDB")), "pgpass: database * or MaintenanceDB")
        check(fields[3] == "analyst", "pgpass: username analyst")
        check(fields[4] == analyst_password, "pgpass: the analyst role's password (unescaped)")
    st = os.stat(pgpass_path)
    dir_mode = stat.S_IMODE(os.stat(os.path.dirname(os.path.abspath(pgpass_path))).st_mode)
    if os.geteuid() == 0:
        check(stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == 5050,
              "pgpass: mode 0600, owned by uid 5050 (pgAdmin's user)")
    else:
        check(stat.S_IMODE(st.st_mode) == 0o644 and dir_mode == 0o700,
              "pgpass: mode 0644 in a 0700 directory")
    check(dir_mode == 0o700, "pgpass: its directory is mode 0700")

    if failures:
        print(f"{len(failures)} pgAdmin check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
