/* Shared helpers for the C tests that talk to the mock service (see
 * tests/mock/README-jobs.md). Not a program: #included by client_test.c,
 * wait_test.c, download_test.c, threads_test.c and ims_test.c after
 * check.h, so every helper is static. Compiles as C99 and as C++17. */
#ifndef PSJOB_MOCK_HELPERS_C
#define PSJOB_MOCK_HELPERS_C

#include <stdint.h>
#include <time.h>

#include "check.h"

/* A pointer no call may write: fallible calls must leave `*out` untouched on
 * failure, so tests preset out-parameters to it. */
static char sentinel_byte;
#define SENTINEL_STATUS ((psjob_status *)(void *)&sentinel_byte)
#define SENTINEL_CLIENT ((psjob_client *)(void *)&sentinel_byte)

/* The mock's base URL, "http://127.0.0.1:PORT" (no trailing slash). */
static inline const char *mock_base(void) {
  const char *url = getenv("PSJOB_MOCK_URL");
  if (url == NULL || strncmp(url, "http://127.0.0.1:", 17) != 0) {
    fprintf(stderr, "PSJOB_MOCK_URL must be http://127.0.0.1:PORT (got %s)\n",
            url ? url : "(unset)");
    exit(2);
  }
  return url;
}

/* The mock's port as text. */
static inline const char *mock_port(void) { return mock_base() + strlen("http://127.0.0.1:"); }

/* buf = mock base + path ("/v2/status/x"). */
static inline const char *mock_url(char *buf, size_t n, const char *path) {
  snprintf(buf, n, "%s%s", mock_base(), path);
  return buf;
}

/* buf = "http://localhost:PORT" + path: the same server under another host name. */
static inline const char *localhost_url(char *buf, size_t n, const char *path) {
  snprintf(buf, n, "http://localhost:%s%s", mock_port(), path);
  return buf;
}

static inline double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static inline void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0) {
  }
}

/* Copies the thread's last error (it changes with the next failing call). */
static inline const char *last_error_copy(void) {
  static char buf[2048];
  snprintf(buf, sizeof buf, "%s", psjob_last_error());
  return buf;
}

/* True when `s` carries none of the mock's credentials or our wrong ones. */
static inline int no_secrets(const char *s) {
  static const char *const secrets[] = {"mock-token", "mock-key", "mock-secret",
                                        "wrong-token", "wrong-key", "wrong-secret",
                                        "stale-token", "ims-token-"};
  size_t i;
  if (s == NULL) return 0;
  for (i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
    if (strstr(s, secrets[i]) != NULL) {
      fprintf(stderr, "message leaks \"%s\": %s\n", secrets[i], s);
      return 0;
    }
  }
  return 1;
}

/* A config for the mock: its status base URL (<mock>/v2/status/), the mock's
 * token and API key, a short request timeout, `retries` retries. */
static inline psjob_config *mock_config(uint32_t retries) {
  char url[256];
  psjob_config *c = psjob_config_new();
  CHECK(c != NULL);
  CHECK_RC(psjob_config_set_status_base_url(c, mock_url(url, sizeof url, "/v2/status/")),
           PSJOB_OK);
  CHECK_RC(psjob_config_set_token(c, "mock-token"), PSJOB_OK);
  CHECK_RC(psjob_config_set_api_key(c, "mock-key"), PSJOB_OK);
  CHECK_RC(psjob_config_set_max_retries(c, retries), PSJOB_OK);
  CHECK_RC(psjob_config_set_timeout_ms(c, 5000), PSJOB_OK);
  CHECK_RC(psjob_config_set_connect_timeout_ms(c, 2000), PSJOB_OK);
  CHECK_RC(psjob_config_set_proxy(c, NULL), PSJOB_OK);
  return c;
}

static inline psjob_client *client_from(psjob_config *c) {
  psjob_client *client = NULL;
  CHECK_RC(psjob_client_new(c, &client), PSJOB_OK);
  psjob_config_free(c);
  if (client == NULL) {
    fprintf(stderr, "cannot make a client: %s\n", psjob_last_error());
    exit(2);
  }
  return client;
}

static inline psjob_client *mock_client(uint32_t retries) { return client_from(mock_config(retries)); }

