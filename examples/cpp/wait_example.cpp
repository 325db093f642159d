// Waits for a Photoshop API job with the C++ wrapper and prints its outputs.
//
//   g++ -std=c++17 wait_example.cpp $(pkg-config --cflags --libs psjob) -o wait_example
//   PSJOB_TOKEN=... PSJOB_API_KEY=... ./wait_example <status URL or job id>
//
// Environment: PSJOB_TOKEN (access token), PSJOB_API_KEY (client id), and
// optionally PSJOB_STATUS_BASE_URL (where a bare job id is resolved, and a
// host trusted with the credentials), PSJOB_INTERVAL_MS (first poll interval,
// default 2000), PSJOB_TIMEOUT_MS (deadline, default 900000).
// Exit status, as psjob_wait's: 0 the job succeeded, 2 it failed or partly
// failed, 1 the wait itself failed (the error is printed) or bad usage.
#include <psjob.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

std::string env(const char *name) {
  const char *v = std::getenv(name);
  return v != nullptr ? v : "";
}

uint64_t env_number(const char *name, uint64_t fallback) {
  const std::string v = env(name);
  return v.empty() ? fallback : std::strtoull(v.c_str(), nullptr, 10);
}

std::string_view or_dash(std::optional<std::string_view> s) { return s.value_or("-"); }

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " <status URL or job id>\n";
    return 1;
  }
  try {
    psjob::Config config;
    config.set_token(env("PSJOB_TOKEN")).set_api_key(env("PSJOB_API_KEY"));
    if (!env("PSJOB_STATUS_BASE_URL").empty()) {
      config.set_status_base_url(env("PSJOB_STATUS_BASE_URL"));
    }
    config.set_log_callback(
        [](int32_t level, std::string_view line) {
          if (level <= 2) std::cerr << "psjob: " << line << '\n';
        },
        psjob::LogLevel::Warn);
    psjob::Client client(config);

    psjob::WaitOptions options;
    options.set_interval_ms(static_cast<uint32_t>(env_number("PSJOB_INTERVAL_MS", 2000)))
        .set_timeout_ms(env_number("PSJOB_TIMEOUT_MS", 900000))
        .set_progress([](const psjob::Status &s) {
          std::cerr << "  ... " << s.state_name() << '\n';
          return false;  // keep waiting
        });

    std::cout << "psjob " << psjob::version() << ": waiting for " << argv[1] << '\n';
    psjob::Status status = client.wait(argv[1], options);

    std::cout << "job " << or_dash(status.job_id()) << ": " << status.state_name() << '\n';
    std::size_t i = 0;
    for (const psjob::Output output : status.outputs()) {
      std::cout << "output " << i++ << ": " << or_dash(output.status())
                << " (input " << or_dash(output.input()) << ")\n";
      for (const psjob::Rendition r : output.renditions()) {
        std::cout << "  rendition " << or_dash(r.href()) << "  type " << or_dash(r.type());
        if (auto w = r.width()) std::cout << "  width " << *w;
        std::cout << '\n';
      }
      for (const psjob::JobError e : output.errors()) {
        std::cout << "  error " << or_dash(e.code()) << " " << or_dash(e.type()) << ": "
                  << or_dash(e.title()) << '\n';
        for (const psjob::Detail &d : e.details()) {
          std::cout << "    " << or_dash(d.name) << ": " << or_dash(d.reason) << '\n';
        }
      }
    }
    return status.state() == PSJOB_STATE_SUCCEEDED ? 0 : 2;
  } catch (const psjob::Error &e) {
    std::cerr << "error: " << e.code_name() << " (HTTP " << e.http_status() << "): " << e.what()
              << '\n';
    return 1;
  }
}
