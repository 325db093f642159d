/* The client through the C ABI (API.md section 4): config setters and their
 * validation, the headers a request carries, job id resolution, where
 * credentials may go, every error code against the mock service, retries and
 * Retry-After, token rotation and the log callback. */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "mock_helpers.c"

/* ------------------------------------------------------------------------ */
/* Config setters                                                            */
/* ------------------------------------------------------------------------ */

static void test_config_null_and_utf8(void) {
  psjob_config *c = psjob_config_new();
  CHECK(c != NULL);

  /* NULL config: every setter fails, nothing crashes. */
  CHECK_RC(psjob_config_set_api_key(NULL, "k"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK(psjob_last_http_status() == 0 && psjob_last_error()[0] != '\0');
  CHECK_RC(psjob_config_set_token(NULL, "t"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_org_id(NULL, "o"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_user_agent(NULL, "ua"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_status_base_url(NULL, "https://example.com/"),
           PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_add_trusted_host(NULL, "example.com"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_timeout_ms(NULL, 1000), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_connect_timeout_ms(NULL, 1000), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_max_retries(NULL, 1), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_max_body_bytes(NULL, 1000), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_client_credentials(NULL, "id", "secret", NULL),
           PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_ims_url(NULL, "https://example.com/ims"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_ca_file(NULL, "/etc/hosts"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_proxy(NULL, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_log_callback(NULL, NULL, NULL, 1), PSJOB_ERR_INVALID_ARGUMENT);
  psjob_config_free(NULL);

  /* NULL strings. */
  CHECK_RC(psjob_config_set_api_key(c, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_token(c, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_org_id(c, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_user_agent(c, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_status_base_url(c, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_add_trusted_host(c, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_client_credentials(c, NULL, "secret", NULL),
           PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_client_credentials(c, "id", NULL, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_ims_url(c, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_ca_file(c, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK(psjob_last_http_status() == 0);

  /* Non-UTF-8 input. */
  CHECK_RC(psjob_config_set_api_key(c, "key\xff"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_token(c, "\xc3\x28"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_org_id(c, "org\xfe"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_user_agent(c, "agent \xe2\x82"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_status_base_url(c, "https://example.com/\xff/"),
           PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_add_trusted_host(c, "ex\xffmple.com"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_client_credentials(c, "id\xff", "secret", NULL),
           PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_client_credentials(c, "id", "secret\xff", NULL),
           PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_client_credentials(c, "id", "secret", "openid\xff"),
           PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_ims_url(c, "https://example.com/\xff"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_ca_file(c, "/tmp/\xff.pem"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_proxy(c, "http://proxy\xff:8080"), PSJOB_ERR_INVALID_ARGUMENT);

  /* The client id is sent as x-api-key: a header value, visible ASCII. The
   * secret and scopes travel form-encoded, so any UTF-8 is fine there. */
  CHECK_RC(psjob_config_set_client_credentials(c, "id\r\nX-Evil: 1", "secret", NULL),
           PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_client_credentials(c, "id with space", "secret", NULL),
           PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_client_credentials(c, "id", "s&e=c r\xc3\xa9t%", "openid, AdobeID"),
           PSJOB_OK);

  /* Client credentials: scopes NULL means the default. */
  CHECK_RC(psjob_config_set_client_credentials(c, "id", "secret", NULL), PSJOB_OK);
  CHECK_RC(psjob_config_set_client_credentials(c, "id", "secret", "openid,AdobeID"), PSJOB_OK);
  psjob_config_free(c);
}

static void test_config_header_values(void) {
  static const char *const bad[] = {"a b",       "a\r\nb", "a\rb", "a\nb",  "a\tb",
                                    "a\x01" "b", "a\x7f",  "\r\n", " key", "caf\xc3\xa9"};
  size_t i;
  psjob_config *c = psjob_config_new();
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK_RC(psjob_config_set_api_key(c, bad[i]), PSJOB_ERR_INVALID_ARGUMENT);
    CHECK_RC(psjob_config_set_token(c, bad[i]), PSJOB_ERR_INVALID_ARGUMENT);
    CHECK_RC(psjob_config_set_org_id(c, bad[i]), PSJOB_ERR_INVALID_ARGUMENT);
  }
  /* The user agent may hold spaces, not line breaks or controls, nor be empty. */
  CHECK_RC(psjob_config_set_user_agent(c, "ua\r\nX-Evil: 1"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_user_agent(c, "ua\n"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_user_agent(c, "ua\x01"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_user_agent(c, ""), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_user_agent(c, "my app/1.0 (test)"), PSJOB_OK);
  /* Visible ASCII is fine; "" clears. */
  CHECK_RC(psjob_config_set_api_key(c, "Key-1.2_3~!#$%&'*+^`|"), PSJOB_OK);
  CHECK_RC(psjob_config_set_api_key(c, ""), PSJOB_OK);
  CHECK_RC(psjob_config_set_token(c, "eyJhbGciOi.J9-_x="), PSJOB_OK);
  CHECK_RC(psjob_config_set_token(c, ""), PSJOB_OK);
  CHECK_RC(psjob_config_set_org_id(c, "ABC123@AdobeOrg"), PSJOB_OK);
  CHECK_RC(psjob_config_set_org_id(c, ""), PSJOB_OK);
  psjob_config_free(c);
}

static void test_config_numbers_and_urls(void) {
  static const char *const bad_urls[] = {
      "",          "v2/status",           "/v2/status/", "ftp://example.com/status/",
      "http://",   "https://",            "http:///x",   "http://exa mple.com/",
      "mailto:x",  "https://h/\r\nX: y", "http://h/\n",  "example.com/v2/status/",
      "http://h:99999/"};
  static const char *const bad_hosts[] = {"",   "a b",       "http://example.com", "example.com/x",
                                          "*",  "*.",        "x.*.com",            "ex\r\nample",
                                          "\n", "**.x.com"};
  size_t i;
  char path[256];
  FILE *f;
  psjob_config *c = psjob_config_new();
  psjob_client *client = SENTINEL_CLIENT;

  CHECK_RC(psjob_config_set_timeout_ms(c, 0), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_connect_timeout_ms(c, 0), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_max_body_bytes(c, 0), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_timeout_ms(c, 1), PSJOB_OK);
  CHECK_RC(psjob_config_set_timeout_ms(c, UINT32_MAX), PSJOB_OK);
  CHECK_RC(psjob_config_set_connect_timeout_ms(c, 1), PSJOB_OK);
  CHECK_RC(psjob_config_set_max_body_bytes(c, 1), PSJOB_OK);
  CHECK_RC(psjob_config_set_max_body_bytes(c, UINT64_MAX), PSJOB_OK);
  CHECK_RC(psjob_config_set_max_retries(c, 0), PSJOB_OK);
  CHECK_RC(psjob_config_set_max_retries(c, 100), PSJOB_OK);

  for (i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
    CHECK_MSG(psjob_config_set_status_base_url(c, bad_urls[i]) == PSJOB_ERR_INVALID_ARGUMENT,
              bad_urls[i]);
    CHECK_MSG(psjob_config_set_ims_url(c, bad_urls[i]) == PSJOB_ERR_INVALID_ARGUMENT,
              bad_urls[i]);
  }
  CHECK_RC(psjob_config_set_status_base_url(c, "https://example.com/v2/status/"), PSJOB_OK);
  CHECK_RC(psjob_config_set_status_base_url(c, "http://127.0.0.1:1/v2/status"), PSJOB_OK);
  CHECK_RC(psjob_config_set_ims_url(c, "https://ims.example.com/ims/token/v3"), PSJOB_OK);
  CHECK_RC(psjob_config_set_ims_url(c, "http://127.0.0.1:1/ims/token/v3?x=1"), PSJOB_OK);

  for (i = 0; i < sizeof bad_hosts / sizeof bad_hosts[0]; i++) {
    CHECK_RC(psjob_config_add_trusted_host(c, bad_hosts[i]), PSJOB_ERR_INVALID_ARGUMENT);
  }
  CHECK_RC(psjob_config_add_trusted_host(c, "example.com"), PSJOB_OK);
  CHECK_RC(psjob_config_add_trusted_host(c, "*.example.com"), PSJOB_OK);
  CHECK_RC(psjob_config_add_trusted_host(c, "LOCALHOST"), PSJOB_OK);
  CHECK_RC(psjob_config_add_trusted_host(c, "10.1.2.3"), PSJOB_OK);

  /* CA file: read when set. */
  CHECK_RC(psjob_config_set_ca_file(c, "/nonexistent/psjob/ca.pem"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK(psjob_last_http_status() == 0);
  CHECK_RC(psjob_config_set_ca_file(c, ""), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_ca_file(c, "/tmp"), PSJOB_ERR_INVALID_ARGUMENT);
  snprintf(path, sizeof path, "/tmp/psjob-client-test-%ld.pem", (long)getpid());
  f = fopen(path, "wb");
  CHECK(f != NULL);
  if (f != NULL) {
    fputs("this is not a certificate\n-----BEGIN NOTHING-----\nAAAA\n-----END NOTHING-----\n", f);
    fclose(f);
    CHECK_RC(psjob_config_set_ca_file(c, path), PSJOB_ERR_INVALID_ARGUMENT);
    f = fopen(path, "wb");
    if (f != NULL) fclose(f); /* empty */
    CHECK_RC(psjob_config_set_ca_file(c, path), PSJOB_ERR_INVALID_ARGUMENT);
    remove(path);
  }
  if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0) {
    CHECK_RC(psjob_config_set_ca_file(c, "/etc/ssl/certs/ca-certificates.crt"), PSJOB_OK);
  }

  /* Proxy: NULL and "" mean none; a real proxy URL is fine. */
  CHECK_RC(psjob_config_set_proxy(c, NULL), PSJOB_OK);
  CHECK_RC(psjob_config_set_proxy(c, ""), PSJOB_OK);
  CHECK_RC(psjob_config_set_proxy(c, "http://127.0.0.1:3128"), PSJOB_OK);
  CHECK_RC(psjob_config_set_proxy(c, "socks5://user:pw@127.0.0.1:1080"), PSJOB_OK);
  CHECK_RC(psjob_client_new(c, &client), PSJOB_OK);
  CHECK(client != SENTINEL_CLIENT && client != NULL);
  if (client != SENTINEL_CLIENT) psjob_client_free(client);
  /* A garbage proxy URL is refused, by the setter or at the latest by
   * psjob_client_new (the header allows either). */
  {
    psjob_result rc = psjob_config_set_proxy(c, "::not a proxy url::");
    if (rc == PSJOB_OK) {
      client = SENTINEL_CLIENT;
      CHECK_RC(psjob_client_new(c, &client), PSJOB_ERR_INVALID_ARGUMENT);
      CHECK(client == SENTINEL_CLIENT);
    } else {
      CHECK_RC(rc, PSJOB_ERR_INVALID_ARGUMENT);
    }
  }
  psjob_config_free(c);

  /* psjob_client_new: NULL config means defaults; NULL out is refused. */
  client = NULL;
  CHECK_RC(psjob_client_new(NULL, &client), PSJOB_OK);
  CHECK(client != NULL);
  psjob_client_free(client);
  CHECK_RC(psjob_client_new(NULL, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  c = psjob_config_new();
  CHECK_RC(psjob_client_new(c, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  psjob_config_free(c);
  psjob_client_free(NULL);
}

/* ------------------------------------------------------------------------ */
/* Log callback                                                              */
/* ------------------------------------------------------------------------ */

struct log_sink {
  pthread_mutex_t lock;
  int lines;
  int bad_level;
  int leaked;
  int saw_id;
};

static void log_fn(int32_t level, const char *message, void *user_data) {
  struct log_sink *sink = (struct log_sink *)user_data;
  pthread_mutex_lock(&sink->lock);
  sink->lines++;
  if (level < 1 || level > 4) sink->bad_level++;
  if (message == NULL || !no_secrets(message) || strstr(message, "SECRETSIG") != NULL) {
    sink->leaked++;
  }
  if (contains(message, "quick-log1")) sink->saw_id++;
  pthread_mutex_unlock(&sink->lock);
}

static void test_log_callback(void) {
  struct log_sink sink;
  struct log_sink quiet;
  char url[256];
  psjob_config *c = psjob_config_new();
  psjob_client *client;
  psjob_status *s;

  CHECK_RC(psjob_config_set_log_callback(c, log_fn, NULL, 5), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_log_callback(c, log_fn, NULL, -1), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_log_callback(c, log_fn, NULL, INT32_MAX), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_log_callback(c, log_fn, NULL, INT32_MIN), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_config_set_log_callback(c, NULL, NULL, 4), PSJOB_OK);
  CHECK_RC(psjob_config_set_log_callback(c, log_fn, NULL, 0), PSJOB_OK);
  psjob_config_free(c);

  memset(&sink, 0, sizeof sink);
  pthread_mutex_init(&sink.lock, NULL);
  c = mock_config(1);
  CHECK_RC(psjob_config_set_org_id(c, "mock-org"), PSJOB_OK);
  CHECK_RC(psjob_config_set_log_callback(c, log_fn, &sink, 4), PSJOB_OK);
  client = client_from(c);
  s = GET_OK(client, "quick-log1");
  psjob_status_free(s);
  s = GET_OK(client, mock_url(url, sizeof url, "/v2/status/quick-log2?sig=SECRETSIG"));
  psjob_status_free(s);
  GET_FAILS(client, "unknown-log3", PSJOB_ERR_NOT_FOUND);
  GET_FAILS(client, "servererror-log4", PSJOB_ERR_HTTP); /* one retry decision logged */
  psjob_client_free(client);
  CHECK(sink.lines >= 4);
  CHECK(sink.saw_id >= 1);
  CHECK(sink.bad_level == 0);
  CHECK(sink.leaked == 0);
  pthread_mutex_destroy(&sink.lock);

  /* max_level 0: nothing is logged. */
  memset(&quiet, 0, sizeof quiet);
  pthread_mutex_init(&quiet.lock, NULL);
  c = mock_config(0);
  CHECK_RC(psjob_config_set_log_callback(c, log_fn, &quiet, 0), PSJOB_OK);
  client = client_from(c);
  s = GET_OK(client, "quick-log5");
  psjob_status_free(s);
  GET_FAILS(client, "unknown-log6", PSJOB_ERR_NOT_FOUND);
  psjob_client_free(client);
  CHECK(quiet.lines == 0);
  pthread_mutex_destroy(&quiet.lock);
}

/* PSJOB_LOG=debug without a callback logs to stderr, read when the client is
 * made; credentials never appear. */
static void test_env_log(void) {
  char path[256];
  int fd, saved;
  psjob_client *client;
  psjob_status *s;
  size_t len = 0;
  char *text;
  FILE *f;
  long n;

  snprintf(path, sizeof path, "/tmp/psjob-client-test-%ld.log", (long)getpid());
  fflush(stderr);
  saved = dup(2);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  CHECK(saved >= 0 && fd >= 0);
  if (saved < 0 || fd < 0) return;
  dup2(fd, 2);
  close(fd);
  setenv("PSJOB_LOG", "debug", 1);
  client = mock_client(0);
  unsetenv("PSJOB_LOG");
  s = GET_OK(client, "quick-env1");
  psjob_status_free(s);
  GET_FAILS(client, "unknown-env2", PSJOB_ERR_NOT_FOUND);
  psjob_client_free(client);
  /* Made without PSJOB_LOG: silent. */
  client = mock_client(0);
  s = GET_OK(client, "quick-env3");
  psjob_status_free(s);
  psjob_client_free(client);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);

  f = fopen(path, "rb");
  CHECK(f != NULL);
  if (f == NULL) return;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  text = (char *)malloc((size_t)n + 1);
  len = fread(text, 1, (size_t)n, f);
  text[len] = '\0';
  fclose(f);
  remove(path);
  CHECK_MSG(contains(text, "quick-env1") && contains(text, "unknown-env2"), text);
  CHECK_MSG(!contains(text, "quick-env3"), text);
  CHECK(no_secrets(text));
  free(text);
}

/* Proxies from the environment, read when the client is made, unless the
 * config sets one; NULL / "" means none. The mock plays the proxy: the
 * library tunnels through it with CONNECT, which the mock refuses (400), so
 * a proxied request fails with TRANSPORT having opened a connection to the
 * mock, while a direct one fails on DNS (example.invalid) opening none. The
 * client has no credentials, so no host is refused. */
static int64_t proxied_connections(psjob_client *client, const char *url, psjob_result expected) {
  int64_t before = mock_stat("connections");
  GET_FAILS(client, url, expected);
  return mock_stat("connections") - before;
}

static psjob_client *plain_client(const char *proxy) {
  psjob_config *c = psjob_config_new();
  CHECK_RC(psjob_config_set_max_retries(c, 0), PSJOB_OK);
  CHECK_RC(psjob_config_set_connect_timeout_ms(c, 1000), PSJOB_OK);
  if (proxy != NULL) CHECK_RC(psjob_config_set_proxy(c, proxy), PSJOB_OK);
  return client_from(c);
}

static void test_env_proxy(void) {
  char url[256];
  psjob_client *client;
  static const char *const vars[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                     "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};
  size_t i;

  for (i = 0; i < sizeof vars / sizeof vars[0]; i++) unsetenv(vars[i]);
  mock_stat("connections"); /* opens the control connection first */
  setenv("http_proxy", mock_base(), 1);
  setenv("HTTP_PROXY", mock_base(), 1);
  client = plain_client(NULL);
  CHECK_I64(proxied_connections(client, "http://example.invalid/v2/status/quick-px1",
                                PSJOB_ERR_TRANSPORT),
            1);
  psjob_client_free(client);

  /* "" in the config: no proxy, whatever the environment says. */
  client = plain_client("");
  CHECK_I64(proxied_connections(client, "http://example.invalid/v2/status/quick-px2",
                                PSJOB_ERR_TRANSPORT),
            0);
  psjob_client_free(client);

  /* NO_PROXY lists hosts reached directly. */
  setenv("no_proxy", "example.invalid", 1);
  setenv("NO_PROXY", "example.invalid", 1);
  client = plain_client(NULL);
  CHECK_I64(proxied_connections(client, "http://example.invalid/v2/status/quick-px3",
                                PSJOB_ERR_TRANSPORT),
            0);
  psjob_client_free(client);
  for (i = 0; i < sizeof vars / sizeof vars[0]; i++) unsetenv(vars[i]);

  /* No environment: direct. A proxy set in the config: through it. */
  client = plain_client(NULL);
  CHECK_I64(proxied_connections(client, "http://example.invalid/v2/status/quick-px4",
                                PSJOB_ERR_TRANSPORT),
            0);
  psjob_client_free(client);
  client = plain_client(mock_url(url, sizeof url, ""));
  CHECK_I64(proxied_connections(client, "http://example.invalid/v2/status/quick-px5",
                                PSJOB_ERR_TRANSPORT),
            1);
  psjob_client_free(client);
  CHECK_I64(mock_count("quick-px"), 0);
}

/* Successful calls leave the last error as it was. */
static void test_last_error_kept(void) {
  psjob_client *client = mock_client(0);
  psjob_status *s;
  char before[1024];
  GET_FAILS(client, "unknown-le1", PSJOB_ERR_NOT_FOUND);
  snprintf(before, sizeof before, "%s", psjob_last_error());
  s = GET_OK(client, "quick-le2");
  psjob_status_free(s);
  CHECK_STR(psjob_last_error(), before);
  CHECK(psjob_last_http_status() == 404);
  CHECK(contains(before, "unknown-le1"));
  psjob_client_free(client);
}

/* ------------------------------------------------------------------------ */
/* What a request carries                                                    */
/* ------------------------------------------------------------------------ */

static void test_headers(void) {
  char token[32];
  char ua[64];
  psjob_config *c = mock_config(0);
  psjob_client *client;
  psjob_status *s;
  const char *agent;

  /* Strings are copied: overwrite the caller's buffers after setting. */
  snprintf(token, sizeof token, "%s", "mock-token");
  CHECK_RC(psjob_config_set_token(c, token), PSJOB_OK);
  memset(token, 'X', sizeof token - 1);
  CHECK_RC(psjob_config_set_org_id(c, "MOCKORG123@AdobeOrg"), PSJOB_OK);
  /* A failed setter keeps the previous value. */
  CHECK_RC(psjob_config_set_api_key(c, "bad key"), PSJOB_ERR_INVALID_ARGUMENT);
  client = client_from(c); /* frees the config: the client has its copy */

  s = GET_OK(client, "quick-h1");
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  CHECK(psjob_status_http_status(s) == 200);
  psjob_status_free(s);
  CHECK_STR(mock_header("quick-h1", 0, "authorization"), "Bearer mock-token");
  CHECK_STR(mock_header("quick-h1", 0, "x-api-key"), "mock-key");
  CHECK_STR(mock_header("quick-h1", 0, "x-gw-ims-org-id"), "MOCKORG123@AdobeOrg");
  CHECK_STR(mock_header("quick-h1", 0, "accept"), "application/json");
  agent = mock_header("quick-h1", 0, "user-agent");
  CHECK_MSG(strncmp(agent, "psjob/", 6) == 0 && strstr(agent, psjob_version()) != NULL, agent);
  CHECK_STR(mock_path("quick-h1", 0), "/v2/status/quick-h1");

  /* 202 is success too. */
  s = GET_OK(client, "succeed-h2");
  CHECK(psjob_status_http_status(s) == 202);
  CHECK(psjob_status_state(s) == PSJOB_STATE_PENDING);
  psjob_status_free(s);
  psjob_client_free(client);

  /* A custom user agent, and no org id when none is set. */
  c = mock_config(0);
  snprintf(ua, sizeof ua, "%s", "my-app/2.0 (psjob C test)");
  CHECK_RC(psjob_config_set_user_agent(c, ua), PSJOB_OK);
  ua[0] = 'X';
  client = client_from(c);
  s = GET_OK(client, "quick-h3");
  psjob_status_free(s);
  CHECK_STR(mock_header("quick-h3", 0, "user-agent"), "my-app/2.0 (psjob C test)");
  CHECK_STR(mock_header("quick-h3", 0, "x-gw-ims-org-id"), "");
  psjob_client_free(client);

  /* The client has its own copy: changing the config afterwards changes nothing. */
  c = mock_config(0);
  CHECK_RC(psjob_client_new(c, &client), PSJOB_OK);
  CHECK_RC(psjob_config_set_token(c, "wrong-token"), PSJOB_OK);
  CHECK_RC(psjob_config_set_api_key(c, "wrong-key"), PSJOB_OK);
  s = GET_OK(client, "quick-h3b");
  psjob_status_free(s);
  psjob_config_free(c);
  s = GET_OK(client, "quick-h3c");
  psjob_status_free(s);
  psjob_client_free(client);

  /* A string ends at its NUL: "mock-key\0junk" is "mock-key". */
  c = mock_config(0);
  CHECK_RC(psjob_config_set_api_key(c, "mock-key\0junk"), PSJOB_OK);
  client = client_from(c);
  s = GET_OK(client, "quick-h4");
  psjob_status_free(s);
  CHECK_STR(mock_header("quick-h4", 0, "x-api-key"), "mock-key");
  psjob_client_free(client);

  /* Without credentials nothing credential-like is sent (the mock answers 401). */
  c = mock_config(0);
  CHECK_RC(psjob_config_set_token(c, ""), PSJOB_OK);
  CHECK_RC(psjob_config_set_api_key(c, ""), PSJOB_OK);
  client = client_from(c);
  GET_FAILS(client, "quick-h5", PSJOB_ERR_UNAUTHORIZED);
  CHECK_LAST(401, "401013 Oauth token is not valid");
  CHECK_STR(mock_header("quick-h5", 0, "authorization"), "");
  CHECK_STR(mock_header("quick-h5", 0, "x-api-key"), "");
  psjob_client_free(client);
}

/* ------------------------------------------------------------------------ */
/* Job id resolution                                                         */
/* ------------------------------------------------------------------------ */

static void check_id_path(psjob_client *client, const char *id, const char *path) {
  psjob_status *s = NULL;
  psjob_result rc = psjob_client_get_status(client, id, &s);
  if (rc != PSJOB_OK) {
    fprintf(stderr, "get_status(%s): %s\n", id, psjob_last_error());
  }
  CHECK_RC(rc, PSJOB_OK);
  psjob_status_free(s);
  CHECK_I64(mock_count(path), 1);
  CHECK_STR(mock_path(path, 0), path);
}

static void test_job_ids(void) {
  char url[512];
  psjob_config *c;
  psjob_client *client;
  psjob_status *s;

  /* Base without a trailing slash. */
  c = mock_config(0);
  CHECK_RC(psjob_config_set_status_base_url(c, mock_url(url, sizeof url, "/v2/status")), PSJOB_OK);
  client = client_from(c);
  check_id_path(client, "quick-r1", "/v2/status/quick-r1");
  psjob_client_free(client);

  /* With one; and the v1 route. */
  c = mock_config(0);
  CHECK_RC(psjob_config_set_status_base_url(c, mock_url(url, sizeof url, "/v2/status/")),
           PSJOB_OK);
  client = client_from(c);
  check_id_path(client, "quick-r2", "/v2/status/quick-r2");
  psjob_client_free(client);
  c = mock_config(0);
  CHECK_RC(psjob_config_set_status_base_url(c, mock_url(url, sizeof url, "/pie/psdService/status")),
           PSJOB_OK);
  client = client_from(c);
  s = GET_OK(client, "quick-r3");
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  CHECK(psjob_status_output_count(s) == 1);
  psjob_status_free(s);
  CHECK_STR(mock_path("quick-r3", 0), "/pie/psdService/status/quick-r3");
  psjob_client_free(client);

  client = mock_client(0);
  /* A URN keeps its colons; everything else reserved is encoded. */
  check_id_path(client, "urn:ff:jobs:abc:quick-u1", "/v2/status/urn:ff:jobs:abc:quick-u1");
  check_id_path(client, "quick-s 1", "/v2/status/quick-s%201");
  check_id_path(client, "quick-a/b", "/v2/status/quick-a%2Fb");
  check_id_path(client, "quick-q?x#y&z=1", "/v2/status/quick-q%3Fx%23y%26z%3D1");
  check_id_path(client, "quick-pct%41+", "/v2/status/quick-pct%2541%2B");
  check_id_path(client, "quick-utf\xc3\xa9", "/v2/status/quick-utf%C3%A9");
  check_id_path(client, "quick-un.res_er~ved", "/v2/status/quick-un.res_er~ved");
  check_id_path(client, "quick-crlf\r\n", "/v2/status/quick-crlf%0D%0A");
  check_id_path(client, "quick-dots/../..", "/v2/status/quick-dots%2F..%2F..");

  /* An absolute URL is used exactly as given (query included; any case of scheme). */
  snprintf(url, sizeof url, "%s/pie/psdService/status/quick-abs1?a=b%%20c", mock_base());
  s = GET_OK(client, url);
  psjob_status_free(s);
  CHECK_STR(mock_path("quick-abs1", 0), "/pie/psdService/status/quick-abs1?a=b%20c");
  snprintf(url, sizeof url, "HTTP://127.0.0.1:%s/v2/status/quick-abs2", mock_port());
  s = GET_OK(client, url);
  psjob_status_free(s);
  CHECK_I64(mock_count("quick-abs2"), 1);

  /* Empty id, bad ids and malformed URLs: nothing is sent. */
  GET_FAILS(client, "", PSJOB_ERR_INVALID_ARGUMENT);
  CHECK(psjob_last_http_status() == 0);
  GET_FAILS(client, "quick-bad\xff", PSJOB_ERR_INVALID_ARGUMENT);
  GET_FAILS(client, NULL, PSJOB_ERR_INVALID_ARGUMENT);
  GET_FAILS(client, "http://", PSJOB_ERR_INVALID_ARGUMENT);
  GET_FAILS(client, "https://", PSJOB_ERR_INVALID_ARGUMENT);
  GET_FAILS(client, "http:///v2/status/quick-m1", PSJOB_ERR_INVALID_ARGUMENT);
  GET_FAILS(client, "http://exa mple.com/v2/status/quick-m2", PSJOB_ERR_INVALID_ARGUMENT);
  /* A port out of range is malformed: nothing is sent. */
  snprintf(url, sizeof url, "http://127.0.0.1:99999/v2/status/quick-m3");
  GET_FAILS(client, url, PSJOB_ERR_INVALID_ARGUMENT);
  snprintf(url, sizeof url, "%s/v2/status/quick-m4\r\nX-Injected: 1", mock_base());
  GET_FAILS(client, url, PSJOB_ERR_INVALID_ARGUMENT);
  snprintf(url, sizeof url, "%s/v2/status/quick-m5\n", mock_base());
  GET_FAILS(client, url, PSJOB_ERR_INVALID_ARGUMENT);
  snprintf(url, sizeof url, "%s/v2/status/quick-m6 x", mock_base());
  GET_FAILS(client, url, PSJOB_ERR_INVALID_ARGUMENT);
  CHECK(psjob_last_http_status() == 0);
  CHECK_I64(mock_count("quick-m"), 0);
  CHECK_I64(mock_count("X-Injected"), 0);
  psjob_client_free(client);
}

/* ------------------------------------------------------------------------ */
/* Where credentials may go                                                  */
/* ------------------------------------------------------------------------ */

static void test_trust(void) {
  char url[512], host[64];
  psjob_config *c;
  psjob_client *client;
  psjob_status *s;
  double t0;

  /* Base URL on 127.0.0.1: "localhost" is another host, refused before sending. */
  client = mock_client(3);
  localhost_url(url, sizeof url, "/v2/status/quick-lh1");
  GET_FAILS(client, url, PSJOB_ERR_UNTRUSTED_URL);
  CHECK_LAST(0, "localhost");
  CHECK_I64(mock_count("quick-lh1"), 0);
  GET_FAILS(client, "https://evil.example/v2/status/quick-lh2", PSJOB_ERR_UNTRUSTED_URL);
  GET_FAILS(client, "https://127.0.0.1.evil.example/v2/status/quick-lh3", PSJOB_ERR_UNTRUSTED_URL);
  psjob_client_free(client);

  /* Trusted once added (any case). */
  c = mock_config(0);
  CHECK_RC(psjob_config_add_trusted_host(c, "LocalHost"), PSJOB_OK);
  client = client_from(c);
  localhost_url(url, sizeof url, "/v2/status/quick-lh4");
  s = GET_OK(client, url);
  psjob_status_free(s);
  CHECK_I64(mock_count("quick-lh4"), 1);
  snprintf(host, sizeof host, "localhost:%s", mock_port());
  CHECK_STR(mock_header("quick-lh4", 0, "host"), host);
  CHECK_STR(mock_header("quick-lh4", 0, "authorization"), "Bearer mock-token");
  psjob_client_free(client);

  /* Plain http to a trusted host that is not loopback: refused, nothing sent
   * (no DNS either: .invalid never resolves, so anything else would fail
   * differently). */
  c = mock_config(0);
  CHECK_RC(psjob_config_add_trusted_host(c, "example.invalid"), PSJOB_OK);
  CHECK_RC(psjob_config_add_trusted_host(c, "*.example.invalid"), PSJOB_OK);
  client = client_from(c);
  t0 = now_ms();
  GET_FAILS(client, "http://example.invalid/v2/status/quick-x", PSJOB_ERR_UNTRUSTED_URL);
  CHECK_LAST(0, NULL);
  GET_FAILS(client, "http://api.example.invalid:8080/v2/status/quick-x", PSJOB_ERR_UNTRUSTED_URL);
  s = GET_OK(client, "quick-x1"); /* the base URL's host still gets them */
  psjob_status_free(s);
  CHECK(now_ms() - t0 < 2000);
  psjob_client_free(client);

  /* Which hosts are trusted, without a network: through a proxy that refuses
   * connections, a trusted https host fails to connect (TRANSPORT) while an
   * untrusted one is refused before (UNTRUSTED_URL). */
  c = mock_config(0);
  CHECK_RC(psjob_config_set_proxy(c, "http://127.0.0.1:1"), PSJOB_OK);
  CHECK_RC(psjob_config_add_trusted_host(c, "*.example.com"), PSJOB_OK);
  client = client_from(c);
  GET_FAILS(client, "https://image.adobe.io/pie/psdService/status/x", PSJOB_ERR_TRANSPORT);
  GET_FAILS(client, "https://photoshop-api.adobe.io/v2/status/x", PSJOB_ERR_TRANSPORT);
  GET_FAILS(client, "https://PhotoShop-API.Adobe.IO:443/v2/status/x", PSJOB_ERR_TRANSPORT);
  GET_FAILS(client, "https://a.b.example.com/v2/status/x", PSJOB_ERR_TRANSPORT);
  GET_FAILS(client, "https://example.com/v2/status/x", PSJOB_ERR_UNTRUSTED_URL);
  GET_FAILS(client, "https://evil-example.com/v2/status/x", PSJOB_ERR_UNTRUSTED_URL);
  GET_FAILS(client, "https://image.adobe.io.evil.com/x", PSJOB_ERR_UNTRUSTED_URL);
  GET_FAILS(client, "https://adobe.io/x", PSJOB_ERR_UNTRUSTED_URL);
  psjob_client_free(client);

  /* Plain http is fine to any loopback address once trusted: 127.0.0.0/8
   * and ::1 (nothing listens on port 1: the request was attempted). */
  c = mock_config(0);
  CHECK_RC(psjob_config_add_trusted_host(c, "127.8.9.10"), PSJOB_OK);
  CHECK_RC(psjob_config_add_trusted_host(c, "[::1]"), PSJOB_OK);
  client = client_from(c);
  GET_FAILS(client, "http://127.8.9.10:1/v2/status/x", PSJOB_ERR_TRANSPORT);
  GET_FAILS(client, "http://[::1]:1/v2/status/x", PSJOB_ERR_TRANSPORT);
  GET_FAILS(client, "http://[::2]:1/v2/status/x", PSJOB_ERR_UNTRUSTED_URL);
  GET_FAILS(client, "http://128.0.0.1:1/v2/status/x", PSJOB_ERR_UNTRUSTED_URL);
  psjob_client_free(client);

  /* Without credentials nothing is refused: the request goes out, bare. */
  c = psjob_config_new();
  CHECK_RC(psjob_config_set_max_retries(c, 0), PSJOB_OK);
  CHECK_RC(psjob_config_set_proxy(c, ""), PSJOB_OK);
  client = client_from(c);
  localhost_url(url, sizeof url, "/v2/status/quick-nc1");
  GET_FAILS(client, url, PSJOB_ERR_UNAUTHORIZED);
  CHECK_I64(mock_count("quick-nc1"), 1);
  CHECK_STR(mock_header("quick-nc1", 0, "authorization"), "");
  psjob_client_free(client);
}

/* ------------------------------------------------------------------------ */
/* Error codes                                                               */
/* ------------------------------------------------------------------------ */

static void test_errors(void) {
  char url[512];
  psjob_config *c;
  psjob_client *client;
  psjob_status *s;
  double t0, took;
  const char *msg;
  size_t n = 0;

  /* 401: a wrong token. */
  c = mock_config(3);
  CHECK_RC(psjob_config_set_token(c, "wrong-token"), PSJOB_OK);
  client = client_from(c);
  GET_FAILS(client, "quick-e401", PSJOB_ERR_UNAUTHORIZED);
  CHECK_LAST(401, "HTTP 401: 401013 Oauth token is not valid"); /* API.md section 2 */
  CHECK_I64(mock_count("quick-e401"), 1); /* no client credentials: not retried */
  psjob_client_free(client);

  /* 403: a wrong API key. */
  c = mock_config(3);
  CHECK_RC(psjob_config_set_api_key(c, "wrong-key"), PSJOB_OK);
  client = client_from(c);
  GET_FAILS(client, "quick-e403", PSJOB_ERR_UNAUTHORIZED);
  CHECK_LAST(403, "403003 Api Key is invalid");
  CHECK_I64(mock_count("quick-e403"), 1);
  psjob_client_free(client);

  client = mock_client(3);

  /* 404, not retried. */
  GET_FAILS(client, "unknown-e404", PSJOB_ERR_NOT_FOUND);
  CHECK_LAST(404, "Job not found");
  CHECK_I64(mock_count("unknown-e404"), 1);

  /* 400, not retried. */
  GET_FAILS(client, "badrequest-e1", PSJOB_ERR_HTTP);
  CHECK_LAST(400, "request has invalid parameters");
  CHECK_I64(mock_count("badrequest-e1"), 1);

  /* A 200 that is not a status document: PARSE, not retried. */
  GET_FAILS(client, "garbage-e1", PSJOB_ERR_PARSE);
  CHECK_LAST(200, NULL);
  CHECK_I64(mock_count("garbage-e1"), 1);
  GET_FAILS(client, "notobject-e1", PSJOB_ERR_PARSE);
  CHECK_LAST(200, NULL);
  CHECK_I64(mock_count("notobject-e1"), 1);

  /* 302: never followed; nothing goes to the other host name. */
  GET_FAILS(client, "redirect-e1", PSJOB_ERR_HTTP);
  CHECK_LAST(302, NULL);
  CHECK_I64(mock_count("redirect-e1"), 1);
  CHECK_I64(mock_count("quick-redirected"), 0);

  /* Connection refused. */
  GET_FAILS(client, "http://127.0.0.1:1/v2/status/quick-e1", PSJOB_ERR_TRANSPORT);
  CHECK_LAST(0, NULL);
  psjob_client_free(client);

  /* 429 with a huge Retry-After and no retries: at once. */
  client = mock_client(0);
  t0 = now_ms();
  GET_FAILS(client, "retryhuge-e1", PSJOB_ERR_RATE_LIMITED);
  CHECK(now_ms() - t0 < 1000);
  CHECK_LAST(429, "unauthorized_rate_limited");
  CHECK_I64(mock_count("retryhuge-e1"), 1);

  /* Truncated body and reset connection: TRANSPORT. */
  GET_FAILS(client, "truncate-e1", PSJOB_ERR_TRANSPORT);
  CHECK_LAST(200, NULL); /* a 200 response was involved */
  GET_FAILS(client, "reset-e1", PSJOB_ERR_TRANSPORT);
  CHECK_LAST(0, NULL);
  psjob_client_free(client);

  /* Transport errors are retried. */
  client = mock_client(1);
  GET_FAILS(client, "truncate-e2", PSJOB_ERR_TRANSPORT);
  CHECK_I64(mock_count("truncate-e2"), 2);
  GET_FAILS(client, "reset-e2", PSJOB_ERR_TRANSPORT);
  CHECK_I64(mock_count("reset-e2"), 2);

  /* 500 with an HTML body: retried, then HTTP; the message has no tags. */
  GET_FAILS(client, "servererror-e1", PSJOB_ERR_HTTP);
  msg = last_error_copy();
  CHECK_LAST(500, NULL);
  CHECK_MSG(strchr(msg, '<') == NULL && strchr(msg, '>') == NULL, msg);
  CHECK_I64(mock_count("servererror-e1"), 2);

  /* 503 once too often. */
  GET_FAILS(client, "unavailable-e1", PSJOB_ERR_HTTP);
  CHECK_LAST(503, "service_unavailable");
  CHECK_I64(mock_count("unavailable-e1"), 2);
  psjob_client_free(client);

  /* A request that stalls: TIMEOUT after the request time limit, retried. */
  c = mock_config(1);
  CHECK_RC(psjob_config_set_timeout_ms(c, 300), PSJOB_OK);
  client = client_from(c);
  t0 = now_ms();
  GET_FAILS(client, "stall-e1", PSJOB_ERR_TIMEOUT);
  took = now_ms() - t0;
  CHECK_MSG(took >= 550 && took < 2500, "stall took too long or too short");
  CHECK_I64(mock_count("stall-e1"), 2);
  CHECK_LAST(200, NULL); /* the headers of a 200 had arrived */
  psjob_client_free(client);

  /* Body limits. */
  c = mock_config(3);
  CHECK_RC(psjob_config_set_max_body_bytes(c, 1000), PSJOB_OK);
  client = client_from(c);
  GET_FAILS(client, "big-e1", PSJOB_ERR_TOO_LARGE);
  CHECK_LAST(200, NULL);
  CHECK_I64(mock_count("big-e1"), 1);
  psjob_client_free(client);

  c = mock_config(3);
  CHECK_RC(psjob_config_set_max_body_bytes(c, 100000), PSJOB_OK);
  client = client_from(c);
  GET_FAILS(client, "gzip-e1", PSJOB_ERR_TOO_LARGE);
  CHECK_LAST(200, NULL);
  CHECK_I64(mock_count("gzip-e1"), 1);
  CHECK(contains(mock_header("gzip-e1", 0, "accept-encoding"), "gzip"));
  psjob_client_free(client);

  /* Between the compressed (~370 kB) and the decompressed (~2 MB) size: the
   * limit counts decompressed bytes. */
  c = mock_config(3);
  CHECK_RC(psjob_config_set_max_body_bytes(c, 1000000), PSJOB_OK);
  client = client_from(c);
  GET_FAILS(client, "gzip-e2", PSJOB_ERR_TOO_LARGE);
  psjob_client_free(client);

  /* The default limit takes it, decompressed. */
  client = mock_client(0);
  s = GET_OK(client, "gzip-e3");
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  CHECK(psjob_output_state(psjob_status_output(s, 0)) == PSJOB_STATE_SUCCEEDED);
  CHECK_RC(psjob_status_get_len(s, "/outputs/0/layers", &n), PSJOB_OK);
  CHECK(n > 100);
  CHECK(psjob_status_json(s, &n) != NULL && n > 1000000);
  psjob_status_free(s);
  s = GET_OK(client, "big-e2");
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  psjob_status_free(s);
  psjob_client_free(client);

  /* Messages never echo a URL's query (presigned signatures live there). */
  client = mock_client(0);
  snprintf(url, sizeof url, "%s/v2/status/unknown-e5?sig=SECRETSIG", mock_base());
  GET_FAILS(client, url, PSJOB_ERR_NOT_FOUND);
  CHECK_MSG(strstr(psjob_last_error(), "SECRETSIG") == NULL, psjob_last_error());
  psjob_client_free(client);
}

/* Retries that end in success, honouring Retry-After. The three run at once
 * (one shared client per pair is fine: clients are thread-safe) to keep the
 * program short. */
struct retry_case {
  psjob_client *client;
  const char *id;
  psjob_result rc;
  int state;
  double took;
  char error[512];
};

static void *run_retry_case(void *arg) {
  struct retry_case *rc = (struct retry_case *)arg;
  psjob_status *s = NULL;
  double t0 = now_ms();
  rc->rc = psjob_client_get_status(rc->client, rc->id, &s);
  rc->took = now_ms() - t0;
  rc->state = (int)psjob_status_state(s);
  snprintf(rc->error, sizeof rc->error, "%s: %s, %.0f ms (%s)", rc->id,
           psjob_result_name((int32_t)rc->rc), rc->took, psjob_last_error());
  psjob_status_free(s);
  return NULL;
}

static void test_retries(void) {
  psjob_config *c;
  psjob_client *defaults, *three;
  char buf[256];
  struct retry_case cases[3];
  pthread_t threads[3];
  int i;

  /* Default max_retries is 3: three 503s, then the answer. */
  c = psjob_config_new();
  CHECK_RC(psjob_config_set_status_base_url(c, mock_url(buf, sizeof buf, "/v2/status/")),
           PSJOB_OK);
  CHECK_RC(psjob_config_set_token(c, "mock-token"), PSJOB_OK);
  CHECK_RC(psjob_config_set_api_key(c, "mock-key"), PSJOB_OK);
  defaults = client_from(c);
  three = mock_client(3);

  memset(cases, 0, sizeof cases);
  cases[0].client = defaults;
  cases[0].id = "unavailable-t1";
  cases[1].client = three;
  cases[1].id = "ratelimit-t1";
  cases[2].client = three;
  cases[2].id = "ratedate-t1";
  for (i = 0; i < 3; i++) CHECK(pthread_create(&threads[i], NULL, run_retry_case, &cases[i]) == 0);
  for (i = 0; i < 3; i++) {
    pthread_join(threads[i], NULL);
    CHECK_MSG(cases[i].rc == PSJOB_OK && cases[i].state == PSJOB_STATE_SUCCEEDED, cases[i].error);
  }
  CHECK_I64(mock_count("unavailable-t1"), 4);
  CHECK_I64(mock_count("ratelimit-t1"), 3);
  CHECK_I64(mock_count("ratedate-t1"), 3);
  /* Two Retry-After: 1 s; two dates 1-2 s ahead (whole seconds). */
  CHECK_MSG(cases[1].took >= 1900 && cases[1].took < 5000, cases[1].error);
  CHECK_MSG(cases[2].took >= 1800 && cases[2].took < 6000, cases[2].error);
  psjob_client_free(three);
  psjob_client_free(defaults);
}

/* ------------------------------------------------------------------------ */
/* Token rotation                                                            */
/* ------------------------------------------------------------------------ */

static void test_token_rotation(void) {
  psjob_config *c = mock_config(0);
  psjob_client *client;
  psjob_status *s;
  CHECK_RC(psjob_config_set_token(c, "wrong-token"), PSJOB_OK);
  client = client_from(c);
  GET_FAILS(client, "quick-k1", PSJOB_ERR_UNAUTHORIZED);
  CHECK_LAST(401, "401013");

  CHECK_RC(psjob_client_set_token(client, "mock-token"), PSJOB_OK);
  s = GET_OK(client, "quick-k2");
  psjob_status_free(s);
  CHECK_STR(mock_header("quick-k2", 0, "authorization"), "Bearer mock-token");

  CHECK_RC(psjob_client_set_token(NULL, "mock-token"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_client_set_token(client, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_client_set_token(client, "tok\r\nX-Evil: 1"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_client_set_token(client, "tok en"), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_client_set_token(client, "tok\xff"), PSJOB_ERR_INVALID_ARGUMENT);
  /* Refused tokens changed nothing. */
  s = GET_OK(client, "quick-k3");
  psjob_status_free(s);
  CHECK_STR(mock_header("quick-k3", 0, "authorization"), "Bearer mock-token");

  /* "" clears it. */
  CHECK_RC(psjob_client_set_token(client, ""), PSJOB_OK);
  GET_FAILS(client, "quick-k4", PSJOB_ERR_UNAUTHORIZED);
  CHECK_STR(mock_header("quick-k4", 0, "authorization"), "");
  psjob_client_free(client);
}

/* NULL everywhere a client function takes a pointer. */
static void test_client_nulls(void) {
  psjob_client *client = mock_client(0);
  psjob_status *s = SENTINEL_STATUS;
  CHECK_RC(psjob_client_get_status(NULL, "quick-null1", &s), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK(s == SENTINEL_STATUS);
  CHECK_RC(psjob_client_get_status(client, NULL, &s), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK(s == SENTINEL_STATUS);
  CHECK_RC(psjob_client_get_status(client, "quick-null2", NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_LAST(0, NULL);
  CHECK_I64(mock_count("quick-null"), 0);
  psjob_client_free(client);
}

int main(void) {
  CHECK_STR(psjob_last_error(), "");
  CHECK(psjob_last_http_status() == 0);
  RUN(test_env_log);
  RUN(test_env_proxy);
  RUN(test_last_error_kept);
  RUN(test_config_null_and_utf8);
  RUN(test_config_header_values);
  RUN(test_config_numbers_and_urls);
  RUN(test_log_callback);
  RUN(test_headers);
  RUN(test_job_ids);
  RUN(test_trust);
  RUN(test_errors);
  RUN(test_retries);
  RUN(test_token_rotation);
  RUN(test_client_nulls);
  mock_done();
  return check_finish();
}
