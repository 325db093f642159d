/* Waiting for a job through the C ABI (API.md section 5): final states,
 * deadlines, cancellation from another thread, the progress callback,
 * transient and fatal failures during a wait, and every wait/cancel
 * function with NULL. */
#include <pthread.h>
#include <stdint.h>

#include "check.h"
#include "mock_helpers.c"

/* Options with a short interval and deadline. */
static psjob_wait_options *fast_options(uint32_t interval_ms, uint64_t timeout_ms) {
  psjob_wait_options *o = psjob_wait_options_new();
  CHECK(o != NULL);
  CHECK_RC(psjob_wait_options_set_interval_ms(o, interval_ms), PSJOB_OK);
  CHECK_RC(psjob_wait_options_set_max_interval_ms(o, 50), PSJOB_OK);
  CHECK_RC(psjob_wait_options_set_timeout_ms(o, timeout_ms), PSJOB_OK);
  return o;
}

/* What the progress callback saw. */
struct progress {
  int calls;
  int terminal_calls;
  int last_state;
  int stop_at_call;      /* return non-zero on this call (1-based); 0: never */
  int http_202;          /* calls whose status came with HTTP 202 */
  psjob_client *client;  /* when set, the callback uses the client itself */
  int nested_ok;
  int nested_failed;
  psjob_client *fail_inside; /* when set, the callback makes a call that fails (404) */
  const psjob_status *seen;
  pthread_t waiter;      /* the thread that waits */
  int on_other_thread;   /* calls made on any other thread */
};

static int32_t on_progress(const psjob_status *s, void *user_data) {
  struct progress *p = (struct progress *)user_data;
  p->calls++;
  if (!pthread_equal(pthread_self(), p->waiter)) p->on_other_thread++;
  p->last_state = (int)psjob_status_state(s);
  p->seen = s;
  if (psjob_state_is_terminal(p->last_state)) p->terminal_calls++;
  if (psjob_status_http_status(s) == 202) p->http_202++;
  if (p->client != NULL) {
    /* Any psjob function, on the very client that is waiting. */
    char id[64];
    psjob_status *other = NULL;
    snprintf(id, sizeof id, "quick-nested-%d", p->calls);
    if (psjob_client_get_status(p->client, id, &other) == PSJOB_OK &&
        psjob_status_state(other) == PSJOB_STATE_SUCCEEDED) {
      p->nested_ok++;
    } else {
      p->nested_failed++;
    }
    psjob_status_free(other);
    /* ...a whole nested wait included. */
    other = NULL;
    snprintf(id, sizeof id, "quick-nestwait-%d", p->calls);
    if (psjob_client_wait(p->client, id, NULL, &other) == PSJOB_OK &&
        psjob_status_state(other) == PSJOB_STATE_SUCCEEDED) {
      p->nested_ok++;
    } else {
      p->nested_failed++;
    }
    psjob_status_free(other);
  }
  if (p->fail_inside) {
    /* A failing call inside the callback; the wait's own outcome must be
     * what psjob_last_error() reports afterwards. */
    psjob_status *other = SENTINEL_STATUS;
    psjob_client_get_status(p->fail_inside, "unknown-inside", &other);
  }
  return p->stop_at_call != 0 && p->calls >= p->stop_at_call ? 1 : 0;
}

