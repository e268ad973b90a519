# meshtune warmup: the postStart hook of a model-server container, run as
#   /bin/sh -c "$(cat warmup.sh)" meshtune-warmup ARGUMENTS...
# The hook part returns at once; the warmup itself runs detached, with stdin, stdout and stderr
# redirected, so the container runtime does not wait for it. It waits (bounded) for the server's
# health path, sends one warm request, writes the marker the startupProbe looks for, and never
# exits non-zero. POSIX sh only: it runs in dash, BusyBox sh and bash.
#
# Everything derived from the pod arrives as an argument, never as shell text. The lines from
# here to "shift" are the one table of the arguments: the build reads them (name=$N # meaning)
# to name them for the planner, the hook recogniser and the tests.
[ "$#" -ge 9 ] || exit 0
# The marker of an earlier start goes first: the startupProbe must not pass on it.
rm -f "$1/ready"
# Where setsid is, the hook runs its own script (read from its argv) once more, in a session of
# its own as meshtune-warmup-run, so nothing the runtime does to the exec session reaches it.
if [ "$0" = meshtune-warmup ] && command -v setsid >/dev/null 2>&1 && command -v tr >/dev/null 2>&1; then
  x=$(printf '\001')
  script=$(tr '\000' '\001' <"/proc/$$/cmdline" 2>/dev/null)
  script=${script#*"$x-c$x"}
  script=${script%%"$x"*}
  if [ -n "$script" ]; then
    setsid /bin/sh -c "$script" meshtune-warmup-run "$@" </dev/null >>"$1/warmup.log" 2>&1 &
    exit 0
  fi
fi
dir=$1    # directory for the marker and the log
limit=$2  # time limit of the whole warmup, in seconds
pause=$3  # pause between two health checks, in seconds
url=$4    # the server's base URL, http://HOST:PORT or https:// (certificates are not checked)
health=$5 # the health path under url, or a whole URL; 2xx is healthy, 000 and 5xx not yet
auth=$6   # a bearer token read when sent: $NAME from that env variable, @FILE TorchServe's key file
mode=$7   # health (no warm request), request, or openai (names the model; embeddings after a 404)
path=$8   # the warm request's path under url: a POST of body, or a GET when body is empty
body=$9   # the warm request's body
shift 9   # the rest: the warm request's headers, "Name: value"
tls='' gnu_wget='' has_timeout='' model=''

say() {
  if [ -n "$began" ]; then echo "[+$(($(date +%s) - began))s] $*"; else echo "$*"; fi
}

finish() {
  rm -f "$dir/request-body" "$dir/answer" "$dir/client.err"
  printf '%s\n' "$1" >"$dir/ready"
  say "$1"
  say "marker $dir/ready written; warmup finished (exit 0)"
}

# slurp FILE: its lines joined, in text.
slurp() {
  text=
  while IFS= read -r line || [ -n "$line" ]; do text=$text$line; done <"$1"
}

# string TEXT KEY: the first string value of "KEY" in the JSON TEXT, in value; fails if none.
string() {
  value=${1#*\""$2"\"}
  [ "$value" != "$1" ] || return 1
  value=${value#*\"}
  value=${value%%\"*}
}

# The token auth names, read at every request: TorchServe writes its key file after the hook ran.
token() {
  token=
  case $auth in
    @*) [ -r "${auth#@}" ] && slurp "${auth#@}" && string "${text#*\"inference\"}" key && token=$value ;;
    \$*) case ${auth#?} in '' | [0-9]* | *[!A-Za-z0-9_]*) ;; *) eval "token=\${${auth#?}-}" ;; esac ;;
  esac
  # $(...) drops the trailing newline a key read from a secret file often has.
  token=$(printf '%s' "$token")
}

pick_client() {
  for client in curl wget python3 python bash; do
    command -v "$client" >/dev/null 2>&1 || continue
    case $client in
      # BusyBox wget and bash speak no TLS that servers accept.
      wget) if wget --version >/dev/null 2>&1; then gnu_wget=1; elif [ -n "$tls" ]; then continue; fi ;;
      python*) "$client" -c "import urllib.request${tls:+,ssl}" >/dev/null 2>&1 || continue ;;
      bash) [ -z "$tls" ] || continue ;;
    esac
    return 0
  done
  return 1
}

# timeout(1) where there is one, so no client outlives its share of the limit.
bounded() {
  if [ -n "$has_timeout" ]; then timeout "$((max + 1))" "$@"; else "$@"; fi
}

