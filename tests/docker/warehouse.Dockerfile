# A stand-in for postgres:15-bookworm, for the Docker test only (no registry can be reached
# here): Debian 12's postgresql-15 on the locally imported debian:bookworm, with the part of
# the official image's contract deploy/compose.yaml uses — POSTGRES_USER, POSTGRES_PASSWORD
# and POSTGRES_DB create the cluster on the first start, PGPORT moves the port, the data
# lives in /var/lib/postgresql/data, and the command is `postgres ARGS…`.
FROM debian:bookworm
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 PGDATA=/var/lib/postgresql/data \
    PATH=/usr/lib/postgresql/15/bin:$PATH
RUN mkdir -p /etc/postgresql-common \
 && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \
 && apt-get update -q && apt-get install -y -q --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/data \
 && install -d -o postgres -g postgres /var/run/postgresql
COPY tests/docker/warehouse-entrypoint.sh /usr/local/bin/warehouse-entrypoint
USER postgres
ENTRYPOINT ["warehouse-entrypoint"]
CMD ["postgres", "-c", "listen_addresses=*"]
