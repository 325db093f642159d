"""Tests of examples/python/psjob.py, the ctypes binding, against the real
library (PSJOB_LIB) and the mock service (PSJOB_MOCK_URL; the tests that
need it are skipped without it). Standard library only:

    PSJOB_LIB=target/debug/libpsjob.so PSJOB_MOCK_URL=http://127.0.0.1:PORT \
        python3 tests/python/test_binding.py -v

Run by tests/bindings.rs (cargo test --test bindings), which starts the mock.
"""

import ctypes
import gc
import os
import re
import sys
import tempfile
import threading
import time
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))

import psjob  # noqa: E402
from psjob import PsjobError, Result, State  # noqa: E402

lib = psjob.lib
MOCK = os.environ.get("PSJOB_MOCK_URL", "")
FIXTURES = os.environ.get("PSJOB_FIXTURES", os.path.join(ROOT, "tests", "fixtures"))
needs_mock = unittest.skipUnless(MOCK, "PSJOB_MOCK_URL is not set")

TOKEN = "mock-token"
API_KEY = "mock-key"


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def mock_client(**settings):
    base = dict(
        token=TOKEN,
        api_key=API_KEY,
        status_base_url=MOCK + "/v2/status/",
        proxy=None,
    )
    base.update(settings)
    return psjob.Client(psjob.Config(**base))


def last_error():
    """What the C library itself says about the last failure on this thread."""
    return lib.psjob_last_error().decode("utf-8"), lib.psjob_last_http_status()


class HeaderCoverage(unittest.TestCase):
    """Every function of psjob.h is bound, with the right number of arguments."""

    def header_functions(self):
        with open(os.path.join(ROOT, "include", "psjob.h"), encoding="utf-8") as f:
            text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
        found = {}
        for m in re.finditer(r"^[a-z][\w \*]*?\b(psjob_\w+)\(([^)]*)\);", text, flags=re.M):
            params = " ".join(m.group(2).split())
            found[m.group(1)] = 0 if params in ("", "void") else params.count(",") + 1
        return found

    def test_every_function_is_bound(self):
        header = self.header_functions()
        self.assertGreaterEqual(len(header), 70)
        self.assertEqual(sorted(header), sorted(psjob.PROTOTYPES))
        for name, nargs in header.items():
            fn = getattr(lib, name)
            self.assertIsNotNone(fn.argtypes, name)
            self.assertEqual(len(fn.argtypes), nargs, name)

    def test_enums_match_library_names(self):
        for code in Result:
            expected = "PSJOB_OK" if code == Result.OK else "PSJOB_ERR_" + code.name
            self.assertEqual(psjob.result_name(code), expected)
        self.assertEqual(psjob.result_name(16), "PSJOB_ERR_UNKNOWN")
        for state in State:
            self.assertEqual(psjob.state_name(state), state.name.lower())
        self.assertEqual(psjob.state_name(99), "unknown")
        self.assertTrue(psjob.is_terminal(State.PARTIAL_SUCCESS))
        self.assertFalse(psjob.is_terminal(State.UPLOADING))

    def test_version(self):
        self.assertRegex(psjob.version(), r"^\d+\.\d+\.\d+$")
        with open(os.path.join(ROOT, "Cargo.toml"), encoding="utf-8") as f:
            cargo = re.search(r'^version\s*=\s*"([^"]+)"', f.read(), flags=re.M).group(1)
        self.assertEqual(psjob.version(), cargo)


