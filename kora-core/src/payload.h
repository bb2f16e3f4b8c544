#pragma once
// The byte-level pieces of DUMP/snapshot bodies, shared by the payload framing
// (dump.cc) and the built-in types' serializers (type_registry.cc).

#include <cstdint>
#include <string>
#include <string_view>

#include "varint.h"

namespace kora::core::payload {

inline void put_varint(std::string& out, std::uint64_t v) {
  unsigned char buf[10];
  out.append(reinterpret_cast<const char*>(buf), varint::put(buf, v));
}

inline void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

// Reads the body of a payload; every read is bounds-checked.
class Reader {
 public:
  explicit Reader(std::string_view body) : rest_(body) {}
  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (rest_.empty()) return false;
      auto b = static_cast<unsigned char>(rest_[0]);
      rest_.remove_prefix(1);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool bytes(std::string_view& s) {
    std::uint64_t n;
    if (!varint(n) || n > rest_.size()) return false;
    s = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }
  // A count of elements, each at least one byte long.
  bool count(std::uint64_t& n) { return varint(n) && n <= rest_.size(); }
  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};


}  // namespace kora::core::payload
