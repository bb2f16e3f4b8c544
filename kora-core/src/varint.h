#pragma once
// LEB128 lengths: 7 bits per byte, low bits first, the high bit set on every byte
// but the last. The one encoding of every length-prefixed byte run in kora-core
// (keyspace records, listpacks, DUMP payloads). Private to kora-core.

#include <cstddef>
#include <cstdint>

namespace kora::core::varint {

inline std::size_t size(std::uint64_t v) {
  std::size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

// Writes v at p; returns the bytes written (size(v)).
inline std::size_t put(unsigned char* p, std::uint64_t v) {
  std::size_t n = 0;
  for (; v >= 0x80; v >>= 7) p[n++] = static_cast<unsigned char>((v & 0x7f) | 0x80);
  p[n++] = static_cast<unsigned char>(v);
  return n;
}

// Reads a value written by put() at p (trusted memory); returns the bytes read.
inline std::size_t get(const unsigned char* p, std::uint64_t* v) {
  std::uint64_t r = 0;
  std::size_t n = 0;
  for (int shift = 0;; shift += 7) {
    unsigned char b = p[n++];
    r |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  *v = r;
  return n;
}

}  // namespace kora::core::varint
