#!/usr/bin/env python3
"""Stand-in for the Anthropic Messages API, for running the real Claude Code offline.

Python 3.11 standard library only.

Usage:
    python3 messages_server.py [SCRIPT.json] [--log FILE] [--port N]

SCRIPT may also come from $STANDIN_SCRIPT, the log file from $STANDIN_LOG.
Binds 127.0.0.1 (port 0 = any free port unless --port) and prints the chosen
port alone on the first line of stdout. Point Claude Code at it with
ANTHROPIC_BASE_URL=http://127.0.0.1:PORT.

Endpoints:
    POST /v1/messages                streaming SSE (message_start,
                                     content_block_start/delta/stop,
                                     message_delta, message_stop), or JSON
                                     when "stream" is false
    POST /v1/messages/count_tokens   {"input_tokens": N}
    anything else                    GET -> 200 {} , POST -> 404; all logged

Script format (see claude-script.json beside this file):

    {
      "turns": [
        {"match": "substring of the user's prompt",   # null/absent = any
         "steps": [ RESPONSE, RESPONSE ]}             # step k = k-th model call of the turn
      ],
      "default": RESPONSE,    # main-loop request that matched no turn
      "aux": RESPONSE         # side requests: no "tools" in the body (titles,
                              # topic detection, quota probes, summaries)
    }

Stateless choice: the last user message with a typed text block (not a
<system-reminder> or "[Request interrupted" note) is the prompt; k = the
number of later user messages that carry tool_result blocks.

RESPONSE:
    {"delay": 0.0, "chunk_delay": 0.02, "status": 200,
     "items": [
        {"type": "text", "text": "Hello"},
        {"type": "tool_use", "name": "Bash",
         "input": {"command": "touch x", "description": "Create x"}, "id": "toolu_1"},
        {"type": "thinking", "text": "..."}
     ]}
The text {{cwd}} inside tool inputs is replaced by the working directory
found in the system prompt ("Working directory: ..."), else ".".

Each request is appended to the log as one JSON line {ts, method, path, headers, body}.
"""

import argparse
import json
import os
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_RESPONSE = {"items": [{"type": "text", "text": "OK."}]}
DEFAULT_AUX = {"items": [{"type": "text", "text": "Stand-in task"}]}
_log_lock = threading.Lock()


def _blocks(msg):
    c = msg.get("content")
    if isinstance(c, str):
        return [{"type": "text", "text": c}]
    return [b for b in (c or []) if isinstance(b, dict)]


def _is_prompt_text(block):
    """A text block the user typed (not a reminder or an interruption note).

    After an interrupted tool call Claude Code sends the tool_result and the
    next prompt in the same user message, so tool_result blocks do not
    disqualify a message."""
    if block.get("type") != "text":
        return False
    text = block.get("text", "").lstrip()
    return not (text.startswith("<system-reminder>") or text.startswith("[Request interrupted"))


def analyse(body):
    """Return (prompt, k)."""
    msgs = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    last = None
    for i, m in enumerate(msgs):
        if m.get("role") != "user":
            continue
        if any(_is_prompt_text(b) for b in _blocks(m)):
            last = i
    if last is None:
        return "", 0
    prompt = "\n".join(b["text"] for b in _blocks(msgs[last]) if _is_prompt_text(b))
    k = sum(
        1
        for m in msgs[last + 1 :]
        if m.get("role") == "user" and any(b.get("type") == "tool_result" for b in _blocks(m))
    )
    return prompt, k


def find_cwd(body):
    sysp = body.get("system")
    text = sysp if isinstance(sysp, str) else " ".join(
        b.get("text", "") for b in (sysp or []) if isinstance(b, dict)
    )
    for m in body.get("messages") or []:
        for b in _blocks(m) if isinstance(m, dict) else []:
            text += " " + b.get("text", "") if isinstance(b.get("text"), str) else ""
    m = re.search(r"Working directory: (\S+)", text)
    return m.group(1) if m else None


def choose(script, body, prompt, k):
    if not body.get("tools"):
        return script.get("aux") or DEFAULT_AUX
    for turn in script.get("turns", []):
        m = turn.get("match")
        if m is None or m in prompt:
            steps = turn.get("steps") or []
            if steps:
                return steps[min(k, len(steps) - 1)]
    return script.get("default") or DEFAULT_RESPONSE


def _subst(v, cwd):
    if isinstance(v, str):
        return v.replace("{{cwd}}", cwd or ".")
    if isinstance(v, list):
        return [_subst(x, cwd) for x in v]
    if isinstance(v, dict):
        return {a: _subst(b, cwd) for a, b in v.items()}
    return v


