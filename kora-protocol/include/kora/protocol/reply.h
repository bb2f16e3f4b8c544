#pragma once
// Reply: a decoded RESP2/RESP3 reply as a value tree, and a streaming decoder.
// Used by clients of the codec (the embedded API's execute(), the fan-out merge
// in kora-server, tests). Pure codec: no I/O.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kora::protocol {

struct Reply {
  enum class Type : unsigned char {
    kSimple,   // +
    kError,    // -
    kInteger,  // :
    kBulk,     // $
    kNull,     // $-1, *-1, _
    kArray,    // *
    kMap,      // % (elements hold key, value, key, value, ...)
    kSet,      // ~
    kDouble,   // , (text in `str`)
    kBoolean,  // # (integer is 0 or 1)
  };
  Type type = Type::kNull;
  std::string str;              // simple, error, bulk, double text
  std::int64_t integer = 0;     // integer, boolean
  std::vector<Reply> elements;  // array, map, set

  bool is_error() const { return type == Type::kError; }
  bool is_null() const { return type == Type::kNull; }
};

enum class DecodeStatus { kOk, kNeedMore, kError };

// Decodes the first complete reply of `data` into `out` and sets `consumed`.
DecodeStatus decode_reply(std::string_view data, Reply& out, std::size_t& consumed);

// Encodes `r` back to RESP (the inverse of decode_reply for RESP2 types).
void encode_reply(const Reply& r, std::string& out, int resp = 2);

}  // namespace kora::protocol
