#include "kora/storage/crc32c.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>

#include "crc32c_internal.h"

namespace {

using kora::storage::crc32c;
namespace internal = kora::storage::internal;

struct Vector {
  std::string data;
  std::uint32_t crc;
};

// RFC 3720 (iSCSI) appendix B.4 and the classic check value.
std::vector<Vector> known_vectors() {
  std::vector<Vector> v;
  v.push_back({"123456789", 0xE3069283u});
  v.push_back({"", 0x00000000u});
  v.push_back({std::string(32, '\0'), 0x8A9136AAu});
  v.push_back({std::string(32, '\xFF'), 0x62A8AB43u});
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  v.push_back({ascending, 0x46DD794Eu});
  v.push_back({descending, 0x113FDB5Cu});
  return v;
}

std::string random_bytes(std::mt19937_64& rng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

}  // namespace

TEST_CASE("crc32c matches known vectors on every path", "[crc32c]") {
  for (const auto& v : known_vectors()) {
    CAPTURE(v.data.size());
    CHECK(crc32c(v.data) == v.crc);
    CHECK(internal::crc32c_portable(v.data, 0) == v.crc);
    if (internal::crc32c_sse42_supported()) CHECK(internal::crc32c_sse42(v.data, 0) == v.crc);
  }
}

TEST_CASE("crc32c reports the path it uses", "[crc32c]") {
  CHECK(kora::storage::crc32c_hardware_accelerated() == internal::crc32c_sse42_supported());
}

TEST_CASE("crc32c extends: crc(b, crc(a)) == crc(a + b)", "[crc32c]") {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 200; ++round) {
    const std::string a = random_bytes(rng, rng() % 300);
    const std::string b = random_bytes(rng, rng() % 300);
    const std::uint32_t whole = crc32c(a + b);
    CHECK(crc32c(b, crc32c(a)) == whole);
    CHECK(internal::crc32c_portable(b, internal::crc32c_portable(a, 0)) == whole);
    if (internal::crc32c_sse42_supported()) {
      CHECK(internal::crc32c_sse42(b, internal::crc32c_sse42(a, 0)) == whole);
    }
  }
}

TEST_CASE("hardware and table paths agree on every length and alignment", "[crc32c]") {
  if (!internal::crc32c_sse42_supported()) {
    WARN("no SSE4.2 on this machine: only the table path is tested");
    return;
  }
  std::mt19937_64 rng(7);
  const std::string buf = random_bytes(rng, 4096 + 16);
  for (std::size_t offset = 0; offset < 16; ++offset) {
    for (std::size_t len = 0; len < 300; ++len) {
      const std::string_view s(buf.data() + offset, len);
      REQUIRE(internal::crc32c_sse42(s, 0x1234u) == internal::crc32c_portable(s, 0x1234u));
    }
  }
  const std::string_view big(buf.data() + 3, 4096);
  CHECK(internal::crc32c_sse42(big, 0) == internal::crc32c_portable(big, 0));
}

TEST_CASE("mask and unmask are inverse and change the value", "[crc32c]") {
  using kora::storage::crc32c_mask;
  using kora::storage::crc32c_unmask;
  for (std::uint32_t c : {0u, 1u, 0xE3069283u, 0xFFFFFFFFu, 0x80000000u}) {
    CHECK(crc32c_unmask(crc32c_mask(c)) == c);
    CHECK(crc32c_mask(c) != c);
    CHECK(crc32c_mask(crc32c_mask(c)) != crc32c_mask(c));
  }
  static_assert(crc32c_unmask(crc32c_mask(0x12345678u)) == 0x12345678u);
}
