#!/usr/bin/env python3
"""Stand-in for the OpenAI chat-completions API, for running the real aider offline.

Python 3.11 standard library only.

Usage:
    python3 chat_server.py [SCRIPT.json] [--log FILE] [--port N]

Binds 127.0.0.1, prints the port alone on stdout's first line. Point aider at it with
`--openai-api-base http://127.0.0.1:PORT/v1 --model openai/NAME` and any OPENAI_API_KEY.

Endpoints:
    POST /v1/chat/completions   SSE chunks ending in `data: [DONE]` when "stream" is true
                                (aider's default), else one JSON completion
    GET  anything               an empty model list

Script (see aider-script.json and standin_base.py); the turn is the one whose "match" occurs in
the most recent user message, and k the number of assistant messages after that message. Items:
    {"type": "text", "text": "..."}     the reply, streamed in pieces; aider reads edits,
                                         file names and shell commands out of it
Requests whose first system message is not aider's coder prompt (a commit message, a chat
summary) get "aux".
"""

import time
import uuid

from standin_base import Handler, chunks, serve

DEFAULT = {"items": [{"type": "text", "text": "OK."}]}
AUX = {"items": [{"type": "text", "text": "Stand-in summary"}]}


def text_of(msg):
    c = msg.get("content")
    if isinstance(c, str):
        return c
    return "\n".join(p.get("text", "") for p in c or [] if isinstance(p, dict))


def pick(script, body):
    """The step that answers: of the turns whose "match" is in some user message, the one
    matched most recently; k = the assistant messages after that user message (aider sends the
    conversation again after the person added a file or ran a command: a note of its own such
    as "I added these files to the chat" is then the last user message)."""
    msgs = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    best = None
    for turn in script.get("turns", []):
        m = turn.get("match")
        for i in range(len(msgs) - 1, -1, -1):
            if msgs[i].get("role") == "user" and (m is None or m in text_of(msgs[i])):
                if best is None or i > best[0]:
                    best = (i, turn)
                break
    if best is None or not best[1].get("steps"):
        return script.get("default") or DEFAULT
    i, turn = best
    k = sum(1 for m in msgs[i + 1 :] if m.get("role") == "assistant")
    return turn["steps"][min(k, len(turn["steps"]) - 1)]


def is_aux(body):
    msgs = body.get("messages") or []
    first = text_of(msgs[0]) if msgs and isinstance(msgs[0], dict) else ""
    return "commit message" in first.lower() or "summariz" in first.lower()


class ChatHandler(Handler):
    server_version = "chat-standin/1"

    def do_POST(self):
        body = self.body()
        self.log_request_body(body)
        if self.path.split("?")[0] not in ("/v1/chat/completions", "/chat/completions"):
            self.send_json(404, {"error": {"message": "not found"}})
            return
        script = self.script.load()
        resp = (script.get("aux") or AUX) if is_aux(body) else pick(script, body)
        status = int(resp.get("status", 200))
        if status != 200:
            self.send_json(status, {"error": {"message": resp.get("message", "stand-in error"), "type": "standin"}})
            return
        text = "".join(it.get("text", "") for it in resp.get("items", []) if it.get("type", "text") == "text")
        cid = f"chatcmpl-standin-{self.script.next_id()}-{uuid.uuid4().hex[:6]}"
        model = body.get("model", "standin")
        usage = {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}
        if not body.get("stream"):
            self.hold(float(resp.get("delay", 0)))
            self.send_json(200, {"id": cid, "object": "chat.completion", "created": int(time.time()), "model": model,
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": text}}],
                                 "usage": usage})
            return
        self.start_sse()

        def chunk(delta, finish=None, **extra):
            return dict({"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                         "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}, **extra)

        try:
            self.hold(float(resp.get("delay", 0)))
            self.sse(chunk({"role": "assistant", "content": ""}))
            for piece in chunks(text):
                self.sse(chunk({"content": piece}))
                time.sleep(float(resp.get("chunk_delay", 0.02)))
            self.sse(chunk({}, "stop", usage=usage))
            self.sse("[DONE]")
        except (BrokenPipeError, ConnectionResetError):
            pass


if __name__ == "__main__":
    serve(ChatHandler, __doc__)
