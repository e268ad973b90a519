# meshtune warmup: the postStart hook of a model-server container, run as
#   /bin/sh -c "$(cat warmup.sh)" meshtune-warmup ARGUMENTS...
# The hook part returns at once; the warmup itself runs detached, with stdin, stdout and stderr
# redirected, so the container runtime does not wait for it. It waits (bounded) for the server's
# health path on 127.0.0.1, sends one warm request, writes the marker the startupProbe looks for,
# and never exits non-zero. POSIX sh only: it runs in dash, BusyBox sh and bash.
#
# Everything derived from the pod arrives as an argument, never as shell text. The lines from
# here to "shift" are the one table of the arguments: the build reads them (name=$N # meaning)
# to name them for the planner, the hook recogniser and the tests.
[ "$#" -ge 9 ] || exit 0
dir=$1    # directory for the marker and the log
limit=$2  # time limit of the whole warmup, in seconds
pause=$3  # pause between two health checks, in seconds
port=$4   # the server's port on 127.0.0.1
health=$5 # the health path; a 2xx answer means healthy
mode=$6   # health (no warm request), request, or vllm (names the model first)
method=$7 # the warm request's method
path=$8   # the warm request's path
body=$9   # the warm request's body; vllm puts the model id where it says @MODEL@
shift 9   # the rest: the warm request's headers, "Name: value"
missing='' gnu_wget='' has_timeout='' key=''
rm -f "$dir/ready"

say() {
  if [ -n "$began" ]; then echo "[+$(($(date +%s) - began))s] $*"; else echo "$*"; fi
}

finish() {
  rm -f "$dir/request-body" "$dir/answer" "$dir/client.err"
  printf '%s\n' "$1" >"$dir/ready"
  say "$1"
  say "marker $dir/ready written; warmup finished (exit 0)"
}

pick_client() {
  for client in curl wget python3 python; do
    command -v "$client" >/dev/null 2>&1 || continue
    case $client in
      wget) wget --version >/dev/null 2>&1 && gnu_wget=1 ;;
      python*) "$client" -c 'import urllib.request' >/dev/null 2>&1 || continue ;;
    esac
    return 0
  done
  return 1
}

# timeout(1) where there is one, so no client outlives its share of the limit.
bounded() {
  if [ -n "$has_timeout" ]; then timeout "$((max + 1))" "$@"; else "$@"; fi
}

PY='import sys, urllib.request, urllib.error
method, url, body, limit, out = sys.argv[1:6]
data = open(body, "rb").read() if method == "POST" else None
request = urllib.request.Request(url, data=data, method=method)
for header in sys.argv[6:]:
    name, _, value = header.partition(":")
    request.add_header(name.strip(), value.strip())
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    answer = opener.open(request, timeout=float(limit))
    code, data = answer.status, answer.read()
except urllib.error.HTTPError as error:
    code, data = error.code, error.read()
except Exception as error:
    print(error, file=sys.stderr)
    code, data = 0, b""
open(out, "wb").write(data)
print("%03d" % code)'

