# Shared by the gateway scripts (sourced, not run): the process bookkeeping
# and the small probes each of them needs. Before sourcing, set SCRIPT (the
# name messages start with) and tmp (a directory removed on exit); after
# `stop_on_exit`, processes appended to the `pids` array are stopped on exit,
# Ctrl-C or TERM.

pids=()

# Stops every process in `pids` (TERM, then KILL with its children), removes
# $tmp, and exits with the status the script had.
cleanup() {
  local status=$? p
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill -TERM "$p" 2> /dev/null || true; done
  sleep 0.3
  for p in "${pids[@]}"; do
    pkill -KILL -P "$p" 2> /dev/null || true
    kill -KILL "$p" 2> /dev/null || true
  done
  wait 2> /dev/null || true
  rm -rf "$tmp"
  exit $status
}
stop_on_exit() {
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

die() {
  printf '%s: %b\n' "$SCRIPT" "$*" >&2
  exit 1
}

# Whether something accepts connections on 127.0.0.1:PORT.
port_open() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }

# Waits up to 10 s for NAME to listen on PORT.
wait_port() { # port name
  local i
  for i in $(seq 100); do
    port_open "$1" && return 0
    sleep 0.1
  done
  die "$2 does not listen on 127.0.0.1:$1"
}

# Resident memory (kB) of a process and its children (nginx's workers).
rss_kb() { # pid
  local total=0 p r
  for p in "$1" $(pgrep -P "$1" || true); do
    r=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$p/status" 2> /dev/null) || r=0
    total=$((total + ${r:-0}))
  done
  echo "$total"
}
