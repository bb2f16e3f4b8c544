#include "kora/core/hll_format.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace kora::core::hll {
namespace {

// Sparse opcodes.
constexpr std::uint8_t kXZeroBit = 0x40;
constexpr std::uint8_t kValBit = 0x80;
constexpr int kValMaxValue = 32;
constexpr int kValMaxLen = 4;
constexpr int kZeroMaxLen = 64;
constexpr int kXZeroMaxLen = 16384;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5/ln(2)

bool is_zero(std::uint8_t b) { return (b & 0xc0) == 0; }
bool is_xzero(std::uint8_t b) { return (b & 0xc0) == kXZeroBit; }
bool is_val(std::uint8_t b) { return (b & kValBit) != 0; }
int zero_len(std::uint8_t b) { return (b & 0x3f) + 1; }
int xzero_len(std::uint8_t b0, std::uint8_t b1) { return (((b0 & 0x3f) << 8) | b1) + 1; }
int val_value(std::uint8_t b) { return ((b >> 2) & 0x1f) + 1; }
int val_len(std::uint8_t b) { return (b & 0x3) + 1; }
std::uint8_t val_op(int val, int len) { return static_cast<std::uint8_t>(((val - 1) << 2 | (len - 1)) | kValBit); }
std::uint8_t zero_op(int len) { return static_cast<std::uint8_t>(len - 1); }
void xzero_put(std::uint8_t* p, int len) {
  const int l = len - 1;
  p[0] = static_cast<std::uint8_t>((l >> 8) | kXZeroBit);
  p[1] = static_cast<std::uint8_t>(l & 0xff);
}

const std::uint8_t* bytes(std::string_view v) { return reinterpret_cast<const std::uint8_t*>(v.data()); }

// Byte i of `v`, or 0 past its end (Redis reads the sds terminator there).
std::uint8_t at(std::string_view v, std::size_t i) { return i < v.size() ? bytes(v)[i] : 0; }

// Calls fn(runlen, value) for each opcode of a sparse body in order (value 0
// for ZERO/XZERO) until fn returns false.
template <typename Fn>
void walk_sparse(std::string_view v, Fn&& fn) {
  std::size_t p = kHeaderSize;
  while (p < v.size()) {
    const std::uint8_t b = bytes(v)[p];
    if (is_zero(b)) {
      if (!fn(zero_len(b), 0)) return;
      p += 1;
    } else if (is_xzero(b)) {
      if (!fn(xzero_len(b, at(v, p + 1)), 0)) return;
      p += 2;
    } else {
      if (!fn(val_len(b), val_value(b))) return;
      p += 1;
    }
  }
}

double sigma(double x) {
  if (x == 1.) return INFINITY;
  double z_prime;
  double y = 1;
  double z = x;
  do {
    x *= x;
    z_prime = z;
    z += x * y;
    y += y;
  } while (z_prime != z);
  return z;
}

double tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double z_prime;
  double y = 1.0;
  double z = 1 - x;
  do {
    x = std::sqrt(x);
    z_prime = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prime != z);
  return z / 3;
}

