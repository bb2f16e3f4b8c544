#pragma once
// The two CRC32C implementations behind kora::storage::crc32c(), exposed to the unit
// tests and benchmarks so that both paths are checked on every machine.
// Both take and return the *finalised* CRC (same contract as crc32c()).

#include <cstdint>
#include <string_view>

namespace kora::storage::internal {

// Portable slicing-by-8 table implementation. Always available.
std::uint32_t crc32c_portable(std::string_view data, std::uint32_t seed);

// True if this build and CPU can run crc32c_sse42().
bool crc32c_sse42_supported();

// SSE4.2 implementation. Precondition: crc32c_sse42_supported().
std::uint32_t crc32c_sse42(std::string_view data, std::uint32_t seed);

}  // namespace kora::storage::internal
