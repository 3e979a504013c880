# Sourced by .ci/run: a throwaway PostgreSQL for the tests, gone when the run ends.
#
# CI starts on a fresh machine, so this brings its own server: Debian's `postgresql` package when
# no PostgreSQL binaries are found, a cluster made by `initdb` in a temporary folder (as the
# `postgres` user when run as root: PostgreSQL refuses to run as root), fsync off (nothing here
# needs to survive a crash), listening only on a Unix socket inside that folder (no port to
# collide with), and one database. It exports TEST_POSTGRES_URL and registers an EXIT trap that
# stops the server and removes the folder whatever happens.
#
# Authentication: the superuser `postgres` is trusted on the socket; every other role must give
# its password, so the tests can check that a wrong password is reported as such.

pg_log() { echo "postgres.sh: $*" >&2; }

# The directory holding initdb and pg_ctl: PATH first, else Debian's versioned folders (newest).
pg_find_bindir() {
    local initdb_path dir
    initdb_path="$(command -v initdb || true)"
    if [[ -n "$initdb_path" ]] && command -v pg_ctl >/dev/null; then
        dirname "$(readlink -f "$initdb_path")"
        return 0
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

pg_install() {
    if [[ "$(id -u)" != 0 ]]; then
        pg_log "PostgreSQL is not installed and this is not root: install Debian's postgresql package."
        return 1
    fi
    pg_log "installing Debian's postgresql package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}

# Run a PostgreSQL program as the cluster's owner: `postgres` when we are root, else ourselves.
pg_as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        (cd "$PG_TMP" && runuser -u postgres -- "$@")
    else
        (cd "$PG_TMP" && "$@")
    fi
}

pg_stop() {
    if [[ -n "${PG_TMP:-}" && -d "$PG_TMP" ]]; then
        if [[ -f "$PG_TMP/data/postmaster.pid" ]]; then
            pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$PG_TMP"
    fi
}

pg_start() {
    PG_BIN="$(pg_find_bindir)" || { pg_install && PG_BIN="$(pg_find_bindir)"; } || {
        pg_log "no initdb/pg_ctl found, even after installing postgresql"
        return 1
    }
    if [[ "$(id -u)" == 0 ]] && ! id postgres >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
    fi
    PG_TMP="$(mktemp -d /tmp/studybot-pg.XXXXXX)"
    trap pg_stop EXIT
    trap 'exit 130' INT TERM HUP
    chmod 755 "$PG_TMP"
    [[ "$(id -u)" == 0 ]] && chown postgres: "$PG_TMP"

    pg_as_owner "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres -E UTF8 --locale=C \
        --no-sync --auth-local=trust --auth-host=scram-sha-256 >"$PG_TMP/initdb.log" 2>&1 || {
        cat "$PG_TMP/initdb.log" >&2
        return 1
    }
    # The superuser is trusted on the socket; any other role must give its password.
    printf '%s\n' \
        'local all postgres trust' \
        'local all all scram-sha-256' \
        'host all all 127.0.0.1/32 scram-sha-256' >"$PG_TMP/data/pg_hba.conf"
    [[ "$(id -u)" == 0 ]] && chown postgres: "$PG_TMP/data/pg_hba.conf"

    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
        -o "-F -c listen_addresses= -k $PG_TMP -c full_page_writes=off -c synchronous_commit=off -c max_connections=200" \
        start >/dev/null || {
        cat "$PG_TMP/server.log" >&2
        return 1
    }
    pg_as_owner "$PG_BIN/psql" -X -q -h "$PG_TMP" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE DATABASE studybot_test" >/dev/null
    export TEST_POSTGRES_URL="postgresql://postgres@/studybot_test?host=$PG_TMP"
    pg_log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on $PG_TMP; TEST_POSTGRES_URL is set"
}

pg_start
