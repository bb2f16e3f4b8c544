#include "kora/storage/crc32c.h"

#include <array>
#include <cstring>

#include "crc32c_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define KORA_CRC32C_X86 1
#else
#define KORA_CRC32C_X86 0
#endif

namespace kora::storage {
namespace internal {
namespace {

constexpr std::uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr Tables make_tables() {
  Tables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? kPoly : 0u);
    t[0][i] = crc;
  }
  for (std::uint32_t i = 0; i < 256; ++i) {
    for (std::size_t k = 1; k < 8; ++k) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFFu];
  }
  return t;
}

constexpr Tables kTables = make_tables();

std::uint64_t load_le64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::uint32_t crc32c_portable(std::string_view data, std::uint32_t seed) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t n = data.size();
  std::uint32_t crc = ~seed;
  while (n >= 8) {
    const std::uint64_t v = load_le64(p) ^ crc;
    crc = kTables[7][v & 0xFF] ^ kTables[6][(v >> 8) & 0xFF] ^ kTables[5][(v >> 16) & 0xFF] ^
          kTables[4][(v >> 24) & 0xFF] ^ kTables[3][(v >> 32) & 0xFF] ^
          kTables[2][(v >> 40) & 0xFF] ^ kTables[1][(v >> 48) & 0xFF] ^ kTables[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xFFu];
  return ~crc;
}

#if KORA_CRC32C_X86

bool crc32c_sse42_supported() { return __builtin_cpu_supports("sse4.2") != 0; }

__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::string_view data,
                                                             std::uint32_t seed) {
  const char* p = data.data();
  std::size_t n = data.size();
  std::uint32_t crc32 = ~seed;
#if defined(__x86_64__)
  std::uint64_t crc = crc32;
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);  // x86 is little endian; unaligned-safe load
    crc = _mm_crc32_u64(crc, v);
    p += 8;
    n -= 8;
  }
  crc32 = static_cast<std::uint32_t>(crc);
#endif
  while (n >= 4) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    crc32 = _mm_crc32_u32(crc32, v);
    p += 4;
    n -= 4;
  }
  while (n-- > 0) crc32 = _mm_crc32_u8(crc32, static_cast<unsigned char>(*p++));
  return ~crc32;
}

#else

bool crc32c_sse42_supported() { return false; }

std::uint32_t crc32c_sse42(std::string_view data, std::uint32_t seed) {
  return crc32c_portable(data, seed);
}

#endif

}  // namespace internal

namespace {

using CrcFn = std::uint32_t (*)(std::string_view, std::uint32_t);

CrcFn select_crc32c() {
  return internal::crc32c_sse42_supported() ? &internal::crc32c_sse42 : &internal::crc32c_portable;
}

}  // namespace

std::uint32_t crc32c(std::string_view data, std::uint32_t seed) {
  static const CrcFn fn = select_crc32c();  // resolved once, thread-safe
  return fn(data, seed);
}

bool crc32c_hardware_accelerated() { return internal::crc32c_sse42_supported(); }

}  // namespace kora::storage
