/*
 * psjob.hpp: a header-only C++17 wrapper over the psjob C API (psjob.h).
 *
 * Link with the C library as usual (-lpsjob, or pkg-config psjob, or the
 * CMake target psjob::psjob); this header adds no symbols of its own.
 *
 * Design:
 * - Owning handles are RAII and move-only: psjob::Config, psjob::Client,
 *   psjob::Status, psjob::Cancel, psjob::WaitOptions. A moved-from handle is
 *   empty (`!handle`); using an empty handle throws psjob::Error with
 *   PSJOB_ERR_INVALID_ARGUMENT (accessors of an empty Status return their
 *   "absent" value, as the C API does for NULL).
 * - psjob::Output, psjob::Rendition, psjob::JobError and psjob::Detail are
 *   non-owning views borrowed from their psjob::Status: they (and every
 *   std::string_view they hand out) are valid exactly as long as the C
 *   document lives. Moving a Status moves the document, so views stay valid
 *   across moves; they dangle once the Status that owns it is destroyed or
 *   reset().
 * - A string field the C API documents as "NULL if absent" is returned as
 *   std::optional<std::string_view>: std::nullopt when absent, otherwise the
 *   (possibly empty) string. Use `.value_or("")` when absent and empty mean
 *   the same to you. Strings that are never NULL (psjob::version(), state
 *   names, Status::json()) are plain std::string_view.
 * - Every failing C call throws psjob::Error (derives std::runtime_error):
 *   code() is the psjob_result, http_status() and what()/message() come from
 *   psjob_last_http_status() / psjob_last_error() read right after the call.
 *   The JSON Pointer getters (Status::get_string, ...) return std::nullopt
 *   for PSJOB_ERR_NO_VALUE and throw for any other error (e.g. a malformed
 *   pointer).
 * - String arguments are taken as `const std::string &` (the C API needs a
 *   NUL terminator); a string with an embedded NUL character throws
 *   psjob::Error(PSJOB_ERR_INVALID_ARGUMENT) without calling the library.
 * - Callbacks are std::function. The progress callback of a wait returns
 *   true to stop waiting; an exception thrown by it stops the wait and is
 *   rethrown by Client::wait() (the C library never sees it). The log
 *   callback may be called from any thread that uses the client; an
 *   exception thrown by it is swallowed (there is nowhere to deliver it).
 * - Thread safety follows the C API: a Client may be used from many threads
 *   at once; a Status may be read from many threads at once; Config and
 *   WaitOptions must not be changed concurrently; WaitOptions may be shared
 *   read-only by concurrent waits; Cancel::trigger() works from any thread.
 */
#ifndef PSJOB_HPP
#define PSJOB_HPP

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "psjob.h"

namespace psjob {

/* ------------------------------------------------------------------ */
/* Version, names                                                      */
/* ------------------------------------------------------------------ */

/** The library's version, "MAJOR.MINOR.PATCH" (of the library loaded at run time). */
inline std::string_view version() noexcept { return psjob_version(); }

/** "PSJOB_ERR_TIMEOUT", ...; "PSJOB_ERR_UNKNOWN" for any other number. */
inline std::string_view result_name(int32_t code) noexcept { return psjob_result_name(code); }

/** "succeeded", ...; "unknown" for any other number. */
inline std::string_view state_name(int32_t state) noexcept { return psjob_state_name(state); }

/** True for SUCCEEDED, FAILED and PARTIAL_SUCCESS. */
inline bool is_terminal(int32_t state) noexcept { return psjob_state_is_terminal(state); }

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/** A failed psjob call: the result code, the HTTP status and the message. */
class Error : public std::runtime_error {
 public:
  Error(psjob_result code, int32_t http_status, const std::string &message)
      : std::runtime_error(message), code_(code), http_status_(http_status) {}

  /** Builds the error of the last failed call on this thread. */
  static Error last(psjob_result code) {
    const char *message = psjob_last_error();
    return Error(code, psjob_last_http_status(), message != nullptr ? message : "");
  }

