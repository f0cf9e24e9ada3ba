#!/bin/bash
# cluster.sh - two ClickHouse servers on loopback, as plain processes, with a
# cluster "otwatch" of two shards (one server each) for Distributed tables.
#
#   cluster.sh start DIR HTTP1 HTTP2 [PASSWORD]
#                                       start both (ports: HTTPn, HTTPn+1 tcp, HTTPn+2 interserver);
#                                       with PASSWORD, each also has a user `otwatch` with that
#                                       password (the user `default` has none: the shards use it)
#   cluster.sh stop DIR                 stop both (SIGTERM, then SIGKILL after 30 s)
#   cluster.sh stop-one DIR N           stop server N (1 or 2)
#   cluster.sh start-one DIR N          start server N again
#
# Every query is logged in each server's system.query_log (for a look at what
# otwatch asked: clickhouse-client --port HTTPn+1 -q "SELECT query_duration_ms,
# query FROM system.query_log ...").
# Used by the ClickHouse tests and bench/clickhouse.sh; docs/CLICKHOUSE.md.
set -u
cmd=$1 dir=$2

conf() {    # conf N HTTP: writes DIR/nN/config.xml
    local n=$1 http=$2 d="$dir/n$1" pw="" user=""
    mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/format_schemas" "$d/config.d"
    [ -f "$dir/password" ] && pw=$(cat "$dir/password")
    [ -n "$pw" ] && user="<otwatch><password>$pw</password><networks><ip>127.0.0.1</ip><ip>::1</ip>
</networks><profile>default</profile><quota>default</quota></otwatch>"
    cat > "$d/users.xml" <<XML
<yandex><profiles><default><log_queries>1</log_queries></default></profiles>
<users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
<profile>default</profile><quota>default</quota></default>$user</users>
<quotas><default></default></quotas></yandex>
XML
    cat > "$d/config.xml" <<XML
<yandex>
  <logger><level>warning</level><log>$d/server.log</log><errorlog>$d/error.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$http</http_port>
  <tcp_port>$((http + 1))</tcp_port>
  <interserver_http_port>$((http + 2))</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <format_schema_path>$d/format_schemas/</format_schema_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <query_log><database>system</database><table>query_log</table>
    <flush_interval_milliseconds>1000</flush_interval_milliseconds></query_log>
  <remote_servers>
    <otwatch>
      <shard><replica><host>127.0.0.1</host><port>$(( $(cat "$dir/http1") + 1 ))</port></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>$(( $(cat "$dir/http2") + 1 ))</port></replica></shard>
    </otwatch>
  </remote_servers>
</yandex>
XML
}

start_one() {   # start_one N
    local n=$1 d="$dir/n$1" http
    http=$(cat "$dir/http$n")
    if curl -s -m 2 -o /dev/null "http://127.0.0.1:$http/ping"; then
        echo "cluster.sh: something already answers on 127.0.0.1:$http (a server left running?)" >&2
        return 1
    fi
    conf "$n" "$http"
    clickhouse-server --config-file="$d/config.xml" > "$d/stdout.log" 2>&1 &
    echo $! > "$d/pid"
    for _ in $(seq 1 300); do
        if [ "$(curl -s "http://127.0.0.1:$http/ping" 2>/dev/null)" = "Ok." ]; then return 0; fi
        if ! kill -0 "$(cat "$d/pid")" 2>/dev/null; then break; fi
        sleep 0.1
    done
    echo "cluster.sh: server $n did not start; see $d/error.log" >&2
    tail -5 "$d/error.log" "$d/stdout.log" >&2 2>/dev/null
    return 1
}

stop_one() {    # stop_one N
    local d="$dir/n$1" pid
    [ -f "$d/pid" ] || return 0
    pid=$(cat "$d/pid")
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rm -f "$d/pid"
}

case $cmd in
start)
    mkdir -p "$dir"; echo "$3" > "$dir/http1"; echo "$4" > "$dir/http2"
    if [ -n "${5:-}" ]; then
        case $5 in
        *[!A-Za-z0-9_.-]*) echo "cluster.sh: PASSWORD: letters, digits, _ . - only" >&2; exit 2 ;;
        esac
        printf '%s\n' "$5" > "$dir/password"
    fi
    start_one 1 && start_one 2 ;;
stop) stop_one 1; stop_one 2 ;;
stop-one) stop_one "$3" ;;
start-one) start_one "$3" ;;
*)
    echo "usage: cluster.sh start DIR HTTP1 HTTP2 [PASSWORD] | stop DIR | stop-one DIR N" \
         "| start-one DIR N" >&2
    exit 2 ;;
esac
