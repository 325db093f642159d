/* IMS tokens through the C ABI (API.md section 4, "Tokens"): fetched on
 * first use with a form POST, cached, renewed half way for short lifetimes,
 * fetched once for many threads, renewed once after a 401, and IMS failures
 * mapped to their codes without leaking the secret. */
#include <pthread.h>
#include <stdint.h>

#include "check.h"
#include "mock_helpers.c"

/* A client for the mock with client credentials and IMS at
 * <mock>/ims/token/v3<query>; `secret` NULL means the right one. */
static psjob_client *ims_client(const char *query, const char *secret, uint32_t retries) {
  char url[512];
  psjob_config *c = mock_config(retries);
  CHECK_RC(psjob_config_set_token(c, ""), PSJOB_OK);
  CHECK_RC(psjob_config_set_api_key(c, ""), PSJOB_OK);
  CHECK_RC(psjob_config_set_client_credentials(c, "mock-client", secret ? secret : "mock-secret",
                                               NULL),
           PSJOB_OK);
  snprintf(url, sizeof url, "%s/ims/token/v3%s", mock_base(), query);
  CHECK_RC(psjob_config_set_ims_url(c, url), PSJOB_OK);
  return client_from(c);
}

static int64_t fetches(void) { return mock_stat("token_fetches"); }

static void test_first_use_and_cache(void) {
  psjob_client *client = ims_client("?t=basic", NULL, 0);
  psjob_status *s;
  psjob_status *ims;
  int64_t f0 = fetches();
  const char *v = NULL;
  char auth[256];

  CHECK_I64(mock_count("t=basic"), 0); /* nothing before first use */
  s = GET_OK(client, "quick-i1");
  psjob_status_free(s);
  CHECK_I64(fetches(), f0 + 1);
  snprintf(auth, sizeof auth, "%s", mock_header("quick-i1", 0, "authorization"));
  CHECK_MSG(strncmp(auth, "Bearer ims-token-", 17) == 0, auth);
  CHECK_STR(mock_header("quick-i1", 0, "x-api-key"), "mock-client");

  /* The token request: a form POST with the four fields. */
  ims = mock_requests("t=basic");
  CHECK_RC(psjob_status_get_string(ims, "/requests/0/method", &v), PSJOB_OK);
  CHECK_STR(v, "POST");
  CHECK_RC(psjob_status_get_string(ims, "/requests/0/headers/content-type", &v), PSJOB_OK);
  CHECK(contains(v, "application/x-www-form-urlencoded"));
  CHECK_RC(psjob_status_get_string(ims, "/requests/0/body", &v), PSJOB_OK);
  CHECK(contains(v, "grant_type=client_credentials"));
  CHECK(contains(v, "client_id=mock-client"));
  CHECK(contains(v, "client_secret=mock-secret"));
  CHECK(contains(v, "scope=openid%2CAdobeID%2Cread_organizations") ||
        contains(v, "scope=openid,AdobeID,read_organizations"));
  CHECK_RC(psjob_status_get_string(ims, "/requests/0/headers/authorization", &v),
           PSJOB_ERR_NO_VALUE);
  psjob_status_free(ims);

  /* Cached: no more fetches, same token. */
  s = GET_OK(client, "quick-i2");
  psjob_status_free(s);
  s = GET_OK(client, "quick-i3");
  psjob_status_free(s);
  CHECK_I64(fetches(), f0 + 1);
  CHECK_I64(mock_count("t=basic"), 1);
  CHECK_STR(mock_header("quick-i3", 0, "authorization"), auth);
  /* set_token("") drops the cached token: the next call fetches a new one. */
  CHECK_RC(psjob_client_set_token(client, ""), PSJOB_OK);
  s = GET_OK(client, "quick-i3b");
  psjob_status_free(s);
  CHECK_I64(fetches(), f0 + 2);
  CHECK(contains(mock_header("quick-i3b", 0, "authorization"), "Bearer ims-token-"));
  CHECK(strcmp(mock_header("quick-i3b", 0, "authorization"), auth) != 0);
  psjob_client_free(client);

  /* An API key that is set wins over the client id. */
  {
    char url[512];
    psjob_config *c = mock_config(0);
    CHECK_RC(psjob_config_set_token(c, ""), PSJOB_OK);
    CHECK_RC(psjob_config_set_client_credentials(c, "mock-client", "mock-secret", "openid"),
             PSJOB_OK);
    snprintf(url, sizeof url, "%s/ims/token/v3?t=withkey", mock_base());
    CHECK_RC(psjob_config_set_ims_url(c, url), PSJOB_OK);
    client = client_from(c);
    s = GET_OK(client, "quick-i2k");
    psjob_status_free(s);
    CHECK_STR(mock_header("quick-i2k", 0, "x-api-key"), "mock-key");
    CHECK(contains(mock_header("t=withkey", 0, "content-type"), "form-urlencoded"));
    psjob_client_free(client);
  }
}

