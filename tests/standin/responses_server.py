#!/usr/bin/env python3
"""Stand-in for the OpenAI Responses API, for running the real Codex CLI offline.

Python 3.11 standard library only.

Usage:
    python3 responses_server.py [SCRIPT.json] [--log FILE] [--port N]

SCRIPT may also come from $STANDIN_SCRIPT, the log file from $STANDIN_LOG.
The server binds 127.0.0.1 (port 0 = any free port unless --port is given)
and prints the chosen port alone on the first line of stdout, then flushes.

Endpoints:
    POST /v1/responses      (also /responses) streaming SSE, or plain JSON when
                            the body has "stream": false
    GET  /v1/models         (also /models) an empty model list in both the
                            OpenAI shape ("data") and Codex's shape ("models")
    anything else           404, logged

Script format (see codex-script.json beside this file):

    {
      "turns": [
        {"match": "make a file",          # substring of the user's prompt; null/absent = any
         "steps": [ RESPONSE, RESPONSE ]} # step k answers the k-th model call of that turn
      ],
      "default": RESPONSE,                # when no turn matches
      "title": RESPONSE                   # Codex's side request for a thread title
    }

The server is stateless: for each request it finds the last real user prompt
in "input" (user messages whose text starts with "<", such as
<environment_context>, are skipped), counts the tool outputs
(function_call_output, custom_tool_call_output, ...) that follow it (= k),
picks the first turn whose "match" occurs in the prompt, and answers with
steps[min(k, len-1)]. Retries therefore get the same answer.

RESPONSE:
    {"delay": 0.0,           # seconds to wait before streaming anything (keeps the agent busy)
     "chunk_delay": 0.02,    # seconds between text deltas
     "items": [
        {"type": "message", "text": "Hello"},
        {"type": "function_call", "name": "shell",
         "arguments": {"command": ["bash", "-lc", "touch x"]},   # dict or JSON string
         "call_id": "call_1"},                                     # optional
        {"type": "reasoning", "text": "thinking..."}
     ],
     "status": 200}          # a non-200 status answers with an error body instead

In "arguments" (dict or string) the text {{workdir}} is replaced by the
request's working directory when it can be found ("cwd" in the
<environment_context> message), else ".".

Every request is appended to the log file as one JSON line:
{"ts", "method", "path", "headers", "body"} (body parsed when it is JSON).
"""

import argparse
import copy
import gzip
import json
import os
import re
import sys
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOOL_OUTPUT_TYPES = {
    "function_call_output",
    "custom_tool_call_output",
    "local_shell_call_output",
    "tool_search_output",
    "mcp_tool_call_output",
}

DEFAULT_SCRIPT = {
    "turns": [],
    "default": {"items": [{"type": "message", "text": "OK."}]},
}

# Codex asks the model for a thread title in a side request (its own thread,
# thread_source "thread_title" in x-codex-turn-metadata) right after the first
# prompt. It must get plain text, never the scripted tool call.
DEFAULT_TITLE = {"items": [{"type": "message", "text": "Stand-in task"}]}
TITLE_PREFIX = "Generate a concise, single-line task title"

_log_lock = threading.Lock()


def is_title_request(headers, prompt):
    meta = headers.get("x-codex-turn-metadata") or ""
    try:
        if json.loads(meta).get("thread_source") == "thread_title":
            return True
    except (ValueError, AttributeError):
        pass
    return prompt.lstrip().startswith(TITLE_PREFIX)


def _now():
    return time.time()


def _msg_text(item):
    content = item.get("content")
    if isinstance(content, str):
        return content
    out = []
    if isinstance(content, list):
        for c in content:
            if isinstance(c, dict) and isinstance(c.get("text"), str):
                out.append(c["text"])
    return "\n".join(out)


def analyse_input(body):
    """Return (prompt, k, cwd) for a Responses request body."""
    items = body.get("input")
    if isinstance(items, str):
        return items, 0, None
    if not isinstance(items, list):
        return "", 0, None
    cwd = None
    last_user = None
    last_any_user = None
    for i, it in enumerate(items):
        if not isinstance(it, dict):
            continue
        if it.get("role") == "user" and it.get("type", "message") == "message":
            text = _msg_text(it)
            m = re.search(r"<cwd>(.*?)</cwd>", text, re.S)
            if m:
                cwd = m.group(1).strip()
            last_any_user = i
            if not text.lstrip().startswith("<"):
                last_user = i
    if last_user is None:
        last_user = last_any_user
    if last_user is None:
        return "", 0, cwd
    prompt = _msg_text(items[last_user])
    k = sum(
        1
        for it in items[last_user + 1 :]
        if isinstance(it, dict) and it.get("type") in TOOL_OUTPUT_TYPES
    )
    return prompt, k, cwd


def choose(script, prompt, k):
    for turn in script.get("turns", []):
        m = turn.get("match")
        if m is None or m in prompt:
            steps = turn.get("steps") or []
            if steps:
                return steps[min(k, len(steps) - 1)]
    return script.get("default") or DEFAULT_SCRIPT["default"]