class Parsing(unittest.TestCase):
    def test_v1_fixture(self):
        raw = fixture("v1_renditions.json")
        with psjob.Status.parse(raw) as s:
            self.assertEqual(s.job_id, "f54e0fcb-1111-2222-3333-de0d17dc2b67")
            self.assertIn("/pie/psdService/status/", s.self_href)
            self.assertEqual(s.state, State.RUNNING)
            self.assertEqual(s.state_name, "running")
            self.assertFalse(s.is_terminal)
            self.assertEqual(s.http_status, 0)
            self.assertEqual(s.json_bytes, raw)
            self.assertEqual(len(s.outputs), 3)
            first, second, third = s.outputs
            self.assertEqual(first.input, "https://in.example/a.psd")
            self.assertEqual(first.status, "succeeded")
            self.assertEqual(first.state, State.SUCCEEDED)
            self.assertEqual(first.created, "2018-01-04T12:57:15.12345:Z")
            self.assertEqual(
                [(r.href, r.storage, r.type, r.width) for r in first.renditions],
                [
                    ("https://out.example/a.jpg?sig=1", "external", "image/jpeg", 512),
                    ("https://out.example/a.png?sig=2", "external", "image/png", None),
                ],
            )
            self.assertEqual(first.errors, [])
            self.assertEqual(second.state, State.RUNNING)
            self.assertIsNone(second.created)
            self.assertEqual(third.state, State.FAILED)
            (err,) = third.errors
            self.assertEqual((err.code, err.type), ("400", "InputValidationError"))
            self.assertEqual(err.title, "request has invalid parameters")
            self.assertEqual(
                err.details,
                [("outputs[0].storage", "should be one of external, azure, dropbox")],
            )
            # JSON Pointer helpers.
            self.assertEqual(s.get_string("/outputs/0/input"), "https://in.example/a.psd")
            self.assertEqual(s.get_int("/outputs/0/_links/renditions/0/width"), 512)
            self.assertEqual(s.get_float("/outputs/0/_links/renditions/0/width"), 512.0)
            self.assertIs(s.get_bool("/outputs/0/_links/renditions/1/trimToCanvas"), False)
            self.assertEqual(s.get_len("/outputs"), 3)
            self.assertEqual(s.get_json("/outputs/0/_links/renditions/1/layers"), '[{"id":1}]')
            self.assertEqual(s.get("/outputs/0/_links/renditions/1/layers"), [{"id": 1}])
            self.assertEqual(s.get("")["jobId"], s.job_id)
            self.assertIsNone(s.get_string("/nope"))
            self.assertEqual(s.get_string("/nope", "default"), "default")
            self.assertIsNone(s.get_int("/outputs/0/input"))
            self.assertEqual(s.get("/nope", 7), 7)
        # The outputs are plain data: still readable after close.
        self.assertEqual(first.renditions[0].width, 512)

    def test_v2_and_webhook(self):
        with psjob.Status.parse(fixture("v2_failed.json").decode("utf-8")) as s:
            self.assertEqual(s.state, State.FAILED)
            (out,) = s.outputs
            self.assertEqual([(e.code, e.title) for e in out.errors][0],
                             ("400401", "The value provided is not valid."))
            self.assertEqual(out.errors[1].code, "500")
        with psjob.Status.parse(fixture("webhook.json")) as s:
            self.assertEqual(s.job_id, "wh-9")
            self.assertEqual(s.outputs[0].renditions[0].href, "https://out.example/w.jpg")
            self.assertEqual(s.json_bytes, fixture("webhook.json"))


