#!/usr/bin/env bash
# cli.man: doc/kinsync.1 renders with man-db and groff without a warning
# (MANWIDTH=80 man -l --warnings prints nothing on stderr), and has a
# section for every command. Usage: man.sh PAGE. Exit 77 (skip) without
# man or groff.
set -uo pipefail
page=$1
command -v man >/dev/null && command -v groff >/dev/null ||
    { echo "skip: no man or groff"; exit 77; }
warnings=$(MANWIDTH=80 man -l --warnings "$page" 2>&1 >/dev/null)
if [ -n "$warnings" ]; then
    printf 'FAIL: warnings:\n%s\n' "$warnings"
    exit 1
fi
text=$(MANWIDTH=80 man -l "$page" 2>/dev/null)
status=0
for cmd in check verify serve record replay diff scenario sync secret outbox audit workers; do
    grep -q "^   kinsync $cmd" <<<"$text" ||
        { echo "FAIL: no section for kinsync $cmd"; status=1; }
done
for section in ENVIRONMENT FILES "EXIT STATUS"; do
    grep -q "^$section" <<<"$text" || { echo "FAIL: no $section"; status=1; }
done
exit $status