static void test_final_states(void) {
  psjob_client *client = mock_client(0);
  psjob_wait_options *o = fast_options(20, 5000);
  struct progress p;
  psjob_status *s = NULL;
  const psjob_output *out;
  const psjob_job_error *e;

  memset(&p, 0, sizeof p);
  p.waiter = pthread_self();
  CHECK_RC(psjob_wait_options_set_progress(o, on_progress, &p), PSJOB_OK);
  CHECK_RC(psjob_client_wait(client, "succeed-w1", o, &s), PSJOB_OK);
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  CHECK(psjob_status_http_status(s) == 200);
  out = psjob_status_output(s, 0);
  CHECK(psjob_output_rendition_count(out) == 2);
  CHECK(contains(psjob_rendition_href(psjob_output_rendition(out, 0)), "/files/succeed-w1-1.jpg"));
  CHECK_STR(psjob_rendition_type(psjob_output_rendition(out, 1)), "image/png");
  psjob_status_free(s);
  CHECK_I64(p.calls, 3); /* once per successful poll */
  CHECK_I64(p.terminal_calls, 1);
  CHECK_I64(p.http_202, 2);
  CHECK_I64(p.on_other_thread, 0); /* on the waiting thread */
  CHECK(p.last_state == PSJOB_STATE_SUCCEEDED);
  CHECK_I64(mock_count("succeed-w1"), 3);

  /* A failed job is a successful wait: the caller reads the state. */
  s = NULL;
  memset(&p, 0, sizeof p);
  CHECK_RC(psjob_client_wait(client, "fail-w1", o, &s), PSJOB_OK);
  CHECK(psjob_status_state(s) == PSJOB_STATE_FAILED);
  out = psjob_status_output(s, 0);
  CHECK(psjob_output_error_count(out) >= 1);
  e = psjob_output_error(out, 0);
  CHECK_STR(psjob_job_error_code(e), "400401");
  psjob_status_free(s);
  CHECK_I64(p.calls, 2);

  /* Partial success, on the v1 route too. */
  s = NULL;
  CHECK_RC(psjob_client_wait(client, "partial-w1", o, &s), PSJOB_OK);
  CHECK(psjob_status_state(s) == PSJOB_STATE_PARTIAL_SUCCESS);
  CHECK(psjob_status_output_count(s) == 2);
  psjob_status_free(s);
  {
    char url[256];
    s = NULL;
    CHECK_RC(psjob_client_wait(client, mock_url(url, sizeof url, "/pie/psdService/status/fail-w2"),
                               o, &s),
             PSJOB_OK);
    CHECK(psjob_status_state(s) == PSJOB_STATE_FAILED);
    CHECK_STR(psjob_job_error_type(psjob_output_error(psjob_status_output(s, 0), 0)),
              "InputValidationError");
    psjob_status_free(s);
  }

  /* NULL options: the defaults (first poll is immediate). */
  s = NULL;
  CHECK_RC(psjob_client_wait(client, "quick-w1", NULL, &s), PSJOB_OK);
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  psjob_status_free(s);

  psjob_wait_options_free(o);
  psjob_client_free(client);
}

