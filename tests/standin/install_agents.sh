#!/usr/bin/env bash
# install_agents.sh: install the real agent CLIs that tests/it/real_agents.rs drives, at pinned
# versions, into a cache outside the clone, and print the PATH entries that reach them (one
# line, `:`-separated) on stdout. Everything else goes to stderr.
#
#   PATH="$(tests/standin/install_agents.sh):$PATH" cargo test --locked --test it real_agents::
#
# A version already in the cache is reused without asking any registry. An agent that cannot
# be installed (registry unreachable, a version that does not exist) is reported on stderr and
# left out; the tests that need it then skip, saying so. The script itself always exits 0.
#
# Pins (the versions tests/captures/ was made with) and their overrides:
#   MINDER_CODEX_VERSION  (@openai/codex, npm)             default 0.171.0
#   MINDER_CLAUDE_VERSION (@anthropic-ai/claude-code, npm) default 2.1.332
#   MINDER_GEMINI_VERSION (@google/gemini-cli, npm)        default 0.61.0
#   MINDER_AIDER_VERSION  (aider-chat, PyPI)               default 0.86.2
#   MINDER_AGENTS_VERSION=latest  every agent at its newest release (each one's own variable
#                                 still wins); any of the above may also be `latest`
#   MINDER_AGENTS=codex,claude,gemini,aider   which ones to install (default all; `none` = none)
#   MINDER_AGENTS_CACHE   the cache (default /var/cache/minder-ci when writable, else
#                         ${XDG_CACHE_HOME:-~/.cache}/minder-ci)
set -uo pipefail

UV_VERSION=0.13.9   # the installer used for aider (pip's resolver takes ~10 min for aider; uv ~1)
default_all=${MINDER_AGENTS_VERSION:-}
codex_version=${MINDER_CODEX_VERSION:-${default_all:-0.171.0}}
claude_version=${MINDER_CLAUDE_VERSION:-${default_all:-2.1.332}}
gemini_version=${MINDER_GEMINI_VERSION:-${default_all:-0.61.0}}
aider_version=${MINDER_AIDER_VERSION:-${default_all:-0.86.2}}
wanted=",${MINDER_AGENTS:-codex,claude,gemini,aider},"

say() { echo "agents: $*" >&2; }

cache=${MINDER_AGENTS_CACHE:-}
if [ -z "$cache" ]; then
    if mkdir -p /var/cache/minder-ci 2>/dev/null && [ -w /var/cache/minder-ci ]; then
        cache=/var/cache/minder-ci
    else
        cache="${XDG_CACHE_HOME:-$HOME/.cache}/minder-ci"
    fi
fi
if ! mkdir -p "$cache" 2>/dev/null; then
    say "cannot create the cache $cache; no real agent installed (their tests will skip)"
    echo ""
    exit 0
fi
# One installer at a time per cache (two CI runs, or a developer and CI).
exec 9>"$cache/.lock"
flock 9 2>/dev/null || true

paths=()
elapsed() { echo $(($(date +%s) - $1)); }

# A registry answer for `latest`, or the error that says it is unreachable.
npm_latest() { timeout 60 npm view "$1" version 2>/dev/null | tail -n1; }
pypi_latest() {
    timeout 60 python3 -m pip index versions "$1" 2>/dev/null | sed -n 's/^[^ ]* (\(.*\))$/\1/p' | head -n1
}

# npm_agent NAME PACKAGE VERSION BIN
npm_agent() {
    local name=$1 pkg=$2 version=$3 bin=$4 start dir log
    case "$wanted" in *",$name,"*) ;; *) return ;; esac
    if [ "$version" = latest ]; then
        version=$(npm_latest "$pkg")
        if [ -z "$version" ]; then
            say "the npm registry is unreachable (cannot resolve $pkg@latest): \`$bin\` not installed; its real-agent tests will skip"
            return
        fi
    fi
    dir="$cache/$name-$version"
    if [ -f "$dir/.installed" ] && [ -x "$dir/bin/$bin" ]; then
        say "$pkg@$version: cached in $dir"
        paths+=("$dir/bin")
        return
    fi
    if ! command -v npm >/dev/null 2>&1; then
        say "npm is not installed: \`$bin\` not installed; its real-agent tests will skip"
        return
    fi
    start=$(date +%s)
    log="$cache/$name-$version.log"
    rm -rf "$dir"
    # Probe first: an unreachable registry answers this quickly, where `npm install` retries.
    if ! timeout 60 npm view "$pkg@$version" version >"$log" 2>&1 || ! [ -s "$log" ]; then
        say "the npm registry is unreachable, or has no $pkg@$version: \`$bin\` not installed; its real-agent tests will skip ($(tail -n1 "$log"))"
        return
    fi
    if timeout 900 npm install -g --no-fund --no-audit --loglevel=error --prefix "$dir" "$pkg@$version" >>"$log" 2>&1 \
        && "$dir/bin/$bin" --version >>"$log" 2>&1; then
        touch "$dir/.installed"
        say "$pkg@$version: installed in $(elapsed "$start")s into $dir"
        paths+=("$dir/bin")
    else
        say "installing $pkg@$version failed after $(elapsed "$start")s (see $log): \`$bin\` not installed; its real-agent tests will skip"
        tail -n5 "$log" | sed 's/^/agents:   /' >&2
        rm -rf "$dir"
    fi
}