  /** The psjob_result of the failed call (never PSJOB_OK). */
  psjob_result code() const noexcept { return code_; }
  /** Its name, e.g. "PSJOB_ERR_UNAUTHORIZED". */
  std::string_view code_name() const noexcept { return psjob_result_name(code_); }
  /** The HTTP status of the response involved, 0 when none was. */
  int32_t http_status() const noexcept { return http_status_; }
  /** The library's one-line message (the same text as what()). */
  std::string_view message() const noexcept { return what(); }

 private:
  psjob_result code_;
  int32_t http_status_;
};

namespace detail {

inline void check(psjob_result rc) {
  if (rc != PSJOB_OK) throw Error::last(rc);
}

/* Copies nothing: checks that `s` can be passed as a C string. */
inline const char *c_str(const std::string &s) {
  if (s.find('\0') != std::string::npos) {
    throw Error(PSJOB_ERR_INVALID_ARGUMENT, 0,
                "psjob: a string argument contains a NUL character");
  }
  return s.c_str();
}

inline std::optional<std::string_view> opt(const char *s) noexcept {
  if (s == nullptr) return std::nullopt;
  return std::string_view(s);
}

/* The exception a progress callback threw, per waiting thread, until
 * Client::wait() rethrows it. Saved and restored around each wait, so a wait
 * started from inside a callback does not lose its caller's. */
inline std::exception_ptr &pending_exception() noexcept {
  static thread_local std::exception_ptr pending;
  return pending;
}

class PendingScope {
 public:
  PendingScope() noexcept : saved_(std::move(pending_exception())) {
    pending_exception() = nullptr;
  }
  ~PendingScope() { pending_exception() = std::move(saved_); }
  PendingScope(const PendingScope &) = delete;
  PendingScope &operator=(const PendingScope &) = delete;
  std::exception_ptr take() noexcept {
    std::exception_ptr e = std::move(pending_exception());
    pending_exception() = nullptr;
    return e;
  }

 private:
  std::exception_ptr saved_;
};

/* A random-access-by-index range over borrowed items. Traits provide
 * parent_type, value_type, count(parent) and at(parent, i). */
template <class Traits>
class IndexRange {
 public:
  using parent_type = typename Traits::parent_type;
  using value_type = typename Traits::value_type;

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = typename Traits::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = value_type;

    iterator() noexcept = default;
    iterator(const parent_type *p, std::size_t i) noexcept : p_(p), i_(i) {}
    value_type operator*() const { return Traits::at(p_, i_); }
    iterator &operator++() noexcept {
      ++i_;
      return *this;
    }
    iterator operator++(int) noexcept {
      iterator old = *this;
      ++i_;
      return old;
    }
    friend bool operator==(const iterator &a, const iterator &b) noexcept {
      return a.p_ == b.p_ && a.i_ == b.i_;
    }
    friend bool operator!=(const iterator &a, const iterator &b) noexcept { return !(a == b); }

   private:
    const parent_type *p_ = nullptr;
    std::size_t i_ = 0;
  };

  explicit IndexRange(const parent_type *p) noexcept : p_(p), n_(Traits::count(p)) {}
  std::size_t size() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  iterator begin() const noexcept { return iterator(p_, 0); }
  iterator end() const noexcept { return iterator(p_, n_); }
  /** The `i`th item; throws std::out_of_range past the end. */
  value_type operator[](std::size_t i) const {
    if (i >= n_) throw std::out_of_range("psjob: index out of range");
    return Traits::at(p_, i);
  }

 private:
  const parent_type *p_;
  std::size_t n_;
};

}  // namespace detail

/* ------------------------------------------------------------------ */
/* Status documents                                                    */
/* ------------------------------------------------------------------ */

/** One {name, reason} detail of a JobError (view). */
struct Detail {
  std::optional<std::string_view> name;    /**< the offending parameter */
  std::optional<std::string_view> reason;  /**< why */
};

