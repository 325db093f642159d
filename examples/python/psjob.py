"""psjob: a ctypes binding of libpsjob, the client for asynchronous Adobe
Photoshop API jobs.

Standard library only. Two layers:

* The raw C API: ``psjob.lib`` is the loaded ``ctypes.CDLL`` with
  ``argtypes``/``restype`` declared for every function of ``psjob.h`` (see
  ``PROTOTYPES``). Strings go in as ``bytes`` (UTF-8) and come out as
  ``bytes`` or ``None``.
* A Pythonic layer: :class:`Config`, :class:`Client`, :class:`Status`,
  :class:`Cancel` (all context managers with ``close()``), plain-data
  :class:`Output`, :class:`Rendition`, :class:`JobError`, and
  :class:`PsjobError` raised for every failing call, carrying the library's
  code, code name, HTTP status and message unchanged.

The library is found, in this order, at ``$PSJOB_LIB`` (a file, or a
directory holding it), at ``../../target/release`` and ``../../target/debug``
relative to this file (a source checkout), then by
``ctypes.util.find_library("psjob")`` (an installed library).

Example::

    import psjob
    with psjob.Client(psjob.Config(token=TOKEN, api_key=KEY)) as client:
        status = client.wait(url, interval_ms=2000, progress=lambda s: print(s.state_name))
        for output in status.outputs:
            for r in output.renditions:
                print(r.href)
"""

import ctypes
import ctypes.util
import enum
import json as _json
import os
import sys

__all__ = [
    "Result",
    "State",
    "LogLevel",
    "PsjobError",
    "Config",
    "Client",
    "Status",
    "Output",
    "Rendition",
    "JobError",
    "Cancel",
    "version",
    "result_name",
    "state_name",
    "is_terminal",
    "lib",
    "PROTOTYPES",
]

# ---------------------------------------------------------------------------
# Constants


class Result(enum.IntEnum):
    """psjob_result: the result of every fallible function."""

    OK = 0
    INVALID_ARGUMENT = 1
    UNTRUSTED_URL = 2
    TRANSPORT = 3
    TIMEOUT = 4
    HTTP = 5
    UNAUTHORIZED = 6
    NOT_FOUND = 7
    RATE_LIMITED = 8
    PARSE = 9
    TOO_LARGE = 10
    DEADLINE = 11
    CANCELLED = 12
    IO = 13
    NO_VALUE = 14
    INTERNAL = 15


class State(enum.IntEnum):
    """psjob_state: the state of a job or an output."""

    UNKNOWN = 0
    PENDING = 1
    STARTING = 2
    RUNNING = 3
    UPLOADING = 4
    SUCCEEDED = 5
    FAILED = 6
    PARTIAL_SUCCESS = 7


class LogLevel(enum.IntEnum):
    OFF = 0
    ERROR = 1
    WARN = 2
    INFO = 3
    DEBUG = 4


# ---------------------------------------------------------------------------
# Loading the library


def _candidates():
    names = {
        "darwin": ["libpsjob.dylib"],
        "win32": ["psjob.dll"],
    }.get(sys.platform, ["libpsjob.so", "libpsjob.so.0"])
    env = os.environ.get("PSJOB_LIB")
    if env:
        if os.path.isdir(env):
            for n in names:
                yield os.path.join(env, n)
        else:
            yield env
        return  # an explicit choice is never second-guessed
    here = os.path.dirname(os.path.abspath(__file__))
    for profile in ("release", "debug"):
        for n in names:
            yield os.path.join(here, "..", "..", "target", profile, n)
    found = ctypes.util.find_library("psjob")
    if found:
        yield found


def _load():
    tried = []
    for path in _candidates():
        if os.path.sep in path and not os.path.exists(path):
            tried.append(path)
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise OSError(
        "libpsjob not found; set PSJOB_LIB to the library's path. Tried: " + "; ".join(tried)
    )


lib = _load()

# ---------------------------------------------------------------------------
# The raw C API: every function of psjob.h


class _Opaque(ctypes.Structure):
    pass


class psjob_config(_Opaque):
    pass


class psjob_client(_Opaque):
    pass


class psjob_status(_Opaque):
    pass


class psjob_output(_Opaque):
    pass


