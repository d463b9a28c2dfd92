#!/usr/bin/env bash
# bench/grep.sh: `minder grep` over about 1 GiB of logs against `rg` over the same files, as
# ratios measured side by side (interleaved rounds, medians). See bench/README.md ("grep").
#
#   bench/grep.sh [--binary PATH] [--size-mib N] [--rounds N] [--keep]
#
# Without --binary it builds with `cargo build --release` and uses target/release/minder.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="" size_mib=1024 rounds=5 keep=0
while [ $# -gt 0 ]; do
    case $1 in
        --binary) bin=$2; shift 2 ;;
        --size-mib) size_mib=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: bench/grep.sh [--binary PATH] [--size-mib N] [--rounds N] [--keep]" >&2; exit 2 ;;
    esac
done
command -v rg > /dev/null || { echo "bench/grep.sh: needs ripgrep (apt-get install ripgrep)" >&2; exit 1; }
if [ -z "$bin" ]; then
    cargo build --release --locked
    bin=target/release/minder
fi
work=$(mktemp -d /tmp/minder-grep-bench.XXXXXX)
cleanup() {
    tmux -L grepbench kill-server 2> /dev/null || true
    if [ "$keep" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
cp "$bin" "$work/minder"
export HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_STATE_HOME=$work/state TMUX_TMPDIR=$work/tmux
export MINDER_TMUX_SOCKET=grepbench
unset TMUX TMUX_PANE
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_STATE_HOME" "$TMUX_TMPDIR" "$work/dir"
m=$work/minder
# One real session gives a record to copy; its log is then replaced by generated segments.
name=$(cd "$work/dir" && "$m" new template -- true)
"$m" wait "$name" --until exit --timeout 30s > /dev/null || true
sessions=$XDG_STATE_HOME/minder/sessions
python3 - "$sessions" "$name" "$size_mib" << 'PY'
import json, os, random, sys
sessions, template, size_mib = sys.argv[1], sys.argv[2], int(sys.argv[3])
record = json.load(open(os.path.join(sessions, template, "session.json")))
random.seed(7)
words = ("compiling test passed running warning crate module build check lint fmt agent "
         "function returned value error handler request response token cache write read").split()
seg = 32 << 20
per_session = 4 * seg
n_sessions = max(1, (size_mib << 20) // per_session)
# A block of lines reused with a changing counter: realistic text (colour codes, redraws) without
# spending the bench's time in the generator.
lines = []
for i in range(4096):
    ws = " ".join(random.choice(words) for _ in range(random.randint(4, 14)))
    if i % 7 == 0:
        ws = f"\x1b[32m{ws[:12]}\x1b[0m{ws[12:]}"
    if i % 31 == 0:
        ws = f"progress 10%\rprogress 100% {ws}"
    lines.append(ws)
for s in range(n_sessions):
    name = f"cmd-bench{s:02}"
    root = os.path.join(sessions, name)
    os.makedirs(os.path.join(root, "logs"), mode=0o700, exist_ok=True)
    r = dict(record, name=name, task=f"bench{s:02}", created_at=f"2026-01-01T00:{s:02}:00Z")
    json.dump(r, open(os.path.join(root, "session.json"), "w"))
    open(os.path.join(root, "events.jsonl"), "w").close()
    n = 0
    for k in range(4):
        path = os.path.join(root, "logs", f"output.log.{k + 1}" if k < 3 else "output.log")
        with open(path, "wb") as f:
            size = 0
            while size < seg:
                chunk = []
                for line in lines:
                    n += 1
                    # The needle: once every 50,000 lines.
                    extra = f" error[E{n % 1000:04}] at step {n}" if n % 50000 == 0 else ""
                    chunk.append(f"{n:09} {line}{extra}\r\n")
                data = "".join(chunk).encode()
                f.write(data)
                size += len(data)

PY

rm -rf "${sessions:?}/$name"
pattern='error\[E[0-9]{4}\]'
raw_bytes=$(du -cb "$sessions"/*/logs | tail -1 | cut -f1)
t() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
cold=$(t "$m" grep --all "$pattern")
minder_count=$("$m" grep --all "$pattern" | wc -l)
rg_count=$(rg -c --no-filename "$pattern" "$sessions"/*/clean.txt | paste -sd+ | bc)
[ "$minder_count" = "$rg_count" ] || { echo "counts differ: minder $minder_count, rg $rg_count" >&2; exit 1; }
declare -a tm tr tc
for ((i = 0; i < rounds; i++)); do
    tm+=("$(t "$m" grep --all "$pattern")")
    tr+=("$(t rg -n "$pattern" "$sessions")")
    tc+=("$(t rg -n "$pattern" "$sessions"/*/clean.txt)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mm=$(median "${tm[@]}") mr=$(median "${tr[@]}") mc=$(median "${tc[@]}")
clean_bytes=$(du -cb "$sessions"/*/clean.txt | tail -1 | cut -f1)
# The backticks are markdown, not commands.
# shellcheck disable=SC2016
{
printf '| what | median s | ratio |\n| --- | --- | --- |\n'
printf '| `minder grep --all` (clean copies in place) | %.3f | 1.00 |\n' "$mm"
printf '| `rg -n` over the raw logs (%s MiB) | %.3f | minder/rg = %.2f |\n' "$((raw_bytes >> 20))" "$mr" "$(echo "$mm / $mr" | bc -l)"
printf '| `rg -n` over the same clean copies (%s MiB) | %.3f | minder/rg = %.2f |\n' "$((clean_bytes >> 20))" "$mc" "$(echo "$mm / $mc" | bc -l)"
printf '| first `minder grep` (renders every clean copy) | %.3f | %.1f MiB/s rendered |\n' "$cold" "$(echo "$raw_bytes / 1048576 / $cold" | bc -l)"
printf '\n%s matches in each; %s rounds; rg %s; %s CPUs\n' "$minder_count" "$rounds" "$(rg --version | head -1)" "$(nproc)"
}
