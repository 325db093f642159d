/* Downloads through the C ABI (API.md section 4, "Download"): the bytes
 * arrive whole or not at all, the destination is replaced atomically, no
 * temporary file survives a failure, redirects are followed, and credentials
 * go only to trusted hosts. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "mock_helpers.c"

static char dir[256];

static const char *in_dir(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "%s/%s", dir, name);
  return buf;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
  fputs(text, f);
  fclose(f);
}

/* The whole file as a malloc'd buffer (NULL if missing); *len its size. */
static unsigned char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  unsigned char *buf;
  long n;
  *len = 0;
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = (unsigned char *)malloc((size_t)n + 1);
  if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) exit(2);
  buf[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* True when the file holds exactly `size` bytes of the mock's pattern. */
static int has_pattern(const char *path, size_t size) {
  size_t len = 0, i;
  unsigned char *buf = read_file(path, &len);
  int ok = buf != NULL && len == size;
  for (i = 0; ok && i < len; i++) {
    if (buf[i] != (unsigned char)(i % 251)) ok = 0;
  }
  free(buf);
  return ok;
}

static int file_is(const char *path, const char *text) {
  size_t len = 0;
  unsigned char *buf = read_file(path, &len);
  int ok = buf != NULL && len == strlen(text) && memcmp(buf, text, len) == 0;
  free(buf);
  return ok;
}

/* The names in `d` other than those listed (NULL-terminated), joined with
 * spaces into `out`; "" when there are none. */
static const char *extra_files(const char *d, const char *const *expected) {
  static char out[2048];
  DIR *dh = opendir(d);
  struct dirent *e;
  out[0] = '\0';
  if (dh == NULL) return "(cannot open the directory)";
  while ((e = readdir(dh)) != NULL) {
    const char *const *x;
    int known = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    for (x = expected; !known && *x != NULL; x++) {
      if (strcmp(e->d_name, *x) == 0) known = 1;
    }
    if (!known) {
      strncat(out, e->d_name, sizeof out - strlen(out) - 2);
      strncat(out, " ", sizeof out - strlen(out) - 1);
    }
  }
  closedir(dh);
  return out;
}

/* download must fail with `expected`, leaving *bytes untouched. */
#define DOWNLOAD_FAILS(client, url, path, expected) \
  download_fails_at(__FILE__, __LINE__, (client), (url), (path), (expected))
static void download_fails_at(const char *file, int line, psjob_client *client, const char *url,
                              const char *path, psjob_result expected) {
  uint64_t bytes = 4242;
  psjob_result rc = psjob_client_download(client, url, path, &bytes);
  if (rc == expected && bytes == 4242) {
    check_passed++;
  } else {
    check_failed++;
    fprintf(stderr, "%s:%d: download(%s -> %s) gave %s (bytes %llu), expected %s (last error: %s)\n",
            file, line, url ? url : "(null)", path ? path : "(null)",
            psjob_result_name((int32_t)rc), (unsigned long long)bytes,
            psjob_result_name((int32_t)expected), psjob_last_error());
  }
}

static void test_download_ok(psjob_client *client) {
  char url[512], path[512];
  uint64_t bytes = 0;
  static const char *const only_a[] = {"a.bin", NULL};
  static const char *const a_b[] = {"a.bin", "b.bin", NULL};

  CHECK_RC(psjob_client_download(client, mock_url(url, sizeof url, "/files/a.bin?size=100000"),
                                 in_dir(path, sizeof path, "a.bin"), &bytes),
           PSJOB_OK);
  CHECK(bytes == 100000);
  CHECK(has_pattern(path, 100000));
  CHECK_STR(extra_files(dir, only_a), "");

  /* bytes NULL is fine; an existing file is replaced. */
  write_file(in_dir(path, sizeof path, "b.bin"), "old content");
  CHECK_RC(psjob_client_download(client, mock_url(url, sizeof url, "/files/b.bin?size=3000"), path,
                                 NULL),
           PSJOB_OK);
  CHECK(has_pattern(path, 3000));
  /* Empty bodies too. */
  bytes = 99;
  CHECK_RC(psjob_client_download(client, mock_url(url, sizeof url, "/files/b.bin?size=0"), path,
                                 &bytes),
           PSJOB_OK);
  CHECK(bytes == 0);
  CHECK(has_pattern(path, 0));
  CHECK_STR(extra_files(dir, a_b), "");
  remove(path);
  remove(in_dir(path, sizeof path, "a.bin"));

  /* A relative path: the temporary file goes beside it, in the current directory. */
  {
    char cwd[1024];
    static const char *const rel[] = {"rel.bin", NULL};
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(dir) == 0);
    bytes = 0;
    CHECK_RC(psjob_client_download(client, mock_url(url, sizeof url, "/files/rel.bin?size=999"),
                                   "rel.bin", &bytes),
             PSJOB_OK);
    CHECK(bytes == 999 && has_pattern("rel.bin", 999));
    CHECK_STR(extra_files(".", rel), "");
    remove("rel.bin");
    CHECK(chdir(cwd) == 0);
  }

  /* Redirects on the same host, up to five. */
  bytes = 0;
  CHECK_RC(psjob_client_download(client,
                                 mock_url(url, sizeof url, "/files/redirect-b.bin?size=5000"),
                                 in_dir(path, sizeof path, "b.bin"), &bytes),
           PSJOB_OK);
  CHECK(bytes == 5000 && has_pattern(path, 5000));
  CHECK_I64(mock_count("/files/b.bin?size=5000"), 1);
  CHECK_STR(mock_header("/files/b.bin?size=5000", 0, "authorization"), "Bearer mock-token");
  remove(path);
  CHECK_RC(psjob_client_download(
               client,
               mock_url(url, sizeof url,
                        "/files/redirect-redirect-redirect-redirect-redirect-r5.bin?size=10"),
               in_dir(path, sizeof path, "b.bin"), &bytes),
           PSJOB_OK);
  CHECK(bytes == 10);
  remove(path);
  write_file(path, "keep me");
  DOWNLOAD_FAILS(
      client,
      mock_url(url, sizeof url,
               "/files/redirect-redirect-redirect-redirect-redirect-redirect-r6.bin?size=10"),
      path, PSJOB_ERR_HTTP);
  CHECK(file_is(path, "keep me"));
  CHECK_I64(mock_count("/files/r6.bin"), 0);
  CHECK_STR(extra_files(dir, a_b), "");
  remove(path);
}