namespace detail {
struct DetailTraits {
  using parent_type = psjob_job_error;
  using value_type = Detail;
  static std::size_t count(const psjob_job_error *e) noexcept {
    return psjob_job_error_detail_count(e);
  }
  static Detail at(const psjob_job_error *e, std::size_t i) noexcept {
    return Detail{opt(psjob_job_error_detail_name(e, i)), opt(psjob_job_error_detail_reason(e, i))};
  }
};
}  // namespace detail

/** One error of an output: a view borrowed from its Status. */
class JobError {
 public:
  explicit JobError(const psjob_job_error *e) noexcept : e_(e) {}
  /** "code" or "errorCode" (numbers as decimal text). */
  std::optional<std::string_view> code() const noexcept { return detail::opt(psjob_job_error_code(e_)); }
  /** "InputValidationError", ... */
  std::optional<std::string_view> type() const noexcept { return detail::opt(psjob_job_error_type(e_)); }
  /** "title", else "message". */
  std::optional<std::string_view> title() const noexcept { return detail::opt(psjob_job_error_title(e_)); }
  /** The {name, reason} details; range-for works. */
  detail::IndexRange<detail::DetailTraits> details() const noexcept {
    return detail::IndexRange<detail::DetailTraits>(e_);
  }
  const psjob_job_error *get() const noexcept { return e_; }

 private:
  const psjob_job_error *e_;
};

/** One file of an output: a view borrowed from its Status. */
class Rendition {
 public:
  explicit Rendition(const psjob_rendition *r) noexcept : r_(r) {}
  /** The URL; nullopt e.g. for an embedded v2 result. */
  std::optional<std::string_view> href() const noexcept { return detail::opt(psjob_rendition_href(r_)); }
  /** "external", "adobe", "azure", ... */
  std::optional<std::string_view> storage() const noexcept {
    return detail::opt(psjob_rendition_storage(r_));
  }
  /** The media type. */
  std::optional<std::string_view> type() const noexcept { return detail::opt(psjob_rendition_type(r_)); }
  /** The width in pixels (0 means full size); nullopt if absent. */
  std::optional<int64_t> width() const noexcept {
    int64_t w = psjob_rendition_width(r_);
    if (w < 0) return std::nullopt;
    return w;
  }
  const psjob_rendition *get() const noexcept { return r_; }

 private:
  const psjob_rendition *r_;
};

namespace detail {
struct RenditionTraits {
  using parent_type = psjob_output;
  using value_type = Rendition;
  static std::size_t count(const psjob_output *o) noexcept { return psjob_output_rendition_count(o); }
  static Rendition at(const psjob_output *o, std::size_t i) noexcept {
    return Rendition(psjob_output_rendition(o, i));
  }
};
struct JobErrorTraits {
  using parent_type = psjob_output;
  using value_type = JobError;
  static std::size_t count(const psjob_output *o) noexcept { return psjob_output_error_count(o); }
  static JobError at(const psjob_output *o, std::size_t i) noexcept {
    return JobError(psjob_output_error(o, i));
  }
};
}  // namespace detail

/** One output of a job: a view borrowed from its Status. */
class Output {
 public:
  explicit Output(const psjob_output *o) noexcept : o_(o) {}
  /** The input URL or path. */
  std::optional<std::string_view> input() const noexcept { return detail::opt(psjob_output_input(o_)); }
  /** The raw status string as sent ("succeeded", "RUNNING", ...). */
  std::optional<std::string_view> status() const noexcept { return detail::opt(psjob_output_status(o_)); }
  psjob_state state() const noexcept { return psjob_output_state(o_); }
  std::optional<std::string_view> created() const noexcept { return detail::opt(psjob_output_created(o_)); }
  std::optional<std::string_view> modified() const noexcept {
    return detail::opt(psjob_output_modified(o_));
  }
  /** The files; range-for works. */
  detail::IndexRange<detail::RenditionTraits> renditions() const noexcept {
    return detail::IndexRange<detail::RenditionTraits>(o_);
  }
  /** The errors; range-for works. */
  detail::IndexRange<detail::JobErrorTraits> errors() const noexcept {
    return detail::IndexRange<detail::JobErrorTraits>(o_);
  }
  const psjob_output *get() const noexcept { return o_; }