PY='import sys, urllib.request as u
method, url, body, limit, out = sys.argv[1:6]
request = u.Request(url, open(body, "rb").read() if method == "POST" else None, method=method)
for header in sys.argv[6:]:
    request.add_header(*(part.strip() for part in header.split(":", 1)))
https = url.startswith("https") and __import__("ssl")._create_unverified_context()
try:
    answer = u.urlopen(request, timeout=float(limit), context=https or None)
except u.HTTPError as error:
    answer = error
except Exception as error:
    sys.exit(print(error, file=sys.stderr))
open(out, "wb").write(answer.read())
print(answer.status)'

# HTTP/1.1 by hand over bash's /dev/tcp: HOST PORT HOST:PORT METHOD PATH BODY-FILE OUT SECONDS
# [HEADER...]. Reads a Content-Length, chunked or closed answer, at most 64 KiB of it.
# shellcheck disable=SC2016 # bash expands it, not this shell
BASH='exec 3<>"/dev/tcp/$1/$2" || exit
LC_ALL=C t=$8 b= n=0 l=65536 k=
[ "$4" = POST ] && IFS= read -rd "" b <"$6"
{ printf "%s\r\n" "$4 $5 HTTP/1.1" "Host: $3" "Connection: close" "Content-Length: ${#b}" "${@:9}" ""
  printf %s "$b"; } >&3
read -rt "$t" _ c _ <&3 || exit
while IFS= read -rt "$t" h <&3 && h=${h%[[:cntrl:]]} && [ "$h" ]; do
  case ${h,,} in content-length:*) [[ ${h#*:} =~ ^\ *([0-9]{1,9})\ *$ ]] && l=${BASH_REMATCH[1]} ;;
  transfer-encoding:*chunked*) k=1 ;; esac
done
{ if [ "$k" ]; then
  while IFS= read -rt "$t" z <&3; do
    z=${z%%[;[:cntrl:]]*}
    [[ $z =~ ^[0-9a-fA-F]{1,5}$ ]] && ((z = 16#$z, z && (n += z) < 65536)) || break
    read -rN "$z" -t "$t" d <&3 && printf %s "$d" && read -rt "$t" _ <&3 || break
  done
elif ((l)); then read -rN "$((l < 65536 ? l : 65536))" -t "$t" d <&3; printf %s "$d"; fi; } >"$7"
echo "${c%[[:cntrl:]]}"'

# fetch METHOD URL [HEADER...]: sets code (000 when nothing answered) and why (the client's last
# message); a POST sends $dir/request-body; the answer is left in $dir/answer.
fetch() {
  f_method=$1 f_url=$2
  shift 2
  token
  [ -n "$token" ] && set -- "$@" "Authorization: Bearer $token"
  rm -f "$dir/answer"
  : >"$dir/client.err"
  case $client in curl) flag=-H ;; wget) flag=--header ;; *) flag= ;; esac
  n=$#
  while [ -n "$flag" ] && [ "$n" -gt 0 ]; do set -- "$@" "$flag" "$1"; shift; n=$((n - 1)); done
  case $client in
    curl)
      [ "$f_method" = POST ] && set -- "$@" --data-binary "@$dir/request-body"
      code=$(bounded curl -gksS -o "$dir/answer" -w '%{http_code}' --max-time "$max" \
        -X "$f_method" -H 'Expect:' "$@" "$f_url" 2>"$dir/client.err")
      ;;
    wget)
      [ "$f_method" = POST ] && set -- "$@" --post-file "$dir/request-body"
      [ -n "$gnu_wget" ] && set -- "$@" -t 1 -T "$max" --no-check-certificate
      bounded wget -S -O "$dir/answer" "$@" "$f_url" 2>"$dir/client.err"
      code=000
      while read -r word1 word2 rest; do
        case $word1 in HTTP/*) code=$word2 ;; esac
      done <"$dir/client.err"
      ;;
    bash)
      f_host=${f_url#*://}
      f_host=${f_host%%/*}
      f_port=${f_host##*:}
      f_addr=${f_host%:*}
      f_addr=${f_addr#[}
      code=$(bounded bash -c "$BASH" meshtune-http "${f_addr%]}" "$f_port" "$f_host" "$f_method" \
        "/${f_url#*://*/}" "$dir/request-body" "$dir/answer" "$max" "$@" 2>"$dir/client.err")
      ;;
    *)
      code=$(bounded "$client" -c "$PY" "$f_method" "$f_url" "$dir/request-body" "$max" \
        "$dir/answer" "$@" 2>"$dir/client.err")
      ;;
  esac
  case $code in [0-9][0-9][0-9]) ;; *) code=000 ;; esac
  why=
  while IFS= read -r line; do
    if [ -n "$line" ]; then why=$line; fi
  done <"$dir/client.err"
}

