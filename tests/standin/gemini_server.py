#!/usr/bin/env python3
"""Stand-in for the Gemini API (generativelanguage v1beta), for running the real gemini-cli
offline.

Python 3.11 standard library only.

Usage:
    python3 gemini_server.py [SCRIPT.json] [--log FILE] [--port N]

Binds 127.0.0.1, prints the port alone on stdout's first line. Point gemini-cli at it with
GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:PORT and GEMINI_API_KEY=anything, once
~/.gemini/settings.json selects API-key auth (gemini_home.sh writes that).

Endpoints:
    POST /v1beta/models/MODEL:streamGenerateContent?alt=sse   SSE, one JSON
                                     GenerateContentResponse per `data:` line
    POST /v1beta/models/MODEL:generateContent                 one JSON response
    POST /v1beta/models/MODEL:countTokens                     {"totalTokens": 100}
    POST /v1beta/models/MODEL:embedContent (and batch)        zero vectors
    GET  anything                                             {}

Script (see gemini-script.json and standin_base.py): the prompt is the last user content with
a text part of its own (not a functionResponse); k = the later user contents that carry
functionResponse parts. Items:
    {"type": "text", "text": "..."}
    {"type": "function_call", "name": "run_shell_command", "args": {...}}
Requests without "tools" (gemini-cli's side requests: next-speaker checks, loop detection,
titles, summaries) get "aux"; an aux text that is JSON is sent as is (those requests ask for
JSON).
"""

import json

from standin_base import Handler, choose, chunks, serve

DEFAULT = {"items": [{"type": "text", "text": "OK."}]}
# The next-speaker check asks for {"reasoning", "next_speaker"}: "user" ends the turn.
AUX = {"items": [{"type": "text", "text": json.dumps({"reasoning": "The stand-in is done.", "next_speaker": "user"})}]}


def analyse(body):
    contents = [c for c in body.get("contents") or [] if isinstance(c, dict)]
    last = None
    for i, c in enumerate(contents):
        parts = c.get("parts") or []
        if c.get("role", "user") == "user" and any("text" in p for p in parts) and not any(
            "functionResponse" in p for p in parts
        ):
            last = i
    if last is None:
        return "", 0
    prompt = "\n".join(p.get("text", "") for p in contents[last].get("parts") or [] if "text" in p)
    k = sum(
        1
        for c in contents[last + 1 :]
        if c.get("role", "user") == "user" and any("functionResponse" in p for p in c.get("parts") or [])
    )
    return prompt, k


def parts_of(resp):
    out = []
    for it in resp.get("items", []):
        t = it.get("type", "text")
        if t == "text":
            out.append({"text": it.get("text", "")})
        elif t == "function_call":
            out.append({"functionCall": {"name": it["name"], "args": it.get("args", {})}})
        else:
            out.append(it)
    return out


def response(parts, finish=None):
    cand = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        cand["finishReason"] = finish
    return {
        "candidates": [cand],
        "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 10, "totalTokenCount": 110},
        "modelVersion": "gemini-standin",
        "responseId": "standin",
    }


class GeminiHandler(Handler):
    server_version = "gemini-standin/1"

    def do_POST(self):
        body = self.body()
        self.log_request_body(body)
        path = self.path.split("?")[0]
        action = path.rsplit(":", 1)[-1] if ":" in path else ""
        if action == "countTokens":
            self.send_json(200, {"totalTokens": 100})
            return
        if action in ("embedContent", "batchEmbedContents"):
            n = len(body.get("requests") or [1])
            vec = {"values": [0.0] * 8}
            self.send_json(200, {"embeddings": [vec] * n} if action == "batchEmbedContents" else {"embedding": vec})
            return
        if action not in ("streamGenerateContent", "generateContent"):
            self.send_json(404, {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}})
            return
        script = self.script.load()
        if not body.get("tools"):
            resp = script.get("aux") or AUX
        else:
            prompt, k = analyse(body)
            resp = choose(script, prompt, k, DEFAULT)
        status = int(resp.get("status", 200))
        if status != 200:
            self.send_json(status, {"error": {"code": status, "message": resp.get("message", "stand-in error"), "status": "UNAVAILABLE"}})
            return
        parts = parts_of(resp)
        if action == "generateContent":
            self.hold(float(resp.get("delay", 0)))
            self.send_json(200, response(parts, "STOP"))
            return
        self.start_sse()
        try:
            self.hold(float(resp.get("delay", 0)))
            cd = float(resp.get("chunk_delay", 0.02))
            for p in parts:
                if "text" in p:
                    for piece in chunks(p["text"], 16):
                        self.sse(response([{"text": piece}]))
                        if cd:
                            self.hold(cd)
                else:
                    self.sse(response([p]))
            self.sse(response([{"text": ""}], "STOP"))
        except (BrokenPipeError, ConnectionResetError):
            pass


if __name__ == "__main__":
    serve(GeminiHandler, __doc__)
