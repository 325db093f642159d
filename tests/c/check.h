/* A minimal test framework for the C tests: counts checks, prints failures
 * with the library's last error, and ends with "N passed, N failed". */
#ifndef PSJOB_CHECK_H
#define PSJOB_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psjob.h"

static int check_passed = 0;
static int check_failed = 0;

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (cond) {                                                                      \
      check_passed++;                                                                \
    } else {                                                                         \
      check_failed++;                                                                \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);       \
    }                                                                                \
  } while (0)

/* Checks a call's result code; on a mismatch shows the last error. */
#define CHECK_RC(call, expected)                                                     \
  do {                                                                               \
    psjob_result check_rc_ = (call);                                                 \
    if (check_rc_ == (expected)) {                                                   \
      check_passed++;                                                                \
    } else {                                                                         \
      check_failed++;                                                                \
      fprintf(stderr, "%s:%d: %s gave %s, expected %s (last error: %s)\n", __FILE__, \
              __LINE__, #call, psjob_result_name((int32_t)check_rc_),                \
              psjob_result_name((int32_t)(expected)), psjob_last_error());           \
    }                                                                                \
  } while (0)

#define CHECK_STR(actual, expected)                                                  \
  do {                                                                               \
    const char *check_a_ = (actual);                                                 \
    const char *check_e_ = (expected);                                               \
    if (check_a_ != NULL && check_e_ != NULL && strcmp(check_a_, check_e_) == 0) {    \
      check_passed++;                                                                \
    } else {                                                                         \
      check_failed++;                                                                \
      fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__,  \
              #actual, check_a_ ? check_a_ : "(null)", check_e_ ? check_e_ : "(null)"); \
    }                                                                                \
  } while (0)

/* True when `haystack` contains `needle` (NULL-safe). */
static int contains(const char *haystack, const char *needle) {
  return haystack != NULL && needle != NULL && strstr(haystack, needle) != NULL;
}

static int check_finish(void) {
  printf("%d passed, %d failed\n", check_passed, check_failed);
  return check_failed == 0 ? 0 : 1;
}

#endif
