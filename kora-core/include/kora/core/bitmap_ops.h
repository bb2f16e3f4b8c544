#pragma once
// Bitmap operations (Redis's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
// BITFIELD and BITFIELD_RO over ordinary string values. Bit 0 is the most
// significant bit of byte 0; a string reads as zero bits past its end.
//
// Shard-local: a Db and everything read from it belong to the calling shard's
// thread. Every write goes through Db::write_string / set_string (so key events
// and the change feed see it); a bit command that changes nothing raises no
// event, as Redis does not count it as a write (see op_setbit, op_bitfield).
// The pure functions over bytes (bitcount, bitpos, bitop) serve the ops, the
// server and the tests alike.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/db.h"
#include "kora/core/result.h"

namespace kora::core {

// Parses a bit offset as Redis's getBitOffsetFromArgument: a strict decimal
// int64 (see parse_int64), >= 0, whose byte (offset >> 3) is below
// proto-max-bulk-len (512 MB), so at most 2^32 - 1. With `hash_bits` > 0
// (BITFIELD) "#N" means N * hash_bits (multiplied with two's complement
// wrap-around, as Redis does, before the range check).
// Errors: kBitOffset.
Result<std::uint64_t> parse_bit_offset(std::string_view arg, int hash_bits = 0);

// Counts the set bits of `bytes`, a 64-bit word at a time. O(n).
std::uint64_t popcount(std::string_view bytes);

// Whether BITCOUNT/BITPOS indexes count bytes (the default) or bits.
enum class BitUnit : unsigned char { kByte, kBit };

// BITCOUNT over a range, as Redis 7.0 reads it: negative indexes count from the
// end (of the bytes, or of the bits with kBit), then are clamped; an empty
// range (or start < 0 && end < 0 && start > end) counts 0. O(range).
std::int64_t bitcount(std::string_view s, std::int64_t start, std::int64_t end, BitUnit unit);

// BITPOS: the position of the first bit equal to `bit` (0 or 1) in the range
// from `start` to `end` (inclusive; negative indexes and clamping as bitcount).
// Without an end, a string of all ones gives the first bit past the string for
// bit 0 (the string reads as zero-padded on its right); with an end, such a
// search gives -1. An empty range gives -1. bitpos(s, bit) is BITPOS key bit.
// O(range), a 64-bit word at a time.
std::int64_t bitpos(std::string_view s, int bit, std::int64_t start = 0,
                    std::optional<std::int64_t> end = std::nullopt, BitUnit unit = BitUnit::kByte);

// SETBIT: sets the bit at `offset` (< 2^32, from parse_bit_offset) to `on`,
// zero-extending (or creating) the string; returns the previous bit. The key
// keeps its TTL. Creating, growing or flipping counts as a write; setting a bit
// to the value it has changes nothing (no key event) but, as Redis, leaves the
// value "raw" for OBJECT ENCODING. Errors: kWrongType. O(1) amortized, O(offset/8)
// when the string grows.
Result<int> op_setbit(Db& db, std::string_view key, std::uint64_t offset, bool on,
                      std::int64_t now_ms);

// GETBIT: the bit at `offset`; 0 past the end or when the key is absent.
// Errors: kWrongType. O(1).
Result<int> op_getbit(Db& db, std::string_view key, std::uint64_t offset, std::int64_t now_ms);

// BITCOUNT key [start end [BYTE|BIT]]: 0 when absent. `range` is {start, end}.
// Errors: kWrongType.
struct BitRange {
  std::int64_t start = 0;
  std::int64_t end = -1;
  BitUnit unit = BitUnit::kByte;
};
Result<std::int64_t> op_bitcount(Db& db, std::string_view key, const std::optional<BitRange>& range,
                                 std::int64_t now_ms);

// BITOP's operation, and the result of `op` over `inputs` as Redis computes it:
// as long as the longest input, shorter inputs read as zero bytes; kNot takes
// exactly one input. O(sum of lengths).
enum class BitOp : unsigned char { kAnd, kOr, kXor, kNot };
std::string bitop(BitOp op, std::span<const std::string_view> inputs);

// One source key of BITOP with the Db that holds it (keys may span shards; the
// caller holds every Db involved).
struct BitopSource {
  Db* db = nullptr;
  std::string_view key{};
};

// BITOP op destkey key...: a missing source reads as an empty string. Stores the
// result in `dest` of `dest_db` as a "raw" string (replacing any type, dropping
// the TTL), or deletes `dest` when the result is empty; returns its length.
// Errors: kWrongType (a source is not a string; nothing is written).
// Precondition: op != kNot or sources.size() == 1.
Result<std::size_t> op_bitop(BitOp op, Db& dest_db, std::string_view dest,
                             std::span<const BitopSource> sources, std::int64_t now_ms);

// BITFIELD ----------------------------------------------------------------------

// An integer type of BITFIELD: i1..i64 or u1..u63.
struct BitfieldType {
  bool is_signed = false;
  int bits = 0;
};

// Parses "i<n>" / "u<n>" as Redis's getBitfieldTypeFromArgument (read as a C
// string: up to the first NUL). Errors: kBitfieldType.
Result<BitfieldType> parse_bitfield_type(std::string_view arg);

enum class BitfieldOverflow : unsigned char { kWrap, kSat, kFail };

struct BitfieldOp {
  enum class Kind : unsigned char { kGet, kSet, kIncrBy };
  Kind kind = Kind::kGet;
  BitfieldType type{};
  std::uint64_t offset = 0;  // in bits (a "#N" offset already multiplied)
  std::int64_t value = 0;    // SET value or INCRBY increment
  BitfieldOverflow overflow = BitfieldOverflow::kWrap;
};

// BITFIELD / BITFIELD_RO: runs `ops` in order (a GET sees the SETs before it) and
// returns one reply per op: GET the value, SET the previous value, INCRBY the
// new value, nullopt for a SET/INCRBY refused by OVERFLOW FAIL. Unsigned values
// fit (at most 63 bits). With only GETs the key is only read (absent: zeros).
// With a SET or INCRBY the string is first zero-extended (or created) to hold
// the farthest bit written. It counts as a write when that grows the string or
// when an op changes bits (one run of writes per contiguous region); otherwise
// nothing is written and, as Redis, the value is left "raw".
// Errors: kWrongType. O(number of ops + growth).
Result<std::vector<std::optional<std::int64_t>>> op_bitfield(Db& db, std::string_view key,
                                                             std::span<const BitfieldOp> ops,
                                                             std::int64_t now_ms);

// The integer arithmetic of BITFIELD (Redis's check*BitfieldOverflow): adds `incr`
// to `value` in a field of `bits` bits; returns the stored result under `mode`
// or nullopt when it overflows under kFail. SET is apply(value=v, incr=0).
std::optional<std::int64_t> bitfield_add_signed(std::int64_t value, std::int64_t incr, int bits,
                                                BitfieldOverflow mode);
std::optional<std::uint64_t> bitfield_add_unsigned(std::uint64_t value, std::int64_t incr, int bits,
                                                   BitfieldOverflow mode);

}  // namespace kora::core
