# Sourced by scripts/test and bench scripts: start real servers on loopback in a
# temporary directory, export their addresses, and stop them on exit.
#   start_nginx  -> VITALS_TEST_NGINX_URL   (1 worker, `return 200`, keep-alive never recycled)
#   (every nginx here runs $VITALS_NGINX_WORKERS workers, default 1; Debian's nginx.conf says
#   `worker_processes auto`, which the benches use with VITALS_NGINX_WORKERS=$(nproc))
#   start_postgres -> VITALS_TEST_PG_DSN    (PostgreSQL 15, pg_stat_statements preloaded)
#   start_pgbouncer -> VITALS_TEST_PGBOUNCER_DSN (admin console) and
#                      VITALS_TEST_PGBOUNCER_APP_DSN (the postgres database through it,
#                      transaction pooling, pool_size 2); needs start_postgres first
#   start_redis  -> VITALS_TEST_REDIS_URL
#   start_nginx_tls -> VITALS_TEST_NGINX_TLS_URL (TLS 1.2/1.3, certificate for localhost and
#                      127.0.0.1 signed by a CA made here: VITALS_TEST_TLS_DIR/ca.pem),
#                      VITALS_TEST_NGINX_MTLS_URL (same, and a client certificate is required:
#                      VITALS_TEST_TLS_DIR/client.pem + client.key, signed by the same CA)
#   start_nginx_h2 -> VITALS_TEST_NGINX_H2C_URL (HTTP/2 with prior knowledge, plain TCP),
#                     VITALS_TEST_NGINX_H2_URL (HTTP/2 over TLS, ALPN h2; certificate as for
#                     start_nginx_tls: VITALS_TEST_H2_TLS_DIR/ca.pem),
#                     VITALS_TEST_NGINX_H2_GOAWAY_URL (h2c, GOAWAY after 50 requests per
#                     connection, at most 16 concurrent streams); paths: / ok, /reset
#                     RST_STREAM, /big 1 MiB
#   start_nghttpd -> VITALS_TEST_NGHTTPD_URL (nghttpd h2c, 1023-byte stream and connection
#                    windows, POST echoed back; /big 1 MiB), VITALS_TEST_NGHTTPD_SHUT_URL (a
#                    stream window of 0 that it never opens: request bodies cannot leave)
#   start_postgres_tune -> VITALS_TEST_TUNE_PG_DSN (a PostgreSQL 15 of its own for `vitals tune`,
#                      whose settings the tune tests change) and VITALS_TEST_TUNE_PG_REPLICA_DSN
#                      (its streaming replica, pg_basebackup -R)
#   start_redis_tune -> VITALS_TEST_TUNE_REDIS_URL (a Redis 7 of its own for `vitals tune`) and
#                      VITALS_TEST_TUNE_REDIS_NOCONFIG_URL (CONFIG renamed away: rename-command
#                      CONFIG "") and VITALS_TEST_TUNE_REDIS_CONF_URL (started from the config file
#                      VITALS_TEST_TUNE_REDIS_CONF_FILE, for CONFIG REWRITE)
# Every server binds 127.0.0.1 only.
VITALS_SRV_DIR="${VITALS_SRV_DIR:-$(mktemp -d /tmp/vitals-srv.XXXXXX)}"
VITALS_SRV_PIDS=()

free_port() {  # a TCP port on 127.0.0.1 that nothing listens on
  # 20000-31999: below Linux's ephemeral range (32768-60999), so no outgoing connection of a
  # load test can hold the port when the server binds it.
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

stop_servers() {
  for pid in "${VITALS_SRV_PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  if [ -n "${VITALS_PG_DATA:-}" ] && [ -f "$VITALS_PG_DATA/postmaster.pid" ]; then
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$VITALS_PG_DATA" -m immediate stop >/dev/null 2>&1 || true
  fi
  local d
  for d in "${VITALS_PG_TUNE_REPLICA_DATA:-}" "${VITALS_PG_TUNE_DATA:-}"; do
    if [ -n "$d" ] && [ -f "$d/postmaster.pid" ]; then
      runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$d" -m immediate stop >/dev/null 2>&1 || true
    fi
  done
  [ -f "$VITALS_SRV_DIR/nginx.pid" ] && kill "$(cat "$VITALS_SRV_DIR/nginx.pid")" 2>/dev/null || true
  [ -f "$VITALS_SRV_DIR/nginx-tls.pid" ] && kill "$(cat "$VITALS_SRV_DIR/nginx-tls.pid")" 2>/dev/null || true
  [ -f "$VITALS_SRV_DIR/nginx-h2.pid" ] && kill "$(cat "$VITALS_SRV_DIR/nginx-h2.pid")" 2>/dev/null || true
  rm -rf "$VITALS_SRV_DIR" 2>/dev/null || true
}

start_nginx() {
  local port="${1:-$(free_port)}" d="$VITALS_SRV_DIR/nginx"
  mkdir -p "$d/tmp"
  cat >"$d/nginx.conf" <<NGX
worker_processes ${VITALS_NGINX_WORKERS:-1};
daemon on;
pid $VITALS_SRV_DIR/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 20000; use epoll; multi_accept on; }
worker_rlimit_nofile 40000;
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path $d/tmp; proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp;
  uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
  server {
    listen 127.0.0.1:$port backlog=4096;
    location / { return 200 "ok\n"; }
  }
}
NGX
  nginx -c "$d/nginx.conf" -p "$d" -e "$d/error.log" || return 1
  export VITALS_TEST_NGINX_URL="http://127.0.0.1:$port/"
}

