#!/usr/bin/env python3
"""Chorus's bundled offline speech recognizer: a worker process the server talks to over
stdin/stdout, so recognition never runs on the server's async runtime.

It loads Moonshine's English "tiny" model, which the PyPI package moonshine-voice==0.1.0
ships inside its wheel: no network and no keys are needed.

Protocol, one request at a time:
  - on start, once the model is loaded, it writes  {"ready": true}\n
  - request: a line {"samples": N}\n followed by N little-endian float32 samples (16 kHz mono)
  - answer:  {"text": "..."}\n   or   {"error": "..."}\n
It exits when stdin closes.
"""

import json
import sys


def main() -> int:
    out = sys.stdout
    try:
        import numpy as np
        from moonshine_voice import ModelArch, Transcriber, get_model_path

        transcriber = Transcriber(str(get_model_path("tiny-en")), ModelArch.TINY)
    except Exception as e:  # noqa: BLE001 - reported to the server, which says what to do
        out.write(json.dumps({"error": f"cannot load the recognizer: {e}"}) + "\n")
        out.flush()
        return 1
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline()
        if not line:
            return 0
        try:
            count = int(json.loads(line)["samples"])
            raw = stdin.read(count * 4)
            if len(raw) != count * 4:
                return 0
            audio = np.frombuffer(raw, dtype="<f4")
            if count == 0:
                text = ""
            else:
                transcript = transcriber.transcribe_without_streaming(audio.tolist(), 16000)
                text = " ".join(l.text.strip() for l in transcript.lines if l.text.strip())
            answer = {"text": text}
        except Exception as e:  # noqa: BLE001
            answer = {"error": str(e)}
        try:
            out.write(json.dumps(answer) + "\n")
            out.flush()
        except BrokenPipeError:
            # The server stopped listening (subtitles turned off): nothing left to do.
            return 0


if __name__ == "__main__":
    sys.exit(main())