def _subst(value, cwd):
    if isinstance(value, str):
        return value.replace("{{workdir}}", cwd or ".")
    if isinstance(value, list):
        return [_subst(v, cwd) for v in value]
    if isinstance(value, dict):
        return {k: _subst(v, cwd) for k, v in value.items()}
    return value


class State:
    def __init__(self, script_path, log_path):
        self.script_path = script_path
        self.log_path = log_path
        self.counter = 0
        self.lock = threading.Lock()

    def script(self):
        # Re-read on every request so a test can swap the script while running.
        if not self.script_path:
            return DEFAULT_SCRIPT
        with open(self.script_path, encoding="utf-8") as f:
            return json.load(f)

    def next_id(self):
        with self.lock:
            self.counter += 1
            return self.counter

    def log(self, record):
        if not self.log_path:
            return
        line = json.dumps(record, ensure_ascii=False)
        with _log_lock:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(line + "\n")


def build_output_items(resp, n, cwd):
    """Turn script items into Responses API output items (done form)."""
    out = []
    for j, it in enumerate(resp.get("items", [])):
        t = it.get("type", "message")
        if t == "message":
            out.append(
                {
                    "type": "message",
                    "id": f"msg_{n}_{j}",
                    "status": "completed",
                    "role": "assistant",
                    "content": [
                        {
                            "type": "output_text",
                            "text": it.get("text", ""),
                            "annotations": [],
                        }
                    ],
                }
            )
        elif t == "function_call":
            args = _subst(it.get("arguments", {}), cwd)
            if not isinstance(args, str):
                args = json.dumps(args)
            out.append(
                {
                    "type": "function_call",
                    "id": f"fc_{n}_{j}",
                    "status": "completed",
                    "name": it["name"],
                    "arguments": args,
                    "call_id": it.get("call_id") or f"call_{n}_{j}",
                }
            )
        elif t == "custom_tool_call":
            out.append(
                {
                    "type": "custom_tool_call",
                    "id": f"ctc_{n}_{j}",
                    "status": "completed",
                    "name": it["name"],
                    "input": _subst(it.get("input", ""), cwd),
                    "call_id": it.get("call_id") or f"call_{n}_{j}",
                }
            )
        elif t == "reasoning":
            out.append(
                {
                    "type": "reasoning",
                    "id": f"rs_{n}_{j}",
                    "summary": [
                        {"type": "summary_text", "text": it.get("text", "")}
                    ],
                    "content": [],
                }
            )
        else:  # raw item, passed through
            out.append(_subst(it, cwd))
    return out


