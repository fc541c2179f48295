#!/usr/bin/env bash
# Prints every failed test of the TRX files under $1 with the first lines of
# its message, so a failure is found at the end of CI's output instead of
# somewhere in ten minutes of test logs. Plain awk: no tools beyond Debian's base.
set -uo pipefail
dir=${1:?results directory}
shopt -s nullglob globstar
files=("$dir"/**/*.trx)
[ ${#files[@]} -gt 0 ] || { echo "===== no test results in $dir =====" >&2; exit 0; }
echo "===== failed tests =====" >&2
awk '
    function unescape(s) {
        gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s)
        gsub(/&apos;/, "\047", s); gsub(/&#xD;/, "", s); gsub(/&#xA;/, "\n", s)
        gsub(/&amp;/, "\\&", s); return s
    }
    /<UnitTestResult / && /outcome="Failed"/ {
        match($0, /testName="[^"]*"/)
        name = unescape(substr($0, RSTART + 10, RLENGTH - 11))
        printf "FAILED %s (%s)\n", name, FILENAME; failed++; cur = 1; inmsg = 0; lines = 0; next
    }
    cur && /<Message>/ { inmsg = 1; sub(/.*<Message>/, "") }
    inmsg {
        done = sub(/<\/Message>.*/, "")
        if (lines < 12) { print "    " unescape($0); lines++ }
        if (done) inmsg = 0
    }
    /<\/UnitTestResult>/ { cur = 0; inmsg = 0 }
    END { if (!failed) print "(no failed test in the results: a build or a crashed test host failed instead; search the log for \"error\")" }
' "${files[@]}" >&2