static void test_download_credentials(psjob_client *client) {
  char url[512], path[512], host[64];
  uint64_t bytes = 0;

  snprintf(host, sizeof host, "localhost:%s", mock_port());

  /* offhost: 127.0.0.1 (trusted, loopback) gets the credentials, the
   * redirect to localhost does not. */
  CHECK_RC(psjob_client_download(client, mock_url(url, sizeof url, "/files/offhost-c.bin?size=777"),
                                 in_dir(path, sizeof path, "c.bin"), &bytes),
           PSJOB_OK);
  CHECK(bytes == 777 && has_pattern(path, 777));
  CHECK_I64(mock_count("/files/offhost-c.bin"), 1);
  CHECK_STR(mock_header("/files/offhost-c.bin", 0, "authorization"), "Bearer mock-token");
  CHECK_STR(mock_header("/files/offhost-c.bin", 0, "x-api-key"), "mock-key");
  CHECK_I64(mock_count("/files/c.bin"), 1);
  CHECK_STR(mock_header("/files/c.bin", 0, "host"), host);
  CHECK_STR(mock_header("/files/c.bin", 0, "authorization"), "");
  CHECK_STR(mock_header("/files/c.bin", 0, "x-api-key"), "");
  CHECK_STR(mock_header("/files/c.bin", 0, "x-gw-ims-org-id"), "");
  remove(path);

  /* An untrusted host (a presigned URL, say) is not refused, and gets nothing. */
  bytes = 0;
  CHECK_RC(psjob_client_download(client, localhost_url(url, sizeof url, "/files/d.bin?size=1234"),
                                 in_dir(path, sizeof path, "d.bin"), &bytes),
           PSJOB_OK);
  CHECK(bytes == 1234 && has_pattern(path, 1234));
  CHECK_I64(mock_count("/files/d.bin"), 1);
  CHECK_STR(mock_header("/files/d.bin", 0, "host"), host);
  CHECK_STR(mock_header("/files/d.bin", 0, "authorization"), "");
  CHECK_STR(mock_header("/files/d.bin", 0, "x-api-key"), "");
  CHECK_STR(mock_header("/files/d.bin", 0, "x-gw-ims-org-id"), "");
  remove(path);
}