static void test_renewal(void) {
  psjob_client *client = ims_client("?expires_in=2&t=renew", NULL, 0);
  psjob_status *s;
  int64_t f0 = fetches();
  char first[256];

  s = GET_OK(client, "quick-i4");
  psjob_status_free(s);
  CHECK_I64(fetches(), f0 + 1);
  snprintf(first, sizeof first, "%s", mock_header("quick-i4", 0, "authorization"));
  s = GET_OK(client, "quick-i5a"); /* still fresh */
  psjob_status_free(s);
  CHECK_I64(fetches(), f0 + 1);
  /* A 2 s lifetime is renewed half way. */
  sleep_ms(1100);
  s = GET_OK(client, "quick-i5b");
  psjob_status_free(s);
  CHECK_I64(fetches(), f0 + 2);
  CHECK(strcmp(mock_header("quick-i5b", 0, "authorization"), first) != 0);
  CHECK(contains(mock_header("quick-i5b", 0, "authorization"), "Bearer ims-token-"));
  CHECK_I64(mock_count("quick-i5b"), 1); /* renewed before use, no 401 round trip */
  psjob_client_free(client);
}

/* Many threads, one fetch (IMS answers after 2 s so they all overlap). */
struct starter {
  psjob_client *client;
  pthread_mutex_t *lock;
  pthread_cond_t *cond;
  int *go;
  int index;
  int rc;
};

static void *first_use(void *arg) {
  struct starter *st = (struct starter *)arg;
  char id[64];
  psjob_status *s = NULL;
  pthread_mutex_lock(st->lock);
  while (!*st->go) pthread_cond_wait(st->cond, st->lock);
  pthread_mutex_unlock(st->lock);
  snprintf(id, sizeof id, "quick-sf%d", st->index);
  st->rc = (int)psjob_client_get_status(st->client, id, &s);
  psjob_status_free(s);
  return NULL;
}

static void test_single_flight(void) {
  enum { N = 8 };
  psjob_client *client = ims_client("?slow=1&t=flight", NULL, 0);
  pthread_t threads[N];
  struct starter st[N];
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int go = 0;
  int i;
  int64_t f0 = fetches();

  pthread_mutex_init(&lock, NULL);
  pthread_cond_init(&cond, NULL);
  for (i = 0; i < N; i++) {
    st[i].client = client;
    st[i].lock = &lock;
    st[i].cond = &cond;
    st[i].go = &go;
    st[i].index = i;
    st[i].rc = -1;
    CHECK(pthread_create(&threads[i], NULL, first_use, &st[i]) == 0);
  }
  sleep_ms(20);
  pthread_mutex_lock(&lock);
  go = 1;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&lock);
  for (i = 0; i < N; i++) {
    pthread_join(threads[i], NULL);
    CHECK_I64(st[i].rc, PSJOB_OK);
  }
  CHECK_I64(fetches(), f0 + 1);
  CHECK_I64(mock_count("t=flight"), 1);
  CHECK_I64(mock_count("quick-sf"), N);
  pthread_cond_destroy(&cond);
  pthread_mutex_destroy(&lock);
  psjob_client_free(client);
}