def _chunks(text, size=8):
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "responses-standin/1"
    state: State = None  # set by main

    def log_message(self, fmt, *args):  # keep stderr quiet
        if os.environ.get("STANDIN_VERBOSE"):
            sys.stderr.write("standin: " + (fmt % args) + "\n")

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raw = self._read_chunked()
        enc = (self.headers.get("Content-Encoding") or "").lower()
        if enc == "gzip":
            raw = gzip.decompress(raw)
        elif enc == "deflate":
            raw = zlib.decompress(raw)
        return raw

    def _read_chunked(self):
        data = b""
        while True:
            line = self.rfile.readline().strip()
            size = int(line.split(b";")[0], 16)
            if size == 0:
                self.rfile.readline()
                return data
            data += self.rfile.read(size)
            self.rfile.readline()

    def _send_json(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.state.log(
            {
                "ts": _now(),
                "method": "GET",
                "path": self.path,
                "headers": dict(self.headers),
            }
        )
        path = self.path.split("?")[0]
        if path in ("/v1/models", "/models"):
            self._send_json(200, {"object": "list", "data": [], "models": []})
        else:
            self._send_json(404, {"error": {"message": "not found"}})

    def do_POST(self):
        raw = self._read_body()
        try:
            body = json.loads(raw.decode("utf-8")) if raw else {}
        except (ValueError, UnicodeDecodeError):
            body = {"_unparsed": raw[:2000].decode("latin-1")}
        self.state.log(
            {
                "ts": _now(),
                "method": "POST",
                "path": self.path,
                "headers": dict(self.headers),
                "body": body,
            }
        )
        path = self.path.split("?")[0]
        if path not in ("/v1/responses", "/responses"):
            self._send_json(404, {"error": {"message": "not found"}})
            return
        prompt, k, cwd = analyse_input(body)
        script = self.state.script()
        if is_title_request(self.headers, prompt):
            resp = script.get("title") or DEFAULT_TITLE
        else:
            resp = choose(script, prompt, k)
        n = self.state.next_id()
        status = int(resp.get("status", 200))
        if status != 200:
            self._send_json(
                status,
                {
                    "error": {
                        "type": "standin_error",
                        "message": resp.get("message", "stand-in error"),
                    }
                },
            )
            return
        delay = float(resp.get("delay", 0))
        items = build_output_items(resp, n, cwd)
        rid = f"resp_{n}_{uuid.uuid4().hex[:8]}"
        model = body.get("model", "standin")
        # A step may say the usage its response reports (tests assert exact token counts).
        self._usage = resp.get("usage")
        if body.get("stream") is False:
            time.sleep(delay)
            self._send_json(200, self._response_obj(rid, model, items, "completed"))
            return
        self._stream(rid, model, items, delay, float(resp.get("chunk_delay", 0.02)))

    def _response_obj(self, rid, model, items, status):
        u = getattr(self, "_usage", None)
        if u:
            return {
                "id": rid,
                "object": "response",
                "created_at": int(_now()),
                "status": status,
                "model": model,
                "output": items if status == "completed" else [],
                "usage": {
                    "input_tokens": u.get("input_tokens", 0),
                    "input_tokens_details": {"cached_tokens": u.get("cached_tokens", 0)},
                    "output_tokens": u.get("output_tokens", 0),
                    "output_tokens_details": {"reasoning_tokens": u.get("reasoning_tokens", 0)},
                    "total_tokens": u.get("input_tokens", 0) + u.get("output_tokens", 0),
                },
            }
        return {
            "id": rid,
            "object": "response",
            "created_at": int(_now()),
            "status": status,
            "model": model,
            "output": items if status == "completed" else [],
            "usage": {
                "input_tokens": 100,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 10,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 110,
            },
        }

    def _stream(self, rid, model, items, delay, chunk_delay):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        seq = [0]

        def ev(etype, payload):
            payload = dict(payload)
            payload["type"] = etype
            payload["sequence_number"] = seq[0]
            seq[0] += 1
            data = f"event: {etype}\ndata: {json.dumps(payload)}\n\n".encode()
            self.wfile.write(data)
            self.wfile.flush()

        try:
            ev("response.created", {"response": self._response_obj(rid, model, [], "in_progress")})
            ev("response.in_progress", {"response": self._response_obj(rid, model, [], "in_progress")})
            # Wait in small slices so a client disconnect (Esc) ends us quickly.
            end = _now() + delay
            while _now() < end:
                time.sleep(min(0.2, max(0.0, end - _now())))
            for idx, item in enumerate(items):
                t = item["type"]
                if t == "message":
                    text = item["content"][0]["text"]
                    added = copy.deepcopy(item)
                    added["status"] = "in_progress"
                    added["content"] = []
                    ev("response.output_item.added", {"output_index": idx, "item": added})
                    part = {"type": "output_text", "text": "", "annotations": []}
                    ev(
                        "response.content_part.added",
                        {"item_id": item["id"], "output_index": idx, "content_index": 0, "part": part},
                    )
                    for ch in _chunks(text):
                        ev(
                            "response.output_text.delta",
                            {"item_id": item["id"], "output_index": idx, "content_index": 0, "delta": ch},
                        )
                        if chunk_delay:
                            time.sleep(chunk_delay)
                    ev(
                        "response.output_text.done",
                        {"item_id": item["id"], "output_index": idx, "content_index": 0, "text": text},
                    )
                    ev(
                        "response.content_part.done",
                        {
                            "item_id": item["id"],
                            "output_index": idx,
                            "content_index": 0,
                            "part": item["content"][0],
                        },
                    )
                elif t == "function_call":
                    added = copy.deepcopy(item)
                    added["status"] = "in_progress"
                    added["arguments"] = ""
                    ev("response.output_item.added", {"output_index": idx, "item": added})
                    ev(
                        "response.function_call_arguments.delta",
                        {"item_id": item["id"], "output_index": idx, "delta": item["arguments"]},
                    )
                    ev(
                        "response.function_call_arguments.done",
                        {"item_id": item["id"], "output_index": idx, "arguments": item["arguments"]},
                    )
                elif t == "reasoning":
                    ev("response.output_item.added", {"output_index": idx, "item": dict(item, summary=[])})
                    text = item["summary"][0]["text"]
                    ev(
                        "response.reasoning_summary_part.added",
                        {"item_id": item["id"], "output_index": idx, "summary_index": 0,
                         "part": {"type": "summary_text", "text": ""}},
                    )
                    ev(
                        "response.reasoning_summary_text.delta",
                        {"item_id": item["id"], "output_index": idx, "summary_index": 0, "delta": text},
                    )
                    ev(
                        "response.reasoning_summary_text.done",
                        {"item_id": item["id"], "output_index": idx, "summary_index": 0, "text": text},
                    )
                else:
                    ev("response.output_item.added", {"output_index": idx, "item": item})
                ev("response.output_item.done", {"output_index": idx, "item": item})
            ev("response.completed", {"response": self._response_obj(rid, model, items, "completed")})
        except (BrokenPipeError, ConnectionResetError):
            pass


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("script", nargs="?", default=os.environ.get("STANDIN_SCRIPT"))
    ap.add_argument("--log", default=os.environ.get("STANDIN_LOG"))
    ap.add_argument("--port", type=int, default=int(os.environ.get("STANDIN_PORT", "0")))
    args = ap.parse_args(argv)
    state = State(args.script, args.log)
    if args.script:
        state.script()  # fail early on a bad file
    Handler.state = state
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
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
