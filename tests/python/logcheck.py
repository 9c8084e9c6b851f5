"""Reading the server's log, as text or as JSON lines, for the log tests: every line becomes a
dict with `level`, `message` and the event's fields."""

import json


def _words(line):
    """Splits on spaces outside double quotes; quotes and backslash escapes are removed."""
    words, word, quoted, escaped = [], "", False, False
    for c in line:
        if escaped:
            word, escaped = word + c, False
        elif c == "\\" and quoted:
            escaped = True
        elif c == '"':
            quoted = not quoted
        elif c == " " and not quoted:
            if word:
                words.append(word)
            word = ""
        else:
            word += c
    return words + [word] if word else words


def parse_text(line):
    """`2026-… INFO target: message key=value key="quoted value"`, or None."""
    words = _words(line)
    if len(words) < 3 or not words[2].endswith(":"):
        return None
    event, message = {"level": words[1], "target": words[2][:-1]}, []
    for w in words[3:]:
        key, eq, value = w.partition("=")
        if eq and key.replace("_", "").isalnum():
            event[key] = value
        else:
            message.append(w)
    event["message"] = " ".join(message)
    return event


def parse_json(line):
    """One flat JSON object, or None."""
    try:
        event = json.loads(line)
    except ValueError:
        return None
    if not isinstance(event, dict) or "level" not in event or "message" not in event:
        return None
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in event.items()}


def events(text, fmt):
    """Every log line of `text` parsed; fails on a log line that is not in the format. Lines the
    server prints on stdout (the test servers share one file) start neither with `{` nor with
    a timestamp's digit, and are left out."""
    parse = parse_json if fmt == "json" else parse_text
    start = "{" if fmt == "json" else "0123456789"
    parsed = []
    for line in text.splitlines():
        if not line or line[0] not in start:
            continue
        event = parse(line)
        assert event is not None, f"not a {fmt} log line: {line!r}"
        parsed.append(event)
    return parsed


def find(parsed, message, **fields):
    """The events with `message` whose fields have the given values."""
    return [e for e in parsed if e["message"] == message
            and all(e.get(k) == str(v) for k, v in fields.items())]