static void test_intervals(void) {
  psjob_client *client = mock_client(0);
  psjob_wait_options *o = psjob_wait_options_new();
  psjob_status *s = NULL;
  double t0, took;
  char buf[64];

  CHECK_RC(psjob_wait_options_set_interval_ms(o, 0), PSJOB_ERR_INVALID_ARGUMENT);
  /* A max interval below the first, 0 included, means a fixed interval. */
  CHECK_RC(psjob_wait_options_set_max_interval_ms(o, 0), PSJOB_OK);
  CHECK_RC(psjob_wait_options_set_timeout_ms(o, 0), PSJOB_OK); /* no deadline */
  CHECK_RC(psjob_wait_options_set_timeout_ms(o, UINT64_MAX), PSJOB_OK);

  /* A max interval below the first: a fixed interval of the first. Three
   * polls, two sleeps of 60 ms. */
  CHECK_RC(psjob_wait_options_set_interval_ms(o, 60), PSJOB_OK);
  CHECK_RC(psjob_wait_options_set_max_interval_ms(o, 10), PSJOB_OK);
  CHECK_RC(psjob_wait_options_set_timeout_ms(o, 5000), PSJOB_OK);
  t0 = now_ms();
  CHECK_RC(psjob_client_wait(client, "succeed-i1", o, &s), PSJOB_OK);
  took = now_ms() - t0;
  snprintf(buf, sizeof buf, "%.0f ms", took);
  CHECK_MSG(took >= 115 && took < 1000, buf);
  psjob_status_free(s);

  /* 0 too. */
  CHECK_RC(psjob_wait_options_set_max_interval_ms(o, 0), PSJOB_OK);
  s = NULL;
  t0 = now_ms();
  CHECK_RC(psjob_client_wait(client, "succeed-i1b", o, &s), PSJOB_OK);
  took = now_ms() - t0;
  snprintf(buf, sizeof buf, "%.0f ms", took);
  CHECK_MSG(took >= 115 && took < 1000, buf);
  psjob_status_free(s);

  /* Growing x1.5: sleeps 60 then 90. */
  CHECK_RC(psjob_wait_options_set_max_interval_ms(o, 1000), PSJOB_OK);
  s = NULL;
  t0 = now_ms();
  CHECK_RC(psjob_client_wait(client, "succeed-i2", o, &s), PSJOB_OK);
  took = now_ms() - t0;
  snprintf(buf, sizeof buf, "%.0f ms", took);
  CHECK_MSG(took >= 145 && took < 1000, buf);
  psjob_status_free(s);

  /* Deadline: never-* never finishes. */
  CHECK_RC(psjob_wait_options_set_interval_ms(o, 30), PSJOB_OK);
  CHECK_RC(psjob_wait_options_set_max_interval_ms(o, 30), PSJOB_OK);
  CHECK_RC(psjob_wait_options_set_timeout_ms(o, 300), PSJOB_OK);
  s = SENTINEL_STATUS;
  t0 = now_ms();
  CHECK_RC(psjob_client_wait(client, "never-i1", o, &s), PSJOB_ERR_DEADLINE);
  took = now_ms() - t0;
  CHECK(s == SENTINEL_STATUS);
  snprintf(buf, sizeof buf, "%.0f ms", took);
  CHECK_MSG(took >= 290 && took < 1000, buf);
  CHECK_LAST(0, NULL);
  CHECK(mock_count("never-i1") >= 3);

  /* A request in flight is cut at the deadline (slow-* answers after 1.5 s). */
  s = SENTINEL_STATUS;
  t0 = now_ms();
  CHECK_RC(psjob_client_wait(client, "slow-i1", o, &s), PSJOB_ERR_DEADLINE);
  took = now_ms() - t0;
  CHECK(s == SENTINEL_STATUS);
  snprintf(buf, sizeof buf, "%.0f ms", took);
  CHECK_MSG(took >= 290 && took < 1200, buf);

  psjob_wait_options_free(o);
  psjob_client_free(client);
}

/* Retry-After during a wait: honoured, but never past the deadline. */
static void test_retry_after(void) {
  psjob_client *client = mock_client(0);
  psjob_client *retrying = mock_client(3);
  psjob_wait_options *o = fast_options(20, 500);
  psjob_status *s = SENTINEL_STATUS;
  double t0, took;
  char buf[64];

  t0 = now_ms();
  CHECK_RC(psjob_client_wait(client, "retryhuge-a1", o, &s), PSJOB_ERR_DEADLINE);
  took = now_ms() - t0;
  CHECK(s == SENTINEL_STATUS);
  snprintf(buf, sizeof buf, "%.0f ms", took);
  CHECK_MSG(took >= 490 && took < 2000, buf);
  CHECK_I64(mock_count("retryhuge-a1"), 1); /* Retry-After says: not before the deadline */

  /* Retry sleeps inside one poll are cut by the deadline too. */
  t0 = now_ms();
  CHECK_RC(psjob_client_wait(retrying, "retryhuge-a2", o, &s), PSJOB_ERR_DEADLINE);
  took = now_ms() - t0;
  CHECK(s == SENTINEL_STATUS);
  snprintf(buf, sizeof buf, "%.0f ms", took);
  CHECK_MSG(took >= 490 && took < 2000, buf);

  /* ratelimit-*: two 429s with Retry-After: 1, then done. */
  psjob_wait_options_free(o);
  o = fast_options(20, 10000);
  s = NULL;
  t0 = now_ms();
  CHECK_RC(psjob_client_wait(client, "ratelimit-a3", o, &s), PSJOB_OK);
  took = now_ms() - t0;
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  psjob_status_free(s);
  snprintf(buf, sizeof buf, "%.0f ms", took);
  CHECK_MSG(took >= 1900 && took < 5000, buf);
  CHECK_I64(mock_count("ratelimit-a3"), 3);

  psjob_wait_options_free(o);
  psjob_client_free(retrying);
  psjob_client_free(client);
}