 private:
  const psjob_output *o_;
};

namespace detail {
struct OutputTraits {
  using parent_type = psjob_status;
  using value_type = Output;
  static std::size_t count(const psjob_status *s) noexcept { return psjob_status_output_count(s); }
  static Output at(const psjob_status *s, std::size_t i) noexcept { return Output(psjob_status_output(s, i)); }
};
}  // namespace detail

/**
 * A parsed status document (owning, move-only). The Status handed to a
 * progress callback is borrowed for the duration of the call only: copy what
 * you need, or keep Status::parse(status.json()).
 */
class Status {
 public:
  /** An empty status (no document). */
  Status() noexcept = default;
  /** Adopts a psjob_status (may be NULL); frees it on destruction. */
  explicit Status(psjob_status *owned) noexcept : s_(owned), owned_(true) {}
  ~Status() { reset(); }
  Status(Status &&o) noexcept : s_(o.s_), owned_(o.owned_) {
    o.s_ = nullptr;
    o.owned_ = true;
  }
  Status &operator=(Status &&o) noexcept {
    if (this != &o) {
      reset();
      s_ = o.s_;
      owned_ = o.owned_;
      o.s_ = nullptr;
      o.owned_ = true;
    }
    return *this;
  }
  Status(const Status &) = delete;
  Status &operator=(const Status &) = delete;

  /** A non-owning Status over a borrowed handle (used for progress callbacks). */
  static Status borrow(const psjob_status *s) noexcept {
    Status v;
    v.s_ = const_cast<psjob_status *>(s);
    v.owned_ = false;
    return v;
  }

  /** Parses any status shape from a buffer; throws Error(PSJOB_ERR_PARSE, ...). */
  static Status parse(std::string_view json) {
    psjob_status *out = nullptr;
    const char *data = json.data() != nullptr ? json.data() : "";
    detail::check(psjob_status_parse(data, json.size(), &out));
    return Status(out);
  }

  explicit operator bool() const noexcept { return s_ != nullptr; }
  const psjob_status *get() const noexcept { return s_; }
  /** Gives up ownership: the caller frees the result with psjob_status_free(). */
  psjob_status *release() noexcept {
    psjob_status *s = s_;
    s_ = nullptr;
    owned_ = true;
    return s;
  }
  void reset() noexcept {
    if (owned_) psjob_status_free(s_);
    s_ = nullptr;
    owned_ = true;
  }

  psjob_state state() const noexcept { return psjob_status_state(s_); }
  std::string_view state_name() const noexcept { return psjob_state_name(state()); }
  bool is_terminal() const noexcept { return psjob_state_is_terminal(state()); }
  /** "jobId" / "jobID". */
  std::optional<std::string_view> job_id() const noexcept { return detail::opt(psjob_status_job_id(s_)); }
  /** "_links.self.href", else "statusUrl". */
  std::optional<std::string_view> self_href() const noexcept {
    return detail::opt(psjob_status_self_href(s_));
  }
  /** The raw body as received ("" for an empty Status). */
  std::string_view json() const noexcept {
    std::size_t len = 0;
    const char *p = psjob_status_json(s_, &len);
    return p != nullptr ? std::string_view(p, len) : std::string_view();
  }
  /** The HTTP status it came with; 0 when parsed from a buffer. */
  int32_t http_status() const noexcept { return psjob_status_http_status(s_); }

  /** The outputs; range-for works. */
  detail::IndexRange<detail::OutputTraits> outputs() const noexcept {
    return detail::IndexRange<detail::OutputTraits>(s_);
  }