static void test_download_failures(psjob_client *client) {
  char url[512], path[512], sub[300];
  static const char *const only_x[] = {"x.bin", NULL};
  static const char *const x_sub[] = {"x.bin", "sub", NULL};
  static const char *const none[] = {NULL};

  /* Broken transfer: retried, then TRANSPORT; destination kept, no temp file. */
  in_dir(path, sizeof path, "x.bin");
  write_file(path, "precious");
  DOWNLOAD_FAILS(client, mock_url(url, sizeof url, "/files/broken-x.bin?size=200000"), path,
                 PSJOB_ERR_TRANSPORT);
  CHECK_LAST(200, NULL);
  CHECK(file_is(path, "precious"));
  CHECK_STR(extra_files(dir, only_x), "");
  CHECK_I64(mock_count("/files/broken-x.bin"), 2); /* max_retries 1 */

  /* 404. */
  DOWNLOAD_FAILS(client, mock_url(url, sizeof url, "/files/missing-x"), path, PSJOB_ERR_NOT_FOUND);
  CHECK_LAST(404, NULL);
  CHECK(file_is(path, "precious"));
  CHECK_STR(extra_files(dir, only_x), "");

  /* 400 (a size the mock refuses): not retried. */
  DOWNLOAD_FAILS(client, mock_url(url, sizeof url, "/files/e.bin?size=999999999999"), path,
                 PSJOB_ERR_HTTP);
  CHECK_LAST(400, NULL);
  CHECK_I64(mock_count("/files/e.bin"), 1);
  CHECK(file_is(path, "precious"));

  /* The destination is a directory. */
  in_dir(sub, sizeof sub, "sub");
  CHECK(mkdir(sub, 0755) == 0);
  DOWNLOAD_FAILS(client, mock_url(url, sizeof url, "/files/f.bin?size=100"), sub, PSJOB_ERR_IO);
  CHECK_LAST(0, NULL);
  CHECK_STR(extra_files(sub, none), "");
  CHECK_STR(extra_files(dir, x_sub), "");

  /* In a directory that does not exist. */
  snprintf(path, sizeof path, "%s/no/such/dir/f.bin", dir);
  DOWNLOAD_FAILS(client, mock_url(url, sizeof url, "/files/f.bin?size=100"), path, PSJOB_ERR_IO);
  CHECK_STR(extra_files(dir, x_sub), "");

  /* In a read-only directory (root ignores permissions: skipped then). */
  if (geteuid() != 0) {
    CHECK(chmod(sub, 0555) == 0);
    snprintf(path, sizeof path, "%s/ro.bin", sub);
    DOWNLOAD_FAILS(client, mock_url(url, sizeof url, "/files/f.bin?size=100"), path, PSJOB_ERR_IO);
    CHECK_STR(extra_files(sub, none), "");
    chmod(sub, 0755);
  } else {
    printf("download_test: running as root, read-only directory check skipped\n");
  }
  rmdir(sub);

  /* NULL and bad arguments. */
  in_dir(path, sizeof path, "x.bin");
  mock_url(url, sizeof url, "/files/g.bin?size=10");
  DOWNLOAD_FAILS(NULL, url, path, PSJOB_ERR_INVALID_ARGUMENT);
  DOWNLOAD_FAILS(client, NULL, path, PSJOB_ERR_INVALID_ARGUMENT);
  DOWNLOAD_FAILS(client, url, NULL, PSJOB_ERR_INVALID_ARGUMENT);
  DOWNLOAD_FAILS(client, "not a url", path, PSJOB_ERR_INVALID_ARGUMENT);
  DOWNLOAD_FAILS(client, "ftp://127.0.0.1/files/g.bin", path, PSJOB_ERR_INVALID_ARGUMENT);
  DOWNLOAD_FAILS(client, "", path, PSJOB_ERR_INVALID_ARGUMENT);
  DOWNLOAD_FAILS(client, url, "x\xff.bin", PSJOB_ERR_INVALID_ARGUMENT);
  {
    char crlf[512];
    snprintf(crlf, sizeof crlf, "%s/files/g.bin\r\nX-Evil: 1", mock_base());
    DOWNLOAD_FAILS(client, crlf, path, PSJOB_ERR_INVALID_ARGUMENT);
  }
  CHECK_I64(mock_count("/files/g.bin"), 0);
  CHECK(file_is(path, "precious"));
  CHECK_STR(extra_files(dir, only_x), "");
  remove(path);
}

/* A full disk, simulated with RLIMIT_FSIZE in a child process (writes past
 * the limit fail with EFBIG once SIGXFSZ is ignored). */
static void test_disk_full(void) {
  char url[512], path[512];
  static const char *const only_y[] = {"y.bin", NULL};
  pid_t pid;
  int status = 0;
  in_dir(path, sizeof path, "y.bin");
  write_file(path, "old");
  mock_url(url, sizeof url, "/files/h.bin?size=300000");
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid == 0) {
    struct rlimit lim;
    psjob_client *client = NULL;
    psjob_config *c;
    uint64_t bytes = 4242;
    psjob_result rc;
    signal(SIGXFSZ, SIG_IGN);
    lim.rlim_cur = 50000;
    lim.rlim_max = 50000;
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(100);
    c = mock_config(0);
    if (psjob_client_new(c, &client) != PSJOB_OK) _exit(101);
    psjob_config_free(c);
    rc = psjob_client_download(client, url, path, &bytes);
    if (rc != PSJOB_ERR_IO) {
      fprintf(stderr, "disk full: download gave %s: %s\n", psjob_result_name((int32_t)rc),
              psjob_last_error());
    }
    psjob_client_free(client);
    _exit(rc == PSJOB_ERR_IO && bytes == 4242 ? 0 : 10 + (int)rc);
  }
  CHECK(pid > 0);
  if (pid > 0) {
    waitpid(pid, &status, 0);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed (see above)");
    CHECK(file_is(path, "old"));
    CHECK_STR(extra_files(dir, only_y), "");
  }
  remove(path);
}

int main(void) {
  psjob_client *client;
  static const char *const none[] = {NULL};
  snprintf(dir, sizeof dir, "/tmp/psjob-download-XXXXXX");
  if (mkdtemp(dir) == NULL) {
    fprintf(stderr, "mkdtemp failed\n");
    return 2;
  }
  client = mock_client(1);
  test_download_ok(client);
  test_download_credentials(client);
  test_download_failures(client);
  test_disk_full();
  psjob_client_free(client);
  CHECK_STR(extra_files(dir, none), "");
  rmdir(dir);
  CHECK(contains(dir, "psjob-download-"));
  mock_done();
  return check_finish();
}