/* A client without credentials, for the control endpoints; made on first
 * use (make it before starting threads), freed by mock_done(). */
static psjob_client *control_client_ = NULL;
static inline psjob_client *control_client(void) {
  psjob_client *ctl = control_client_;
  if (ctl == NULL) {
    psjob_config *c = psjob_config_new();
    psjob_config_set_proxy(c, NULL);
    psjob_config_set_max_retries(c, 0);
    if (psjob_client_new(c, &ctl) != PSJOB_OK) {
      fprintf(stderr, "cannot make the control client: %s\n", psjob_last_error());
      exit(2);
    }
    psjob_config_free(c);
    control_client_ = ctl;
  }
  return ctl;
}

static inline void mock_done(void) {
  psjob_client_free(control_client_);
  control_client_ = NULL;
}

/* Percent-encodes every byte but ASCII letters and digits. */
static inline void query_encode(char *buf, size_t n, const char *s) {
  size_t o = 0;
  for (; *s != '\0' && o + 4 < n; s++) {
    unsigned char b = (unsigned char)*s;
    if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')) {
      buf[o++] = (char)b;
    } else {
      snprintf(buf + o, n - o, "%%%02X", b);
      o += 3;
    }
  }
  buf[o] = '\0';
}

/* What the mock recorded for paths (query included) containing `substr`;
 * the caller frees it. Never fails: the tests cannot go on without it. The
 * thread's last error is kept. */
static inline psjob_status *mock_requests(const char *substr) {
  char enc[1024], url[1400];
  psjob_status *s = NULL;
  psjob_result rc;
  query_encode(enc, sizeof enc, substr);
  snprintf(url, sizeof url, "%s/_mock/requests?path=%s", mock_base(), enc);
  rc = psjob_client_get_status(control_client(), url, &s);
  if (rc != PSJOB_OK) {
    fprintf(stderr, "cannot read %s: %s\n", url, psjob_last_error());
    exit(2);
  }
  return s;
}

/* How many requests the mock recorded for paths containing `substr`. */
static inline int64_t mock_count(const char *substr) {
  psjob_status *s = mock_requests(substr);
  int64_t n = -1;
  psjob_status_get_i64(s, "/count", &n);
  psjob_status_free(s);
  return n;
}

/* A copy of header `name` (lowercase) of the `i`th recorded request whose
 * path contains `substr`, or "" when absent (or "(no request)"). */
static inline const char *mock_header(const char *substr, int i, const char *name) {
  static char buf[4][1024];
  static int slot = 0;
  char ptr[256];
  const char *v = NULL;
  psjob_status *s = mock_requests(substr);
  char *out = buf[slot++ % 4];
  int64_t count = 0;
  psjob_status_get_i64(s, "/count", &count);
  if (i >= count) {
    snprintf(out, 1024, "(no request)");
  } else {
    snprintf(ptr, sizeof ptr, "/requests/%d/headers/%s", i, name);
    if (psjob_status_get_string(s, ptr, &v) == PSJOB_OK) {
      snprintf(out, 1024, "%s", v);
    } else {
      out[0] = '\0';
    }
  }
  psjob_status_free(s);
  return out;
}

/* A copy of the path of the `i`th recorded request whose path contains `substr`. */
static inline const char *mock_path(const char *substr, int i) {
  static char buf[1024];
  char ptr[64];
  const char *v = NULL;
  psjob_status *s = mock_requests(substr);
  snprintf(ptr, sizeof ptr, "/requests/%d/path", i);
  if (psjob_status_get_string(s, ptr, &v) == PSJOB_OK) {
    snprintf(buf, sizeof buf, "%s", v);
  } else {
    snprintf(buf, sizeof buf, "(no request)");
  }
  psjob_status_free(s);
  return buf;
}

/* A number from /_mock/stats: "connections", "requests" or "token_fetches". */
static inline int64_t mock_stat(const char *name) {
  char url[256], ptr[64];
  psjob_status *s = NULL;
  int64_t n = -1;
  snprintf(url, sizeof url, "%s/_mock/stats", mock_base());
  if (psjob_client_get_status(control_client(), url, &s) != PSJOB_OK) {
    fprintf(stderr, "cannot read %s: %s\n", url, psjob_last_error());
    exit(2);
  }
  snprintf(ptr, sizeof ptr, "/%s", name);
  psjob_status_get_i64(s, ptr, &n);
  psjob_status_free(s);
  return n;
}