class psjob_rendition(_Opaque):
    pass


class psjob_job_error(_Opaque):
    pass


class psjob_cancel(_Opaque):
    pass


class psjob_wait_options(_Opaque):
    pass


P = ctypes.POINTER
_c_char_pp = P(ctypes.c_char_p)
_c_result = ctypes.c_int  # C enum psjob_result
_c_state = ctypes.c_int  # C enum psjob_state

#: typedef void (*psjob_log_fn)(int32_t level, const char *message, void *user_data);
LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_int32, ctypes.c_char_p, ctypes.c_void_p)
#: typedef int32_t (*psjob_progress_fn)(const psjob_status *status, void *user_data);
PROGRESS_FN = ctypes.CFUNCTYPE(ctypes.c_int32, P(psjob_status), ctypes.c_void_p)

_Config = P(psjob_config)
_Client = P(psjob_client)
_Status = P(psjob_status)
_Output = P(psjob_output)
_Rendition = P(psjob_rendition)
_JobError = P(psjob_job_error)
_Cancel = P(psjob_cancel)
_WaitOptions = P(psjob_wait_options)
_str = ctypes.c_char_p
_size = ctypes.c_size_t

#: name -> (restype, argtypes), one entry per function of psjob.h.
PROTOTYPES = {
    # cancel
    "psjob_cancel_new": (_Cancel, []),
    "psjob_cancel_trigger": (None, [_Cancel]),
    "psjob_cancel_is_triggered": (ctypes.c_bool, [_Cancel]),
    "psjob_cancel_free": (None, [_Cancel]),
    # client
    "psjob_client_new": (_c_result, [_Config, P(_Client)]),
    "psjob_client_free": (None, [_Client]),
    "psjob_client_set_token": (_c_result, [_Client, _str]),
    "psjob_client_get_status": (_c_result, [_Client, _str, P(_Status)]),
    "psjob_client_download": (_c_result, [_Client, _str, _str, P(ctypes.c_uint64)]),
    "psjob_client_wait": (_c_result, [_Client, _str, _WaitOptions, P(_Status)]),
    # config
    "psjob_config_new": (_Config, []),
    "psjob_config_free": (None, [_Config]),
    "psjob_config_set_api_key": (_c_result, [_Config, _str]),
    "psjob_config_set_token": (_c_result, [_Config, _str]),
    "psjob_config_set_org_id": (_c_result, [_Config, _str]),
    "psjob_config_set_user_agent": (_c_result, [_Config, _str]),
    "psjob_config_set_status_base_url": (_c_result, [_Config, _str]),
    "psjob_config_add_trusted_host": (_c_result, [_Config, _str]),
    "psjob_config_set_timeout_ms": (_c_result, [_Config, ctypes.c_uint32]),
    "psjob_config_set_connect_timeout_ms": (_c_result, [_Config, ctypes.c_uint32]),
    "psjob_config_set_max_retries": (_c_result, [_Config, ctypes.c_uint32]),
    "psjob_config_set_max_body_bytes": (_c_result, [_Config, ctypes.c_uint64]),
    "psjob_config_set_client_credentials": (_c_result, [_Config, _str, _str, _str]),
    "psjob_config_set_ims_url": (_c_result, [_Config, _str]),
    "psjob_config_set_ca_file": (_c_result, [_Config, _str]),
    "psjob_config_set_proxy": (_c_result, [_Config, _str]),
    "psjob_config_set_log_callback": (
        _c_result,
        [_Config, LOG_FN, ctypes.c_void_p, ctypes.c_int32],
    ),
    # version and errors
    "psjob_version": (_str, []),
    "psjob_result_name": (_str, [ctypes.c_int32]),
    "psjob_last_error": (_str, []),
    "psjob_last_http_status": (ctypes.c_int32, []),
    # states
    "psjob_state_is_terminal": (ctypes.c_bool, [ctypes.c_int32]),
    "psjob_state_name": (_str, [ctypes.c_int32]),
    # status
    "psjob_status_parse": (_c_result, [ctypes.c_char_p, _size, P(_Status)]),
    "psjob_status_free": (None, [_Status]),
    "psjob_status_job_id": (_str, [_Status]),
    "psjob_status_self_href": (_str, [_Status]),
    "psjob_status_state": (_c_state, [_Status]),
    # c_void_p, not c_char_p: the body may hold NUL bytes; read with string_at.
    "psjob_status_json": (ctypes.c_void_p, [_Status, P(_size)]),
    "psjob_status_http_status": (ctypes.c_int32, [_Status]),
    "psjob_status_output_count": (_size, [_Status]),
    "psjob_status_output": (_Output, [_Status, _size]),
    # output
    "psjob_output_input": (_str, [_Output]),
    "psjob_output_status": (_str, [_Output]),
    "psjob_output_state": (_c_state, [_Output]),
    "psjob_output_created": (_str, [_Output]),
    "psjob_output_modified": (_str, [_Output]),
    "psjob_output_rendition_count": (_size, [_Output]),
    "psjob_output_rendition": (_Rendition, [_Output, _size]),
    "psjob_output_error_count": (_size, [_Output]),
    "psjob_output_error": (_JobError, [_Output, _size]),
    # rendition
    "psjob_rendition_href": (_str, [_Rendition]),
    "psjob_rendition_storage": (_str, [_Rendition]),
    "psjob_rendition_type": (_str, [_Rendition]),
    "psjob_rendition_width": (ctypes.c_int64, [_Rendition]),
    # job error
    "psjob_job_error_code": (_str, [_JobError]),
    "psjob_job_error_type": (_str, [_JobError]),
    "psjob_job_error_title": (_str, [_JobError]),
    "psjob_job_error_detail_count": (_size, [_JobError]),
    "psjob_job_error_detail_name": (_str, [_JobError, _size]),
    "psjob_job_error_detail_reason": (_str, [_JobError, _size]),
    # JSON pointers
    "psjob_status_get_string": (_c_result, [_Status, _str, _c_char_pp]),
    "psjob_status_get_i64": (_c_result, [_Status, _str, P(ctypes.c_int64)]),
    "psjob_status_get_f64": (_c_result, [_Status, _str, P(ctypes.c_double)]),
    "psjob_status_get_bool": (_c_result, [_Status, _str, P(ctypes.c_bool)]),
    "psjob_status_get_len": (_c_result, [_Status, _str, P(_size)]),
    "psjob_status_get_json": (_c_result, [_Status, _str, _c_char_pp]),
    # wait options
    "psjob_wait_options_new": (_WaitOptions, []),
    "psjob_wait_options_free": (None, [_WaitOptions]),
    "psjob_wait_options_set_interval_ms": (_c_result, [_WaitOptions, ctypes.c_uint32]),
    "psjob_wait_options_set_max_interval_ms": (_c_result, [_WaitOptions, ctypes.c_uint32]),
    "psjob_wait_options_set_timeout_ms": (_c_result, [_WaitOptions, ctypes.c_uint64]),
    "psjob_wait_options_set_cancel": (_c_result, [_WaitOptions, _Cancel]),
    "psjob_wait_options_set_progress": (_c_result, [_WaitOptions, PROGRESS_FN, ctypes.c_void_p]),
}

