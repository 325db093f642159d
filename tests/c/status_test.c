/* The status reader through the C ABI: every status function, version and
 * error functions, NULL and bad input. */
#include <stdint.h>

#include "check.h"

static char *read_fixture(const char *name, size_t *len) {
  const char *dir = getenv("PSJOB_FIXTURES");
  char path[4096];
  FILE *f;
  char *buf;
  long n;
  snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/fixtures", name);
  f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = (char *)malloc((size_t)n + 1);
  if (fread(buf, 1, (size_t)n, f) != (size_t)n) exit(2);
  buf[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static psjob_status *parse_fixture(const char *name) {
  size_t len = 0;
  char *json = read_fixture(name, &len);
  psjob_status *s = NULL;
  CHECK_RC(psjob_status_parse(json, len, &s), PSJOB_OK);
  free(json);
  return s;
}

static psjob_status *parse_text(const char *text) {
  psjob_status *s = NULL;
  CHECK_RC(psjob_status_parse(text, strlen(text), &s), PSJOB_OK);
  return s;
}

static void test_version_and_names(void) {
  char expected[64];
  snprintf(expected, sizeof expected, "%d.%d.%d", PSJOB_VERSION_MAJOR, PSJOB_VERSION_MINOR,
           PSJOB_VERSION_PATCH);
  CHECK_STR(psjob_version(), expected);
  CHECK_STR(psjob_version(), PSJOB_VERSION);
  CHECK_STR(psjob_result_name(PSJOB_OK), "PSJOB_OK");
  CHECK_STR(psjob_result_name(PSJOB_ERR_TIMEOUT), "PSJOB_ERR_TIMEOUT");
  CHECK_STR(psjob_result_name(PSJOB_ERR_INTERNAL), "PSJOB_ERR_INTERNAL");
  CHECK_STR(psjob_result_name(16), "PSJOB_ERR_UNKNOWN");
  CHECK_STR(psjob_result_name(-1), "PSJOB_ERR_UNKNOWN");
  CHECK_STR(psjob_result_name(INT32_MAX), "PSJOB_ERR_UNKNOWN");
  CHECK(PSJOB_ERR_NO_VALUE == 14 && PSJOB_ERR_PARSE == 9 && PSJOB_STATE_PARTIAL_SUCCESS == 7);

  CHECK_STR(psjob_state_name(PSJOB_STATE_SUCCEEDED), "succeeded");
  CHECK_STR(psjob_state_name(PSJOB_STATE_PARTIAL_SUCCESS), "partial_success");
  CHECK_STR(psjob_state_name(PSJOB_STATE_UNKNOWN), "unknown");
  CHECK_STR(psjob_state_name(999), "unknown");
  CHECK_STR(psjob_state_name(-5), "unknown");
  CHECK(psjob_state_is_terminal(PSJOB_STATE_SUCCEEDED));
  CHECK(psjob_state_is_terminal(PSJOB_STATE_FAILED));
  CHECK(psjob_state_is_terminal(PSJOB_STATE_PARTIAL_SUCCESS));
  CHECK(!psjob_state_is_terminal(PSJOB_STATE_RUNNING));
  CHECK(!psjob_state_is_terminal(PSJOB_STATE_UNKNOWN));
  CHECK(!psjob_state_is_terminal(999));
}

static void test_v1_renditions(void) {
  psjob_status *s = parse_fixture("v1_renditions.json");
  const psjob_output *o;
  const psjob_rendition *r;
  const psjob_job_error *e;
  size_t len = 0;
  const char *json;

  CHECK_STR(psjob_status_job_id(s), "f54e0fcb-1111-2222-3333-de0d17dc2b67");
  CHECK(contains(psjob_status_self_href(s), "/pie/psdService/status/f54e0fcb"));
  CHECK(psjob_status_state(s) == PSJOB_STATE_RUNNING);
  CHECK(psjob_status_http_status(s) == 0);
  json = psjob_status_json(s, &len);
  CHECK(json != NULL && strlen(json) == len && json[0] == '{');
  CHECK(psjob_status_json(s, NULL) == json);
  CHECK(psjob_status_output_count(s) == 3);
  CHECK(psjob_status_output(s, 3) == NULL);
  CHECK(psjob_status_output(s, (size_t)-1) == NULL);

  o = psjob_status_output(s, 0);
  CHECK_STR(psjob_output_input(o), "https://in.example/a.psd");
  CHECK_STR(psjob_output_status(o), "succeeded");
  CHECK(psjob_output_state(o) == PSJOB_STATE_SUCCEEDED);
  CHECK_STR(psjob_output_created(o), "2018-01-04T12:57:15.12345:Z");
  CHECK_STR(psjob_output_modified(o), "2018-01-04T12:58:36.12345:Z");
  CHECK(psjob_output_rendition_count(o) == 2);
  CHECK(psjob_output_error_count(o) == 0);
  CHECK(psjob_output_error(o, 0) == NULL);
  r = psjob_output_rendition(o, 0);
  CHECK_STR(psjob_rendition_href(r), "https://out.example/a.jpg?sig=1");
  CHECK_STR(psjob_rendition_storage(r), "external");
  CHECK_STR(psjob_rendition_type(r), "image/jpeg");
  CHECK(psjob_rendition_width(r) == 512);
  r = psjob_output_rendition(o, 1);
  CHECK(psjob_rendition_width(r) == -1);
  CHECK(psjob_output_rendition(o, 2) == NULL);

  o = psjob_status_output(s, 1);
  CHECK(psjob_output_state(o) == PSJOB_STATE_RUNNING);
  CHECK(psjob_output_created(o) == NULL);
  CHECK(psjob_output_rendition_count(o) == 0);

  o = psjob_status_output(s, 2);
  CHECK(psjob_output_state(o) == PSJOB_STATE_FAILED);
  CHECK(psjob_output_error_count(o) == 1);
  e = psjob_output_error(o, 0);
  CHECK_STR(psjob_job_error_code(e), "400");
  CHECK_STR(psjob_job_error_type(e), "InputValidationError");
  CHECK_STR(psjob_job_error_title(e), "request has invalid parameters");
  CHECK(psjob_job_error_detail_count(e) == 1);
  CHECK_STR(psjob_job_error_detail_name(e, 0), "outputs[0].storage");
  CHECK_STR(psjob_job_error_detail_reason(e, 0), "should be one of external, azure, dropbox");
  CHECK(psjob_job_error_detail_name(e, 1) == NULL);
  CHECK(psjob_job_error_detail_reason(e, 1) == NULL);
  psjob_status_free(s);
}

static void test_shapes(void) {
  psjob_status *s = parse_fixture("v2_succeeded.json");
  const psjob_output *o = psjob_status_output(s, 0);
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  CHECK(psjob_status_output_count(s) == 1);
  CHECK(psjob_output_rendition_count(o) == 3);
  CHECK_STR(psjob_rendition_href(psjob_output_rendition(o, 0)), "https://out.example/1.jpg");
  CHECK_STR(psjob_rendition_type(psjob_output_rendition(o, 1)), "image/png");
  CHECK(psjob_rendition_href(psjob_output_rendition(o, 2)) == NULL);
  psjob_status_free(s);

  s = parse_fixture("v2_failed.json");
  o = psjob_status_output(s, 0);
  CHECK(psjob_status_state(s) == PSJOB_STATE_FAILED);
  CHECK_STR(psjob_job_error_code(psjob_output_error(o, 0)), "400401");
  CHECK_STR(psjob_job_error_title(psjob_output_error(o, 0)), "The value provided is not valid.");
  CHECK_STR(psjob_job_error_code(psjob_output_error(o, 1)), "500");
  psjob_status_free(s);

  s = parse_fixture("masking.json");
  o = psjob_status_output(s, 0);
  CHECK(psjob_output_rendition_count(o) == 3);
  CHECK_STR(psjob_rendition_href(psjob_output_rendition(o, 2)), "https://out.example/image.jpg");
  psjob_status_free(s);

  s = parse_fixture("lightroom.json");
  CHECK(psjob_status_state(s) == PSJOB_STATE_PENDING);
  CHECK_STR(psjob_output_created(psjob_status_output(s, 0)), "2019-02-01T10:00:00Z");
  CHECK_STR(psjob_job_error_title(psjob_output_error(psjob_status_output(s, 1), 0)),
            "input file is corrupt");
  psjob_status_free(s);

  s = parse_fixture("sensei_failed.json");
  CHECK(psjob_status_state(s) == PSJOB_STATE_FAILED);
  CHECK_STR(psjob_job_error_detail_reason(psjob_output_error(psjob_status_output(s, 0), 0), 0),
            "404 from storage");
  psjob_status_free(s);

  s = parse_fixture("submit_v2.json");
  CHECK(psjob_status_state(s) == PSJOB_STATE_PENDING);
  CHECK(psjob_status_output_count(s) == 0);
  CHECK_STR(psjob_status_self_href(s), "https://photoshop-api.adobe.io/v2/status/8d25eb96");
  psjob_status_free(s);

  s = parse_fixture("v1_variants.json");
  CHECK(psjob_status_state(s) == PSJOB_STATE_PARTIAL_SUCCESS);
  CHECK_STR(psjob_status_job_id(s), "a1b2");
  CHECK(psjob_rendition_width(psjob_output_rendition(psjob_status_output(s, 3), 0)) == 500);
  psjob_status_free(s);

  s = parse_text("{\"jobId\":\"m\",\"status\":\"NOT_STARTED\"}");
  CHECK(psjob_status_state(s) == PSJOB_STATE_PENDING);
  psjob_status_free(s);
}

static void test_webhook(void) {
  size_t len = 0, got = 0;
  char *json = read_fixture("webhook.json", &len);
  psjob_status *s = NULL;
  const char *v = NULL;
  CHECK_RC(psjob_status_parse(json, len, &s), PSJOB_OK);
  CHECK_STR(psjob_status_job_id(s), "wh-9");
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  CHECK(strcmp(psjob_status_json(s, &got), json) == 0 && got == len);
  CHECK_RC(psjob_status_get_string(s, "/outputs/0/_links/renditions/0/href", &v), PSJOB_OK);
  CHECK_STR(v, "https://out.example/w.jpg");
  psjob_status_free(s);
  free(json);
}

static void test_pointers(void) {
  psjob_status *s = parse_fixture("v1_manifest.json");
  const char *str = NULL, *again = NULL, *js = NULL, *js2 = NULL;
  int64_t i = 0;
  double d = 0;
  bool b = true;
  size_t n = 0;

  CHECK_RC(psjob_status_get_string(s, "/outputs/0/layers/0/name", &str), PSJOB_OK);
  CHECK_STR(str, "CompanyLogo");
  CHECK_RC(psjob_status_get_string(s, "/outputs/0/layers/0/name", &again), PSJOB_OK);
  CHECK(again == str);
  CHECK_RC(psjob_status_get_i64(s, "/outputs/0/layers/0/children/0/bounds/width", &i), PSJOB_OK);
  CHECK(i == 10);
  CHECK_RC(psjob_status_get_i64(s, "/outputs/0/layers/1/id", &i), PSJOB_OK);
  CHECK(i == -1);
  CHECK_RC(psjob_status_get_f64(s, "/outputs/0/document/width", &d), PSJOB_OK);
  CHECK(d == 1200.0);
  CHECK_RC(psjob_status_get_bool(s, "/outputs/0/layers/0/locked", &b), PSJOB_OK);
  CHECK(b == false);
  CHECK_RC(psjob_status_get_len(s, "/outputs/0/layers", &n), PSJOB_OK);
  CHECK(n == 2);
  CHECK_RC(psjob_status_get_len(s, "/outputs/0/document", &n), PSJOB_OK);
  CHECK(n == 7);
  CHECK_RC(psjob_status_get_json(s, "/outputs/0/layers/0/bounds", &js), PSJOB_OK);
  CHECK_STR(js, "{\"left\":12,\"top\":1,\"width\":39,\"height\":64}");
  CHECK_RC(psjob_status_get_json(s, "/outputs/0/layers/0/bounds", &js2), PSJOB_OK);
  CHECK(js == js2);
  CHECK_RC(psjob_status_get_len(s, "", &n), PSJOB_OK);
  CHECK(n == 3);

  /* Absent, wrong type, malformed: *out untouched. */
  str = "untouched";
  CHECK_RC(psjob_status_get_string(s, "/nope", &str), PSJOB_ERR_NO_VALUE);
  CHECK_STR(str, "untouched");
  CHECK(contains(psjob_last_error(), "/nope"));
  CHECK(psjob_last_http_status() == 0);
  CHECK_RC(psjob_status_get_string(s, "/outputs/0/layers/0/id", &str), PSJOB_ERR_NO_VALUE);
  CHECK_RC(psjob_status_get_i64(s, "/outputs/0/layers/0/name", &i), PSJOB_ERR_NO_VALUE);
  CHECK_RC(psjob_status_get_bool(s, "/outputs/0/layers/0/id", &b), PSJOB_ERR_NO_VALUE);
  CHECK_RC(psjob_status_get_len(s, "/jobId", &n), PSJOB_ERR_NO_VALUE);
  CHECK_RC(psjob_status_get_string(s, "/outputs/00", &str), PSJOB_ERR_NO_VALUE);
  CHECK_RC(psjob_status_get_string(s, "/outputs/-", &str), PSJOB_ERR_NO_VALUE);
  CHECK_RC(psjob_status_get_string(s, "jobId", &str), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_status_get_string(s, "/a~2b", &str), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_status_get_string(s, "/\xff", &str), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_STR(str, "untouched");
  CHECK_RC(psjob_status_get_string(NULL, "/jobId", &str), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_status_get_string(s, NULL, &str), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_status_get_string(s, "/jobId", NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_status_get_i64(s, "/jobId", NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_status_get_f64(NULL, "", &d), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_status_get_bool(s, "", NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_status_get_len(s, NULL, &n), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_status_get_json(s, "", NULL), PSJOB_ERR_INVALID_ARGUMENT);
  psjob_status_free(s);

  s = parse_text("{\"a/b\":{\"m~n\":[\"x\",\"-7\",1.5,true,null]},\"z\":\"q\\u0000r\"}");
  CHECK_RC(psjob_status_get_string(s, "/a~1b/m~0n/0", &str), PSJOB_OK);
  CHECK_STR(str, "x");
  CHECK_RC(psjob_status_get_i64(s, "/a~1b/m~0n/1", &i), PSJOB_OK);
  CHECK(i == -7);
  CHECK_RC(psjob_status_get_i64(s, "/a~1b/m~0n/2", &i), PSJOB_ERR_NO_VALUE);
  CHECK_RC(psjob_status_get_f64(s, "/a~1b/m~0n/2", &d), PSJOB_OK);
  CHECK(d == 1.5);
  CHECK_RC(psjob_status_get_f64(s, "/a~1b/m~0n/1", &d), PSJOB_ERR_NO_VALUE);
  CHECK_RC(psjob_status_get_json(s, "/a~1b/m~0n/4", &js), PSJOB_OK);
  CHECK_STR(js, "null");
  CHECK_RC(psjob_status_get_string(s, "/z", &str), PSJOB_ERR_NO_VALUE);
  CHECK_RC(psjob_status_get_json(s, "/z", &js), PSJOB_OK);
  CHECK_STR(js, "\"q\\u0000r\"");
  psjob_status_free(s);
}

static void expect_parse_error(const char *body, size_t len, const char *needle) {
  psjob_status *s = (psjob_status *)0x1;
  CHECK_RC(psjob_status_parse(body, len, &s), PSJOB_ERR_PARSE);
  CHECK(s == (psjob_status *)0x1);
  if (!contains(psjob_last_error(), needle)) {
    fprintf(stderr, "message \"%s\" lacks \"%s\"\n", psjob_last_error(), needle);
    check_failed++;
  }
  CHECK(strchr(psjob_last_error(), '\n') == NULL);
}

static void test_bad_input(void) {
  psjob_status *s = NULL;
  char *big, *deep;
  size_t i, n;

  expect_parse_error("", 0, "empty");
  expect_parse_error("null", 4, "null");
  expect_parse_error("[]", 2, "array");
  expect_parse_error("{\"a\":", 5, "column");
  expect_parse_error("{\"a\":\"\xff\"}", 8, "UTF-8");
  expect_parse_error("{\"a\":1,\0}", 8, "line 1");
  expect_parse_error("<html>", 6, "JSON");

  /* Only `len` bytes are read: a valid prefix parses. */
  CHECK_RC(psjob_status_parse("{}garbage", 2, &s), PSJOB_OK);
  CHECK(psjob_status_state(s) == PSJOB_STATE_PENDING);
  psjob_status_free(s);

  /* 10,000-deep nesting: PARSE, no stack overflow. 256 deep: parses. */
  n = 10000;
  deep = (char *)malloc(n + 8);
  memcpy(deep, "{\"a\":", 5);
  for (i = 0; i < n; i++) deep[5 + i] = '[';
  expect_parse_error(deep, n + 5, "nested");
  n = 255;
  for (i = 0; i < n; i++) deep[5 + n + i] = ']';
  deep[5 + 2 * n] = '}';
  s = NULL;
  CHECK_RC(psjob_status_parse(deep, 2 * n + 6, &s), PSJOB_OK);
  psjob_status_free(s);
  free(deep);

  /* A 100 MB string value parses. */
  n = 100u * 1024u * 1024u;
  big = (char *)malloc(n + 32);
  memcpy(big, "{\"jobId\":\"", 10);
  memset(big + 10, 'x', n);
  memcpy(big + 10 + n, "\",\"outputs\":[]}", 15);
  s = NULL;
  CHECK_RC(psjob_status_parse(big, n + 25, &s), PSJOB_OK);
  CHECK(psjob_status_job_id(s) != NULL && strlen(psjob_status_job_id(s)) == n);
  psjob_status_free(s);
  free(big);

  /* A NUL in a field: the field is absent, the rest reads. */
  s = parse_text("{\"jobId\":\"a\\u0000b\",\"outputs\":[{\"status\":\"succeeded\",\"input\":\"x\\u0000\"}]}");
  CHECK(psjob_status_job_id(s) == NULL);
  CHECK(psjob_output_input(psjob_status_output(s, 0)) == NULL);
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  psjob_status_free(s);

  /* A lone surrogate escape in a field the model skips reads as U+FFFD. */
  s = parse_text("{\"jobId\":\"x\",\"note\":\"\\ud800\"}");
  {
    const char *v = NULL;
    CHECK_RC(psjob_status_get_string(s, "/note", &v), PSJOB_OK);
    CHECK_STR(v, "\xef\xbf\xbd");
  }
  psjob_status_free(s);

  /* NULL everywhere. */
  CHECK_RC(psjob_status_parse(NULL, 3, &s), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK(contains(psjob_last_error(), "NULL"));
  CHECK_RC(psjob_status_parse("{}", 2, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  psjob_status_free(NULL);
  CHECK(psjob_status_job_id(NULL) == NULL);
  CHECK(psjob_status_self_href(NULL) == NULL);
  CHECK(psjob_status_state(NULL) == PSJOB_STATE_UNKNOWN);
  n = 99;
  CHECK(psjob_status_json(NULL, &n) == NULL && n == 0);
  CHECK(psjob_status_json(NULL, NULL) == NULL);
  CHECK(psjob_status_http_status(NULL) == 0);
  CHECK(psjob_status_output_count(NULL) == 0);
  CHECK(psjob_status_output(NULL, 0) == NULL);
  CHECK(psjob_output_input(NULL) == NULL);
  CHECK(psjob_output_status(NULL) == NULL);
  CHECK(psjob_output_state(NULL) == PSJOB_STATE_UNKNOWN);
  CHECK(psjob_output_created(NULL) == NULL);
  CHECK(psjob_output_modified(NULL) == NULL);
  CHECK(psjob_output_rendition_count(NULL) == 0);
  CHECK(psjob_output_rendition(NULL, 0) == NULL);
  CHECK(psjob_output_error_count(NULL) == 0);
  CHECK(psjob_output_error(NULL, 0) == NULL);
  CHECK(psjob_rendition_href(NULL) == NULL);
  CHECK(psjob_rendition_storage(NULL) == NULL);
  CHECK(psjob_rendition_type(NULL) == NULL);
  CHECK(psjob_rendition_width(NULL) == -1);
  CHECK(psjob_job_error_code(NULL) == NULL);
  CHECK(psjob_job_error_type(NULL) == NULL);
  CHECK(psjob_job_error_title(NULL) == NULL);
  CHECK(psjob_job_error_detail_count(NULL) == 0);
  CHECK(psjob_job_error_detail_name(NULL, 0) == NULL);
  CHECK(psjob_job_error_detail_reason(NULL, 0) == NULL);
}

static void test_last_error_is_per_call(void) {
  psjob_status *s = NULL;
  CHECK_RC(psjob_status_parse("[]", 2, &s), PSJOB_ERR_PARSE);
  CHECK(contains(psjob_last_error(), "array"));
  /* Success leaves the last error as it was. */
  CHECK_RC(psjob_status_parse("{}", 2, &s), PSJOB_OK);
  CHECK(contains(psjob_last_error(), "array"));
  psjob_status_free(s);
}

int main(void) {
  CHECK_STR(psjob_last_error(), "");
  CHECK(psjob_last_http_status() == 0);
  test_version_and_names();
  test_v1_renditions();
  test_shapes();
  test_webhook();
  test_pointers();
  test_bad_input();
  test_last_error_is_per_call();
  return check_finish();
}
