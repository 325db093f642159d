/* One client shared by 8 threads (API.md section 1, "Thread safety", and
 * section 4, "Connections"): concurrent get_status and wait calls all
 * succeed, pooled connections are reused, the last error is per thread, a
 * token may be rotated meanwhile, and one status is read from many threads. */
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "mock_helpers.c"

#define THREADS 8
#define GETS 5

/* A reusable barrier from a mutex and a condition variable. */
struct gate {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int waiting;
  int generation;
};

static void gate_pass(struct gate *g) {
  int gen;
  pthread_mutex_lock(&g->lock);
  gen = g->generation;
  if (++g->waiting == THREADS) {
    g->waiting = 0;
    g->generation++;
    pthread_cond_broadcast(&g->cond);
  } else {
    while (gen == g->generation) pthread_cond_wait(&g->cond, &g->lock);
  }
  pthread_mutex_unlock(&g->lock);
}

struct worker {
  int index;
  psjob_client *client;
  const psjob_wait_options *options;
  struct gate *gate;
  int ok;
  int failed;
  char why[256];
};

static void fail(struct worker *w, const char *what) {
  w->failed++;
  if (w->why[0] == '\0') {
    snprintf(w->why, sizeof w->why, "thread %d: %s: %s", w->index, what, psjob_last_error());
  }
}

static void *work(void *arg) {
  struct worker *w = (struct worker *)arg;
  char id[64];
  int j;
  psjob_status *s;

  /* A new thread has no last error, whatever the others did. */
  if (psjob_last_error()[0] != '\0' || psjob_last_http_status() != 0) fail(w, "inherited error");
  gate_pass(w->gate); /* all start together */
  for (j = 0; j < GETS; j++) {
    s = NULL;
    snprintf(id, sizeof id, "quick-t%d-%d", w->index, j);
    if (psjob_client_get_status(w->client, id, &s) == PSJOB_OK &&
        psjob_status_state(s) == PSJOB_STATE_SUCCEEDED) {
      w->ok++;
    } else {
      fail(w, id);
    }
    psjob_status_free(s);
  }
  s = NULL;
  snprintf(id, sizeof id, "succeed-t%d", w->index);
  if (psjob_client_wait(w->client, id, w->options, &s) == PSJOB_OK &&
      psjob_status_state(s) == PSJOB_STATE_SUCCEEDED &&
      psjob_output_rendition_count(psjob_status_output(s, 0)) == 2) {
    w->ok++;
  } else {
    fail(w, id);
  }
  psjob_status_free(s);

  /* The last error is per thread: every thread fails its own way, waits for
   * the others to have failed too, then finds its own message. */
  s = SENTINEL_STATUS;
  snprintf(id, sizeof id, "unknown-t%d", w->index);
  if (psjob_client_get_status(w->client, id, &s) != PSJOB_ERR_NOT_FOUND || s != SENTINEL_STATUS) {
    fail(w, "404 expected");
  }
  gate_pass(w->gate);
  if (strstr(psjob_last_error(), id) != NULL && psjob_last_http_status() == 404) {
    w->ok++;
  } else {
    fail(w, "last error of another thread");
  }
  return NULL;
}

/* Rotates the token (to the same valid value) while the workers run. */
struct rotator {
  psjob_client *client;
  volatile int stop;
  int rotations;
  int failed;
};

static void *rotate(void *arg) {
  struct rotator *r = (struct rotator *)arg;
  while (!r->stop) {
    if (psjob_client_set_token(r->client, "mock-token") != PSJOB_OK) r->failed++;
    r->rotations++;
    sleep_ms(2);
  }
  return NULL;
}

static void test_shared_client(void) {
  psjob_client *client = mock_client(2);
  psjob_wait_options *o = psjob_wait_options_new();
  struct worker workers[THREADS];
  pthread_t threads[THREADS];
  pthread_t rot_thread;
  struct rotator rot;
  struct gate gate;
  int64_t conns0, reqs0, conns, reqs;
  int i;
  char buf[128];

  CHECK_RC(psjob_wait_options_set_interval_ms(o, 20), PSJOB_OK);
  CHECK_RC(psjob_wait_options_set_timeout_ms(o, 10000), PSJOB_OK);
  pthread_mutex_init(&gate.lock, NULL);
  pthread_cond_init(&gate.cond, NULL);
  gate.waiting = 0;
  gate.generation = 0;

  conns0 = mock_stat("connections"); /* also makes the control client */
  reqs0 = mock_stat("requests");

  rot.client = client;
  rot.stop = 0;
  rot.rotations = 0;
  rot.failed = 0;
  CHECK(pthread_create(&rot_thread, NULL, rotate, &rot) == 0);
  for (i = 0; i < THREADS; i++) {
    memset(&workers[i], 0, sizeof workers[i]);
    workers[i].index = i;
    workers[i].client = client;
    workers[i].options = o;
    workers[i].gate = &gate;
    CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
  }
  for (i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    CHECK_MSG(workers[i].failed == 0, workers[i].why);
    CHECK_I64(workers[i].ok, GETS + 2);
  }
  rot.stop = 1;
  pthread_join(rot_thread, NULL);
  CHECK(rot.failed == 0 && rot.rotations > 0);

  conns = mock_stat("connections") - conns0;
  reqs = mock_stat("requests") - reqs0;
  snprintf(buf, sizeof buf, "%lld connections for %lld requests", (long long)conns,
           (long long)reqs);
  printf("threads_test: %s\n", buf);
  CHECK_I64(reqs, THREADS * (GETS + 3 + 1));
  /* Pooled: about one connection per thread (plus the control requests'
   * own), far fewer than requests. */
  CHECK_MSG(conns >= 1 && conns <= THREADS + 4 && conns * 4 <= reqs, buf);

  pthread_cond_destroy(&gate.cond);
  pthread_mutex_destroy(&gate.lock);
  psjob_wait_options_free(o);
  psjob_client_free(client);
}