/* Runs a test function and prints how long it took. */
#define RUN(test)                                                       \
  do {                                                                  \
    double run_t0_ = now_ms();                                          \
    test();                                                             \
    printf("  %-28s %6.0f ms\n", #test, now_ms() - run_t0_);           \
  } while (0)

/* get_status must fail with `expected`, leaving *out untouched. */
#define GET_FAILS(client, id, expected) get_fails_at(__FILE__, __LINE__, (client), (id), (expected))
static inline void get_fails_at(const char *file, int line, psjob_client *client, const char *id,
                         psjob_result expected) {
  psjob_status *s = SENTINEL_STATUS;
  psjob_result rc = psjob_client_get_status(client, id, &s);
  if (rc == expected && s == SENTINEL_STATUS) {
    check_passed++;
  } else {
    check_failed++;
    fprintf(stderr, "%s:%d: get_status(\"%s\") gave %s%s, expected %s (last error: %s)\n", file,
            line, id ? id : "(null)", psjob_result_name((int32_t)rc),
            s == SENTINEL_STATUS ? "" : " and wrote *out", psjob_result_name((int32_t)expected),
            psjob_last_error());
    if (rc == PSJOB_OK && s != SENTINEL_STATUS) psjob_status_free(s);
  }
}

/* get_status must succeed; returns the status (NULL on failure). */
#define GET_OK(client, id) get_ok_at(__FILE__, __LINE__, (client), (id))
static inline psjob_status *get_ok_at(const char *file, int line, psjob_client *client, const char *id) {
  psjob_status *s = NULL;
  psjob_result rc = psjob_client_get_status(client, id, &s);
  if (rc == PSJOB_OK && s != NULL) {
    check_passed++;
    return s;
  }
  check_failed++;
  fprintf(stderr, "%s:%d: get_status(\"%s\") gave %s, expected PSJOB_OK (last error: %s)\n", file,
          line, id, psjob_result_name((int32_t)rc), psjob_last_error());
  return NULL;
}

/* Shows what was observed when a check on it failed. */
#define CHECK_MSG(cond, msg)                                                          \
  do {                                                                                \
    if (cond) {                                                                       \
      check_passed++;                                                                 \
    } else {                                                                          \
      check_failed++;                                                                 \
      fprintf(stderr, "%s:%d: CHECK failed: %s [observed: %s]\n", __FILE__, __LINE__, \
              #cond, (msg));                                                          \
    }                                                                                 \
  } while (0)

#define CHECK_I64(actual, expected)                                                          \
  do {                                                                                       \
    long long check_a_ = (long long)(actual);                                                \
    long long check_e_ = (long long)(expected);                                              \
    if (check_a_ == check_e_) {                                                              \
      check_passed++;                                                                        \
    } else {                                                                                 \
      check_failed++;                                                                        \
      fprintf(stderr, "%s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__, #actual,     \
              check_a_, check_e_);                                                           \
    }                                                                                        \
  } while (0)

/* Checks the thread's last error: its HTTP status, that it is one line
 * mentioning `needle` (NULL: anything) and that it leaks no credential. */
#define CHECK_LAST(http_status, needle)                                                      \
  do {                                                                                       \
    const char *check_m_ = last_error_copy();                                                \
    int32_t check_h_ = psjob_last_http_status();                                             \
    const char *check_n_ = (needle);                                                         \
    if (check_h_ == (http_status) && (check_n_ == NULL || strstr(check_m_, check_n_)) &&     \
        check_m_[0] != '\0' && strchr(check_m_, '\n') == NULL && no_secrets(check_m_)) {     \
      check_passed++;                                                                        \
    } else {                                                                                 \
      check_failed++;                                                                        \
      fprintf(stderr,                                                                        \
              "%s:%d: last error is HTTP %d \"%s\", expected HTTP %d mentioning \"%s\"\n",   \
              __FILE__, __LINE__, (int)check_h_, check_m_, (int)(http_status),               \
              check_n_ ? check_n_ : "");                                                     \
    }                                                                                        \
  } while (0)

#endif