  /* JSON Pointer getters (RFC 6901; "" is the whole document): nullopt for
   * PSJOB_ERR_NO_VALUE (absent, wrong type); throw Error otherwise. */
  std::optional<std::string_view> get_string(const std::string &pointer) const {
    const char *out = nullptr;
    if (!get_checked(psjob_status_get_string(s_, detail::c_str(pointer), &out))) return std::nullopt;
    return std::string_view(out);
  }
  std::optional<int64_t> get_i64(const std::string &pointer) const {
    int64_t out = 0;
    if (!get_checked(psjob_status_get_i64(s_, detail::c_str(pointer), &out))) return std::nullopt;
    return out;
  }
  std::optional<double> get_f64(const std::string &pointer) const {
    double out = 0;
    if (!get_checked(psjob_status_get_f64(s_, detail::c_str(pointer), &out))) return std::nullopt;
    return out;
  }
  std::optional<bool> get_bool(const std::string &pointer) const {
    bool out = false;
    if (!get_checked(psjob_status_get_bool(s_, detail::c_str(pointer), &out))) return std::nullopt;
    return out;
  }
  /** Elements of an array or members of an object. */
  std::optional<std::size_t> get_len(const std::string &pointer) const {
    std::size_t out = 0;
    if (!get_checked(psjob_status_get_len(s_, detail::c_str(pointer), &out))) return std::nullopt;
    return out;
  }
  /** The value re-serialized as compact JSON. */
  std::optional<std::string_view> get_json(const std::string &pointer) const {
    const char *out = nullptr;
    if (!get_checked(psjob_status_get_json(s_, detail::c_str(pointer), &out))) return std::nullopt;
    return std::string_view(out);
  }

 private:
  static bool get_checked(psjob_result rc) {
    if (rc == PSJOB_OK) return true;
    if (rc == PSJOB_ERR_NO_VALUE) return false;
    throw Error::last(rc);
  }

  psjob_status *s_ = nullptr;
  bool owned_ = true;
};

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

/** Log levels of the log callback. */
enum class LogLevel : int32_t { Off = 0, Error = 1, Warn = 2, Info = 3, Debug = 4 };

/** A log callback: level 1 error .. 4 debug, one line valid during the call. */
using LogFunction = std::function<void(int32_t level, std::string_view message)>;

namespace detail {
inline void log_trampoline(int32_t level, const char *message, void *user_data) noexcept {
  try {
    const auto *fn = static_cast<const LogFunction *>(user_data);
    if (fn != nullptr && *fn) (*fn)(level, message != nullptr ? message : "");
  } catch (...) {
    /* Nowhere to deliver it: swallowed (documented). */
  }
}
}  // namespace detail

/** Client settings (owning, move-only). Setters return *this for chaining. */
class Config {
 public:
  /** The defaults; throws std::bad_alloc if memory ran out. */
  Config() : c_(psjob_config_new()), log_() {
    if (c_ == nullptr) throw std::bad_alloc();
  }
  ~Config() { psjob_config_free(c_); }
  Config(Config &&o) noexcept : c_(std::exchange(o.c_, nullptr)), log_(std::move(o.log_)) {}
  Config &operator=(Config &&o) noexcept {
    if (this != &o) {
      psjob_config_free(c_);
      c_ = std::exchange(o.c_, nullptr);
      log_ = std::move(o.log_);
    }
    return *this;
  }
  Config(const Config &) = delete;
  Config &operator=(const Config &) = delete;

  explicit operator bool() const noexcept { return c_ != nullptr; }
  const psjob_config *get() const noexcept { return c_; }
  psjob_config *get() noexcept { return c_; }

