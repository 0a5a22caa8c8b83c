"""A local stand-in for Lambda's execution environment: one bootstrap process per function,
talking to its own Runtime API server (the 2018-06-01 interface every custom runtime, including
Rust's lambda_runtime, uses): `GET /runtime/invocation/next`, `POST .../{id}/response`,
`POST .../{id}/error` and `POST /runtime/init/error`.

One process per function (one warm instance), invocations one at a time, as a single Lambda
instance runs them. It also measures the cold start: process start -> first `next` (what Lambda
reports as Init Duration), the first invocation's duration, and the peak resident memory
(VmHWM, what Lambda reports as Max Memory Used).
"""

import json
import os
import queue
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API = "/2018-06-01"


class InvocationFailed(Exception):
    """The function answered with an error, crashed or ran out of time."""


class _Invocation:
    def __init__(self, payload, timeout_s):
        self.id = str(uuid.uuid4())
        self.payload = json.dumps(payload).encode()
        self.deadline_ms = int((time.time() + timeout_s) * 1000)
        self.done = threading.Event()
        self.response = None
        self.error = None
        self.sent_at = None
        self.finished_at = None


class LambdaInstance:
    """A bootstrap binary running under the emulated Runtime API."""

    def __init__(self, name, binary, env, memory_mb, timeout_s, log_path, arn):
        self.name = name
        self.binary = binary
        self.env = env
        self.memory_mb = memory_mb
        self.timeout_s = timeout_s
        self.log_path = log_path
        self.arn = arn
        self._queue = queue.Queue()
        self._pending = {}
        self._lock = threading.Lock()  # one invocation at a time, like one Lambda instance
        self._closing = threading.Event()
        self.init_error = None
        self.started_at = None
        self.first_next_at = None
        self.first_invocation = None
        self.peak_rss_kb = None
        self.rss_after_init_kb = None
        self.invocations = 0
        self.process = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def runtime_api(self):
        """host:port of this instance's Runtime API (AWS_LAMBDA_RUNTIME_API)."""
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def _start(self):
        env = dict(self.env)
        env["AWS_LAMBDA_RUNTIME_API"] = self.runtime_api
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(  # noqa: S603 - our own binary
            [self.binary], env=env, stdout=self._log, stderr=subprocess.STDOUT,
            cwd=os.path.dirname(self.binary),
        )

    def invoke(self, payload):
        """Runs one invocation (waiting for the previous one) and returns its decoded answer.

        The first one starts the process, as Lambda starts an instance for the first request:
        the event is already waiting when the bootstrap asks for it (a cold invocation).
        """
        with self._lock:
            invocation = self._submit(payload)
            if self.process is None:
                self._start()
            return self._wait(invocation)

    def _submit(self, payload):
        invocation = _Invocation(payload, self.timeout_s)
        self._pending[invocation.id] = invocation
        self._queue.put(invocation)
        if self.first_invocation is None:
            self.first_invocation = invocation
        return invocation

    def _wait(self, invocation):
        deadline = time.monotonic() + self.timeout_s + 5
        while not invocation.done.wait(0.05):
            if self.init_error is not None:
                raise InvocationFailed(f"{self.name}: init error: {self.init_error}")
            if self.process is not None and self.process.poll() is not None:
                raise InvocationFailed(
                    f"{self.name}: the process exited with {self.process.returncode}; see {self.log_path}")
            if time.monotonic() > deadline:
                raise InvocationFailed(f"{self.name}: no answer within its {self.timeout_s} s timeout")
        self.invocations += 1
        if invocation.error is not None:
            raise InvocationFailed(f"{self.name}: {invocation.error}")
        return json.loads(invocation.response) if invocation.response else None

    def rss_kb(self, field):
        """A memory figure of the running process from /proc (VmRSS, VmHWM) in KiB."""
        try:
            with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except (OSError, AttributeError):
            return None
        return None

    def stop(self):
        """Reads the peak memory, then ends the process and the Runtime API server."""
        if self.process is not None and self.process.poll() is None:
            self.peak_rss_kb = self.rss_kb("VmHWM")
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        if getattr(self, "_log", None):
            self._log.close()

    def cold_start(self):
        """The cold-start figures, in milliseconds and MiB."""
        first = self.first_invocation
        init_ms = None if self.first_next_at is None else (self.first_next_at - self.started_at) * 1000
        duration_ms = None
        if first is not None and first.finished_at is not None and first.sent_at is not None:
            duration_ms = (first.finished_at - first.sent_at) * 1000
        start_to_first_ms = None
        if first is not None and first.finished_at is not None:
            start_to_first_ms = (first.finished_at - self.started_at) * 1000
        return {
            "function": self.name,
            "memory_mb": self.memory_mb,
            "init_ms": init_ms,
            "first_invocation_ms": duration_ms,
            "start_to_first_handled_ms": start_to_first_ms,
            "rss_after_init_mib": None if self.rss_after_init_kb is None else self.rss_after_init_kb / 1024,
            "peak_rss_mib": None if self.peak_rss_kb is None else self.peak_rss_kb / 1024,
            "invocations": self.invocations,
            "binary_mib": os.path.getsize(self.binary) / 1048576,
        }

    # ------------------------------------------------------------ the Runtime API

    def _handler_class(self):
        instance = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet: the bootstraps' own logs say enough
                pass

            def _body(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            self.rfile.readline()
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _answer(self, status, body=b"", headers=None):
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the process ended while waiting (shutdown)

            def do_GET(self):  # noqa: N802 - http.server's naming
                if self.path != f"{API}/runtime/invocation/next":
                    return self._answer(404, b'{"errorType":"NotFound"}')
                if instance.first_next_at is None:
                    instance.first_next_at = time.monotonic()
                    instance.rss_after_init_kb = instance.rss_kb("VmRSS")
                while True:
                    if instance._closing.is_set():
                        return self._answer(500, b'{"errorType":"ShuttingDown"}')
                    try:
                        invocation = instance._queue.get(timeout=0.2)
                        break
                    except queue.Empty:
                        continue
                invocation.sent_at = time.monotonic()
                self._answer(200, invocation.payload, {
                    "Lambda-Runtime-Aws-Request-Id": invocation.id,
                    "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": instance.arn,
                    "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0",
                })

            def do_POST(self):  # noqa: N802
                body = self._body()
                parts = self.path.split("/")
                if self.path == f"{API}/runtime/init/error":
                    instance.init_error = body.decode(errors="replace")
                    return self._answer(202, b'{"status":"OK"}')
                # /2018-06-01/runtime/invocation/{id}/response | error
                if len(parts) == 6 and parts[3] == "invocation" and parts[5] in ("response", "error"):
                    invocation = instance._pending.pop(parts[4], None)
                    if invocation is None:
                        return self._answer(400, b'{"errorType":"InvalidRequestID"}')
                    if parts[5] == "response":
                        invocation.response = body
                    else:
                        invocation.error = body.decode(errors="replace") or "error"
                    invocation.finished_at = time.monotonic()
                    invocation.done.set()
                    return self._answer(202, b'{"status":"OK"}')
                return self._answer(404, b'{"errorType":"NotFound"}')

        return Handler
