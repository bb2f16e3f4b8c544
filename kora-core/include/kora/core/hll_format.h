#pragma once
// Redis's HyperLogLog representation, byte for byte (hyperloglog.c of Redis 7.0):
// a string value that starts with a 16-byte header
//   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cached cardinality
//   (8 bytes, little endian; the top bit of the last byte set = cache invalid)
// followed by either 16384 6-bit registers packed LSB first (dense, 12288 bytes),
// or the sparse run-length opcodes ZERO (00xxxxxx: 1-64 zero registers), XZERO
// (01xxxxxx yyyyyyyy: 1-16384 zero registers) and VAL (1vvvvvxx: 1-4 registers
// holding 1-32).
//
// These are pure functions over bytes: they know nothing of keys or Dbs
// (hll_ops.h does). Every function that changes a value makes exactly the bytes
// Redis makes for the same input (same opcode splits, same merges of adjacent
// VALs, same promotion points), corrupted inputs included: where Redis reads the
// byte past the end of its sds string it reads the terminator, here a 0.
// Elements are hashed with MurmurHash64A and Redis's seed 0xadc83b19; the
// estimate is Ertl's improved estimator (Redis >= 5).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kora::core::hll {

inline constexpr int kP = 14;                             // register index bits
inline constexpr int kQ = 64 - kP;                        // bits left for the run
inline constexpr long kRegisters = 1L << kP;              // 16384
inline constexpr int kBits = 6;                           // bits per dense register
inline constexpr int kRegisterMax = (1 << kBits) - 1;     // 63
inline constexpr std::size_t kHeaderSize = 16;
inline constexpr std::size_t kDenseSize = kHeaderSize + (kRegisters * kBits + 7) / 8;  // 12304
inline constexpr std::uint8_t kDense = 0;
inline constexpr std::uint8_t kSparse = 1;
inline constexpr std::uint64_t kSeed = 0xadc83b19ULL;
// The default of CONFIG hll-sparse-max-bytes.
inline constexpr std::size_t kDefaultSparseMaxBytes = 3000;

// MurmurHash2, 64-bit version, as Redis computes it (little-endian reads).
std::uint64_t murmurhash64a(const void* key, int len, unsigned int seed);

// The register `element` falls into (*index) and its run length 1..kQ+1
// (Redis's hllPatLen).
int pattern_length(std::string_view element, long* index);

// True when `value` passes Redis's isHLLObjectOrReply checks (after the type
// check): at least a header, "HYLL", a known encoding, and exactly kDenseSize
// bytes when dense. A sparse body is not checked here (see the functions below).
bool is_hll(std::string_view value);

// Precondition for the accessors below: is_hll(value).
inline std::uint8_t encoding(std::string_view value) { return static_cast<std::uint8_t>(value[4]); }
inline bool cache_valid(std::string_view value) { return (static_cast<std::uint8_t>(value[15]) & 0x80) == 0; }
std::uint64_t cached_cardinality(std::string_view value);
void set_cached_cardinality(std::string& value, std::uint64_t card);
inline void invalidate_cache_byte(char& byte15) { byte15 = static_cast<char>(byte15 | 0x80); }
inline void invalidate_cache(std::string& value) { invalidate_cache_byte(value[15]); }

// An empty HLL: sparse, one XZERO:16384, cache 0 (valid) — createHLLObject.
std::string create();

// Dense registers (regs = the bytes after the header, kRegisters*6/8 bytes).
std::uint8_t dense_get(const std::uint8_t* regs, long index);
void dense_put(std::uint8_t* regs, long index, std::uint8_t val);
// Raises register `index` to `count` if lower; true if it changed.
bool dense_set(std::uint8_t* regs, long index, std::uint8_t count);

// Converts a sparse `value` to dense in place (the header, cache included, is
// kept). A dense value is left alone. False when the sparse body is corrupted
// (its registers do not add up to kRegisters); `value` is then unchanged.
bool sparse_to_dense(std::string& value);

// Raises register `index` of a sparse `value` to `count` (Redis's hllSparseSet):
// 1 changed (the cache is invalidated, unless the value was promoted to dense),
// 0 unchanged, -1 corrupted. Promotes to dense when `count` > 32 or when the
// sparse value would grow past `max_sparse_bytes`. O(size of value).
int sparse_set(std::string& value, long index, std::uint8_t count, std::size_t max_sparse_bytes);

// Adds `element` (either encoding): 1 changed, 0 unchanged, -1 corrupted.
int add(std::string& value, std::string_view element, std::size_t max_sparse_bytes);

// The estimate of `value` (either encoding), ignoring its cache; nullopt when
// a sparse body is corrupted. O(kRegisters).
std::optional<std::uint64_t> count(std::string_view value);
// The estimate of kRegisters one-byte registers (multi-key PFCOUNT).
std::uint64_t count_registers(const std::uint8_t* registers);

// max[i] = MAX(max[i], register i of `value`) for kRegisters bytes of `max`
// (hllMerge). False when a sparse body is corrupted.
bool merge(std::uint8_t* max, std::string_view value);

// PFDEBUG DECODE's text of a sparse body: "Z:8436 v:1,1 z:3 ...".
std::string decode_sparse(std::string_view value);

// PFSELFTEST: register access and estimate error checks over 10M elements in a
// dense and a sparse HLL. nullopt on success, else the failure text
// ("TESTFAILED ..."). Takes seconds.
std::optional<std::string> selftest(std::size_t max_sparse_bytes, std::uint64_t seed);

}  // namespace kora::core::hll
