#pragma once
// CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78): the checksum of
// every WAL record and compressed block Kora writes.
//
// The SSE4.2 `crc32` instruction is used when the CPU has it (checked once, at first
// call); otherwise a portable slicing-by-8 table. Both give identical results.
// All functions are pure and thread-safe.

#include <cstdint>
#include <string_view>

namespace kora::storage {

// CRC32C of `data`, extending `seed`, a previous crc32c() result (0 to start):
//   crc32c(b, crc32c(a)) == crc32c(a + b), crc32c("") == 0,
//   crc32c("123456789") == 0xE3069283.
// O(len(data)).
std::uint32_t crc32c(std::string_view data, std::uint32_t seed = 0);

// True if crc32c() uses the SSE4.2 instruction on this machine.
bool crc32c_hardware_accelerated();

// A CRC stored next to the data it covers is masked (as in LevelDB), so that the CRC
// of a string that itself embeds CRCs does not degenerate. unmask(mask(c)) == c.
inline constexpr std::uint32_t kCrcMaskDelta = 0xa282ead8u;

constexpr std::uint32_t crc32c_mask(std::uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kCrcMaskDelta;
}

constexpr std::uint32_t crc32c_unmask(std::uint32_t masked) {
  const std::uint32_t rot = masked - kCrcMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace kora::storage
