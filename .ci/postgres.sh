#!/usr/bin/env bash
# Start a local PostgreSQL server for the distributed-tuning test and print its URL.
# Installs Debian's postgresql package when it is missing (needs root and apt). Prints nothing
# and exits 0 when that is impossible: the test then skips with a message.
set -uo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) \
            >/dev/null 2>&1 || exit 0
    else
        exit 0
    fi
fi
version=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
[ -n "$version" ] || exit 0
pg_lsclusters -h 2>/dev/null | grep -q "^$version main" || \
    pg_createcluster "$version" main >/dev/null 2>&1 || exit 0
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
for _ in $(seq 20); do
    su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
    sleep 0.5
done
su postgres -c "psql -qtAc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'seqgan') THEN CREATE ROLE seqgan LOGIN SUPERUSER PASSWORD 'seqgan'; END IF; END \\\$\\\$;\"" >/dev/null 2>&1 || exit 0
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname = 'seqgan_test'\"" | grep -q 1 || \
    su postgres -c "createdb -O seqgan seqgan_test" >/dev/null 2>&1 || exit 0
echo "postgresql+psycopg://seqgan:seqgan@localhost:5432/seqgan_test"