class State:
    def __init__(self, script_path, log_path):
        self.script_path = script_path
        self.log_path = log_path
        self.n = 0
        self.lock = threading.Lock()

    def script(self):
        if not self.script_path:
            return {}
        with open(self.script_path, encoding="utf-8") as f:
            return json.load(f)

    def next_id(self):
        with self.lock:
            self.n += 1
            return self.n

    def log(self, rec):
        if self.log_path:
            with _log_lock, open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def build_blocks(resp, n, cwd):
    out = []
    for j, it in enumerate(resp.get("items", [])):
        t = it.get("type", "text")
        if t == "text":
            out.append({"type": "text", "text": it.get("text", "")})
        elif t == "tool_use":
            out.append(
                {
                    "type": "tool_use",
                    "id": it.get("id") or f"toolu_standin_{n}_{j}",
                    "name": it["name"],
                    "input": _subst(it.get("input", {}), cwd),
                }
            )
        elif t == "thinking":
            out.append({"type": "thinking", "thinking": it.get("text", ""), "signature": "standin"})
        else:
            out.append(it)
    return out


def _chunks(s, size=8):
    return [s[i : i + size] for i in range(0, len(s), size)] or [""]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "messages-standin/1"
    state: State = None

    def log_message(self, fmt, *args):
        if os.environ.get("STANDIN_VERBOSE"):
            sys.stderr.write("standin: " + (fmt % args) + "\n")

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw.decode("utf-8")) if raw else {}
        except (ValueError, UnicodeDecodeError):
            return {"_unparsed": raw[:2000].decode("latin-1")}

    def _json(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _log(self, body=None):
        rec = {"ts": time.time(), "method": self.command, "path": self.path, "headers": dict(self.headers)}
        if body is not None:
            rec["body"] = body
        self.state.log(rec)

    def do_GET(self):
        self._log()
        self._json(200, {})

    def do_HEAD(self):
        self._log()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        body = self._body()
        self._log(body)
        path = self.path.split("?")[0]
        if path == "/v1/messages/count_tokens":
            self._json(200, {"input_tokens": 100})
            return
        if path != "/v1/messages":
            self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": "not found"}})
            return
        prompt, k = analyse(body)
        resp = choose(self.state.script(), body, prompt, k)
        n = self.state.next_id()
        status = int(resp.get("status", 200))
        if status != 200:
            self._json(status, {"type": "error", "error": {"type": "api_error", "message": resp.get("message", "stand-in error")}})
            return
        blocks = build_blocks(resp, n, find_cwd(body))
        model = body.get("model", "claude-standin")
        mid = f"msg_standin_{n}_{uuid.uuid4().hex[:8]}"
        stop = "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"
        usage = {"input_tokens": 100, "output_tokens": 10, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
        # A step may say the usage its response reports (tests assert exact token counts).
        usage.update(resp.get("usage") or {})
        delay = float(resp.get("delay", 0))
        if not body.get("stream"):
            time.sleep(delay)
            self._json(200, {"id": mid, "type": "message", "role": "assistant", "model": model,
                             "content": blocks, "stop_reason": stop, "stop_sequence": None, "usage": usage})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        cd = float(resp.get("chunk_delay", 0.02))

        def ev(name, payload):
            payload = dict(payload, type=name)
            self.wfile.write(f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode())
            self.wfile.flush()

        try:
            ev("message_start", {"message": {"id": mid, "type": "message", "role": "assistant", "model": model,
                                             "content": [], "stop_reason": None, "stop_sequence": None,
                                             "usage": dict(usage, output_tokens=1)}})
            end = time.time() + delay
            while time.time() < end:
                ev("ping", {})
                time.sleep(min(1.0, max(0.0, end - time.time())))
            for i, b in enumerate(blocks):
                if b["type"] == "text":
                    ev("content_block_start", {"index": i, "content_block": {"type": "text", "text": ""}})
                    for ch in _chunks(b["text"]):
                        ev("content_block_delta", {"index": i, "delta": {"type": "text_delta", "text": ch}})
                        if cd:
                            time.sleep(cd)
                elif b["type"] == "tool_use":
                    ev("content_block_start", {"index": i, "content_block": {"type": "tool_use", "id": b["id"], "name": b["name"], "input": {}}})
                    ev("content_block_delta", {"index": i, "delta": {"type": "input_json_delta", "partial_json": json.dumps(b["input"])}})
                elif b["type"] == "thinking":
                    ev("content_block_start", {"index": i, "content_block": {"type": "thinking", "thinking": "", "signature": ""}})
                    ev("content_block_delta", {"index": i, "delta": {"type": "thinking_delta", "thinking": b["thinking"]}})
                    ev("content_block_delta", {"index": i, "delta": {"type": "signature_delta", "signature": b["signature"]}})
                else:
                    ev("content_block_start", {"index": i, "content_block": b})
                ev("content_block_stop", {"index": i})
            ev("message_delta", {"delta": {"stop_reason": stop, "stop_sequence": None}, "usage": {"output_tokens": usage["output_tokens"]}})
            ev("message_stop", {})
        except (BrokenPipeError, ConnectionResetError):
            pass


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("script", nargs="?", default=os.environ.get("STANDIN_SCRIPT"))
    ap.add_argument("--log", default=os.environ.get("STANDIN_LOG"))
    ap.add_argument("--port", type=int, default=int(os.environ.get("STANDIN_PORT", "0")))
    a = ap.parse_args(argv)
    st = State(a.script, a.log)
    if a.script:
        st.script()
    Handler.state = st
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
