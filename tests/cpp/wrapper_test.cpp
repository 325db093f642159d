// Tests of include/psjob.hpp, the C++17 wrapper, against the real library
// and the mock service (PSJOB_MOCK_URL). Run by tests/bindings.rs; prints
// "N passed, N failed" and exits non-zero on any failure.
#include "psjob.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

int passed = 0;
int failed = 0;

void check(bool cond, const char *what, int line) {
  if (cond) {
    ++passed;
  } else {
    ++failed;
    std::fprintf(stderr, "wrapper_test.cpp:%d: CHECK failed: %s\n", line, what);
  }
}
#define CHECK(cond) check((cond), #cond, __LINE__)

// Runs `body`, which must throw psjob::Error with `code`; returns it for
// further checks (a default error if nothing or something else was thrown).
template <class F>
psjob::Error expect_error(F body, psjob_result code, int line) {
  try {
    body();
  } catch (const psjob::Error &e) {
    check(e.code() == code, "expected error code", line);
    if (e.code() != code) {
      std::fprintf(stderr, "  got %s (%s), expected %s\n", std::string(e.code_name()).c_str(),
                   e.what(), psjob_result_name(code));
    }
    return e;
  } catch (const std::exception &e) {
    check(false, "threw psjob::Error", line);
    std::fprintf(stderr, "  threw another exception: %s\n", e.what());
    return psjob::Error(PSJOB_ERR_INTERNAL, 0, "");
  }
  check(false, "threw at all", line);
  std::fprintf(stderr, "  expected %s, nothing was thrown\n", psjob_result_name(code));
  return psjob::Error(PSJOB_ERR_INTERNAL, 0, "");
}
#define EXPECT_ERROR(code, ...) expect_error([&] { __VA_ARGS__; }, (code), __LINE__)

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