# fetch METHOD PATH [HEADER...]: sets code (000 when nothing answered) and why (the client's
# last message); a POST sends $dir/request-body; the answer is left in $dir/answer.
fetch() {
  f_method=$1 f_url=http://127.0.0.1:$port$2
  shift 2
  rm -f "$dir/answer"
  : >"$dir/client.err"
  n=$#
  case $client in
    curl)
      while [ "$n" -gt 0 ]; do set -- "$@" -H "$1"; shift; n=$((n - 1)); done
      [ "$f_method" = POST ] && set -- "$@" --data-binary "@$dir/request-body"
      code=$(bounded curl -gsS -o "$dir/answer" -w '%{http_code}' --max-time "$max" \
        -X "$f_method" -H 'Expect:' "$@" "$f_url" 2>"$dir/client.err")
      ;;
    wget)
      while [ "$n" -gt 0 ]; do set -- "$@" --header "$1"; shift; n=$((n - 1)); done
      [ "$f_method" = POST ] && set -- "$@" --post-file "$dir/request-body"
      [ -n "$gnu_wget" ] && set -- "$@" -t 1 -T "$max"
      bounded wget -S -O "$dir/answer" "$@" "$f_url" 2>"$dir/client.err"
      code=000
      while read -r word1 word2 rest; do
        case $word1 in HTTP/*) code=$word2 ;; esac
      done <"$dir/client.err"
      ;;
    *)
      code=$(bounded "$client" -c "$PY" "$f_method" "$f_url" "$dir/request-body" "$max" \
        "$dir/answer" "$@" 2>"$dir/client.err")
      ;;
  esac
  case $code in [0-9][0-9][0-9]) ;; *) code=000 ;; esac
  why=
  while IFS= read -r line; do
    [ -n "$line" ] && why=$line
  done <"$dir/client.err"
}

# budget MOST: sets max to the seconds left before the limit, at most MOST; fails when none are.
budget() {
  max=$((deadline - $(date +%s)))
  [ "$max" -gt 0 ] || return 1
  [ "$max" -gt "$1" ] && max=$1
  return 0
}

wait_healthy() {
  last=
  while budget 5; do
    fetch GET "$health"
    case $code in 2??) say "healthy: GET $health answered $code"; return 0 ;; esac
    if [ "$code" != "$last" ]; then
      if [ "$code" = 000 ]; then
        say "waiting: GET $health got no answer yet ($why)"
      else
        say "waiting: GET $health answered $code"
      fi
      last=$code
    fi
    sleep "$pause"
  done
  return 1
}

# vLLM serves under names meshtune cannot know: ask it, and put the id where the body says @MODEL@.
name_vllm_model() {
  budget 30 || return 1
  fetch GET /v1/models ${key:+"Authorization: Bearer $key"}
  case $code in 2??) ;; *) say "GET /v1/models answered $code, so the model has no name"; return 1 ;; esac
  json=
  while IFS= read -r line || [ -n "$line" ]; do json=$json$line; done <"$dir/answer"
  after=${json#*'"id"'}
  [ "$after" != "$json" ] || { say "GET /v1/models named no model id"; return 1; }
  after=${after#*'"'}
  model=${after%%'"'*}
  say "model id from GET /v1/models: $model"
  body=${body%%@MODEL@*}$model${body#*@MODEL@}
}

send_warm_request() {
  printf '%s' "$body" >"$dir/request-body"
  names=
  for header in "$@"; do names="$names ${header%%:*}"; done
  budget "$limit" || { finish "done without a warm request: no time left"; return; }
  say "warm request: $method $path${names:+ with headers:$names}"
  fetch "$method" "$path" "$@"
  case $code in
    000) finish "done: the warm request got no answer within ${max}s ($why)" ;;
    [45]??) finish "done: the warm request answered $code (any answer counts as warm)" ;;
    *) finish "done: the warm request answered $code" ;;
  esac
}

warm() {
  say "warmup started $(date -u '+%Y-%m-%dT%H:%M:%SZ'): 127.0.0.1:$port, health $health, mode $mode, limit ${limit}s"
  for tool in date sleep rm; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
  done
  if [ -n "$missing" ]; then
    finish "done without warmup: no$missing in PATH=$PATH"
    return
  fi
  if [ -z "$began" ]; then
    finish "done without warmup: date +%s gave no time, so the limit could not be kept"
    return
  fi
  unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
  if ! pick_client; then
    finish "done without warmup: no HTTP client (curl, wget, python3, python) in PATH=$PATH"
    return
  fi
  say "HTTP client: $client${gnu_wget:+ (GNU)}"
  timeout 5 true >/dev/null 2>&1 && has_timeout=1
  deadline=$((began + limit))
  if ! wait_healthy; then
    finish "done without warmup: not healthy within ${limit}s (last answer: ${last:-none})"
    return
  fi
  case $mode in
    health) finish "done: healthy; no warm request configured" ;;
    vllm)
      # $(...) drops the trailing newline a key read from a secret file often has.
      key=$(printf '%s' "$VLLM_API_KEY")
      [ -n "$key" ] && set -- "$@" "Authorization: Bearer $key"
      if name_vllm_model; then send_warm_request "$@"; else finish "done without a warm request"; fi
      ;;
    *) send_warm_request "$@" ;;
  esac
}

began=$(date +%s 2>/dev/null)
case $began in '' | *[!0-9]*) began= ;; esac
# exec in a subshell, not a redirected call: the shell would keep copies of the hook's pipes.
(
  exec </dev/null >>"$dir/warmup.log" 2>&1
  warm "$@"
) &
exit 0