// Ertl's estimator over a register histogram (hllCount's second half).
std::uint64_t estimate(const int* histo) {
  const double m = kRegisters;
  double z = m * tau((m - histo[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * sigma(histo[0] / m);
  return static_cast<std::uint64_t>(std::llroundl(kAlphaInf * m * m / z));
}

void dense_histogram(const std::uint8_t* r, int* histo) {
  for (int j = 0; j < 1024; ++j, r += 12) {  // 16 registers in 12 bytes per step
    histo[r[0] & 63]++;
    histo[(r[0] >> 6 | r[1] << 2) & 63]++;
    histo[(r[1] >> 4 | r[2] << 4) & 63]++;
    histo[(r[2] >> 2) & 63]++;
    histo[r[3] & 63]++;
    histo[(r[3] >> 6 | r[4] << 2) & 63]++;
    histo[(r[4] >> 4 | r[5] << 4) & 63]++;
    histo[(r[5] >> 2) & 63]++;
    histo[r[6] & 63]++;
    histo[(r[6] >> 6 | r[7] << 2) & 63]++;
    histo[(r[7] >> 4 | r[8] << 4) & 63]++;
    histo[(r[8] >> 2) & 63]++;
    histo[r[9] & 63]++;
    histo[(r[9] >> 6 | r[10] << 2) & 63]++;
    histo[(r[10] >> 4 | r[11] << 4) & 63]++;
    histo[(r[11] >> 2) & 63]++;
  }
}

std::uint8_t* dense_regs(std::string& v) { return reinterpret_cast<std::uint8_t*>(v.data()) + kHeaderSize; }

}  // namespace

std::uint64_t murmurhash64a(const void* key, int len, unsigned int seed) {
  const std::uint64_t m = 0xc6a4a7935bd1e995ULL;
  const int r = 47;
  std::uint64_t h = seed ^ (static_cast<std::uint64_t>(len) * m);
  const auto* data = static_cast<const std::uint8_t*>(key);
  const std::uint8_t* end = data + (len - (len & 7));
  while (data != end) {
    std::uint64_t k = 0;
    for (int i = 0; i < 8; ++i) k |= static_cast<std::uint64_t>(data[i]) << (8 * i);
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
    data += 8;
  }
  switch (len & 7) {
    case 7: h ^= static_cast<std::uint64_t>(data[6]) << 48; [[fallthrough]];
    case 6: h ^= static_cast<std::uint64_t>(data[5]) << 40; [[fallthrough]];
    case 5: h ^= static_cast<std::uint64_t>(data[4]) << 32; [[fallthrough]];
    case 4: h ^= static_cast<std::uint64_t>(data[3]) << 24; [[fallthrough]];
    case 3: h ^= static_cast<std::uint64_t>(data[2]) << 16; [[fallthrough]];
    case 2: h ^= static_cast<std::uint64_t>(data[1]) << 8; [[fallthrough]];
    case 1:
      h ^= static_cast<std::uint64_t>(data[0]);
      h *= m;
      break;
    default: break;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

int pattern_length(std::string_view element, long* index) {
  std::uint64_t hash = murmurhash64a(element.data(), static_cast<int>(element.size()), kSeed);
  *index = static_cast<long>(hash & (kRegisters - 1));
  hash >>= kP;
  hash |= std::uint64_t{1} << kQ;  // the loop ends, count <= kQ+1
  std::uint64_t bit = 1;
  int count = 1;
  while ((hash & bit) == 0) {
    ++count;
    bit <<= 1;
  }
  return count;
}

bool is_hll(std::string_view v) {
  if (v.size() < kHeaderSize) return false;
  if (v.substr(0, 4) != "HYLL") return false;
  if (encoding(v) > kSparse) return false;
  return !(encoding(v) == kDense && v.size() != kDenseSize);
}

std::uint64_t cached_cardinality(std::string_view v) {
  std::uint64_t card = 0;
  for (int i = 0; i < 8; ++i) card |= static_cast<std::uint64_t>(bytes(v)[8 + i]) << (8 * i);
  return card;
}

void set_cached_cardinality(std::string& v, std::uint64_t card) {
  for (int i = 0; i < 8; ++i) v[8 + i] = static_cast<char>((card >> (8 * i)) & 0xff);
}

std::string create() {
  std::string v(kHeaderSize, '\0');
  std::memcpy(v.data(), "HYLL", 4);
  v[4] = static_cast<char>(kSparse);
  for (long left = kRegisters; left > 0;) {
    const long n = std::min<long>(left, kXZeroMaxLen);
    std::uint8_t op[2];
    xzero_put(op, static_cast<int>(n));
    v.append(reinterpret_cast<const char*>(op), 2);
    left -= n;
  }
  return v;
}

std::uint8_t dense_get(const std::uint8_t* regs, long index) {
  const unsigned long byte = static_cast<unsigned long>(index) * kBits / 8;
  const unsigned long fb = static_cast<unsigned long>(index) * kBits & 7;
  const unsigned long b0 = regs[byte];
  // The last register lies wholly in the last byte: the next one would only
  // add bits the mask drops.
  const unsigned long b1 = byte + 1 < kDenseSize - kHeaderSize ? regs[byte + 1] : 0;
  return static_cast<std::uint8_t>(((b0 >> fb) | (b1 << (8 - fb))) & kRegisterMax);
}

void dense_put(std::uint8_t* regs, long index, std::uint8_t val) {
  const unsigned long byte = static_cast<unsigned long>(index) * kBits / 8;
  const unsigned long fb = static_cast<unsigned long>(index) * kBits & 7;
  const unsigned long fb8 = 8 - fb;
  const unsigned long v = val;
  regs[byte] = static_cast<std::uint8_t>(regs[byte] & ~(kRegisterMax << fb));
  regs[byte] = static_cast<std::uint8_t>(regs[byte] | (v << fb));
  if (byte + 1 < kDenseSize - kHeaderSize) {
    regs[byte + 1] = static_cast<std::uint8_t>(regs[byte + 1] & ~(kRegisterMax >> fb8));
    regs[byte + 1] = static_cast<std::uint8_t>(regs[byte + 1] | (v >> fb8));
  }
}

bool dense_set(std::uint8_t* regs, long index, std::uint8_t count) {
  if (count <= dense_get(regs, index)) return false;
  dense_put(regs, index, count);
  return true;
}

bool sparse_to_dense(std::string& v) {
  if (encoding(v) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), v.data(), kHeaderSize);  // magic and cached cardinality
  dense[4] = static_cast<char>(kDense);
  std::uint8_t* regs = dense_regs(dense);
  long idx = 0;
  walk_sparse(v, [&](int runlen, int value) {
    if (value == 0) {
      idx += runlen;
      return true;
    }
    if (runlen + idx > kRegisters) return false;  // overflow
    while (runlen--) dense_put(regs, idx++, static_cast<std::uint8_t>(value));
    return true;
  });
  if (idx != kRegisters) return false;
  v.swap(dense);
  return true;
}

int sparse_set(std::string& v, long index, std::uint8_t count, std::size_t max_sparse_bytes) {
  if (count > kValMaxValue) return sparse_to_dense(v) && dense_set(dense_regs(v), index, count) ? 1 : -1;
  // Work as Redis does on its sds string: `len` bytes are the value and the
  // bytes past it are spare room, the first of them a 0 terminator.
  std::size_t len = v.size();
  v.resize(len + 8, '\0');
  auto* s = reinterpret_cast<std::uint8_t*>(v.data());
  const std::size_t sparse = kHeaderSize;
  std::size_t p = sparse, end = len, prev = 0;
  bool has_prev = false;
  long first = 0, span = 0;
  while (p < end) {
    std::size_t oplen = 1;
    if (is_zero(s[p])) {
      span = zero_len(s[p]);
    } else if (is_val(s[p])) {
      span = val_len(s[p]);
    } else {
      span = xzero_len(s[p], s[p + 1]);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    has_prev = true;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= end) {
    v.resize(len);
    return -1;
  }
  std::size_t next = is_xzero(s[p]) ? p + 2 : p + 1;
  const bool has_next = next < end;
  const bool zero = is_zero(s[p]), xzero = is_xzero(s[p]);
  const long runlen = zero ? zero_len(s[p]) : xzero ? xzero_len(s[p], s[p + 1]) : val_len(s[p]);
  bool simple = false;
  if (!zero && !xzero) {
    if (val_value(s[p]) >= count) {
      v.resize(len);
      return 0;
    }
    if (runlen == 1) simple = true;
  }
  if (zero && runlen == 1) simple = true;
  if (simple) {
    s[p] = val_op(count, 1);
  } else {
    // Split the opcode into up to three: before, our register, after.
    std::uint8_t seq[5];
    std::uint8_t* n = seq;
    const long last = first + span - 1;
    if (zero || xzero) {
      auto put_zeros = [&n](long l) {
        if (l > kZeroMaxLen) {
          xzero_put(n, static_cast<int>(l));
          n += 2;
        } else {
          *n++ = zero_op(static_cast<int>(l));
        }
      };
      if (index != first) put_zeros(index - first);
      *n++ = val_op(count, 1);
      if (index != last) put_zeros(last - index);
    } else {
      const int curval = val_value(s[p]);
      if (index != first) *n++ = val_op(curval, static_cast<int>(index - first));
      *n++ = val_op(count, 1);
      if (index != last) *n++ = val_op(curval, static_cast<int>(last - index));
    }
    const long seqlen = n - seq;
    const long oldlen = xzero ? 2 : 1;
    const long deltalen = seqlen - oldlen;
    if (deltalen > 0 && len + static_cast<std::size_t>(deltalen) > max_sparse_bytes) {
      v.resize(len);
      return sparse_to_dense(v) && dense_set(dense_regs(v), index, count) ? 1 : -1;
    }
    if (deltalen && has_next) std::memmove(s + next + deltalen, s + next, end - next);
    len += deltalen;
    s[len] = 0;
    std::memcpy(s + p, seq, seqlen);
    end += deltalen;
  }
  // Merge adjacent VALs of the same value, scanning up to 5 opcodes from prev.
  p = has_prev ? prev : sparse;
  int scanlen = 5;
  while (p < end && scanlen--) {
    if (is_xzero(s[p])) {
      p += 2;
      continue;
    }
    if (is_zero(s[p])) {
      p++;
      continue;
    }
    if (p + 1 < end && is_val(s[p + 1])) {
      const int v1 = val_value(s[p]), v2 = val_value(s[p + 1]);
      if (v1 == v2) {
        const int l = val_len(s[p]) + val_len(s[p + 1]);
        if (l <= kValMaxLen) {
          s[p + 1] = val_op(v1, l);
          std::memmove(s + p, s + p + 1, end - p);
          --len;
          s[len] = 0;
          --end;
          continue;
        }
      }
    }
    p++;
  }
  v.resize(len);
  invalidate_cache(v);
  return 1;
}

int add(std::string& v, std::string_view element, std::size_t max_sparse_bytes) {
  long index;
  const auto count = static_cast<std::uint8_t>(pattern_length(element, &index));
  switch (encoding(v)) {
    case kDense: return dense_set(dense_regs(v), index, count) ? 1 : 0;
    case kSparse: return sparse_set(v, index, count, max_sparse_bytes);
    default: return -1;
  }
}

std::optional<std::uint64_t> count(std::string_view v) {
  int histo[64] = {0};
  if (encoding(v) == kDense) {
    dense_histogram(bytes(v) + kHeaderSize, histo);
  } else {
    long idx = 0;
    walk_sparse(v, [&](int runlen, int value) {
      idx += runlen;
      histo[value] += runlen;
      return true;
    });
    if (idx != kRegisters) return std::nullopt;
  }
  return estimate(histo);
}

std::uint64_t count_registers(const std::uint8_t* registers) {
  int histo[256] = {0};
  for (long i = 0; i < kRegisters; ++i) histo[registers[i]]++;
  return estimate(histo);
}

bool merge(std::uint8_t* max, std::string_view v) {
  if (encoding(v) == kDense) {
    const std::uint8_t* r = bytes(v) + kHeaderSize;
    auto raise = [](std::uint8_t& m, unsigned val) {
      if (val > m) m = static_cast<std::uint8_t>(val);
    };
    for (long i = 0; i < kRegisters; i += 4, r += 3) {  // 4 registers in 3 bytes
      raise(max[i], r[0] & 63);
      raise(max[i + 1], (r[0] >> 6 | r[1] << 2) & 63);
      raise(max[i + 2], (r[1] >> 4 | r[2] << 4) & 63);
      raise(max[i + 3], (r[2] >> 2) & 63);
    }
    return true;
  }
  long i = 0;
  walk_sparse(v, [&](int runlen, int value) {
    if (value == 0) {
      i += runlen;
      return true;
    }
    if (runlen + i > kRegisters) return false;  // overflow
    while (runlen--) {
      if (value > max[i]) max[i] = static_cast<std::uint8_t>(value);
      ++i;
    }
    return true;
  });
  return i == kRegisters;
}

std::string decode_sparse(std::string_view v) {
  std::string out;
  std::size_t p = kHeaderSize;
  while (p < v.size()) {
    const std::uint8_t b = bytes(v)[p];
    if (is_zero(b)) {
      out += "z:" + std::to_string(zero_len(b)) + " ";
      p += 1;
    } else if (is_xzero(b)) {
      out += "Z:" + std::to_string(xzero_len(b, at(v, p + 1))) + " ";
      p += 2;
    } else {
      out += "v:" + std::to_string(val_value(b)) + "," + std::to_string(val_len(b)) + " ";
      p += 1;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::optional<std::string> selftest(std::size_t max_sparse_bytes, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string bitcounters(kDenseSize, '\0');
  std::uint8_t* regs = dense_regs(bitcounters);
  std::vector<std::uint8_t> bytecounters(kRegisters);
  // Test 1: every register keeps its value and leaves its neighbours alone.
  for (int cycle = 0; cycle < 1000; ++cycle) {
    for (long i = 0; i < kRegisters; ++i) {
      const auto r = static_cast<std::uint8_t>(rng() & kRegisterMax);
      bytecounters[i] = r;
      dense_put(regs, i, r);
    }
    for (long i = 0; i < kRegisters; ++i) {
      const std::uint8_t val = dense_get(regs, i);
      if (val != bytecounters[i]) {
        return "TESTFAILED Register " + std::to_string(i) + " should be " + std::to_string(bytecounters[i]) +
               " but is " + std::to_string(val);
      }
    }
  }
  // Test 2: the estimate stays within 6 standard errors, dense and sparse agree.
  std::memset(regs, 0, kDenseSize - kHeaderSize);
  std::string o = create();
  const double relerr = 1.04 / std::sqrt(static_cast<double>(kRegisters));
  std::int64_t checkpoint = 1;
  const std::uint64_t salt = rng();
  for (std::uint64_t j = 1; j <= 10000000; ++j) {
    const std::uint64_t ele = j ^ salt;
    const std::string_view e(reinterpret_cast<const char*>(&ele), sizeof ele);
    long index;
    const auto c = static_cast<std::uint8_t>(pattern_length(e, &index));
    dense_set(regs, index, c);
    add(o, e, max_sparse_bytes);
    if (static_cast<std::int64_t>(j) != checkpoint) continue;
    if (j < max_sparse_bytes / 2 && encoding(o) != kSparse) return "TESTFAILED sparse encoding not used";
    const std::uint64_t dense_count = *count(bitcounters);
    if (dense_count != count(o).value_or(~std::uint64_t{0})) return "TESTFAILED dense/sparse disagree";
    std::int64_t abserr = checkpoint - static_cast<std::int64_t>(dense_count);
    auto maxerr = static_cast<std::uint64_t>(std::ceil(relerr * 6 * static_cast<double>(checkpoint)));
    if (j == 10) maxerr = 1;
    if (abserr < 0) abserr = -abserr;
    if (abserr > static_cast<std::int64_t>(maxerr)) {
      return "TESTFAILED Too big error. card:" + std::to_string(checkpoint) + " abserr:" + std::to_string(abserr);
    }
    checkpoint *= 10;
  }
  return std::nullopt;
}

}  // namespace kora::core::hll
