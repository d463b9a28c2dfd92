"""What the chat-completions and Gemini stand-ins share: the command line, the request log,
the script file (re-read on every request), turn choice and a streaming HTTP handler base.

Python 3.11 standard library only. (responses_server.py and messages_server.py predate this
module and stand alone.)

A script is JSON:

    {"turns": [{"match": "substring of the prompt", "steps": [RESPONSE, RESPONSE]}],
     "default": RESPONSE,       # when no turn matches
     "aux": RESPONSE}           # side requests the server recognises (titles, summaries...)

and step k answers the k-th model call of that turn (k = tool results, or for aider the
assistant replies, that follow the prompt). RESPONSE is {"delay": seconds before anything is
streamed, "chunk_delay": seconds between text pieces, "status": 200, "items": [...]}, the items
being each server's own (see its docstring).
"""

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_log_lock = threading.Lock()


class Script:
    def __init__(self, path, log_path):
        self.path = path
        self.log_path = log_path
        self.n = 0
        self.lock = threading.Lock()

    def load(self):
        if not self.path:
            return {}
        with open(self.path, encoding="utf-8") as f:
            return json.load(f)

    def next_id(self):
        with self.lock:
            self.n += 1
            return self.n

    def log(self, rec):
        if self.log_path:
            with _log_lock, open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def choose(script, prompt, k, fallback):
    for turn in script.get("turns", []):
        m = turn.get("match")
        if m is None or m in prompt:
            steps = turn.get("steps") or []
            if steps:
                return steps[min(k, len(steps) - 1)]
    return script.get("default") or fallback


def chunks(s, size=8):
    return [s[i : i + size] for i in range(0, len(s), size)] or [""]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    script: Script = None

    def log_message(self, fmt, *args):
        if os.environ.get("STANDIN_VERBOSE"):
            sys.stderr.write("standin: " + (fmt % args) + "\n")

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw.decode("utf-8")) if raw else {}
        except (ValueError, UnicodeDecodeError):
            return {"_unparsed": raw[:2000].decode("latin-1")}

    def log_request_body(self, body=None):
        rec = {"ts": time.time(), "method": self.command, "path": self.path, "headers": dict(self.headers)}
        if body is not None:
            rec["body"] = body
        self.script.log(rec)

    def send_json(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def start_sse(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def sse(self, payload, event=None):
        head = f"event: {event}\n" if event else ""
        data = payload if isinstance(payload, str) else json.dumps(payload)
        self.wfile.write(f"{head}data: {data}\n\n".encode())
        self.wfile.flush()

    @staticmethod
    def hold(delay):
        """Wait in small slices (a client that disconnects, an Esc, ends the write after)."""
        end = time.time() + delay
        while time.time() < end:
            time.sleep(min(0.2, max(0.0, end - time.time())))

    def do_GET(self):
        self.log_request_body()
        self.send_json(200, {"object": "list", "data": []})


def serve(handler, doc):
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("script", nargs="?", default=os.environ.get("STANDIN_SCRIPT"))
    ap.add_argument("--log", default=os.environ.get("STANDIN_LOG"))
    ap.add_argument("--port", type=int, default=int(os.environ.get("STANDIN_PORT", "0")))
    a = ap.parse_args()
    handler.script = Script(a.script, a.log)
    handler.script.load()  # fail early on a bad file
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