for _name, (_restype, _argtypes) in PROTOTYPES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _restype
    _fn.argtypes = _argtypes
del _name, _restype, _argtypes, _fn

# ---------------------------------------------------------------------------
# Errors


def _text(b):
    """bytes from the library -> str (None stays None)."""
    return None if b is None else b.decode("utf-8", "replace")


def _arg(s, what="argument"):
    """A str (or bytes) argument -> NUL-terminated UTF-8 bytes."""
    if isinstance(s, str):
        s = s.encode("utf-8")
    elif not isinstance(s, (bytes, bytearray)):
        raise TypeError("%s must be str or bytes, not %s" % (what, type(s).__name__))
    if b"\0" in s:
        raise PsjobError(Result.INVALID_ARGUMENT, 0, "%s contains a NUL character" % what)
    return bytes(s)


class PsjobError(Exception):
    """A failed psjob call.

    ``code`` is the :class:`Result` (a plain int if the library ever returns a
    number this binding does not know), ``code_name`` the library's name for
    it (``"PSJOB_ERR_NOT_FOUND"``), ``http_status`` the HTTP status of the
    response involved (0 if none) and ``message`` the library's message,
    all read right after the failing call, on the same thread.
    """

    def __init__(self, code, http_status, message):
        try:
            code = Result(code)
        except ValueError:
            code = int(code)
        self.code = code
        self.code_name = _text(lib.psjob_result_name(int(code)))
        self.http_status = int(http_status)
        self.message = message
        super().__init__(code, http_status, message)

    @classmethod
    def last(cls, code):
        """The error of the last failed call on this thread."""
        return cls(code, lib.psjob_last_http_status(), _text(lib.psjob_last_error()))

    def __str__(self):
        if self.http_status:
            return "%s (HTTP %d): %s" % (self.code_name, self.http_status, self.message)
        return "%s: %s" % (self.code_name, self.message)

    def __repr__(self):
        return "PsjobError(%s, http_status=%d, message=%r)" % (
            self.code_name,
            self.http_status,
            self.message,
        )