# A throwaway CA, a server certificate for localhost / 127.0.0.1 / ::1 and a client
# certificate, all made at run time (no private key is ever committed).  $1: directory.
make_test_certs() {
  local d="$1"
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=vitals test CA" -keyout "$d/ca.key" -out "$d/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null || return 1
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null || return 1
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\n' >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 30 -extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null || return 1
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=vitals test client" \
    -keyout "$d/client.key" -out "$d/client.csr" 2>/dev/null || return 1
  printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' >"$d/client.ext"
  openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 30 -extfile "$d/client.ext" -out "$d/client.pem" 2>/dev/null || return 1
}

start_nginx_tls() {
  local port="${1:-$(free_port)}" mport="${2:-$(free_port)}" d="$VITALS_SRV_DIR/nginx-tls"
  mkdir -p "$d/tmp"
  make_test_certs "$d/certs" || return 1
  cat >"$d/nginx.conf" <<NGX
worker_processes ${VITALS_NGINX_WORKERS:-1};
daemon on;
pid $VITALS_SRV_DIR/nginx-tls.pid;
error_log $d/error.log warn;
events { worker_connections 20000; use epoll; multi_accept on; }
worker_rlimit_nofile 40000;
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path $d/tmp; proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp;
  uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
  ssl_certificate $d/certs/server.pem;
  ssl_certificate_key $d/certs/server.key;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache shared:vitals:10m;
  ssl_session_tickets on;
  server {
    listen 127.0.0.1:$port ssl backlog=4096;
    location / { return 200 "ok\n"; }
  }
  server {
    listen 127.0.0.1:$mport ssl backlog=4096;
    ssl_client_certificate $d/certs/ca.pem;
    ssl_verify_client on;
    location / { return 200 "ok\n"; }
  }
}
NGX
  nginx -c "$d/nginx.conf" -p "$d" -e "$d/error.log" || return 1
  export VITALS_TEST_TLS_DIR="$d/certs"
  export VITALS_TEST_NGINX_TLS_URL="https://127.0.0.1:$port/"
  export VITALS_TEST_NGINX_MTLS_URL="https://127.0.0.1:$mport/"
}

start_nginx_h2() {
  local port="${1:-$(free_port)}" tport="${2:-$(free_port)}" gport="${3:-$(free_port)}"
  local d="$VITALS_SRV_DIR/nginx-h2"
  mkdir -p "$d/tmp" "$d/htdocs"
  make_test_certs "$d/certs" || return 1
  head -c 1048576 /dev/zero | tr '\0' 'x' >"$d/htdocs/big"
  cat >"$d/nginx.conf" <<NGX
worker_processes ${VITALS_NGINX_WORKERS:-1};
daemon on;
pid $VITALS_SRV_DIR/nginx-h2.pid;
error_log $d/error.log warn;
events { worker_connections 20000; use epoll; multi_accept on; }
worker_rlimit_nofile 40000;
http {
  access_log off;
  keepalive_timeout 300s;
  client_body_temp_path $d/tmp; proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp;
  uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
  client_max_body_size 4m;
  ssl_certificate $d/certs/server.pem;
  ssl_certificate_key $d/certs/server.key;
  ssl_protocols TLSv1.2 TLSv1.3;
  root $d/htdocs;
  server {
    listen 127.0.0.1:$port http2 backlog=4096;
    listen 127.0.0.1:$tport ssl http2 backlog=4096;
    keepalive_requests 100000000;
    location = / { return 200 "ok\n"; }
    location = /reset { return 444; }
    location = /big { }
  }
  server {
    listen 127.0.0.1:$gport http2 backlog=4096;
    keepalive_requests 50;
    http2_max_concurrent_streams 16;
    location / { return 200 "ok\n"; }
  }
}
NGX
  nginx -c "$d/nginx.conf" -p "$d" -e "$d/error.log" || return 1
  export VITALS_TEST_H2_TLS_DIR="$d/certs"
  export VITALS_TEST_NGINX_H2C_URL="http://127.0.0.1:$port/"
  export VITALS_TEST_NGINX_H2_URL="https://127.0.0.1:$tport/"
  export VITALS_TEST_NGINX_H2_GOAWAY_URL="http://127.0.0.1:$gport/"
}