# budget MOST: sets max to the seconds left before the limit, at most MOST; fails when none are.
budget() {
  max=$((deadline - $(date +%s)))
  [ "$max" -gt 0 ] || return 1
  [ "$max" -gt "$1" ] && max=$1
  return 0
}

# Refused, timed out or 5xx means "not yet"; any other answer is final: the warmup ends at once.
wait_healthy() {
  last=
  while budget 5; do
    fetch GET "$health_url"
    case $code in
      2??) say "healthy: GET $health answered $code"; return 0 ;;
      000 | 5??) ;;
      *)
        finish "done without warmup: GET $health answered $code, an answer that will not turn healthy (check the port, path and key)"
        return 1
        ;;
    esac
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
  finish "done without warmup: not healthy within ${limit}s (last answer: ${last:-none})"
  return 1
}

# send PATH BODY [HEADER...]: the request, a POST when there is a body, with the model named.
send() {
  s_path=$1 s_method=GET
  if [ -n "$2" ]; then
    s_method=POST s_body=$2
    [ -n "$model" ] && s_body="{\"model\":\"$model\",${s_body#?}"
    printf '%s' "$s_body" >"$dir/request-body"
  fi
  shift 2
  names=
  for header in "$@"; do names="$names ${header%%:*}"; done
  budget "$limit" || return 1
  say "warm request: $s_method $s_path${names:+ with headers:$names}"
  fetch "$s_method" "$url$s_path" "$@"
}

# OpenAI-style servers serve under names meshtune cannot know: ask for it; go on without one.
name_model() {
  budget 30 || return
  fetch GET "$url${path%/*}/models"
  if [ "$code" = 200 ] && slurp "$dir/answer" && string "$text" id; then
    model=$value
    say "model id from GET ${path%/*}/models: $model"
  else
    say "GET ${path%/*}/models answered $code, so the request names no model"
  fi
}

warm() {
  say "warmup started $(date -u '+%Y-%m-%dT%H:%M:%SZ'): $url, health $health, mode $mode, limit ${limit}s"
  for tool in sleep rm; do
    command -v "$tool" >/dev/null 2>&1 || {
      finish "done without warmup: no $tool in PATH=$PATH"
      return
    }
  done
  if [ -z "$began" ]; then
    finish "done without warmup: date +%s gave no time, so the limit could not be kept"
    return
  fi
  unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
  health_url=$health
  case $health in /*) health_url=$url$health ;; esac
  case $url$health_url in *https:*) tls=1 ;; esac
  if ! pick_client; then
    clients='HTTP client (curl, wget, python3, python, bash)'
    [ -z "$tls" ] || clients='HTTPS client (curl, GNU wget, python3, python)'
    finish "done without warmup: no $clients in PATH=$PATH"
    return
  fi
  say "HTTP client: $client${gnu_wget:+ (GNU)}"
  timeout 5 true >/dev/null 2>&1 && has_timeout=1
  deadline=$((began + limit))
  wait_healthy || return
  case $mode in
    health) finish "done: healthy; no warm request configured"; return ;;
    openai) name_model ;;
  esac
  send "$path" "$body" "$@" || {
    finish "done without a warm request: no time left"
    return
  }
  if [ "$mode$code" = openai404 ]; then
    say "${path##*/} is not served (404): the model may be a pooling one"
    send "${path%/*}/embeddings" '{"input":"warmup"}' "$@"
  fi
  case $code in
    000) finish "done: the warm request got no answer within ${max}s ($why)" ;;
    [45]??) finish "done: the warm request answered $code (any answer counts as warm)" ;;
    *) finish "done: the warm request answered $code" ;;
  esac
}

began=$(date +%s 2>/dev/null)
case $began in '' | *[!0-9]*) began= ;; esac
if [ "$0" = meshtune-warmup-run ]; then
  warm "$@"
else
  # exec in a subshell, not a redirected call: the shell would keep copies of the hook's pipes.
  (
    exec </dev/null >>"$dir/warmup.log" 2>&1
    warm "$@"
  ) &
fi
exit 0