  Config &set_api_key(const std::string &v) {
    detail::check(psjob_config_set_api_key(c_, detail::c_str(v)));
    return *this;
  }
  Config &set_token(const std::string &v) {
    detail::check(psjob_config_set_token(c_, detail::c_str(v)));
    return *this;
  }
  Config &set_org_id(const std::string &v) {
    detail::check(psjob_config_set_org_id(c_, detail::c_str(v)));
    return *this;
  }
  Config &set_user_agent(const std::string &v) {
    detail::check(psjob_config_set_user_agent(c_, detail::c_str(v)));
    return *this;
  }
  Config &set_status_base_url(const std::string &v) {
    detail::check(psjob_config_set_status_base_url(c_, detail::c_str(v)));
    return *this;
  }
  Config &add_trusted_host(const std::string &v) {
    detail::check(psjob_config_add_trusted_host(c_, detail::c_str(v)));
    return *this;
  }
  Config &set_timeout_ms(uint32_t ms) {
    detail::check(psjob_config_set_timeout_ms(c_, ms));
    return *this;
  }
  Config &set_connect_timeout_ms(uint32_t ms) {
    detail::check(psjob_config_set_connect_timeout_ms(c_, ms));
    return *this;
  }
  Config &set_max_retries(uint32_t n) {
    detail::check(psjob_config_set_max_retries(c_, n));
    return *this;
  }
  Config &set_max_body_bytes(uint64_t n) {
    detail::check(psjob_config_set_max_body_bytes(c_, n));
    return *this;
  }
  /** OAuth client credentials; `scopes` nullopt: the library's default. */
  Config &set_client_credentials(const std::string &client_id, const std::string &client_secret,
                                 const std::optional<std::string> &scopes = std::nullopt) {
    detail::check(psjob_config_set_client_credentials(
        c_, detail::c_str(client_id), detail::c_str(client_secret),
        scopes ? detail::c_str(*scopes) : nullptr));
    return *this;
  }
  Config &set_ims_url(const std::string &v) {
    detail::check(psjob_config_set_ims_url(c_, detail::c_str(v)));
    return *this;
  }
  Config &set_ca_file(const std::string &pem_path) {
    detail::check(psjob_config_set_ca_file(c_, detail::c_str(pem_path)));
    return *this;
  }
  /** "" (or set_no_proxy()) means no proxy at all. */
  Config &set_proxy(const std::string &url) {
    detail::check(psjob_config_set_proxy(c_, detail::c_str(url)));
    return *this;
  }
  Config &set_no_proxy() {
    detail::check(psjob_config_set_proxy(c_, nullptr));
    return *this;
  }
  /**
   * Sends log lines of level <= max_level (1 error .. 4 debug) to `fn`, which
   * may be called from any thread using a client made from this config (so
   * it must be thread-safe). An empty `fn` removes the callback. Clients
   * already made keep the callback they were made with.
   */
  Config &set_log_callback(LogFunction fn, int32_t max_level = 3) {
    if (!fn) {
      detail::check(psjob_config_set_log_callback(c_, nullptr, nullptr, max_level));
      log_.reset();
      return *this;
    }
    auto holder = std::make_shared<LogFunction>(std::move(fn));
    detail::check(
        psjob_config_set_log_callback(c_, &detail::log_trampoline, holder.get(), max_level));
    log_ = std::move(holder);
    return *this;
  }
  Config &set_log_callback(LogFunction fn, LogLevel max_level) {
    return set_log_callback(std::move(fn), static_cast<int32_t>(max_level));
  }

 private:
  friend class Client;
  psjob_config *c_;
  std::shared_ptr<LogFunction> log_;
};

/* ------------------------------------------------------------------ */
/* Waiting                                                             */
/* ------------------------------------------------------------------ */

