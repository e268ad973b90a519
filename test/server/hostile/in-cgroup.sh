#!/bin/sh
# Runs a command inside a memory cgroup, as a container runtime does: this shell joins the cgroup
# whose cgroup.procs file is $1 and then becomes the command, so every byte the command ever uses
# counts against the cgroup's limit, and Node sizes its heap for that limit at start.
set -eu
procs=$1
shift
echo "$$" >"$procs"
exec "$@"