# uv, the installer for aider: a pinned copy in the cache.
uv_bin() {
    local dir="$cache/uv-$UV_VERSION" start
    if [ -f "$dir/.installed" ]; then
        echo "$dir/bin/uv"
        return 0
    fi
    start=$(date +%s)
    rm -rf "$dir"
    if python3 -m venv "$dir" >"$cache/uv.log" 2>&1 \
        && timeout 600 "$dir/bin/python" -m pip install -q "uv==$UV_VERSION" >>"$cache/uv.log" 2>&1; then
        touch "$dir/.installed"
        say "uv $UV_VERSION: installed in $(elapsed "$start")s"
        echo "$dir/bin/uv"
        return 0
    fi
    rm -rf "$dir"
    return 1
}

aider_agent() {
    local version=$1 dir uv start log
    case "$wanted" in *",aider,"*) ;; *) return ;; esac
    if [ "$version" = latest ]; then
        version=$(pypi_latest aider-chat)
        if [ -z "$version" ]; then
            say "PyPI is unreachable (cannot resolve aider-chat latest): \`aider\` not installed; its real-agent tests will skip"
            return
        fi
    fi
    dir="$cache/aider-$version"
    if [ -f "$dir/.installed" ] && [ -x "$dir/shim/aider" ]; then
        say "aider-chat $version: cached in $dir"
        paths+=("$dir/shim")
        return
    fi
    if ! command -v python3 >/dev/null 2>&1; then
        say "python3 is not installed: \`aider\` not installed; its real-agent tests will skip"
        return
    fi
    start=$(date +%s)
    log="$cache/aider-$version.log"
    if ! uv=$(uv_bin); then
        say "PyPI is unreachable (cannot install uv $UV_VERSION, see $cache/uv.log): \`aider\` not installed; its real-agent tests will skip"
        return
    fi
    rm -rf "$dir"
    # The machine's python3 (aider 0.86 wants 3.10-3.12); never a Python downloaded by uv.
    if UV_PYTHON_DOWNLOADS=never "$uv" venv -q --python "$(command -v python3)" "$dir" >"$log" 2>&1 \
        && VIRTUAL_ENV="$dir" timeout 900 "$uv" pip install -q --python "$dir/bin/python" "aider-chat==$version" >>"$log" 2>&1 \
        && "$dir/bin/aider" --version >>"$log" 2>&1; then
        # Only `aider` goes on PATH, not the venv's python/pip.
        mkdir -p "$dir/shim" && ln -sf ../bin/aider "$dir/shim/aider"
        touch "$dir/.installed"
        say "aider-chat $version: installed in $(elapsed "$start")s into $dir"
        paths+=("$dir/shim")
    else
        say "installing aider-chat $version failed after $(elapsed "$start")s (PyPI unreachable? see $log): \`aider\` not installed; its real-agent tests will skip"
        tail -n5 "$log" | sed 's/^/agents:   /' >&2
        rm -rf "$dir"
    fi
}

export UV_CACHE_DIR="$cache/uv-cache"
total=$(date +%s)
npm_agent codex @openai/codex "$codex_version" codex
npm_agent claude @anthropic-ai/claude-code "$claude_version" claude
npm_agent gemini @google/gemini-cli "$gemini_version" gemini
aider_agent "$aider_version"
say "done in $(elapsed "$total")s (cache $cache)"
(IFS=:; echo "${paths[*]}")
