/*
 * psjob_wait: wait for a Photoshop API job and print its outputs.
 *
 *   psjob_wait [--interval MS] [--timeout MS] [--download DIR] URL_OR_JOB_ID
 *
 * Credentials come from the environment: PSJOB_TOKEN (Authorization: Bearer)
 * and PSJOB_API_KEY (x-api-key), or PSJOB_CLIENT_ID + PSJOB_CLIENT_SECRET to
 * fetch tokens from IMS (PSJOB_IMS_URL overrides the IMS endpoint).
 * PSJOB_STATUS_BASE_URL sets where a bare job id is resolved, and
 * PSJOB_TRUSTED_HOSTS (comma-separated) adds hosts that may receive the
 * credentials. PSJOB_LOG=debug shows every request.
 *
 * Prints one line per poll, then every output with its state, renditions and
 * errors. Exit status: 0 the job succeeded, 2 it failed (or partly), 1 error.
 *
 * Build: cc -Iinclude examples/psjob_wait.c -Ltarget/release -lpsjob -o psjob_wait
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psjob.h"

static int fail(const char *what, psjob_result rc) {
  int http = psjob_last_http_status();
  fprintf(stderr, "psjob_wait: %s: %s: %s", what, psjob_result_name((int32_t)rc), psjob_last_error());
  if (http != 0) fprintf(stderr, " [HTTP %d]", http);
  fputc('\n', stderr);
  return 1;
}

struct progress {
  int polls;
};

static int32_t on_poll(const psjob_status *status, void *user_data) {
  struct progress *p = (struct progress *)user_data;
  psjob_state state = psjob_status_state(status);
  p->polls++;
  printf("poll %d: %s (HTTP %d)\n", p->polls, psjob_state_name((int32_t)state),
         (int)psjob_status_http_status(status));
  fflush(stdout);
  return 0;
}

static const char *or_dash(const char *s) { return s != NULL ? s : "-"; }

/* The file name extension for a media type, for downloads. */
static const char *extension(const char *media_type) {
  if (media_type == NULL) return "bin";
  if (strcmp(media_type, "image/jpeg") == 0) return "jpg";
  if (strcmp(media_type, "image/png") == 0) return "png";
  if (strcmp(media_type, "image/vnd.adobe.photoshop") == 0) return "psd";
  if (strcmp(media_type, "image/tiff") == 0) return "tif";
  if (strcmp(media_type, "application/json") == 0) return "json";
  return "bin";
}

static int configure(psjob_config *config) {
  const char *token = getenv("PSJOB_TOKEN");
  const char *api_key = getenv("PSJOB_API_KEY");
  const char *client_id = getenv("PSJOB_CLIENT_ID");
  const char *client_secret = getenv("PSJOB_CLIENT_SECRET");
  const char *ims_url = getenv("PSJOB_IMS_URL");
  const char *base = getenv("PSJOB_STATUS_BASE_URL");
  const char *trusted = getenv("PSJOB_TRUSTED_HOSTS");
  psjob_result rc;

  if (token && *token && (rc = psjob_config_set_token(config, token)) != PSJOB_OK)
    return fail("PSJOB_TOKEN", rc);
  if (api_key && *api_key && (rc = psjob_config_set_api_key(config, api_key)) != PSJOB_OK)
    return fail("PSJOB_API_KEY", rc);
  if (client_id && client_secret &&
      (rc = psjob_config_set_client_credentials(config, client_id, client_secret, NULL)) != PSJOB_OK)
    return fail("PSJOB_CLIENT_ID/PSJOB_CLIENT_SECRET", rc);
  if (ims_url && (rc = psjob_config_set_ims_url(config, ims_url)) != PSJOB_OK)
    return fail("PSJOB_IMS_URL", rc);
  if (base && (rc = psjob_config_set_status_base_url(config, base)) != PSJOB_OK)
    return fail("PSJOB_STATUS_BASE_URL", rc);
  if (trusted) {
    char *copy = (char *)malloc(strlen(trusted) + 1);
    char *host;
    if (copy == NULL) return 1;
    strcpy(copy, trusted);
    for (host = strtok(copy, ","); host != NULL; host = strtok(NULL, ",")) {
      if ((rc = psjob_config_add_trusted_host(config, host)) != PSJOB_OK) {
        free(copy);
        return fail("PSJOB_TRUSTED_HOSTS", rc);
      }
    }
    free(copy);
  }
  return 0;
}