/* Which failures end a wait and which do not. */
static void test_failures(void) {
  psjob_client *client = mock_client(0);
  psjob_wait_options *o = fast_options(20, 5000);
  struct progress p;
  psjob_status *s = NULL;
  char url[256];

  /* Transient failures (503 three times, no retries inside a poll) do not end it. */
  memset(&p, 0, sizeof p);
  CHECK_RC(psjob_wait_options_set_progress(o, on_progress, &p), PSJOB_OK);
  CHECK_RC(psjob_client_wait(client, "unavailable-f1", o, &s), PSJOB_OK);
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  psjob_status_free(s);
  CHECK_I64(mock_count("unavailable-f1"), 4);
  CHECK_I64(p.calls, 1); /* only successful polls are reported */
  CHECK_RC(psjob_wait_options_set_progress(o, NULL, NULL), PSJOB_OK);

  /* Transport failures and 429s neither: always-failing jobs run into the
   * deadline, polled again and again. */
  {
    psjob_wait_options *shortly = fast_options(20, 300);
    s = SENTINEL_STATUS;
    CHECK_RC(psjob_client_wait(client, "truncate-f1", shortly, &s), PSJOB_ERR_DEADLINE);
    CHECK(s == SENTINEL_STATUS);
    CHECK(mock_count("truncate-f1") >= 2);
    CHECK_RC(psjob_client_wait(client, "reset-f1", shortly, &s), PSJOB_ERR_DEADLINE);
    CHECK(mock_count("reset-f1") >= 2);
    CHECK_RC(psjob_client_wait(client, "servererror-f1", shortly, &s), PSJOB_ERR_DEADLINE);
    CHECK(mock_count("servererror-f1") >= 2);
    CHECK(s == SENTINEL_STATUS);
    psjob_wait_options_free(shortly);
  }

  /* 401 midway: ends the wait. */
  s = SENTINEL_STATUS;
  CHECK_RC(psjob_client_wait(client, "unauthmid-f1", o, &s), PSJOB_ERR_UNAUTHORIZED);
  CHECK(s == SENTINEL_STATUS);
  CHECK_LAST(401, "401013 Oauth token is not valid");
  CHECK_I64(mock_count("unauthmid-f1"), 2);

  /* A 200 that is not a status: PARSE. */
  CHECK_RC(psjob_client_wait(client, "garbage-f1", o, &s), PSJOB_ERR_PARSE);
  CHECK(s == SENTINEL_STATUS);
  CHECK_LAST(200, NULL);
  CHECK_I64(mock_count("garbage-f1"), 1);

  /* 404, 400, 302: fatal at once. */
  CHECK_RC(psjob_client_wait(client, "unknown-f1", o, &s), PSJOB_ERR_NOT_FOUND);
  CHECK_LAST(404, "Job not found");
  CHECK_I64(mock_count("unknown-f1"), 1);
  CHECK_RC(psjob_client_wait(client, "badrequest-f1", o, &s), PSJOB_ERR_HTTP);
  CHECK_LAST(400, NULL);
  CHECK_I64(mock_count("badrequest-f1"), 1);
  CHECK_RC(psjob_client_wait(client, "redirect-f1", o, &s), PSJOB_ERR_HTTP);
  CHECK_LAST(302, NULL);
  CHECK(s == SENTINEL_STATUS);

  /* Untrusted URL: nothing sent. */
  CHECK_RC(psjob_client_wait(client, localhost_url(url, sizeof url, "/v2/status/quick-f2"), o, &s),
           PSJOB_ERR_UNTRUSTED_URL);
  CHECK_I64(mock_count("quick-f2"), 0);
  CHECK(s == SENTINEL_STATUS);

  /* Bad ids. */
  CHECK_RC(psjob_client_wait(client, "", o, &s), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_client_wait(client, "http://", o, &s), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_client_wait(client, "quick-f3\xff", o, &s), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK(s == SENTINEL_STATUS);

  psjob_wait_options_free(o);
  psjob_client_free(client);
}

/* The progress callback's answers, and what it may do. */
static void test_progress(void) {
  psjob_client *client = mock_client(0);
  psjob_wait_options *o = fast_options(20, 5000);
  struct progress p;
  psjob_status *s = SENTINEL_STATUS;

  /* Stop on a non-terminal status: CANCELLED, no further poll. */
  memset(&p, 0, sizeof p);
  p.stop_at_call = 1;
  CHECK_RC(psjob_wait_options_set_progress(o, on_progress, &p), PSJOB_OK);
  CHECK_RC(psjob_client_wait(client, "succeed-p1", o, &s), PSJOB_ERR_CANCELLED);
  CHECK(s == SENTINEL_STATUS);
  CHECK_LAST(0, NULL);
  CHECK_I64(p.calls, 1);
  CHECK_I64(mock_count("succeed-p1"), 1);

  /* Stop on the terminal status: the wait succeeded. */
  memset(&p, 0, sizeof p);
  p.stop_at_call = 1;
  s = NULL;
  CHECK_RC(psjob_client_wait(client, "quick-p2", o, &s), PSJOB_OK);
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  CHECK(p.calls == 1 && p.terminal_calls == 1);
  psjob_status_free(s);
  memset(&p, 0, sizeof p);
  p.stop_at_call = 3;
  s = NULL;
  CHECK_RC(psjob_client_wait(client, "succeed-p3", o, &s), PSJOB_OK);
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  CHECK_I64(p.calls, 3);
  psjob_status_free(s);

  /* The callback may use the client that is waiting. */
  memset(&p, 0, sizeof p);
  p.client = client;
  s = NULL;
  CHECK_RC(psjob_client_wait(client, "succeed-p4", o, &s), PSJOB_OK);
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  psjob_status_free(s);
  CHECK_I64(p.calls, 3);
  CHECK_I64(p.nested_ok, 6);
  CHECK_I64(p.nested_failed, 0);
  CHECK_I64(mock_count("quick-nested-"), 3);
  CHECK_I64(mock_count("quick-nestwait-"), 3);

  /* The last error after a wait is the wait's, not that of a call the
   * callback made. */
  memset(&p, 0, sizeof p);
  p.fail_inside = client;
  p.stop_at_call = 1;
  s = SENTINEL_STATUS;
  CHECK_RC(psjob_client_wait(client, "succeed-p4b", o, &s), PSJOB_ERR_CANCELLED);
  CHECK(s == SENTINEL_STATUS);
  CHECK_MSG(!contains(psjob_last_error(), "unknown-inside") && psjob_last_http_status() == 0,
            psjob_last_error());
  /* And after a successful wait, what the callback's failure left. */
  memset(&p, 0, sizeof p);
  p.fail_inside = client;
  s = NULL;
  CHECK_RC(psjob_client_wait(client, "quick-p4c", o, &s), PSJOB_OK);
  psjob_status_free(s);
  CHECK(contains(psjob_last_error(), "unknown-inside") && psjob_last_http_status() == 404);

  /* Clearing the callback: not called any more. */
  memset(&p, 0, sizeof p);
  CHECK_RC(psjob_wait_options_set_progress(o, NULL, NULL), PSJOB_OK);
  s = NULL;
  CHECK_RC(psjob_client_wait(client, "succeed-p5", o, &s), PSJOB_OK);
  psjob_status_free(s);
  CHECK_I64(p.calls, 0);
  /* A NULL callback with user data also clears. */
  CHECK_RC(psjob_wait_options_set_progress(o, on_progress, &p), PSJOB_OK);
  CHECK_RC(psjob_wait_options_set_progress(o, NULL, &p), PSJOB_OK);
  s = NULL;
  CHECK_RC(psjob_client_wait(client, "quick-p6", o, &s), PSJOB_OK);
  psjob_status_free(s);
  CHECK_I64(p.calls, 0);

  psjob_wait_options_free(o);
  psjob_client_free(client);
}

/* Cancellation. */
struct canceller {
  const psjob_cancel *cancel;
  long delay_ms;
  double triggered_at;
  volatile int stop; /* set to give up early, without triggering */
};

static void *cancel_later(void *arg) {
  struct canceller *c = (struct canceller *)arg;
  double until = now_ms() + (double)c->delay_ms;
  while (now_ms() < until) {
    if (c->stop) return NULL;
    sleep_ms(5);
  }
  c->triggered_at = now_ms();
  psjob_cancel_trigger(c->cancel);
  psjob_cancel_trigger(c->cancel); /* idempotent */
  return NULL;
}

static void test_cancel(void) {
  psjob_client *client = mock_client(0);
  psjob_wait_options *o = psjob_wait_options_new();
  psjob_cancel *cancel = psjob_cancel_new();
  psjob_status *s = SENTINEL_STATUS;
  struct canceller cl;
  pthread_t t;
  double done, t0;
  char buf[64];

  CHECK(cancel != NULL);
  CHECK(!psjob_cancel_is_triggered(cancel));

  /* From another thread while the wait sleeps a 10 s interval. */
  CHECK_RC(psjob_wait_options_set_interval_ms(o, 10000), PSJOB_OK);
  CHECK_RC(psjob_wait_options_set_timeout_ms(o, 30000), PSJOB_OK);
  CHECK_RC(psjob_wait_options_set_cancel(o, cancel), PSJOB_OK);
  cl.cancel = cancel;
  cl.delay_ms = 150;
  cl.triggered_at = 0;
  cl.stop = 0;
  t0 = now_ms();
  CHECK(pthread_create(&t, NULL, cancel_later, &cl) == 0);
  CHECK_RC(psjob_client_wait(client, "never-c1", o, &s), PSJOB_ERR_CANCELLED);
  done = now_ms();
  pthread_join(t, NULL);
  CHECK(s == SENTINEL_STATUS);
  CHECK(psjob_cancel_is_triggered(cancel));
  snprintf(buf, sizeof buf, "ended %.0f ms after the trigger", done - cl.triggered_at);
  printf("wait_test: cancel during a sleep: %s\n", buf);
  CHECK_MSG(cl.triggered_at > 0 && done >= cl.triggered_at && done - cl.triggered_at < 1000, buf);
  CHECK(done - t0 < 2000);
  CHECK_I64(mock_count("never-c1"), 1); /* no request after the cancel */
  CHECK_LAST(0, NULL);

  /* Already triggered: nothing is sent. */
  CHECK_RC(psjob_client_wait(client, "quick-c2", o, &s), PSJOB_ERR_CANCELLED);
  CHECK(s == SENTINEL_STATUS);
  CHECK_I64(mock_count("quick-c2"), 0);
  psjob_cancel_free(cancel);

  /* set_cancel(o, NULL) clears it. */
  CHECK_RC(psjob_wait_options_set_cancel(o, NULL), PSJOB_OK);
  s = NULL;
  CHECK_RC(psjob_client_wait(client, "quick-c3", o, &s), PSJOB_OK);
  psjob_status_free(s);

  /* The options hold their own reference: free the caller's, then trigger
   * through another holder... and a freed untriggered token still works. */
  cancel = psjob_cancel_new();
  CHECK_RC(psjob_wait_options_set_cancel(o, cancel), PSJOB_OK);
  psjob_cancel_free(cancel);
  s = NULL;
  CHECK_RC(psjob_client_wait(client, "quick-c4", o, &s), PSJOB_OK);
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  psjob_status_free(s);
  /* A triggered token freed by the caller still cancels the options' waits. */
  cancel = psjob_cancel_new();
  CHECK_RC(psjob_wait_options_set_cancel(o, cancel), PSJOB_OK);
  psjob_cancel_trigger(cancel);
  psjob_cancel_free(cancel);
  s = SENTINEL_STATUS;
  CHECK_RC(psjob_client_wait(client, "quick-c5", o, &s), PSJOB_ERR_CANCELLED);
  CHECK(s == SENTINEL_STATUS);
  CHECK_I64(mock_count("quick-c5"), 0);

  /* Cancel during Retry-After sleeps inside one poll (retryhuge, retries on). */
  {
    psjob_client *retrying = mock_client(3);
    cancel = psjob_cancel_new();
    CHECK_RC(psjob_wait_options_set_cancel(o, cancel), PSJOB_OK);
    cl.cancel = cancel;
    cl.delay_ms = 100;
    cl.triggered_at = 0;
    cl.stop = 0;
    CHECK(pthread_create(&t, NULL, cancel_later, &cl) == 0);
    s = SENTINEL_STATUS;
    CHECK_RC(psjob_client_wait(retrying, "retryhuge-c6", o, &s), PSJOB_ERR_CANCELLED);
    done = now_ms();
    pthread_join(t, NULL);
    CHECK(s == SENTINEL_STATUS);
    snprintf(buf, sizeof buf, "ended %.0f ms after the trigger", done - cl.triggered_at);
    CHECK_MSG(cl.triggered_at > 0 && done - cl.triggered_at < 1000, buf);
    CHECK_I64(mock_count("retryhuge-c6"), 1);
    psjob_cancel_free(cancel);
    psjob_client_free(retrying);
  }

  /* Freeing the caller's token while a wait holds it (the options still do). */
  cancel = psjob_cancel_new();
  CHECK_RC(psjob_wait_options_set_cancel(o, cancel), PSJOB_OK);
  CHECK_RC(psjob_wait_options_set_timeout_ms(o, 300), PSJOB_OK);
  psjob_cancel_free(cancel);
  s = SENTINEL_STATUS;
  t0 = now_ms();
  CHECK_RC(psjob_client_wait(client, "never-c7", o, &s), PSJOB_ERR_DEADLINE);
  CHECK(now_ms() - t0 < 1500);

  psjob_wait_options_free(o);
  psjob_client_free(client);
}

/* One token, two concurrent waits sharing the same options. */
struct waiter {
  psjob_client *client;
  const psjob_wait_options *options;
  const char *id;
  psjob_result rc;
  double ended;
};

static void *wait_in_thread(void *arg) {
  struct waiter *w = (struct waiter *)arg;
  psjob_status *s = SENTINEL_STATUS;
  w->rc = psjob_client_wait(w->client, w->id, w->options, &s);
  w->ended = now_ms();
  if (s != SENTINEL_STATUS) psjob_status_free(s);
  return NULL;
}

static void test_cancel_shared(void) {
  psjob_client *client = mock_client(0);
  psjob_wait_options *o = psjob_wait_options_new();
  psjob_cancel *cancel = psjob_cancel_new();
  struct waiter w[2];
  pthread_t t[2];
  double trigger;
  int i;
  char buf[128];
  psjob_status *s = NULL;

  /* Deadline 0 is none; the first poll is immediate whatever the interval.
   * (A watchdog cancels it after 10 s so that a broken mock cannot hang
   * this program.) */
  {
    psjob_cancel *watchdog = psjob_cancel_new();
    struct canceller wd;
    pthread_t wt;
    CHECK_RC(psjob_wait_options_set_interval_ms(o, 10000), PSJOB_OK);
    CHECK_RC(psjob_wait_options_set_timeout_ms(o, 0), PSJOB_OK);
    CHECK_RC(psjob_wait_options_set_cancel(o, watchdog), PSJOB_OK);
    wd.cancel = watchdog;
    wd.delay_ms = 10000;
    wd.triggered_at = 0;
    wd.stop = 0;
    CHECK(pthread_create(&wt, NULL, cancel_later, &wd) == 0);
    trigger = now_ms();
    CHECK_RC(psjob_client_wait(client, "quick-s0", o, &s), PSJOB_OK);
    CHECK(now_ms() - trigger < 1000);
    psjob_status_free(s);
    wd.stop = 1;
    pthread_join(wt, NULL);
    psjob_cancel_free(watchdog);
  }

  CHECK_RC(psjob_wait_options_set_cancel(o, cancel), PSJOB_OK);
  w[0].id = "never-s1";
  w[1].id = "never-s2";
  for (i = 0; i < 2; i++) {
    w[i].client = client;
    w[i].options = o;
    w[i].rc = PSJOB_OK;
    w[i].ended = 0;
    CHECK(pthread_create(&t[i], NULL, wait_in_thread, &w[i]) == 0);
  }
  sleep_ms(150);
  trigger = now_ms();
  psjob_cancel_trigger(cancel);
  for (i = 0; i < 2; i++) {
    pthread_join(t[i], NULL);
    CHECK_I64(w[i].rc, PSJOB_ERR_CANCELLED);
    snprintf(buf, sizeof buf, "%s ended %.0f ms after the trigger", w[i].id, w[i].ended - trigger);
    printf("wait_test: %s\n", buf);
    CHECK_MSG(w[i].ended >= trigger && w[i].ended - trigger < 1000, buf);
  }
  CHECK_I64(mock_count("never-s1"), 1);
  CHECK_I64(mock_count("never-s2"), 1);
  psjob_cancel_free(cancel);

  /* The caller frees its token in the middle of a wait that holds it. */
  cancel = psjob_cancel_new();
  CHECK_RC(psjob_wait_options_set_cancel(o, cancel), PSJOB_OK);
  CHECK_RC(psjob_wait_options_set_interval_ms(o, 20), PSJOB_OK);
  CHECK_RC(psjob_wait_options_set_timeout_ms(o, 300), PSJOB_OK);
  w[0].client = client;
  w[0].options = o;
  w[0].id = "never-s3";
  trigger = now_ms();
  CHECK(pthread_create(&t[0], NULL, wait_in_thread, &w[0]) == 0);
  sleep_ms(50);
  psjob_cancel_free(cancel);
  pthread_join(t[0], NULL);
  CHECK_I64(w[0].rc, PSJOB_ERR_DEADLINE);
  CHECK(w[0].ended - trigger >= 290 && w[0].ended - trigger < 1500);

  psjob_wait_options_free(o);
  psjob_client_free(client);
}

/* NULL for every pointer of the wait and cancel functions. */
static void test_nulls(void) {
  psjob_client *client = mock_client(0);
  psjob_wait_options *o = psjob_wait_options_new();
  psjob_status *s = SENTINEL_STATUS;
  psjob_cancel *cancel = psjob_cancel_new();

  CHECK_RC(psjob_client_wait(NULL, "quick-z1", o, &s), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_client_wait(client, NULL, o, &s), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK(s == SENTINEL_STATUS);
  CHECK_RC(psjob_client_wait(client, "quick-z2", o, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_LAST(0, NULL);
  CHECK_I64(mock_count("quick-z"), 0);

  CHECK_RC(psjob_wait_options_set_interval_ms(NULL, 10), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_wait_options_set_max_interval_ms(NULL, 10), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_wait_options_set_timeout_ms(NULL, 10), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_wait_options_set_cancel(NULL, cancel), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_wait_options_set_cancel(NULL, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_wait_options_set_progress(NULL, on_progress, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_wait_options_set_progress(NULL, NULL, NULL), PSJOB_ERR_INVALID_ARGUMENT);
  CHECK_RC(psjob_wait_options_set_progress(o, NULL, NULL), PSJOB_OK);
  CHECK_RC(psjob_wait_options_set_cancel(o, NULL), PSJOB_OK);
  psjob_wait_options_free(NULL);

  psjob_cancel_trigger(NULL);
  CHECK(psjob_cancel_is_triggered(NULL) == false);
  psjob_cancel_free(NULL);
  CHECK(!psjob_cancel_is_triggered(cancel));
  psjob_cancel_trigger(cancel);
  CHECK(psjob_cancel_is_triggered(cancel));
  psjob_cancel_trigger(cancel);
  CHECK(psjob_cancel_is_triggered(cancel));

  psjob_cancel_free(cancel);
  psjob_wait_options_free(o);
  psjob_client_free(client);
}

int main(void) {
  RUN(test_final_states);
  RUN(test_intervals);
  RUN(test_retry_after);
  RUN(test_failures);
  RUN(test_progress);
  RUN(test_cancel);
  RUN(test_cancel_shared);
  RUN(test_nulls);
  mock_done();
  return check_finish();
}