def _check(rc):
    if rc != Result.OK:
        raise PsjobError.last(rc)


def version():
    """The library's version, "MAJOR.MINOR.PATCH"."""
    return _text(lib.psjob_version())


def result_name(code):
    return _text(lib.psjob_result_name(int(code)))


def state_name(state):
    return _text(lib.psjob_state_name(int(state)))


def is_terminal(state):
    return bool(lib.psjob_state_is_terminal(int(state)))


def _state(n):
    try:
        return State(n)
    except ValueError:
        return State.UNKNOWN


class _Handle:
    """An owned C handle, freed once by close() / the context manager / GC."""

    _free = None  # name of the C free function
    _kind = "handle"

    def __init__(self, ptr):
        if not ptr:
            raise MemoryError("psjob: out of memory")
        self._ptr = ptr

    def _p(self):
        if self._ptr is None:
            raise ValueError("psjob: this %s is closed" % self._kind)
        return self._ptr

    @property
    def closed(self):
        return self._ptr is None

    def close(self):
        """Frees the C handle now. Idempotent."""
        ptr, self._ptr = getattr(self, "_ptr", None), None
        if ptr is not None and self._free is not None:
            getattr(lib, self._free)(ptr)

    def __enter__(self):
        self._p()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass


# ---------------------------------------------------------------------------
# Status documents (outputs, renditions and errors are plain data)


class Rendition:
    """One file of an output."""

    __slots__ = ("href", "storage", "type", "width")

    def __init__(self, href=None, storage=None, type=None, width=None):
        self.href = href  #: URL, or None (e.g. an embedded v2 result)
        self.storage = storage  #: "external", "adobe", ..., or None
        self.type = type  #: media type, or None
        self.width = width  #: pixels (0: full size), or None if absent

    def __repr__(self):
        return "Rendition(href=%r, type=%r, width=%r)" % (self.href, self.type, self.width)


class JobError:
    """One error of an output; ``details`` is a list of (name, reason) tuples."""

    __slots__ = ("code", "type", "title", "details")

    def __init__(self, code=None, type=None, title=None, details=()):
        self.code = code
        self.type = type
        self.title = title
        self.details = list(details)

    def __repr__(self):
        return "JobError(code=%r, type=%r, title=%r)" % (self.code, self.type, self.title)


class Output:
    """One output of a job."""

    __slots__ = ("input", "status", "state", "created", "modified", "renditions", "errors")

    def __init__(self, ptr):
        self.input = _text(lib.psjob_output_input(ptr))
        self.status = _text(lib.psjob_output_status(ptr))  #: raw status string
        self.state = _state(lib.psjob_output_state(ptr))
        self.created = _text(lib.psjob_output_created(ptr))
        self.modified = _text(lib.psjob_output_modified(ptr))
        self.renditions = []
        for i in range(lib.psjob_output_rendition_count(ptr)):
            r = lib.psjob_output_rendition(ptr, i)
            width = lib.psjob_rendition_width(r)
            self.renditions.append(
                Rendition(
                    _text(lib.psjob_rendition_href(r)),
                    _text(lib.psjob_rendition_storage(r)),
                    _text(lib.psjob_rendition_type(r)),
                    None if width < 0 else width,
                )
            )
        self.errors = []
        for i in range(lib.psjob_output_error_count(ptr)):
            e = lib.psjob_output_error(ptr, i)
            details = [
                (
                    _text(lib.psjob_job_error_detail_name(e, j)),
                    _text(lib.psjob_job_error_detail_reason(e, j)),
                )
                for j in range(lib.psjob_job_error_detail_count(e))
            ]
            self.errors.append(
                JobError(
                    _text(lib.psjob_job_error_code(e)),
                    _text(lib.psjob_job_error_type(e)),
                    _text(lib.psjob_job_error_title(e)),
                    details,
                )
            )

    def __repr__(self):
        return "Output(state=%s, renditions=%d, errors=%d)" % (
            self.state.name,
            len(self.renditions),
            len(self.errors),
        )


