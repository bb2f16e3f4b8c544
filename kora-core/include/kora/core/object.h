#pragma once
// Object: the base of every aggregate value (list, hash, set, ...). A string is
// stored directly in its Entry; an aggregate is an Object owned by its Entry.
//
// Each type lives in its own header (list_value.h, hash_value.h, set_value.h)
// with its compact and large encodings, and converts between them itself when a
// size threshold (EncodingLimits) is crossed. Objects are shard-local: touched
// only by the owning worker.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace kora::core {

// A value's type: the built-in ones by name; any other id (up to 15) is a type
// registered at run time (type_registry.h).
enum class ValueType : unsigned char { kString, kList, kSet, kZSet, kHash, kStream };

// The name TYPE reports for `t` ("string", "list", ... or a module type's
// registered name), from the type registry.
std::string_view type_name(ValueType t);

class Object {
 public:
  virtual ~Object() = default;
  virtual ValueType type() const = 0;
  // OBJECT ENCODING, as Redis 7.0 names it ("listpack", "hashtable", "intset",
  // "quicklist", ...).
  virtual std::string_view encoding() const = 0;
  // Number of elements (fields, members). A key whose value reaches 0 is deleted.
  virtual std::size_t size() const = 0;
  // A deep copy (COPY, cross-shard RENAME).
  virtual std::unique_ptr<Object> clone() const = 0;
  // Bytes of memory held, approximately (MEMORY USAGE, INFO).
  virtual std::size_t memory_usage() const = 0;
};

// The size thresholds at which compact encodings convert, with Redis's CONFIG
// names. Process-wide; set by CONFIG SET from any thread, read relaxed.
struct EncodingLimits {
  std::atomic<std::int64_t> hash_max_listpack_entries{512};
  std::atomic<std::int64_t> hash_max_listpack_value{64};
  std::atomic<std::int64_t> set_max_intset_entries{512};
  std::atomic<std::int64_t> list_max_listpack_size{-2};  // -2: 8 KiB nodes
  // Nodes at each end of a list kept uncompressed; inner nodes are LZ4
  // compressed. 0: no compression. Read when a list is created (as Redis).
  std::atomic<std::int64_t> list_compress_depth{0};
  // An element of at least this many bytes gets a list node of its own (Redis's
  // quicklist packed_threshold, DEBUG QUICKLIST-PACKED-THRESHOLD).
  std::atomic<std::int64_t> list_packed_threshold{std::int64_t{1} << 30};
  std::atomic<std::int64_t> zset_max_listpack_entries{128};
  std::atomic<std::int64_t> zset_max_listpack_value{64};
  // Bytes a sparse HyperLogLog may reach before it turns dense (hll_format.h).
  std::atomic<std::int64_t> hll_sparse_max_bytes{3000};
  std::atomic<std::int64_t> stream_node_max_bytes{4096};   // 0: no limit
  std::atomic<std::int64_t> stream_node_max_entries{100};  // 0: no limit

  static EncodingLimits& instance();
};

}  // namespace kora::core