class Errors(unittest.TestCase):
    """Every error reaches Python with the library's code, name, HTTP status
    and message, unchanged."""

    def assertFaithful(self, e, code, http_status=None, contains=None):
        message, http = last_error()  # nothing ran since the failing call
        self.assertIsInstance(e, PsjobError)
        self.assertEqual(e.code, code)
        self.assertIsInstance(e.code, Result)
        self.assertEqual(e.code_name, lib.psjob_result_name(code).decode())
        self.assertEqual(e.message, message)
        self.assertEqual(e.http_status, http)
        self.assertTrue(e.message, "empty message")
        if http_status is not None:
            self.assertEqual(e.http_status, http_status)
        if contains is not None:
            self.assertIn(contains, e.message)
        for secret in (TOKEN, API_KEY, "wrong-token"):
            self.assertNotIn(secret, e.message)
        self.assertIn(e.code_name, str(e))
        self.assertIn(e.message, str(e))
        self.assertEqual(e.args, (e.code, e.http_status, e.message))

    def expect(self, code, fn, *args, http_status=None, contains=None, **kwargs):
        with self.assertRaises(PsjobError) as cm:
            fn(*args, **kwargs)
        self.assertFaithful(cm.exception, code, http_status, contains)
        return cm.exception

    def test_parse_matches_raw_call(self):
        for body in (b"this is not json", b"[1,2,3]", b"", b"\xff\xfe{}"):
            out = ctypes.POINTER(psjob.psjob_status)()
            rc = lib.psjob_status_parse(body, len(body), ctypes.byref(out))
            raw = last_error()
            self.assertEqual(rc, Result.PARSE)
            self.assertFalse(out)  # untouched on failure
            e = self.expect(Result.PARSE, psjob.Status.parse, body, http_status=0)
            self.assertEqual((e.message, e.http_status), raw)

    def test_invalid_argument(self):
        self.expect(Result.INVALID_ARGUMENT, psjob.Config().set_timeout_ms, 0)
        self.expect(Result.INVALID_ARGUMENT, psjob.Config().set_token, "a\r\nb")
        self.expect(Result.INVALID_ARGUMENT, psjob.Config, max_retries=1000)
        with psjob.Status.parse(b'{"a":1}') as s:
            self.expect(Result.INVALID_ARGUMENT, s.get_string, "no-slash")
            self.expect(Result.INVALID_ARGUMENT, s.get_int, "/a~2")
        # A NUL inside a str cannot reach C: refused by the binding, same shape.
        with self.assertRaises(PsjobError) as cm:
            psjob.Config().set_token("a\0b")
        self.assertEqual(cm.exception.code, Result.INVALID_ARGUMENT)
        self.assertIn("NUL", cm.exception.message)
        with self.assertRaises(TypeError):
            psjob.Config().set_token(42)

    def test_no_value_and_unknown_codes(self):
        with psjob.Status.parse(b'{"a":1}') as s:
            out = ctypes.c_char_p()
            rc = lib.psjob_status_get_string(s._p(), b"/b", ctypes.byref(out))
            self.assertEqual(rc, Result.NO_VALUE)
            self.assertTrue(last_error()[0])
            self.assertIsNone(s.get_string("/b"))  # the Pythonic layer: None
        e = PsjobError(15, 0, "m")
        self.assertEqual((e.code, e.code_name), (Result.INTERNAL, "PSJOB_ERR_INTERNAL"))
        e = PsjobError(99, 0, "m")
        self.assertEqual((e.code, e.code_name), (99, "PSJOB_ERR_UNKNOWN"))

    @needs_mock
    def test_http_errors(self):
        with mock_client(token="wrong-token") as c:
            self.expect(Result.UNAUTHORIZED, c.get_status, "quick-py401",
                        http_status=401, contains="401013")
        with mock_client(api_key="wrong-key") as c:
            self.expect(Result.UNAUTHORIZED, c.get_status, "quick-py403",
                        http_status=403, contains="403003")
        with mock_client(max_retries=0) as c:
            self.expect(Result.NOT_FOUND, c.get_status, "nosuchjob-py", http_status=404,
                        contains="404")
            self.expect(Result.HTTP, c.get_status, "badrequest-py", http_status=400)
            self.expect(Result.HTTP, c.get_status, "servererror-py", http_status=500)
            self.expect(Result.RATE_LIMITED, c.get_status, "retryhuge-py", http_status=429)
            self.expect(Result.PARSE, c.get_status, "garbage-py", http_status=200)
            self.expect(Result.PARSE, c.get_status, "notobject-py", http_status=200)
            self.expect(Result.UNTRUSTED_URL, c.get_status, "http://example.com/v2/status/x",
                        http_status=0)
            self.expect(Result.INVALID_ARGUMENT, c.get_status, "")
            self.expect(Result.HTTP, c.get_status, "redirect-py", http_status=302)
        with mock_client(max_body_bytes=1000) as c:
            self.expect(Result.TOO_LARGE, c.get_status, "big-py", http_status=200)
        with mock_client(timeout_ms=300, max_retries=0) as c:
            self.expect(Result.TIMEOUT, c.get_status, "slow-py", http_status=0)
        with psjob.Client(token=TOKEN, status_base_url="http://127.0.0.1:1/v2/status/",
                          max_retries=0, proxy="") as c:
            self.expect(Result.TRANSPORT, c.get_status, "quick-py", http_status=0)

    @needs_mock
    def test_wait_and_io_errors(self):
        with mock_client() as c:
            self.expect(Result.DEADLINE, c.wait, "never-pyd", interval_ms=20, timeout_ms=300)
            self.expect(Result.CANCELLED, c.wait, "never-pyc", interval_ms=20,
                        progress=lambda s: True)
            self.expect(Result.NOT_FOUND, c.wait, "nosuchjob-pyw", interval_ms=20,
                        http_status=404)
            self.expect(Result.INVALID_ARGUMENT, c.wait, "quick-pyw", interval_ms=0)
            self.expect(Result.IO, c.download, MOCK + "/files/x.bin",
                        "/nonexistent-dir/sub/x.bin")
            self.expect(Result.NOT_FOUND, c.download, MOCK + "/files/missing-x.bin",
                        os.path.join(tempfile.gettempdir(), "psjob-missing.bin"),
                        http_status=404)

    @needs_mock
    def test_errors_are_per_thread(self):
        results = {}

        def worker(i):
            try:
                c.get_status("nosuchjob-thread-%d" % i)
            except PsjobError as e:
                results[i] = (e.code, e.http_status, "nosuchjob-thread-%d" % i in e.message)

        with mock_client() as c:
            threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        self.assertEqual(results, {i: (Result.NOT_FOUND, 404, True) for i in range(4)})