/** A cancellation token (owning, move-only); trigger() from any thread. */
class Cancel {
 public:
  Cancel() : c_(psjob_cancel_new()) {
    if (c_ == nullptr) throw std::bad_alloc();
  }
  ~Cancel() { psjob_cancel_free(c_); }
  Cancel(Cancel &&o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  Cancel &operator=(Cancel &&o) noexcept {
    if (this != &o) {
      psjob_cancel_free(c_);
      c_ = std::exchange(o.c_, nullptr);
    }
    return *this;
  }
  Cancel(const Cancel &) = delete;
  Cancel &operator=(const Cancel &) = delete;

  explicit operator bool() const noexcept { return c_ != nullptr; }
  const psjob_cancel *get() const noexcept { return c_; }
  /** Stops every wait holding this token (within 50 ms). Idempotent. */
  void trigger() const noexcept { psjob_cancel_trigger(c_); }
  bool is_triggered() const noexcept { return psjob_cancel_is_triggered(c_); }

 private:
  psjob_cancel *c_;
};

/** Progress callback of a wait: return true to stop waiting. */
using ProgressFunction = std::function<bool(const Status &)>;

namespace detail {
inline int32_t progress_trampoline(const psjob_status *status, void *user_data) noexcept {
  try {
    const auto *fn = static_cast<const ProgressFunction *>(user_data);
    if (fn == nullptr || !*fn) return 0;
    const Status view = Status::borrow(status);
    return (*fn)(view) ? 1 : 0;
  } catch (...) {
    pending_exception() = std::current_exception();
    return 1;
  }
}
}  // namespace detail

/** Wait settings (owning, move-only). Setters return *this for chaining. */
class WaitOptions {
 public:
  WaitOptions() : o_(psjob_wait_options_new()), progress_() {
    if (o_ == nullptr) throw std::bad_alloc();
  }
  ~WaitOptions() { psjob_wait_options_free(o_); }
  WaitOptions(WaitOptions &&o) noexcept
      : o_(std::exchange(o.o_, nullptr)), progress_(std::move(o.progress_)) {}
  WaitOptions &operator=(WaitOptions &&o) noexcept {
    if (this != &o) {
      psjob_wait_options_free(o_);
      o_ = std::exchange(o.o_, nullptr);
      progress_ = std::move(o.progress_);
    }
    return *this;
  }
  WaitOptions(const WaitOptions &) = delete;
  WaitOptions &operator=(const WaitOptions &) = delete;

  explicit operator bool() const noexcept { return o_ != nullptr; }
  const psjob_wait_options *get() const noexcept { return o_; }

  /** First sleep between polls (default 2000 ms; 0 throws). */
  WaitOptions &set_interval_ms(uint32_t ms) {
    detail::check(psjob_wait_options_set_interval_ms(o_, ms));
    return *this;
  }
  /** Longest sleep; the interval grows x1.5 per poll up to it (default 30000). */
  WaitOptions &set_max_interval_ms(uint32_t ms) {
    detail::check(psjob_wait_options_set_max_interval_ms(o_, ms));
    return *this;
  }
  /** Overall deadline (default 900000 ms; 0 = none). */
  WaitOptions &set_timeout_ms(uint64_t ms) {
    detail::check(psjob_wait_options_set_timeout_ms(o_, ms));
    return *this;
  }
  /** The options keep their own reference: `cancel` may be destroyed first. */
  WaitOptions &set_cancel(const Cancel &cancel) {
    detail::check(psjob_wait_options_set_cancel(o_, cancel.get()));
    return *this;
  }
  WaitOptions &clear_cancel() {
    detail::check(psjob_wait_options_set_cancel(o_, nullptr));
    return *this;
  }
  /**
   * Called on the waiting thread after every successful poll (the last
   * included) with the status just fetched, borrowed for the call. Return
   * true to stop (Error PSJOB_ERR_CANCELLED, unless that status is terminal:
   * then the wait returns it). An exception stops the wait and is rethrown
   * by Client::wait(). An empty function clears the callback.
   */
  WaitOptions &set_progress(ProgressFunction fn) {
    if (!fn) {
      detail::check(psjob_wait_options_set_progress(o_, nullptr, nullptr));
      progress_.reset();
      return *this;
    }
    auto holder = std::make_unique<ProgressFunction>(std::move(fn));
    detail::check(
        psjob_wait_options_set_progress(o_, &detail::progress_trampoline, holder.get()));
    progress_ = std::move(holder);
    return *this;
  }

