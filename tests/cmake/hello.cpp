// The C++ wrapper from an installed psjob (tests/install.rs, via CMake).
#include <psjob.hpp>

#include <iostream>

int main() {
  psjob::Status s = psjob::Status::parse(R"({"jobId":"cpp-1","status":"succeeded","result":{}})");
  try {
    (void)psjob::Status::parse("nope");
    return 1;
  } catch (const psjob::Error &e) {
    if (e.code() != PSJOB_ERR_PARSE) return 1;
  }
  std::cout << "hello from psjob " << psjob::version() << " (C++): " << s.job_id().value_or("-")
            << " " << s.state_name() << '\n';
  return s.state() == PSJOB_STATE_SUCCEEDED ? 0 : 1;
}
