#!/bin/sh
# cnb-python exec.d program: give WEB_CONCURRENCY a default sized to the container.
#
# The launcher runs this at every container start, before the app's process, on the run image
# (which may have no Python: hence POSIX sh, builtins, and nproc or getconf). It writes
#     WEB_CONCURRENCY = "N"
# to file descriptor 3, the exec.d contract's output; gunicorn and uvicorn read WEB_CONCURRENCY
# as their default number of workers.
#
#   N = clamp(memory_MiB / 256, 1, 2 * cpus + 1)        (integer division)
#
# - memory: the cgroup limit (v2 memory.max, v1 memory/memory.limit_in_bytes); "max" or a
#   value of 16 digits or more (10^15 bytes; v1 says "unlimited" with 2^63 - 4096) means no
#   limit, and then MemTotal of /proc/meminfo counts;
# - cpus: nproc (which honours the CPU affinity mask, e.g. docker --cpuset-cpus), lowered to
#   the cgroup CPU quota rounded up (v2 cpu.max, v1 cpu/cpu.cfs_quota_us / cpu.cfs_period_us).
# 256 MiB per worker and 2 * cpus + 1 are the figures of Heroku's and Scalingo's classic
# buildpacks and of gunicorn's documentation.
#
# A WEB_CONCURRENCY the user set (non-empty) wins: then nothing is written and it is kept.
# Nothing here can fail the start (an exec.d failure stops the container): every unreadable or
# odd value falls back, and the result is always a positive integer. Running it again gives the
# same answer (it writes no files). Run by hand, without fd 3, it prints the line on stdout.
#
# Tests only: CNB_PYTHON_CGROUP_ROOT (default /sys/fs/cgroup) and CNB_PYTHON_MEMINFO (default
# /proc/meminfo) point it at fake files.

if [ -n "${WEB_CONCURRENCY:-}" ]; then
    exit 0
fi

cgroup_root="${CNB_PYTHON_CGROUP_ROOT:-/sys/fs/cgroup}"
meminfo="${CNB_PYTHON_MEMINFO:-/proc/meminfo}"

# first_word FILE: the first whitespace-separated word of FILE, or nothing.
first_word() {
    word=""
    [ -r "$1" ] || return 0
    # read fails at a missing final newline but still sets word.
    read -r word _rest < "$1" || [ -n "$word" ] || return 0
    printf '%s' "$word"
}

# is_count VALUE: VALUE is a non-empty string of at most 15 digits (so arithmetic stays far
# from overflow; bigger numbers of bytes are "no limit" anyway).
is_count() {
    case "$1" in
        '' | *[!0-9]*) return 1 ;;
    esac
    [ "${#1}" -le 15 ]
}

memory_mib=""
for file in "$cgroup_root/memory.max" "$cgroup_root/memory/memory.limit_in_bytes"; do
    limit="$(first_word "$file")"
    if is_count "$limit" && [ "$limit" -gt 0 ]; then
        memory_mib=$((limit / 1048576))
        break
    fi
done
if [ -z "$memory_mib" ] && [ -r "$meminfo" ]; then
    while read -r key value _unit; do
        if [ "$key" = "MemTotal:" ]; then
            is_count "$value" && memory_mib=$((value / 1024))
            break
        fi
    done < "$meminfo"
fi

cpus="$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null)"
is_count "$cpus" && [ "$cpus" -gt 0 ] || cpus=1

quota=""
period=""
if [ -r "$cgroup_root/cpu.max" ]; then
    read -r quota period < "$cgroup_root/cpu.max" 2>/dev/null
else
    quota="$(first_word "$cgroup_root/cpu/cpu.cfs_quota_us")"
    period="$(first_word "$cgroup_root/cpu/cpu.cfs_period_us")"
fi
if is_count "$quota" && is_count "$period" && [ "$quota" -gt 0 ] && [ "$period" -gt 0 ]; then
    quota_cpus=$(((quota + period - 1) / period))
    [ "$quota_cpus" -lt "$cpus" ] && cpus="$quota_cpus"
fi

workers=$((2 * cpus + 1))
if [ -n "$memory_mib" ] && [ $((memory_mib / 256)) -lt "$workers" ]; then
    workers=$((memory_mib / 256))
fi
[ "$workers" -ge 1 ] || workers=1

if { true >&3; } 2>/dev/null; then
    printf 'WEB_CONCURRENCY = "%s"\n' "$workers" >&3
else
    printf 'WEB_CONCURRENCY = "%s"\n' "$workers"
fi
exit 0
