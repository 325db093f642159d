/* A tiny program built against an installed libpsjob by tests/install.rs:
 * with pkg-config (shared and static) and with CMake (tests/cmake). It checks
 * the header and the library agree on the version and parses a status. */
#include <stdio.h>
#include <string.h>

#include <psjob.h>

int main(void) {
  static const char body[] =
      "{\"jobId\":\"hello-1\",\"outputs\":[{\"status\":\"succeeded\","
      "\"_links\":{\"renditions\":[{\"href\":\"https://out.example/a.png\",\"width\":64}]}}]}";
  psjob_status *status = NULL;
  const psjob_output *output;
  psjob_result rc;

  if (strcmp(psjob_version(), PSJOB_VERSION) != 0) {
    fprintf(stderr, "header %s, library %s\n", PSJOB_VERSION, psjob_version());
    return 1;
  }
  rc = psjob_status_parse(body, sizeof body - 1, &status);
  if (rc != PSJOB_OK) {
    fprintf(stderr, "parse: %s: %s\n", psjob_result_name((int32_t)rc), psjob_last_error());
    return 1;
  }
  output = psjob_status_output(status, 0);
  if (psjob_status_state(status) != PSJOB_STATE_SUCCEEDED ||
      psjob_rendition_width(psjob_output_rendition(output, 0)) != 64) {
    fprintf(stderr, "unexpected status\n");
    psjob_status_free(status);
    return 1;
  }
  rc = psjob_status_parse("not json", 8, &status);
  if (rc != PSJOB_ERR_PARSE || psjob_last_error()[0] == '\0') {
    fprintf(stderr, "a bad body gave %s\n", psjob_result_name((int32_t)rc));
    return 1;
  }
  printf("hello from psjob %s: job %s %s, %s\n", psjob_version(), psjob_status_job_id(status),
         psjob_state_name(psjob_status_state(status)),
         psjob_rendition_href(psjob_output_rendition(output, 0)));
  psjob_status_free(status);
  return 0;
}