_MISSING = object()


class Status(_Handle):
    """A parsed status document (owns its C handle).

    ``outputs`` (with their renditions and errors) are copied into Python
    objects, so they stay usable after the status is closed. The Status given
    to a progress callback is borrowed: it is closed when the callback
    returns (keep ``Status.parse(status.json_bytes)`` if you need it later).
    """

    _free = "psjob_status_free"
    _kind = "status"

    def __init__(self, ptr, owned=True):
        super().__init__(ptr)
        self._owned = owned
        if not owned:
            self._free = None  # borrowed: never freed here
        self._outputs = None

    @classmethod
    def parse(cls, data):
        """Parses any status shape from str or bytes; PsjobError(PARSE) if it is not one."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        data = bytes(data)
        out = _Status()
        _check(lib.psjob_status_parse(data, len(data), ctypes.byref(out)))
        return cls(out)

    # --- the job
    @property
    def state(self):
        return _state(lib.psjob_status_state(self._p()))

    @property
    def state_name(self):
        return state_name(self.state)

    @property
    def is_terminal(self):
        return is_terminal(self.state)

    @property
    def job_id(self):
        return _text(lib.psjob_status_job_id(self._p()))

    @property
    def self_href(self):
        return _text(lib.psjob_status_self_href(self._p()))

    @property
    def http_status(self):
        return lib.psjob_status_http_status(self._p())

    @property
    def json_bytes(self):
        """The raw body as received."""
        n = _size(0)
        p = lib.psjob_status_json(self._p(), ctypes.byref(n))
        return ctypes.string_at(p, n.value) if p else b""

    @property
    def json(self):
        """The raw body as received, as str."""
        return self.json_bytes.decode("utf-8")

    @property
    def outputs(self):
        """The outputs: a list of :class:`Output`."""
        if self._outputs is None:
            p = self._p()
            self._outputs = [
                Output(lib.psjob_status_output(p, i))
                for i in range(lib.psjob_status_output_count(p))
            ]
        return self._outputs

    # --- JSON Pointer getters: None (or `default`) for NO_VALUE, raise otherwise
    def _get(self, fn, pointer, out):
        rc = fn(self._p(), _arg(pointer, "pointer"), ctypes.byref(out))
        if rc == Result.NO_VALUE:
            return False
        _check(rc)
        return True

    def get_string(self, pointer, default=None):
        out = ctypes.c_char_p()
        return _text(out.value) if self._get(lib.psjob_status_get_string, pointer, out) else default

    def get_int(self, pointer, default=None):
        out = ctypes.c_int64()
        return out.value if self._get(lib.psjob_status_get_i64, pointer, out) else default

    def get_float(self, pointer, default=None):
        out = ctypes.c_double()
        return out.value if self._get(lib.psjob_status_get_f64, pointer, out) else default

    def get_bool(self, pointer, default=None):
        out = ctypes.c_bool()
        return bool(out.value) if self._get(lib.psjob_status_get_bool, pointer, out) else default

    def get_len(self, pointer, default=None):
        out = _size()
        return out.value if self._get(lib.psjob_status_get_len, pointer, out) else default

    def get_json(self, pointer, default=None):
        """The value re-serialized as compact JSON text."""
        out = ctypes.c_char_p()
        return _text(out.value) if self._get(lib.psjob_status_get_json, pointer, out) else default

    def get(self, pointer, default=None):
        """Any value at an RFC 6901 JSON Pointer, as a Python object (``json.loads``)."""
        text = self.get_json(pointer, _MISSING)
        return default if text is _MISSING else _json.loads(text)

    def __repr__(self):
        if self._ptr is None:
            return "Status(closed)"
        return "Status(job_id=%r, state=%s)" % (self.job_id, self.state.name)


# ---------------------------------------------------------------------------
# Configuration, cancel, client


def _log_adapter(fn):
    def trampoline(level, message, _user_data):
        try:
            fn(level, _text(message) or "")
        except Exception:  # never let an exception reach the C library
            pass

    return LOG_FN(trampoline)


class Config(_Handle):
    """Client settings. Keyword arguments call the matching setters::

    Config(token=..., api_key=..., org_id=..., user_agent=..., status_base_url=...,
           trusted_hosts=[...], timeout_ms=..., connect_timeout_ms=..., max_retries=...,
           max_body_bytes=..., client_credentials=(id, secret[, scopes]), ims_url=...,
           ca_file=..., proxy=..., log=callable(level, message), log_level=3)
    """

    _free = "psjob_config_free"
    _kind = "config"

    def __init__(self, **settings):
        super().__init__(lib.psjob_config_new())
        self._log = None  # the ctypes callback must outlive every client made
        log = settings.pop("log", None)
        log_level = settings.pop("log_level", LogLevel.INFO)
        try:
            for key, value in settings.items():
                if key == "trusted_hosts":
                    for host in value:
                        self.add_trusted_host(host)
                elif key == "client_credentials":
                    self.set_client_credentials(*value)
                else:
                    setter = getattr(self, "set_" + key, None)
                    if setter is None:
                        raise TypeError("Config: unknown setting %r" % key)
                    setter(value)
            if log is not None:
                self.set_log_callback(log, log_level)
        except BaseException:
            self.close()
            raise

    def _set(self, fn, *args):
        _check(fn(self._p(), *args))
        return self

    def set_api_key(self, v):
        return self._set(lib.psjob_config_set_api_key, _arg(v, "api_key"))

    def set_token(self, v):
        return self._set(lib.psjob_config_set_token, _arg(v, "token"))

    def set_org_id(self, v):
        return self._set(lib.psjob_config_set_org_id, _arg(v, "org_id"))

    def set_user_agent(self, v):
        return self._set(lib.psjob_config_set_user_agent, _arg(v, "user_agent"))

    def set_status_base_url(self, v):
        return self._set(lib.psjob_config_set_status_base_url, _arg(v, "status_base_url"))

    def add_trusted_host(self, v):
        return self._set(lib.psjob_config_add_trusted_host, _arg(v, "host"))

    def set_timeout_ms(self, ms):
        return self._set(lib.psjob_config_set_timeout_ms, ms)

    def set_connect_timeout_ms(self, ms):
        return self._set(lib.psjob_config_set_connect_timeout_ms, ms)

    def set_max_retries(self, n):
        return self._set(lib.psjob_config_set_max_retries, n)

    def set_max_body_bytes(self, n):
        return self._set(lib.psjob_config_set_max_body_bytes, n)

    def set_client_credentials(self, client_id, client_secret, scopes=None):
        return self._set(
            lib.psjob_config_set_client_credentials,
            _arg(client_id, "client_id"),
            _arg(client_secret, "client_secret"),
            None if scopes is None else _arg(scopes, "scopes"),
        )

    def set_ims_url(self, v):
        return self._set(lib.psjob_config_set_ims_url, _arg(v, "ims_url"))

    def set_ca_file(self, path):
        return self._set(lib.psjob_config_set_ca_file, _arg(os.fsencode(path), "ca_file"))

    def set_proxy(self, url):
        """None or "" means no proxy at all."""
        return self._set(lib.psjob_config_set_proxy, None if url is None else _arg(url, "proxy"))

    def set_log_callback(self, fn, max_level=LogLevel.INFO):
        """``fn(level, message)`` for log lines of level <= max_level; None removes it.

        It may be called from any thread that uses a client made from this
        config; exceptions it raises are ignored.
        """
        cb = None if fn is None else _log_adapter(fn)
        # LOG_FN() is a NULL function pointer: removes the callback.
        self._set(
            lib.psjob_config_set_log_callback,
            cb if cb is not None else LOG_FN(),
            None,
            int(max_level),
        )
        self._log = cb
        return self


class Cancel(_Handle):
    """A cancellation token: ``trigger()`` from any thread stops the waits holding it."""

    _free = "psjob_cancel_free"
    _kind = "cancel token"

    def __init__(self):
        super().__init__(lib.psjob_cancel_new())

    def trigger(self):
        lib.psjob_cancel_trigger(self._p())

    @property
    def triggered(self):
        return bool(lib.psjob_cancel_is_triggered(self._p()))


class _WaitOptions(_Handle):
    _free = "psjob_wait_options_free"
    _kind = "wait options"

    def __init__(self):
        super().__init__(lib.psjob_wait_options_new())


class Client(_Handle):
    """A thread-safe client: may be used from many threads at once."""

    _free = "psjob_client_free"
    _kind = "client"

    def __init__(self, config=None, **settings):
        """From a :class:`Config` (copied: it may be closed afterwards), or from
        keyword settings as :class:`Config` takes them, or all defaults."""
        if config is not None and settings:
            raise TypeError("Client: give a Config or keyword settings, not both")
        own = None
        if config is None and settings:
            config = own = Config(**settings)
        try:
            out = _Client()
            _check(lib.psjob_client_new(config._p() if config is not None else None, ctypes.byref(out)))
            # The client calls the config's log callback: keep it alive.
            self._log = config._log if config is not None else None
        finally:
            if own is not None:
                own.close()
        super().__init__(out)

    def set_token(self, token):
        """Replaces the access token from the next request on ("" clears it)."""
        _check(lib.psjob_client_set_token(self._p(), _arg(token, "token")))

    def get_status(self, url_or_job_id):
        """GETs a job's status once: a :class:`Status`."""
        out = _Status()
        _check(lib.psjob_client_get_status(self._p(), _arg(url_or_job_id, "url"), ctypes.byref(out)))
        return Status(out)

    def download(self, url, path):
        """Downloads ``url`` to the file ``path`` (atomically); returns the byte count."""
        n = ctypes.c_uint64()
        _check(
            lib.psjob_client_download(
                self._p(), _arg(url, "url"), _arg(os.fsencode(path), "path"), ctypes.byref(n)
            )
        )
        return n.value

    def wait(
        self,
        url_or_job_id,
        interval_ms=None,
        max_interval_ms=None,
        timeout_ms=None,
        progress=None,
        cancel=None,
    ):
        """Polls until the job is finished and returns its final :class:`Status`.

        ``progress(status)`` is called after every successful poll (the last
        included); a truthy return stops the wait (PsjobError CANCELLED,
        unless that status is terminal). An exception it raises stops the
        wait and is re-raised here. ``cancel`` is a :class:`Cancel`.
        Unset options keep the library's defaults (2000, 30000, 900000 ms).
        """
        client = self._p()
        url = _arg(url_or_job_id, "url")
        raised = []

        def trampoline(status_ptr, _user_data):
            view = Status(status_ptr, owned=False)
            try:
                return 1 if progress(view) else 0
            except BaseException as e:  # delivered after the C call returns
                raised.append(e)
                return 1
            finally:
                view._ptr = None  # borrowed: dead once the callback returns

        cb = PROGRESS_FN(trampoline) if progress is not None else None
        with _WaitOptions() as options:
            o = options._p()
            if interval_ms is not None:
                _check(lib.psjob_wait_options_set_interval_ms(o, interval_ms))
            if max_interval_ms is not None:
                _check(lib.psjob_wait_options_set_max_interval_ms(o, max_interval_ms))
            if timeout_ms is not None:
                _check(lib.psjob_wait_options_set_timeout_ms(o, timeout_ms))
            if cancel is not None:
                _check(lib.psjob_wait_options_set_cancel(o, cancel._p()))
            if cb is not None:
                _check(lib.psjob_wait_options_set_progress(o, cb, None))
            out = _Status()
            rc = lib.psjob_client_wait(client, url, o, ctypes.byref(out))
            error = PsjobError.last(rc) if rc != Result.OK else None
        status = Status(out) if rc == Result.OK else None
        if raised:
            if status is not None:
                status.close()
            raise raised[0]
        if error is not None:
            raise error
        return status
