/* TLS through the C ABI: an HTTPS status server with a certificate from a
 * CA the test made (PSJOB_TLS_URL, PSJOB_TLS_CA); a second CA that did not
 * sign it (PSJOB_OTHER_CA). Trusted only through psjob_config_set_ca_file. */
#include "check.h"

static psjob_client *client_with(const char *ca_file) {
  psjob_config *c = psjob_config_new();
  psjob_client *client = NULL;
  char base[512];
  snprintf(base, sizeof base, "%s/v2/status/", getenv("PSJOB_TLS_URL"));
  CHECK_RC(psjob_config_set_token(c, "mock-token"), PSJOB_OK);
  CHECK_RC(psjob_config_set_status_base_url(c, base), PSJOB_OK);
  CHECK_RC(psjob_config_set_proxy(c, NULL), PSJOB_OK);
  CHECK_RC(psjob_config_set_max_retries(c, 0), PSJOB_OK);
  if (ca_file != NULL) CHECK_RC(psjob_config_set_ca_file(c, ca_file), PSJOB_OK);
  CHECK_RC(psjob_client_new(c, &client), PSJOB_OK);
  psjob_config_free(c);
  return client;
}

int main(void) {
  psjob_client *client;
  psjob_status *s = NULL;

  if (getenv("PSJOB_TLS_URL") == NULL || getenv("PSJOB_TLS_CA") == NULL) {
    fprintf(stderr, "PSJOB_TLS_URL and PSJOB_TLS_CA must be set\n");
    return 2;
  }

  /* Trusted through the CA file. */
  client = client_with(getenv("PSJOB_TLS_CA"));
  CHECK_RC(psjob_client_get_status(client, "tls-1", &s), PSJOB_OK);
  CHECK(psjob_status_state(s) == PSJOB_STATE_SUCCEEDED);
  psjob_status_free(s);
  s = NULL;
  psjob_client_free(client);

  /* The system's trust store does not know the test CA. */
  client = client_with(NULL);
  CHECK_RC(psjob_client_get_status(client, "tls-1", &s), PSJOB_ERR_TRANSPORT);
  CHECK(s == NULL);
  CHECK(contains(psjob_last_error(), "TLS") || contains(psjob_last_error(), "certificate"));
  CHECK(psjob_last_http_status() == 0);
  psjob_client_free(client);

  /* Nor does another CA. */
  client = client_with(getenv("PSJOB_OTHER_CA"));
  CHECK_RC(psjob_client_get_status(client, "tls-1", &s), PSJOB_ERR_TRANSPORT);
  CHECK(!contains(psjob_last_error(), "mock-token"));
  psjob_client_free(client);

  return check_finish();
}