@needs_mock
class Waiting(unittest.TestCase):
    def test_wait_with_progress(self):
        seen = []
        kept = []

        def progress(status):
            seen.append((status.state, status.http_status, len(status.outputs)))
            kept.append(status)
            return False

        with mock_client() as c:
            with c.wait("succeed-py1", interval_ms=20, max_interval_ms=50, timeout_ms=20000,
                        progress=progress) as s:
                self.assertEqual(s.state, State.SUCCEEDED)
                self.assertEqual(s.http_status, 200)
                self.assertEqual(len(s.outputs[0].renditions), 2)
                self.assertIn("/files/succeed-py1-1.jpg", s.outputs[0].renditions[0].href)
                self.assertEqual(s.outputs[0].renditions[0].type, "image/jpeg")
        self.assertEqual(
            [(st, http) for st, http, _ in seen],
            [(State.PENDING, 202), (State.RUNNING, 202), (State.SUCCEEDED, 200)],
        )
        # The statuses handed to the callback were borrowed: closed now.
        self.assertTrue(all(k.closed for k in kept))
        with self.assertRaises(ValueError):
            kept[0].state

    def test_failed_job_is_a_result(self):
        with mock_client() as c, c.wait("fail-py1", interval_ms=20) as s:
            self.assertEqual(s.state, State.FAILED)
            self.assertEqual(s.outputs[0].errors[0].code, "400401")

    def test_progress_stop_and_exception(self):
        with mock_client() as c:
            calls = []
            with self.assertRaises(PsjobError) as cm:
                c.wait("never-py2", interval_ms=20, progress=lambda s: calls.append(1) or len(calls) >= 2)
            self.assertEqual(cm.exception.code, Result.CANCELLED)
            self.assertEqual(len(calls), 2)
            # Stopping on a terminal status returns it.
            with c.wait("quick-py2", progress=lambda s: True) as s:
                self.assertEqual(s.state, State.SUCCEEDED)

            class Boom(Exception):
                pass

            def explode(status):
                raise Boom("from the callback")

            with self.assertRaises(Boom):
                c.wait("never-py3", interval_ms=20, progress=explode)
            # ... also when it is raised for the final status.
            with self.assertRaises(Boom):
                c.wait("quick-py3", progress=explode)

    def test_cancel_from_a_thread(self):
        with mock_client() as c, psjob.Cancel() as cancel:
            errors = []

            def waiter():
                try:
                    c.wait("never-py-cancel-a", interval_ms=20, timeout_ms=20000, cancel=cancel)
                except PsjobError as e:
                    errors.append(e.code)

            other = threading.Thread(target=waiter)
            other.start()
            timer = threading.Timer(0.2, cancel.trigger)
            start = time.monotonic()
            timer.start()
            with self.assertRaises(PsjobError) as cm:
                c.wait("never-py-cancel-b", interval_ms=20, timeout_ms=20000, cancel=cancel)
            elapsed = time.monotonic() - start
            other.join(10)
            timer.join()
            self.assertEqual(cm.exception.code, Result.CANCELLED)
            self.assertEqual(errors, [Result.CANCELLED])  # both waits holding it stopped
            self.assertTrue(cancel.triggered)
            self.assertGreater(elapsed, 0.15)
            self.assertLess(elapsed, 5)

    def test_log_callback_and_download(self):
        lines = []
        lock = threading.Lock()

        def log(level, message):
            with lock:
                lines.append((level, message))

        config = psjob.Config(token=TOKEN, api_key=API_KEY, status_base_url=MOCK + "/v2/status/",
                              log=log, log_level=psjob.LogLevel.DEBUG)
        with psjob.Client(config) as c:
            config.close()  # the client copied it and keeps the callback alive
            gc.collect()
            c.get_status("quick-py-log")
            path = os.path.join(tempfile.mkdtemp(), "out.bin")
            self.assertEqual(c.download(MOCK + "/files/py.bin?size=1000", path), 1000)
            with open(path, "rb") as f:
                self.assertEqual(f.read(), bytes(i % 251 for i in range(1000)))
            os.remove(path)
            os.rmdir(os.path.dirname(path))
            c.set_token("wrong-token")
            with self.assertRaises(PsjobError):
                c.get_status("quick-py-log2")
        self.assertTrue(any("quick-py-log" in m for _, m in lines), lines)
        self.assertTrue(all(1 <= lvl <= 4 for lvl, _ in lines))
        self.assertFalse(any(TOKEN in m or "wrong-token" in m for _, m in lines))