 private:
  psjob_wait_options *o_;
  std::unique_ptr<ProgressFunction> progress_;
};

/* ------------------------------------------------------------------ */
/* Client                                                              */
/* ------------------------------------------------------------------ */

/** A thread-safe client (owning, move-only). */
class Client {
 public:
  /** A client with all defaults. */
  Client() : log_() {
    psjob_client *out = nullptr;
    detail::check(psjob_client_new(nullptr, &out));
    c_ = out;
  }
  /** A client from a copy of `config` (which may be destroyed afterwards). */
  explicit Client(const Config &config) : log_(config.log_) {
    if (!config) {
      /* psjob_client_new(NULL) would mean defaults: refuse a moved-from Config. */
      throw Error(PSJOB_ERR_INVALID_ARGUMENT, 0, "psjob: empty (moved-from) Config");
    }
    psjob_client *out = nullptr;
    detail::check(psjob_client_new(config.get(), &out));
    c_ = out;
  }
  ~Client() { psjob_client_free(c_); }
  Client(Client &&o) noexcept : c_(std::exchange(o.c_, nullptr)), log_(std::move(o.log_)) {}
  Client &operator=(Client &&o) noexcept {
    if (this != &o) {
      psjob_client_free(c_);
      c_ = std::exchange(o.c_, nullptr);
      log_ = std::move(o.log_);
    }
    return *this;
  }
  Client(const Client &) = delete;
  Client &operator=(const Client &) = delete;

  explicit operator bool() const noexcept { return c_ != nullptr; }
  psjob_client *get() const noexcept { return c_; }

  /** Replaces the access token from the next request on ("" clears it). */
  void set_token(const std::string &token) {
    detail::check(psjob_client_set_token(c_, detail::c_str(token)));
  }

  /** GETs a job's status once (absolute URL or job id). */
  Status get_status(const std::string &url_or_job_id) {
    psjob_status *out = nullptr;
    detail::check(psjob_client_get_status(c_, detail::c_str(url_or_job_id), &out));
    return Status(out);
  }

  /** Downloads `url` to `path` (atomically); returns the byte count. */
  uint64_t download(const std::string &url, const std::string &path) {
    uint64_t bytes = 0;
    detail::check(psjob_client_download(c_, detail::c_str(url), detail::c_str(path), &bytes));
    return bytes;
  }

  /**
   * Polls until the job is finished and returns its final status (read
   * state(): succeeded, failed or partial). Throws Error on deadline,
   * cancel, a true return from the progress callback, and non-retryable
   * errors; rethrows an exception thrown by the progress callback.
   */
  Status wait(const std::string &url_or_job_id, const WaitOptions &options) {
    return wait_impl(url_or_job_id, options.get(), true);
  }
  /** wait() with the default options. */
  Status wait(const std::string &url_or_job_id) { return wait_impl(url_or_job_id, nullptr, false); }

 private:
  Status wait_impl(const std::string &url_or_job_id, const psjob_wait_options *o, bool need_o) {
    const char *url = detail::c_str(url_or_job_id);
    if (need_o && o == nullptr) {
      /* A moved-from WaitOptions: refuse rather than silently use defaults. */
      throw Error(PSJOB_ERR_INVALID_ARGUMENT, 0, "psjob: empty (moved-from) WaitOptions");
    }
    detail::PendingScope scope;
    psjob_status *out = nullptr;
    psjob_result rc = psjob_client_wait(c_, url, o, &out);
    if (rc != PSJOB_OK) {
      Error e = Error::last(rc);
      if (std::exception_ptr thrown = scope.take()) std::rethrow_exception(thrown);
      throw e;
    }
    Status result(out);
    if (std::exception_ptr thrown = scope.take()) std::rethrow_exception(thrown);
    return result;
  }

  psjob_client *c_ = nullptr;
  std::shared_ptr<LogFunction> log_;
};

}  // namespace psjob

#endif /* PSJOB_HPP */