static void test_ims_failures(void) {
  psjob_client *client;
  int64_t f0;
  psjob_config *c;

  /* Wrong secret: UNAUTHORIZED with IMS's words, never the secret. */
  client = ims_client("?t=wrong", "wrong-secret&grant_type=x y", 3);
  GET_FAILS(client, "quick-i6", PSJOB_ERR_UNAUTHORIZED);
  CHECK_LAST(401, "invalid_client");
  {
    /* The secret is form-encoded: it cannot add fields. */
    psjob_status *ims = mock_requests("t=wrong");
    const char *body = NULL;
    CHECK_RC(psjob_status_get_string(ims, "/requests/0/body", &body), PSJOB_OK);
    CHECK_MSG(contains(body, "client_secret=wrong-secret%26grant_type%3Dx+y") ||
                  contains(body, "client_secret=wrong-secret%26grant_type%3Dx%20y"),
              body ? body : "(none)");
    psjob_status_free(ims);
  }
  CHECK_I64(mock_count("quick-i6"), 0);
  CHECK_I64(mock_count("t=wrong"), 1); /* a refusal is not retried */
  psjob_client_free(client);

  /* IMS fails with 500: retried, then HTTP. */
  client = ims_client("?fail=500&t=fail", NULL, 1);
  GET_FAILS(client, "quick-i7", PSJOB_ERR_HTTP);
  CHECK_LAST(500, NULL);
  CHECK_I64(mock_count("quick-i7"), 0);
  CHECK_I64(mock_count("t=fail"), 2); /* one retry level, not (retries + 1)^2 */
  psjob_client_free(client);

  /* IMS too slow for the request time limit: TIMEOUT. */
  {
    char url[512];
    psjob_config *cfg = mock_config(0);
    double t0;
    CHECK_RC(psjob_config_set_token(cfg, ""), PSJOB_OK);
    CHECK_RC(psjob_config_set_client_credentials(cfg, "mock-client", "mock-secret", NULL),
             PSJOB_OK);
    snprintf(url, sizeof url, "%s/ims/token/v3?slow=1&t=timeout", mock_base());
    CHECK_RC(psjob_config_set_ims_url(cfg, url), PSJOB_OK);
    CHECK_RC(psjob_config_set_timeout_ms(cfg, 300), PSJOB_OK);
    client = client_from(cfg);
    t0 = now_ms();
    GET_FAILS(client, "quick-i7t", PSJOB_ERR_TIMEOUT);
    CHECK(now_ms() - t0 < 1500);
    CHECK_I64(mock_count("quick-i7t"), 0);
    psjob_client_free(client);
  }

  /* IMS answers garbage: PARSE. */
  client = ims_client("?garbage=1&t=garbage", NULL, 3);
  GET_FAILS(client, "quick-i8", PSJOB_ERR_PARSE);
  CHECK_LAST(200, NULL);
  CHECK_I64(mock_count("quick-i8"), 0);
  CHECK_I64(mock_count("t=garbage"), 1);
  psjob_client_free(client);

  /* The secret never goes over plain http off loopback. */
  c = mock_config(0);
  CHECK_RC(psjob_config_set_token(c, ""), PSJOB_OK);
  CHECK_RC(psjob_config_set_client_credentials(c, "mock-client", "mock-secret", NULL), PSJOB_OK);
  CHECK_RC(psjob_config_set_ims_url(c, "http://ims.example.invalid/ims/token/v3"), PSJOB_OK);
  client = client_from(c);
  GET_FAILS(client, "quick-i9", PSJOB_ERR_UNTRUSTED_URL);
  CHECK_LAST(0, NULL);
  CHECK_I64(mock_count("quick-i9"), 0);
  psjob_client_free(client);

  /* A stale token: one 401, one renewal, then success. */
  client = ims_client("?t=stale", NULL, 0);
  CHECK_RC(psjob_client_set_token(client, "stale-token"), PSJOB_OK);
  f0 = fetches();
  {
    psjob_status *s = GET_OK(client, "quick-i10");
    psjob_status_free(s);
  }
  CHECK_I64(fetches(), f0 + 1);
  CHECK_I64(mock_count("quick-i10"), 2);
  CHECK_STR(mock_header("quick-i10", 0, "authorization"), "Bearer stale-token");
  CHECK(contains(mock_header("quick-i10", 1, "authorization"), "Bearer ims-token-"));
  psjob_client_free(client);

  /* A 401 that a new token does not cure: exactly one renewal, then UNAUTHORIZED. */
  client = ims_client("?t=mid", NULL, 3);
  {
    psjob_status *s = GET_OK(client, "unauthmid-i11"); /* poll 1 answers */
    psjob_status_free(s);
  }
  f0 = fetches();
  GET_FAILS(client, "unauthmid-i11", PSJOB_ERR_UNAUTHORIZED);
  CHECK_LAST(401, "401013 Oauth token is not valid");
  CHECK_I64(fetches(), f0 + 1);
  CHECK_I64(mock_count("unauthmid-i11"), 3);
  /* A wait ends the same way. */
  {
    psjob_wait_options *o = psjob_wait_options_new();
    psjob_status *s = SENTINEL_STATUS;
    psjob_wait_options_set_interval_ms(o, 20);
    psjob_wait_options_set_timeout_ms(o, 5000);
    CHECK_RC(psjob_client_wait(client, "unauthmid-i12", o, &s), PSJOB_ERR_UNAUTHORIZED);
    CHECK(s == SENTINEL_STATUS);
    CHECK_LAST(401, "401013");
    psjob_wait_options_free(o);
  }
  psjob_client_free(client);
}

int main(void) {
  RUN(test_first_use_and_cache);
  RUN(test_renewal);
  RUN(test_single_flight);
  RUN(test_ims_failures);
  mock_done();
  return check_finish();
}