start_nghttpd() {
  local port="${1:-$(free_port)}" d="$VITALS_SRV_DIR/nghttpd"
  mkdir -p "$d/htdocs"
  head -c 1048576 /dev/zero | tr '\0' 'y' >"$d/htdocs/big"
  local shut="${2:-$(free_port)}"
  nghttpd --no-tls -a 127.0.0.1 -w 10 -W 10 --echo-upload -d "$d/htdocs" "$port" \
    >"$d/nghttpd.log" 2>&1 &
  VITALS_SRV_PIDS+=($!)
  nghttpd --no-tls -a 127.0.0.1 -w 0 -d "$d/htdocs" "$shut" >"$d/nghttpd-shut.log" 2>&1 &
  VITALS_SRV_PIDS+=($!)
  local i p
  for p in "$port" "$shut"; do
    for i in $(seq 1 50); do
      (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break
      sleep 0.1
    done
  done
  export VITALS_TEST_NGHTTPD_URL="http://127.0.0.1:$port/"
  export VITALS_TEST_NGHTTPD_SHUT_URL="http://127.0.0.1:$shut/"
}

start_postgres() {
  local port="${1:-$(free_port)}" bin=/usr/lib/postgresql/15/bin
  export VITALS_PG_DATA="$VITALS_SRV_DIR/pg"
  mkdir -p "$VITALS_PG_DATA"; chown postgres "$VITALS_SRV_DIR" "$VITALS_PG_DATA"; chmod 755 "$VITALS_SRV_DIR"
  runuser -u postgres -- "$bin/initdb" -D "$VITALS_PG_DATA" -A trust -U postgres >/dev/null
  cat >>"$VITALS_PG_DATA/postgresql.conf" <<PGC
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$VITALS_PG_DATA'
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
max_connections = 100
fsync = off
synchronous_commit = off
PGC
  runuser -u postgres -- "$bin/pg_ctl" -D "$VITALS_PG_DATA" -l "$VITALS_PG_DATA/log" -w start >/dev/null
  export VITALS_TEST_PG_DSN="postgresql://postgres@127.0.0.1:$port/postgres"
}

start_pgbouncer() {
  local port="${1:-$(free_port)}" d="$VITALS_SRV_DIR/pgbouncer"
  local pg_port="${VITALS_TEST_PG_DSN##*:}"; pg_port="${pg_port%%/*}"
  mkdir -p "$d"
  echo '"postgres" ""' >"$d/userlist.txt"
  cat >"$d/pgbouncer.ini" <<PGB
[databases]
postgres = host=127.0.0.1 port=$pg_port dbname=postgres pool_size=2
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $d/userlist.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = 2
max_client_conn = 200
logfile = $d/pgbouncer.log
pidfile = $d/pgbouncer.pid
PGB
  chown -R postgres "$d"
  # PgBouncer refuses to run as root.
  runuser -u postgres -- pgbouncer -d "$d/pgbouncer.ini" || return 1
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  if ! [ -s "$d/pgbouncer.pid" ]; then
    echo "pgbouncer did not start:" >&2; cat "$d/pgbouncer.log" >&2; return 1
  fi
  VITALS_SRV_PIDS+=("$(cat "$d/pgbouncer.pid")")
  export VITALS_TEST_PGBOUNCER_DSN="postgresql://postgres@127.0.0.1:$port/pgbouncer"
  export VITALS_TEST_PGBOUNCER_APP_DSN="postgresql://postgres@127.0.0.1:$port/postgres"
}

start_redis() {
  local port="${1:-$(free_port)}" d="$VITALS_SRV_DIR/redis"
  mkdir -p "$d"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$d" --save '' --appendonly no \
    --daemonize yes --pidfile "$d/redis.pid" --logfile "$d/redis.log" >/dev/null
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  VITALS_SRV_PIDS+=("$(cat "$d/redis.pid")")
  export VITALS_TEST_REDIS_URL="redis://127.0.0.1:$port"
}

# Dedicated servers for `vitals tune`: its tests change server settings, so they never touch
# the shared VITALS_TEST_PG_DSN / VITALS_TEST_REDIS_URL that other tests read in parallel.
start_postgres_tune() {
  local port="${1:-$(free_port)}" rport="${2:-$(free_port)}" bin=/usr/lib/postgresql/15/bin
  export VITALS_PG_TUNE_DATA="$VITALS_SRV_DIR/pg-tune"
  export VITALS_PG_TUNE_REPLICA_DATA="$VITALS_SRV_DIR/pg-tune-replica"
  local sock="$VITALS_SRV_DIR/pg-tune-sock"  # outside the data dir: pg_basebackup copies it
  mkdir -p "$VITALS_PG_TUNE_DATA" "$sock"
  chown postgres "$VITALS_SRV_DIR" "$VITALS_PG_TUNE_DATA" "$sock"; chmod 755 "$VITALS_SRV_DIR"
  runuser -u postgres -- "$bin/initdb" -D "$VITALS_PG_TUNE_DATA" -A trust -U postgres >/dev/null
  cat >>"$VITALS_PG_TUNE_DATA/postgresql.conf" <<PGC
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sock'
max_connections = 50
shared_preload_libraries = 'pg_stat_statements'
fsync = off
synchronous_commit = off
PGC
  runuser -u postgres -- "$bin/pg_ctl" -D "$VITALS_PG_TUNE_DATA" -l "$VITALS_PG_TUNE_DATA/log" -w start >/dev/null || return 1
  runuser -u postgres -- "$bin/pg_basebackup" -h 127.0.0.1 -p "$port" -U postgres \
    -D "$VITALS_PG_TUNE_REPLICA_DATA" -R -X stream >/dev/null || return 1
  cat >>"$VITALS_PG_TUNE_REPLICA_DATA/postgresql.conf" <<PGC
port = $rport
unix_socket_directories = '$sock'
PGC
  runuser -u postgres -- "$bin/pg_ctl" -D "$VITALS_PG_TUNE_REPLICA_DATA" -l "$VITALS_PG_TUNE_REPLICA_DATA/log" -w start >/dev/null || return 1
  export VITALS_TEST_TUNE_PG_DSN="postgresql://postgres@127.0.0.1:$port/postgres"
  export VITALS_TEST_TUNE_PG_REPLICA_DSN="postgresql://postgres@127.0.0.1:$rport/postgres"
}

start_redis_tune() {
  local port="${1:-$(free_port)}" nport="${2:-$(free_port)}" d="$VITALS_SRV_DIR/redis-tune"
  mkdir -p "$d"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$d" --save '' --appendonly no \
    --daemonize yes --pidfile "$d/redis.pid" --logfile "$d/redis.log" >/dev/null
  printf 'bind 127.0.0.1\nport %s\ndir %s\nsave ""\nappendonly no\ndaemonize yes\npidfile %s\nlogfile %s\nrename-command CONFIG ""\n' \
    "$nport" "$d" "$d/redis-noconfig.pid" "$d/redis-noconfig.log" >"$d/noconfig.conf"
  redis-server "$d/noconfig.conf" >/dev/null
  # One started from a config file, for CONFIG REWRITE (tune --rewrite).
  local cport="${3:-$(free_port)}"
  printf 'bind 127.0.0.1\nport %s\ndir %s\nsave ""\nappendonly no\ndaemonize yes\npidfile %s\nlogfile %s\n' \
    "$cport" "$d" "$d/redis-conf.pid" "$d/redis-conf.log" >"$d/redis-conf.conf"
  redis-server "$d/redis-conf.conf" >/dev/null
  local p
  for p in "$port" "$nport" "$cport"; do
    for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  VITALS_SRV_PIDS+=("$(cat "$d/redis.pid")" "$(cat "$d/redis-noconfig.pid")" "$(cat "$d/redis-conf.pid")")
  export VITALS_TEST_TUNE_REDIS_URL="redis://127.0.0.1:$port"
  export VITALS_TEST_TUNE_REDIS_NOCONFIG_URL="redis://127.0.0.1:$nport"
  export VITALS_TEST_TUNE_REDIS_CONF_URL="redis://127.0.0.1:$cport"
  export VITALS_TEST_TUNE_REDIS_CONF_FILE="$d/redis-conf.conf"
}