static int download_all(psjob_client *client, const psjob_status *status, const char *dir) {
  size_t i, j;
  int errors = 0;
  for (i = 0; i < psjob_status_output_count(status); i++) {
    const psjob_output *o = psjob_status_output(status, i);
    for (j = 0; j < psjob_output_rendition_count(o); j++) {
      const psjob_rendition *r = psjob_output_rendition(o, j);
      const char *href = psjob_rendition_href(r);
      char path[4096];
      uint64_t bytes = 0;
      psjob_result rc;
      if (href == NULL) continue;
      snprintf(path, sizeof path, "%s/output-%zu-%zu.%s", dir, i, j, extension(psjob_rendition_type(r)));
      rc = psjob_client_download(client, href, path, &bytes);
      if (rc != PSJOB_OK) {
        fail("download", rc);
        errors++;
      } else {
        printf("downloaded %s (%llu bytes)\n", path, (unsigned long long)bytes);
      }
    }
  }
  return errors;
}

static void usage(void) {
  fprintf(stderr,
          "usage: psjob_wait [--interval MS] [--timeout MS] [--download DIR] URL_OR_JOB_ID\n"
          "credentials: PSJOB_TOKEN and PSJOB_API_KEY, or PSJOB_CLIENT_ID and PSJOB_CLIENT_SECRET\n");
}

int main(int argc, char **argv) {
  const char *target = NULL, *download_dir = NULL;
  unsigned long interval = 2000, timeout = 900000;
  psjob_config *config = NULL;
  psjob_client *client = NULL;
  psjob_wait_options *options = NULL;
  psjob_status *status = NULL;
  struct progress progress = {0};
  psjob_result rc;
  psjob_state state;
  int i, exit_code = 1;
  size_t o, k;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
      interval = strtoul(argv[++i], NULL, 10);
    } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
      timeout = strtoul(argv[++i], NULL, 10);
    } else if (strcmp(argv[i], "--download") == 0 && i + 1 < argc) {
      download_dir = argv[++i];
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage();
      return 0;
    } else if (argv[i][0] == '-' || target != NULL) {
      usage();
      return 1;
    } else {
      target = argv[i];
    }
  }
  if (target == NULL) {
    usage();
    return 1;
  }

  config = psjob_config_new();
  options = psjob_wait_options_new();
  if (config == NULL || options == NULL) goto done;
  if (configure(config) != 0) goto done;
  if ((rc = psjob_client_new(config, &client)) != PSJOB_OK) {
    fail("client", rc);
    goto done;
  }
  if ((rc = psjob_wait_options_set_interval_ms(options, (uint32_t)interval)) != PSJOB_OK ||
      (rc = psjob_wait_options_set_timeout_ms(options, (uint64_t)timeout)) != PSJOB_OK ||
      (rc = psjob_wait_options_set_progress(options, on_poll, &progress)) != PSJOB_OK) {
    fail("options", rc);
    goto done;
  }

  printf("waiting for %s\n", target);
  rc = psjob_client_wait(client, target, options, &status);
  if (rc != PSJOB_OK) {
    fail("wait", rc);
    goto done;
  }

  state = psjob_status_state(status);
  printf("job %s: %s\n", or_dash(psjob_status_job_id(status)), psjob_state_name((int32_t)state));
  for (o = 0; o < psjob_status_output_count(status); o++) {
    const psjob_output *out = psjob_status_output(status, o);
    printf("output %zu: %s", o, psjob_state_name((int32_t)psjob_output_state(out)));
    if (psjob_output_input(out) != NULL) printf(" (input %s)", psjob_output_input(out));
    putchar('\n');
    for (k = 0; k < psjob_output_rendition_count(out); k++) {
      const psjob_rendition *r = psjob_output_rendition(out, k);
      printf("  rendition %zu: %s type=%s", k, or_dash(psjob_rendition_href(r)),
             or_dash(psjob_rendition_type(r)));
      if (psjob_rendition_width(r) >= 0) printf(" width=%lld", (long long)psjob_rendition_width(r));
      putchar('\n');
    }
    for (k = 0; k < psjob_output_error_count(out); k++) {
      const psjob_job_error *e = psjob_output_error(out, k);
      size_t d;
      printf("  error %zu: %s %s: %s\n", k, or_dash(psjob_job_error_code(e)),
             or_dash(psjob_job_error_type(e)), or_dash(psjob_job_error_title(e)));
      for (d = 0; d < psjob_job_error_detail_count(e); d++)
        printf("    %s: %s\n", or_dash(psjob_job_error_detail_name(e, d)),
               or_dash(psjob_job_error_detail_reason(e, d)));
    }
  }
  exit_code = state == PSJOB_STATE_SUCCEEDED ? 0 : 2;
  if (download_dir != NULL && download_all(client, status, download_dir) != 0) exit_code = 1;

done:
  psjob_status_free(status);
  psjob_wait_options_free(options);
  psjob_client_free(client);
  psjob_config_free(config);
  return exit_code;
}
