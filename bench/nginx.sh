#!/usr/bin/env bash
# nginx for the client suite (bench/clients.ts), on 127.0.0.1 only, as the user running the
# bench: a config, its files and its logs in a temporary directory, nginx in the foreground
# (daemon off). Serves the same paths as bench/server.ts:
#
#   GET  /small  100-byte file          POST /post  200 with a fixed 100-byte body
#   GET  /1m     1 MiB file             GET  /64m   64 MiB file (sendfile)
#
# Usage: bench/nginx.sh <port>
# Prints "ready <port>" on stdout once nginx answers, then runs until its stdin closes (the bench
# holds it open: when the bench ends or dies, the pipe closes), or until TERM/INT; then it stops
# nginx and removes the directory. The bench never needs root and never listens beyond loopback.

set -euo pipefail

port="${1:?usage: nginx.sh <port>}"
nginx_bin="$(command -v nginx || true)"
if [[ -z "$nginx_bin" ]]; then
  echo "nginx.sh: nginx is not installed" >&2
  exit 3
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/reqwire-bench-nginx.XXXXXX")"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$dir/www" "$dir/tmp" "$dir/logs"
# Bodies: letters, as bench/server.ts sends (only the lengths are checked against nginx).
head -c 100 < <(yes abcdefghijklmnopqrstuvwxyz | tr -d '\n') > "$dir/www/small"
head -c 1048576 < <(yes abcdefghijklmnopqrstuvwxyz | tr -d '\n') > "$dir/www/1m"
for _ in $(seq 64); do cat "$dir/www/1m"; done > "$dir/www/64m"
# Started as root, nginx's workers run as nobody (its `user` default) and the 0700 directory
# mktemp made would answer every request 403: let them read the files and use tmp/.
chmod 0755 "$dir" "$dir/www"
chmod 0644 "$dir/www/"*
chmod 1777 "$dir/tmp"
post_body="$(printf '%-100s' 'fixed answer of nginx' | tr ' ' '.')"

cat > "$dir/nginx.conf" <<EOF
# One worker: the bench's own server is one process too, and the machine's other core is the
# client's.
worker_processes 1;
daemon off;
master_process on;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;

events {
  worker_connections 1024;
}

http {
  access_log off;
  server_tokens off;
  default_type application/octet-stream;
  sendfile on;
  tcp_nodelay on;
  keepalive_timeout 120s;
  keepalive_requests 1000000;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;

  server {
    listen 127.0.0.1:$port;
    root $dir/www;
    etag off;

    location = /small { }
    location = /1m { }
    location = /64m { }
    location = /post {
      # 'return' reads and discards the request body, so the connection stays usable.
      client_body_buffer_size 64k;
      default_type text/plain;
      return 200 "$post_body";
    }
    location / { return 404; }
  }
}
EOF

# -e (nginx ≥ 1.19.5) keeps nginx from opening the system's error log before reading the config.
args=(-p "$dir" -c "$dir/nginx.conf")
if "$nginx_bin" -h 2>&1 | grep -q -- ' -e '; then args+=(-e "$dir/logs/error.log"); fi

"$nginx_bin" "${args[@]}" -t -q
"$nginx_bin" "${args[@]}" &
pid=$!

for _ in $(seq 100); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "nginx.sh: nginx exited at start:" >&2
    cat "$dir/logs/error.log" >&2 || true
    exit 1
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "ready $port"
    # Until the bench closes our stdin (or is gone); then the EXIT trap stops nginx.
    while read -r _; do :; done || true
    exit 0
  fi
  sleep 0.05
done
echo "nginx.sh: nginx did not answer on 127.0.0.1:$port" >&2
exit 1
