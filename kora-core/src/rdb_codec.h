#pragma once
// The byte-level pieces of Redis's RDB format (Redis 7.0, RDB version 10), as
// rdb.c, listpack.c, ziplist.c, zipmap.c and intset.c lay them out: length
// and string encodings (integer and LZF forms), CRC-64/Jones, LZF, and the
// small-collection containers (listpack, ziplist, zipmap, intset). Private to
// kora-core: the value codec (rdb_value.cc) and the file codec (rdb_file.cc)
// use them; nothing here knows Kora's value types.
//
// Readers are bounds-checked everywhere (a payload may come from RESTORE).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kora::core::rdb {

// --- Writing ---
void put_len(std::string& out, std::uint64_t len);
// A string as rdbSaveRawString: a short canonical integer as INT8/16/32, else
// the length and bytes (LZF is not used when saving).
void put_string(std::string& out, std::string_view s);
void put_u64le(std::string& out, std::uint64_t v);
void put_double(std::string& out, double v);  // 8 bytes, little endian
// A 128-bit stream id as raw big-endian ms and seq (a rax key).
void put_stream_id_raw(std::string& out, std::uint64_t ms, std::uint64_t seq);

// Redis's d2string (util.c): how a zset score is written into a listpack.
std::string format_score(double v);

// Builds a listpack (listpack.c): entries are stored as integers when they are
// canonical integer strings (lpStringToInt64), else as strings.
class ListpackWriter {
 public:
  ListpackWriter() { buf_.assign(6, '\0'); }
  void append(std::string_view s);
  void append_int(std::int64_t v);
  std::size_t count() const { return count_; }
  std::size_t bytes() const { return buf_.size() + 1; }
  // The finished listpack (header filled, terminator appended). Resets.
  std::string finish();

 private:
  void put_backlen(std::size_t entry_len);
  std::string buf_;
  std::size_t count_ = 0;
};

// --- Reading ---
class Input {
 public:
  explicit Input(std::string_view data) : data_(data) {}
  bool ok() const { return ok_; }
  void fail() { ok_ = false; }
  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  bool at_end() const { return pos_ == data_.size(); }

  std::optional<std::uint8_t> byte();
  std::optional<std::string_view> raw(std::size_t n);
  // A length (rdbLoadLen); `encoded` set when it is a special string encoding.
  std::optional<std::uint64_t> len(bool* encoded = nullptr);
  // A string in any encoding (int, LZF, raw), decoded.
  std::optional<std::string> string();
  std::optional<std::uint64_t> u64le();
  std::optional<double> binary_double();
  // The old text double of RDB_TYPE_ZSET (rdbLoadDoubleValue).
  std::optional<double> text_double();

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// LZF (lzf_d.c's format). Returns nullopt when `in` does not decode to exactly
// `out_len` bytes.
std::optional<std::string> lzf_decompress(std::string_view in, std::size_t out_len);

// Redis's crc64 (crc64.c: Jones polynomial, reflected, init 0): continue `crc`
// over `bytes`. crc64(0, "123456789") == 0xe9c6d914c4b8d9ca.
std::uint64_t crc64(std::uint64_t crc, std::string_view bytes);

// An element of a listpack or ziplist: a string or an integer.
struct Element {
  bool is_int = false;
  std::int64_t i = 0;
  std::string_view s;
  std::string str() const { return is_int ? std::to_string(i) : std::string(s); }
};

// Decodes every element of a listpack / ziplist; nullopt when the bytes are
// malformed (sizes, terminator, back lengths, counts).
std::optional<std::vector<Element>> decode_listpack(std::string_view lp);
std::optional<std::vector<Element>> decode_ziplist(std::string_view zl);
// A zipmap's key/value strings in order (flattened); nullopt when malformed.
std::optional<std::vector<std::string_view>> decode_zipmap(std::string_view zm);
// An intset's values (validated: encoding, length, strictly ascending).
std::optional<std::vector<std::int64_t>> decode_intset(std::string_view is);
// Encodes sorted distinct values as an intset of the narrowest width.
std::string encode_intset(const std::vector<std::int64_t>& sorted);

// True and the value when `s` is a canonical 64-bit integer (string2ll as
// listpack.c's lpStringToInt64 accepts it: no '+', no leading zeros, no "-0").
bool canonical_int(std::string_view s, std::int64_t* v);

}  // namespace kora::core::rdb
