#pragma once
// CHECK(cond): the examples' only assertion. Prints the failed condition and
// exits 1, so a run of every example doubles as a test.
#include <cstdio>
#include <cstdlib>

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::exit(1);                                                           \
    }                                                                         \
  } while (0)
