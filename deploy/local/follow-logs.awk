# What deploy/local/up.sh shows while eventer runs: reads `tail -F` of the
# services' logs (JSON lines, one per entry, "==> file <==" between files) and
# prints what a person wants to watch, readably:
#   - each DingTalk message the notifier would have sent (dry run), in full;
#   - one line per warning or error of any service from -v since (UTC,
#     2026-11-30T07:53:31) on: before that, services starting up report
#     themselves unready, as expected;
#   - the simulated cluster's count of events every ten seconds.
# The webhook notifier's dry-run messages (one a second at Slack's pace) stay
# in its log. Plain POSIX awk (Debian's and Ubuntu's default is mawk): no jq,
# no python.

BEGIN {
    service = "?"; max_lines = 30; max_width = 400
    # UTF-8 continuation bytes: a cut must not end inside a character (mawk
    # counts bytes).
    for (i = 128; i < 192; i++) continuation = continuation sprintf("%c", i)
}

/^==> .* <==$/ {
    service = $0
    sub(/^==> (.*\/)?/, "", service)
    sub(/\.log <==$/, "", service)
    next
}

# The simulated cluster writes plain text.
/^simcluster: / {
    if ($0 ~ /repeats, .*deleted|stopped after/) { print "[sim] " substr($0, 13); fflush() }
    next
}

!/^\{/ { next }

index($0, "\"Category\":\"Eventer.DingTalkNotifier.Delivery.DryRunSender\"") {
    state = substr($0, index($0, "\"State\":{"))
    printf "\n── %s DingTalk → robot %s ─ %s\n", clock(), field(state, "Robot"), field(state, "Title")
    print_indented(field(state, "Text"))
    fflush()
    next
}

/"LogLevel":"(Warning|Error|Critical)"/ {
    if (field($0, "Timestamp") < since) next
    level = field($0, "LogLevel")
    message = field($0, "Message")
    sub(/\n.*/, "", message)
    printf "[%s] %s %s: %s\n", clock(), service, tolower(level), cut(message)
    fflush()
}

# HH:MM:SS of the entry (UTC, as the logs are).
function clock(  t) {
    t = field($0, "Timestamp")
    return (length(t) >= 19) ? substr(t, 12, 8) : "--:--:--"
}

function print_indented(text,  n, i, lines) {
    n = split(text, lines, "\n")
    for (i = 1; i <= n && i <= max_lines; i++) print "  " cut(lines[i])
    if (n > max_lines) printf "  … %d more lines in logs/%s.log\n", n - max_lines, service
}

function cut(line,  k) {
    if (length(line) <= max_width) return line
    for (k = max_width; k > 1 && index(continuation, substr(line, k + 1, 1)); k--) ;
    return substr(line, 1, k) "…"
}

# The decoded value of the first string member "key" in json. A JSON string
# never holds a bare quote, so "key":" only matches a member.
function field(json, key,  at) {
    at = index(json, "\"" key "\":\"")
    if (!at) return ""
    return unescape(substr(json, at + length(key) + 4))
}

# Decodes a JSON string up to its closing quote: \n, \", \\, \/, \t and
# \uXXXX (with surrogate pairs) into UTF-8 (.NET's JSON logs escape all of
# non-ASCII and HTML-sensitive characters that way).
function unescape(s,  out, i, c, n, cp, lo) {
    out = ""
    n = length(s)
    for (i = 1; i <= n; i++) {
        c = substr(s, i, 1)
        if (c == "\"") break
        if (c != "\\") { out = out c; continue }
        c = substr(s, ++i, 1)
        if (c == "n") out = out "\n"
        else if (c == "t") out = out "\t"
        else if (c == "u") {
            cp = hex(substr(s, i + 1, 4)); i += 4
            if (cp >= 55296 && cp < 56320 && substr(s, i + 1, 2) == "\\u") {
                lo = hex(substr(s, i + 3, 4))
                if (lo >= 56320 && lo < 57344) { cp = 65536 + (cp - 55296) * 1024 + (lo - 56320); i += 6 }
            }
            out = out utf8(cp)
        }
        else if (c == "r" || c == "b" || c == "f") continue
        else out = out c
    }
    return out
}

function hex(h,  v, i) {
    v = 0
    for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", tolower(substr(h, i, 1))) - 1
    return v
}

function utf8(cp) {
    if (cp < 128) return sprintf("%c", cp)
    if (cp < 2048) return sprintf("%c%c", 192 + int(cp / 64), 128 + cp % 64)
    if (cp < 65536) return sprintf("%c%c%c", 224 + int(cp / 4096), 128 + int(cp / 64) % 64, 128 + cp % 64)
    return sprintf("%c%c%c%c", 240 + int(cp / 262144), 128 + int(cp / 4096) % 64, 128 + int(cp / 64) % 64, 128 + cp % 64)
}