std::string env(const char *name, const char *fallback = "") {
  const char *v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

std::string read_fixture(const std::string &name) {
  std::ifstream in(env("PSJOB_FIXTURES", "tests/fixtures") + "/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string mock() { return env("PSJOB_MOCK_URL"); }

psjob::Config mock_config(const std::string &token = "mock-token") {
  psjob::Config config;
  config.set_token(token)
      .set_api_key("mock-key")
      .set_status_base_url(mock() + "/v2/status/")
      .set_no_proxy();
  return config;
}

// ---------------------------------------------------------------------------

void test_types() {
  static_assert(!std::is_copy_constructible_v<psjob::Status>);
  static_assert(!std::is_copy_assignable_v<psjob::Status>);
  static_assert(std::is_nothrow_move_constructible_v<psjob::Status>);
  static_assert(std::is_nothrow_move_assignable_v<psjob::Status>);
  static_assert(!std::is_copy_constructible_v<psjob::Config>);
  static_assert(std::is_nothrow_move_constructible_v<psjob::Config>);
  static_assert(!std::is_copy_constructible_v<psjob::Client>);
  static_assert(std::is_nothrow_move_constructible_v<psjob::Client>);
  static_assert(!std::is_copy_constructible_v<psjob::Cancel>);
  static_assert(std::is_nothrow_move_constructible_v<psjob::Cancel>);
  static_assert(!std::is_copy_constructible_v<psjob::WaitOptions>);
  static_assert(std::is_nothrow_move_constructible_v<psjob::WaitOptions>);
  static_assert(std::is_base_of_v<std::runtime_error, psjob::Error>);
  static_assert(std::is_same_v<decltype(std::declval<psjob::Error>().code()), psjob_result>);
  // Views are cheap values.
  static_assert(std::is_trivially_copyable_v<psjob::Output>);
  static_assert(std::is_trivially_copyable_v<psjob::Rendition>);
  static_assert(std::is_trivially_copyable_v<psjob::JobError>);
  CHECK(true);
}

void test_version() {
  CHECK(psjob::version() == PSJOB_VERSION);
  CHECK(psjob::result_name(PSJOB_ERR_NOT_FOUND) == "PSJOB_ERR_NOT_FOUND");
  CHECK(psjob::result_name(99) == "PSJOB_ERR_UNKNOWN");
  CHECK(psjob::state_name(PSJOB_STATE_PARTIAL_SUCCESS) == "partial_success");
  CHECK(psjob::is_terminal(PSJOB_STATE_FAILED));
  CHECK(!psjob::is_terminal(PSJOB_STATE_RUNNING));
}

void test_parse_and_ranges() {
  const std::string text = read_fixture("v1_renditions.json");
  CHECK(!text.empty());
  psjob::Status s = psjob::Status::parse(text);
  CHECK(static_cast<bool>(s));
  CHECK(s.job_id() == std::string_view("f54e0fcb-1111-2222-3333-de0d17dc2b67"));
  CHECK(s.self_href().has_value() && contains(*s.self_href(), "/pie/psdService/status/"));
  CHECK(s.state() == PSJOB_STATE_RUNNING);
  CHECK(s.state_name() == "running");
  CHECK(!s.is_terminal());
  CHECK(s.http_status() == 0);
  CHECK(s.json() == text);
  CHECK(s.outputs().size() == 3);

  std::vector<std::string> inputs;
  std::vector<std::string> hrefs;
  std::vector<int64_t> widths;
  int errors = 0;
  for (psjob::Output o : s.outputs()) {
    inputs.emplace_back(o.input().value_or(""));
    for (const psjob::Rendition r : o.renditions()) {
      hrefs.emplace_back(r.href().value_or("?"));
      widths.push_back(r.width().value_or(-1));
    }
    for (const auto &e : o.errors()) {
      ++errors;
      CHECK(e.code() == std::string_view("400"));
      CHECK(e.type() == std::string_view("InputValidationError"));
      CHECK(e.title() == std::string_view("request has invalid parameters"));
      CHECK(e.details().size() == 1);
      for (const psjob::Detail &d : e.details()) {
        CHECK(d.name == std::string_view("outputs[0].storage"));
        CHECK(d.reason.has_value() && contains(*d.reason, "external, azure"));
      }
    }
  }
  CHECK((inputs == std::vector<std::string>{"https://in.example/a.psd", "https://in.example/b.psd",
                                            "https://in.example/c.psd"}));
  CHECK((hrefs == std::vector<std::string>{"https://out.example/a.jpg?sig=1",
                                           "https://out.example/a.png?sig=2"}));
  CHECK((widths == std::vector<int64_t>{512, -1}));
  CHECK(errors == 1);

  // Indexing, absent fields as nullopt.
  psjob::Output second = s.outputs()[1];
  CHECK(second.state() == PSJOB_STATE_RUNNING);
  CHECK(second.status() == std::string_view("running"));
  CHECK(!second.created().has_value());
  CHECK(second.renditions().empty());
  CHECK(s.outputs()[0].renditions()[0].storage() == std::string_view("external"));
  CHECK(s.outputs()[0].renditions()[0].type() == std::string_view("image/jpeg"));
  bool threw = false;
  try {
    (void)s.outputs()[3];
  } catch (const std::out_of_range &) {
    threw = true;
  }
  CHECK(threw);

  // JSON Pointer getters: value, nullopt for NO_VALUE, throw otherwise.
  CHECK(s.get_string("/outputs/0/input") == std::string_view("https://in.example/a.psd"));
  CHECK(s.get_i64("/outputs/0/_links/renditions/0/width") == 512);
  CHECK(s.get_f64("/outputs/0/_links/renditions/0/width") == 512.0);
  CHECK(s.get_bool("/outputs/0/_links/renditions/1/trimToCanvas") == false);
  CHECK(s.get_len("/outputs") == std::size_t{3});
  CHECK(s.get_json("/outputs/0/_links/renditions/1/layers") == std::string_view("[{\"id\":1}]"));
  CHECK(!s.get_string("/nope").has_value());
  CHECK(!s.get_i64("/outputs/0/input").has_value());
  CHECK(!s.get_bool("/outputs").has_value());
  psjob::Error e = EXPECT_ERROR(PSJOB_ERR_INVALID_ARGUMENT, (void)s.get_string("no-slash"));
  CHECK(!e.message().empty());
  CHECK(e.message() == psjob_last_error());
  CHECK(e.http_status() == 0);
  e = EXPECT_ERROR(PSJOB_ERR_INVALID_ARGUMENT, (void)s.get_string(std::string("/a\0b", 4)));
  CHECK(contains(e.what(), "NUL"));
}

void test_raii_and_moves() {
  psjob::Status a = psjob::Status::parse(read_fixture("v2_succeeded.json"));
  const psjob_status *raw = a.get();
  psjob::Output view = a.outputs()[0];
  psjob::Status b = std::move(a);
  CHECK(!a);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  CHECK(b.get() == raw);
  CHECK(view.renditions().size() == 3);  // views survive a move of their Status
  // An empty Status answers like the C API does for NULL.
  CHECK(a.state() == PSJOB_STATE_UNKNOWN);
  CHECK(a.outputs().empty());
  CHECK(a.json().empty());
  CHECK(!a.job_id().has_value());
  EXPECT_ERROR(PSJOB_ERR_INVALID_ARGUMENT, (void)a.get_string(""));
  a = std::move(b);
  CHECK(a.get() == raw && !b);
  // release() hands the handle over; the caller frees it.
  psjob_status *released = a.release();
  CHECK(released == raw && !a);
  psjob::Status adopted(released);
  CHECK(adopted.state() == PSJOB_STATE_SUCCEEDED);
  adopted.reset();
  CHECK(!adopted);
  // Self-move-assignment keeps the handle.
  psjob::Status c = psjob::Status::parse("{\"jobId\":\"x\"}");
  psjob::Status &alias = c;
  c = std::move(alias);
  CHECK(c.job_id() == std::string_view("x"));

  psjob::Config cfg;
  cfg.set_token("mock-token");
  psjob::Config cfg2 = std::move(cfg);
  CHECK(!cfg && static_cast<bool>(cfg2));
  EXPECT_ERROR(PSJOB_ERR_INVALID_ARGUMENT, cfg.set_token("t"));
  EXPECT_ERROR(PSJOB_ERR_INVALID_ARGUMENT, psjob::Client client(cfg));
  psjob::Client c1(cfg2);
  psjob::Client c2 = std::move(c1);
  CHECK(!c1 && static_cast<bool>(c2));
  EXPECT_ERROR(PSJOB_ERR_INVALID_ARGUMENT, (void)c1.get_status("quick-x"));

  psjob::Cancel k1;
  psjob::Cancel k2 = std::move(k1);
  CHECK(!k1 && !k2.is_triggered());
  k1.trigger();  // no-op on an empty token
  k2.trigger();
  CHECK(k2.is_triggered());

  psjob::WaitOptions w1;
  psjob::WaitOptions w2 = std::move(w1);
  CHECK(!w1 && static_cast<bool>(w2));
  EXPECT_ERROR(PSJOB_ERR_INVALID_ARGUMENT, w1.set_interval_ms(10));
  EXPECT_ERROR(PSJOB_ERR_INVALID_ARGUMENT, w2.set_interval_ms(0));
}

void test_parse_errors() {
  psjob::Error e = EXPECT_ERROR(PSJOB_ERR_PARSE, (void)psjob::Status::parse("this is not json"));
  CHECK(e.code_name() == "PSJOB_ERR_PARSE");
  CHECK(!e.message().empty());
  CHECK(std::string_view(e.what()) == psjob_last_error());
  e = EXPECT_ERROR(PSJOB_ERR_PARSE, (void)psjob::Status::parse("[1,2]"));
  e = EXPECT_ERROR(PSJOB_ERR_PARSE, (void)psjob::Status::parse(std::string_view()));
  e = EXPECT_ERROR(PSJOB_ERR_INVALID_ARGUMENT, psjob::Config().set_timeout_ms(0));
  CHECK(!e.message().empty());
}

void test_client_errors() {
  {
    psjob::Client client(mock_config("wrong-token"));
    psjob::Error e = EXPECT_ERROR(PSJOB_ERR_UNAUTHORIZED, (void)client.get_status("quick-cpp401"));
    CHECK(e.http_status() == 401);
    CHECK(contains(e.message(), "401013"));
    CHECK(!contains(e.message(), "wrong-token"));
    CHECK(e.code_name() == "PSJOB_ERR_UNAUTHORIZED");
  }
  {
    psjob::Config config = mock_config();
    config.set_api_key("wrong-key");
    psjob::Client client(config);
    psjob::Error e = EXPECT_ERROR(PSJOB_ERR_UNAUTHORIZED, (void)client.get_status("quick-cpp403"));
    CHECK(e.http_status() == 403);
    CHECK(contains(e.message(), "403003"));
  }
  psjob::Client client(mock_config());
  psjob::Error e = EXPECT_ERROR(PSJOB_ERR_NOT_FOUND, (void)client.get_status("nosuchjob-cpp"));
  CHECK(e.http_status() == 404);
  CHECK(contains(e.message(), "404"));
  CHECK(std::string_view(e.what()) == psjob_last_error());
  CHECK(e.http_status() == psjob_last_http_status());
  e = EXPECT_ERROR(PSJOB_ERR_UNTRUSTED_URL, (void)client.get_status("http://example.com/v2/status/x"));
  CHECK(e.http_status() == 0);
  e = EXPECT_ERROR(PSJOB_ERR_INVALID_ARGUMENT, (void)client.get_status(""));
  e = EXPECT_ERROR(PSJOB_ERR_PARSE, (void)client.get_status("garbage-cpp"));
  CHECK(e.http_status() == 200);
  // Catchable as std::runtime_error too.
  bool caught = false;
  try {
    (void)client.get_status("nosuchjob-cpp2");
  } catch (const std::runtime_error &err) {
    caught = contains(err.what(), "404");
  }
  CHECK(caught);
}

void test_get_status_and_download() {
  psjob::Client client(mock_config());
  psjob::Status s = client.get_status("quick-cpp1");
  CHECK(s.state() == PSJOB_STATE_SUCCEEDED);
  CHECK(s.http_status() == 200);
  std::vector<std::string> hrefs;
  for (const auto o : s.outputs()) {
    for (const auto r : o.renditions()) hrefs.emplace_back(r.href().value_or(""));
  }
  CHECK(hrefs.size() == 2);
  CHECK(!hrefs.empty() && contains(hrefs[0], "/files/quick-cpp1-1.jpg"));

  const std::string path = env("PSJOB_TMPDIR", "/tmp") + "/psjob-cpp-download.bin";
  uint64_t n = client.download(mock() + "/files/cpp.bin?size=1000", path);
  CHECK(n == 1000);
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  CHECK(in.good() && in.tellg() == 1000);
  std::remove(path.c_str());
  psjob::Error e = EXPECT_ERROR(PSJOB_ERR_IO, (void)client.download(mock() + "/files/x.bin",
                                                                  "/nonexistent-dir/x/y.bin"));
  CHECK(!e.message().empty());

  client.set_token("wrong-token");
  EXPECT_ERROR(PSJOB_ERR_UNAUTHORIZED, (void)client.get_status("quick-cpp2"));
  client.set_token("mock-token");
  CHECK(client.get_status("quick-cpp2").state() == PSJOB_STATE_SUCCEEDED);
}

void test_wait_progress() {
  psjob::Client client(mock_config());
  std::vector<psjob_state> seen;
  std::vector<int32_t> http;
  psjob::WaitOptions options;
  options.set_interval_ms(20).set_max_interval_ms(50).set_timeout_ms(20000).set_progress(
      [&](const psjob::Status &st) {
        seen.push_back(st.state());
        http.push_back(st.http_status());
        return false;
      });
  psjob::Status s = client.wait("succeed-cpp1", options);
  CHECK(s.state() == PSJOB_STATE_SUCCEEDED);
  CHECK((seen == std::vector<psjob_state>{PSJOB_STATE_PENDING, PSJOB_STATE_RUNNING,
                                          PSJOB_STATE_SUCCEEDED}));
  CHECK((http == std::vector<int32_t>{202, 202, 200}));
  CHECK(s.outputs().size() == 1 && s.outputs()[0].renditions().size() == 2);

  // A failed job is a successful wait: the caller reads the state.
  psjob::Status f = client.wait("fail-cpp1", options);
  CHECK(f.state() == PSJOB_STATE_FAILED);
  CHECK(f.outputs()[0].errors().size() >= 1);
  CHECK(f.outputs()[0].errors()[0].code() == std::string_view("400401"));

  // Returning true stops the wait with PSJOB_ERR_CANCELLED.
  int calls = 0;
  psjob::WaitOptions stop;
  stop.set_interval_ms(20).set_progress([&](const psjob::Status &) { return ++calls >= 2; });
  psjob::Error e = EXPECT_ERROR(PSJOB_ERR_CANCELLED, (void)client.wait("never-cpp1", stop));
  CHECK(calls == 2);
  CHECK(!e.message().empty());

  // ... unless the status handed over is terminal: then the wait returns it.
  psjob::WaitOptions stop_at_end;
  stop_at_end.set_progress([](const psjob::Status &) { return true; });
  CHECK(client.wait("quick-cpp3", stop_at_end).state() == PSJOB_STATE_SUCCEEDED);

  // An exception from the callback is rethrown as itself.
  psjob::WaitOptions throwing;
  throwing.set_interval_ms(20).set_progress(
      [](const psjob::Status &) -> bool { throw std::logic_error("from the callback"); });
  bool rethrown = false;
  try {
    (void)client.wait("never-cpp2", throwing);
  } catch (const std::logic_error &err) {
    rethrown = std::string_view(err.what()) == "from the callback";
  }
  CHECK(rethrown);

  // A wait inside a callback (same client) works and does not disturb the outer one.
  int nested_ok = 0;
  psjob::WaitOptions nesting;
  nesting.set_interval_ms(20).set_progress([&](const psjob::Status &st) {
    if (!st.is_terminal() && client.wait("quick-cpp-nested").is_terminal()) ++nested_ok;
    return false;
  });
  CHECK(client.wait("succeed-cpp-outer", nesting).state() == PSJOB_STATE_SUCCEEDED);
  CHECK(nested_ok == 2);

  // Clearing the callback.
  options.set_progress(nullptr);
  seen.clear();
  CHECK(client.wait("quick-cpp4", options).state() == PSJOB_STATE_SUCCEEDED);
  CHECK(seen.empty());

  // Deadline.
  psjob::WaitOptions short_deadline;
  short_deadline.set_interval_ms(20).set_timeout_ms(300);
  e = EXPECT_ERROR(PSJOB_ERR_DEADLINE, (void)client.wait("never-cpp3", short_deadline));
  // Non-retryable error ends a wait.
  EXPECT_ERROR(PSJOB_ERR_NOT_FOUND, (void)client.wait("nosuchjob-cpp3", short_deadline));
}

void test_cancel() {
  psjob::Client client(mock_config());
  psjob::WaitOptions options;
  options.set_interval_ms(20).set_timeout_ms(20000);
  {
    psjob::Cancel cancel;
    options.set_cancel(cancel);
    std::thread trigger([&cancel] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      cancel.trigger();
    });
    auto start = std::chrono::steady_clock::now();
    psjob::Error e = EXPECT_ERROR(PSJOB_ERR_CANCELLED, (void)client.wait("never-cpp-cancel", options));
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    trigger.join();
    CHECK(ms >= 150 && ms < 5000);
    CHECK(cancel.is_triggered());
    CHECK(!e.message().empty());
  }
  // The options hold their own reference: the Cancel above is gone, and the
  // triggered token still cancels at once.
  EXPECT_ERROR(PSJOB_ERR_CANCELLED, (void)client.wait("never-cpp-cancel2", options));
  options.clear_cancel();
  CHECK(client.wait("quick-cpp-cancel3", options).state() == PSJOB_STATE_SUCCEEDED);
}

void test_log_callback() {
  std::mutex m;
  std::vector<std::string> lines;
  psjob::Client client([&] {
    psjob::Config config = mock_config();
    config.set_log_callback(
        [&](int32_t level, std::string_view line) {
          std::lock_guard<std::mutex> lock(m);
          if (level >= 1 && level <= 4) lines.emplace_back(line);
        },
        psjob::LogLevel::Debug);
    return config;  // the config dies here; the client keeps its callback
  }());
  (void)client.get_status("quick-cpp-log");
  {
    std::lock_guard<std::mutex> lock(m);
    CHECK(!lines.empty());
    bool mentions = false;
    for (const auto &l : lines) mentions = mentions || contains(l, "quick-cpp-log");
    CHECK(mentions);
    for (const auto &l : lines) CHECK(!contains(l, "mock-token"));
  }
  // A throwing log callback is swallowed.
  psjob::Config config = mock_config();
  config.set_log_callback([](int32_t, std::string_view) { throw std::runtime_error("log"); }, 4);
  psjob::Client quiet(config);
  CHECK(quiet.get_status("quick-cpp-log2").state() == PSJOB_STATE_SUCCEEDED);
  config.set_log_callback(nullptr);
}

void test_threads() {
  psjob::Client client(mock_config());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&client, &ok, i] {
      try {
        if (client.get_status("quick-cpp-t" + std::to_string(i)).is_terminal()) ++ok;
        (void)client.get_status("nosuchjob-t" + std::to_string(i));
      } catch (const psjob::Error &e) {
        // Each thread sees its own error.
        if (e.code() == PSJOB_ERR_NOT_FOUND && e.http_status() == 404) ++ok;
      }
    });
  }
  for (auto &t : threads) t.join();
  CHECK(ok == 8);
}

}  // namespace

int main() {
  if (mock().empty()) {
    std::fprintf(stderr, "PSJOB_MOCK_URL is not set\n");
    return 2;
  }
  test_types();
  test_version();
  test_parse_and_ranges();
  test_raii_and_moves();
  test_parse_errors();
  test_client_errors();
  test_get_status_and_download();
  test_wait_progress();
  test_cancel();
  test_log_callback();
  test_threads();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