/* One status read by many threads at once: same pointers, same values. */
struct reader {
  const psjob_status *status;
  const char *name;
  const char *json;
  size_t layers;
  int failed;
};

static void *read_status(void *arg) {
  struct reader *r = (struct reader *)arg;
  int k;
  for (k = 0; k < 200; k++) {
    const char *name = NULL;
    const char *json = NULL;
    size_t n = 0;
    if (psjob_status_get_string(r->status, "/outputs/0/layers/5/name", &name) != PSJOB_OK ||
        psjob_status_get_json(r->status, "/outputs/0/layers/7", &json) != PSJOB_OK ||
        psjob_status_get_len(r->status, "/outputs/0/layers", &n) != PSJOB_OK) {
      r->failed++;
      continue;
    }
    if (r->name == NULL) {
      r->name = name;
      r->json = json;
      r->layers = n;
    } else if (r->name != name || r->json != json || r->layers != n) {
      r->failed++;
    }
    if (psjob_status_state(r->status) != PSJOB_STATE_SUCCEEDED) r->failed++;
  }
  return NULL;
}

static void test_shared_status(void) {
  psjob_client *client = mock_client(0);
  psjob_status *s = GET_OK(client, "big-t1");
  struct reader readers[THREADS];
  pthread_t threads[THREADS];
  int i;
  if (s == NULL) {
    psjob_client_free(client);
    return;
  }
  for (i = 0; i < THREADS; i++) {
    memset(&readers[i], 0, sizeof readers[i]);
    readers[i].status = s;
    CHECK(pthread_create(&threads[i], NULL, read_status, &readers[i]) == 0);
  }
  for (i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    CHECK_I64(readers[i].failed, 0);
    CHECK(readers[i].name == readers[0].name);
    CHECK(readers[i].json == readers[0].json);
    CHECK(readers[i].layers > 100);
  }
  CHECK(contains(readers[0].name, "layer-"));
  psjob_status_free(s);
  psjob_client_free(client);
}

/* Threads downloading to the same destination at once: each writes its own
 * temporary file, the last rename wins, the file is whole, nothing is left. */
struct downloader {
  psjob_client *client;
  const char *url;
  const char *path;
  psjob_result rc;
  uint64_t bytes;
};

static void *download(void *arg) {
  struct downloader *d = (struct downloader *)arg;
  d->rc = psjob_client_download(d->client, d->url, d->path, &d->bytes);
  return NULL;
}

static void test_shared_destination(void) {
  psjob_client *client = mock_client(1);
  struct downloader d[THREADS];
  pthread_t threads[THREADS];
  char dir[64], path[128], url[256];
  DIR *dh;
  struct dirent *e;
  int i, entries = 0;
  struct stat st;

  snprintf(dir, sizeof dir, "/tmp/psjob-threads-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/same.bin", dir);
  mock_url(url, sizeof url, "/files/same.bin?size=300000");
  for (i = 0; i < THREADS; i++) {
    d[i].client = client;
    d[i].url = url;
    d[i].path = path;
    d[i].rc = PSJOB_ERR_INTERNAL;
    d[i].bytes = 0;
    CHECK(pthread_create(&threads[i], NULL, download, &d[i]) == 0);
  }
  for (i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    CHECK_I64(d[i].rc, PSJOB_OK);
    CHECK_I64(d[i].bytes, 300000);
  }
  CHECK(stat(path, &st) == 0 && st.st_size == 300000);
  dh = opendir(dir);
  CHECK(dh != NULL);
  while (dh != NULL && (e = readdir(dh)) != NULL) {
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
      entries++;
      if (strcmp(e->d_name, "same.bin") != 0) fprintf(stderr, "left behind: %s\n", e->d_name);
    }
  }
  if (dh != NULL) closedir(dh);
  CHECK_I64(entries, 1);
  remove(path);
  rmdir(dir);
  psjob_client_free(client);
}

int main(void) {
  RUN(test_shared_client);
  RUN(test_shared_status);
  RUN(test_shared_destination);
  mock_done();
  return check_finish();
}