class Freeing(unittest.TestCase):
    """Context managers, close() and garbage collection free each C handle once."""

    FREES = (
        "psjob_config_free",
        "psjob_client_free",
        "psjob_status_free",
        "psjob_cancel_free",
        "psjob_wait_options_free",
    )

    def setUp(self):
        self.counts = {n: 0 for n in self.FREES}
        self.saved = {}
        for name in self.FREES:
            original = getattr(lib, name)
            self.saved[name] = original

            def counting(ptr, _name=name, _original=original):
                self.assertTrue(ptr, "%s(NULL)" % _name)
                self.counts[_name] += 1
                return _original(ptr)

            setattr(lib, name, counting)

    def tearDown(self):
        for name, original in self.saved.items():
            setattr(lib, name, original)

    def test_context_managers(self):
        with psjob.Config(token=TOKEN) as config:
            with psjob.Client(config) as client:
                self.assertFalse(client.closed)
            self.assertTrue(client.closed)
            self.assertEqual(self.counts["psjob_client_free"], 1)
        self.assertEqual(self.counts["psjob_config_free"], 1)
        with psjob.Status.parse(b'{"jobId":"x"}') as s:
            self.assertEqual(s.job_id, "x")
        self.assertEqual(self.counts["psjob_status_free"], 1)
        with psjob.Cancel() as k:
            k.trigger()
        self.assertEqual(self.counts["psjob_cancel_free"], 1)
        # close() is idempotent; a closed handle refuses use.
        for h in (config, client, s, k):
            h.close()
            with self.assertRaises(ValueError):
                h.__enter__()
        self.assertEqual(
            self.counts,
            {"psjob_config_free": 1, "psjob_client_free": 1, "psjob_status_free": 1,
             "psjob_cancel_free": 1, "psjob_wait_options_free": 0},
        )
        with self.assertRaises(ValueError):
            s.job_id
        with self.assertRaises(ValueError):
            client.get_status("x")
        with self.assertRaises(ValueError):
            k.trigger()

    def test_garbage_collection(self):
        s = psjob.Status.parse(b"{}")
        c = psjob.Client(token=TOKEN)  # its own temporary Config is freed at once
        self.assertEqual(self.counts["psjob_config_free"], 1)
        del s, c
        gc.collect()
        self.assertEqual(self.counts["psjob_status_free"], 1)
        self.assertEqual(self.counts["psjob_client_free"], 1)
        # A failed constructor frees what it made.
        with self.assertRaises(PsjobError):
            psjob.Config(timeout_ms=0)
        self.assertEqual(self.counts["psjob_config_free"], 2)

    @needs_mock
    def test_wait_frees_its_options_and_statuses(self):
        with mock_client() as c:
            with c.wait("quick-py-free", progress=lambda s: False):
                pass
            with self.assertRaises(PsjobError):
                c.wait("never-py-free", interval_ms=20, timeout_ms=100)

            def boom(status):
                raise KeyError("x")

            with self.assertRaises(KeyError):
                c.wait("quick-py-free2", progress=boom)  # final status freed, not leaked
        self.assertEqual(self.counts["psjob_wait_options_free"], 3)
        # Statuses: the two returned/discarded ones; borrowed ones are never freed here.
        self.assertEqual(self.counts["psjob_status_free"], 2)


if __name__ == "__main__":
    unittest.main()
