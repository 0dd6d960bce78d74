#!/usr/bin/env bash
# cli.completion: the bash completion (cli/kinsync.bash-completion)
# completes commands, a command's options (read from its --help) and
# subcommands. Usage: completion.sh KINSYNC REPO_ROOT. Exit 77 (skip)
# without the bash-completion package.
set -uo pipefail
kinsync=$1 root=$2
framework=/usr/share/bash-completion/bash_completion
[ -f "$framework" ] || { echo "skip: no $framework"; exit 77; }
# shellcheck disable=SC1090
source "$framework"
source "$root/cli/kinsync.bash-completion"
PATH="$(cd "$(dirname "$kinsync")" && pwd):$PATH"

failures=0
# expect "WORDS..." "REPLIES": completes the last word of WORDS, as <TAB>
# at the end of the line would.
expect() {
    local line=$1 want=$2 got
    read -r -a COMP_WORDS <<<"$line"
    [[ $line == *' ' ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=$line
    COMP_POINT=${#line}
    COMPREPLY=()
    _kinsync kinsync "${COMP_WORDS[COMP_CWORD]}" \
        "${COMP_WORDS[COMP_CWORD - 1]}"
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
    got=${got% }
    if [ "$got" = "$want" ]; then
        echo "ok: '$line' -> $got"
    else
        echo "FAIL: '$line' -> '$got', want '$want'"
        failures=$((failures + 1))
    fi
}

expect "kinsync ch" "check"
expect "kinsync serve --sy" "--system"
expect "kinsync serve --system wo" "woocommerce"
expect "kinsync serve --tls-" "--tls-ca-file --tls-name"
expect "kinsync check --ju" "--junit"
expect "kinsync sync --wa" "--watch"
expect "kinsync outbox re" "retry"
expect "kinsync wor" "workers"
expect "kinsync sync --metrics-" "--metrics-bind --metrics-port"
expect "kinsync secret " "delete set"
expect "kinsync help ver" "verify"
expect "kinsync --ver" "--version"
expect "kinsync scenario " "--help from-har"
expect "kinsync scenario from-har x.har --na" "--name"
expect "kinsync diff x.har --seed" "--seed-from-har"
[ $failures -eq 0 ]
