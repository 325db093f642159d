#!/usr/bin/env python3
"""Waits for a Photoshop API job with the ctypes binding and prints its outputs.

    PSJOB_TOKEN=... PSJOB_API_KEY=... python3 wait_example.py <status URL or job id>

Against the mock service (cargo run --example mock_server -- --port 8080):

    PSJOB_TOKEN=mock-token PSJOB_API_KEY=mock-key \\
    PSJOB_STATUS_BASE_URL=http://127.0.0.1:8080/v2/status/ \\
    python3 examples/python/wait_example.py succeed-demo

Environment: PSJOB_TOKEN, PSJOB_API_KEY, and optionally PSJOB_STATUS_BASE_URL
(where a bare job id is resolved; its host is trusted with the credentials),
PSJOB_INTERVAL_MS (default 2000), PSJOB_TIMEOUT_MS (default 900000) and
PSJOB_LIB (the library). Ctrl-C cancels the wait.
Exit status, as psjob_wait's: 0 succeeded, 2 failed or partly failed, 1 the
wait failed or bad usage.
"""

import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import psjob  # noqa: E402


def main(argv):
    if len(argv) != 2:
        print("usage: %s <status URL or job id>" % argv[0], file=sys.stderr)
        return 1
    settings = dict(
        token=os.environ.get("PSJOB_TOKEN", ""),
        api_key=os.environ.get("PSJOB_API_KEY", ""),
        log=lambda level, line: print("psjob:", line, file=sys.stderr),
        log_level=psjob.LogLevel.WARN,
    )
    if os.environ.get("PSJOB_STATUS_BASE_URL"):
        settings["status_base_url"] = os.environ["PSJOB_STATUS_BASE_URL"]

    cancel = psjob.Cancel()
    # The wait runs in a worker thread so that Ctrl-C (delivered to the main
    # thread) can trigger the cancel token.
    result = {}

    def work():
        try:
            with psjob.Client(**settings) as client:
                result["status"] = client.wait(
                    argv[1],
                    interval_ms=int(os.environ.get("PSJOB_INTERVAL_MS", "2000")),
                    timeout_ms=int(os.environ.get("PSJOB_TIMEOUT_MS", "900000")),
                    progress=lambda s: print("  ...", s.state_name, file=sys.stderr),
                    cancel=cancel,
                )
        except psjob.PsjobError as e:
            result["error"] = e

    print("psjob %s: waiting for %s" % (psjob.version(), argv[1]))
    worker = threading.Thread(target=work)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt:
        cancel.trigger()
        worker.join()
    cancel.close()

    if "error" in result:
        e = result["error"]
        print("error: %s (HTTP %d): %s" % (e.code_name, e.http_status, e.message), file=sys.stderr)
        return 1
    with result["status"] as status:
        print("job %s: %s" % (status.job_id or "-", status.state_name))
        for i, output in enumerate(status.outputs):
            print("output %d: %s (input %s)" % (i, output.status or "-", output.input or "-"))
            for r in output.renditions:
                width = "" if r.width is None else "  width %d" % r.width
                print("  rendition %s  type %s%s" % (r.href or "-", r.type or "-", width))
            for e in output.errors:
                print("  error %s %s: %s" % (e.code or "-", e.type or "-", e.title or "-"))
                for name, reason in e.details:
                    print("    %s: %s" % (name or "-", reason or "-"))
        return 0 if status.state == psjob.State.SUCCEEDED else 2


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main(sys.argv))
