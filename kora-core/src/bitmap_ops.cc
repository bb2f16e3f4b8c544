#include "kora/core/bitmap_ops.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "kora/core/numbers.h"
#include "kora/core/string_ops.h"

namespace kora::core {

Result<std::uint64_t> parse_bit_offset(std::string_view arg, int hash_bits) {
  const bool hash = hash_bits > 0 && !arg.empty() && arg[0] == '#';
  auto v = parse_int64(hash ? arg.substr(1) : arg);
  if (!v) return Errc::kBitOffset;
  std::int64_t offset = *v;
  // Redis multiplies in a long long; wrap around as two's complement does.
  if (hash)
    offset = static_cast<std::int64_t>(static_cast<std::uint64_t>(offset) *
                                       static_cast<std::uint64_t>(hash_bits));
  if (offset < 0 || static_cast<std::uint64_t>(offset >> 3) >= kMaxStringLength)
    return Errc::kBitOffset;
  return static_cast<std::uint64_t>(offset);
}

// Popcount ------------------------------------------------------------------------

namespace {

std::uint64_t load64(const unsigned char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// The set bits of n bytes: four 64-bit words per step, then the tail.
template <int (*Count)(unsigned long long)>
inline std::uint64_t popcount_words(const unsigned char* p, std::size_t n) {
  std::uint64_t a = 0, b = 0, c = 0, d = 0;
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a += static_cast<std::uint64_t>(Count(load64(p + i)));
    b += static_cast<std::uint64_t>(Count(load64(p + i + 8)));
    c += static_cast<std::uint64_t>(Count(load64(p + i + 16)));
    d += static_cast<std::uint64_t>(Count(load64(p + i + 24)));
  }
  for (; i + 8 <= n; i += 8) a += static_cast<std::uint64_t>(Count(load64(p + i)));
  for (; i < n; ++i) b += static_cast<std::uint64_t>(Count(p[i]));
  return a + b + c + d;
}

int count_builtin(unsigned long long w) { return __builtin_popcountll(w); }

std::uint64_t popcount_generic(const unsigned char* p, std::size_t n) {
  return popcount_words<count_builtin>(p, n);
}

#if defined(__x86_64__)
// Compiled for the POPCNT instruction, used only when the CPU has it.
__attribute__((target("popcnt"))) int count_popcnt(unsigned long long w) {
  return __builtin_popcountll(w);
}
__attribute__((target("popcnt"))) std::uint64_t popcount_hw(const unsigned char* p, std::size_t n) {
  std::uint64_t a = 0, b = 0, c = 0, d = 0;
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a += static_cast<std::uint64_t>(count_popcnt(load64(p + i)));
    b += static_cast<std::uint64_t>(count_popcnt(load64(p + i + 8)));
    c += static_cast<std::uint64_t>(count_popcnt(load64(p + i + 16)));
    d += static_cast<std::uint64_t>(count_popcnt(load64(p + i + 24)));
  }
  for (; i + 8 <= n; i += 8) a += static_cast<std::uint64_t>(count_popcnt(load64(p + i)));
  for (; i < n; ++i) b += static_cast<std::uint64_t>(count_popcnt(p[i]));
  return a + b + c + d;
}
#endif

std::uint64_t popcount_bytes(const unsigned char* p, std::size_t n) {
#if defined(__x86_64__)
  static const bool hw = __builtin_cpu_supports("popcnt");
  if (hw) return popcount_hw(p, n);
#endif
  return popcount_generic(p, n);
}

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Redis's index conversion for BITCOUNT/BITPOS: negative from the end of
// `total`, then clamped to [0, total - 1] (end may end up below start).
void clamp_range(std::int64_t total, std::int64_t& start, std::int64_t& end) {
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
}

// The first bit equal to `bit` among the n bytes at p (redisBitpos): its
// position, or -1 for bit 1 when there is none, or n * 8 for bit 0 (the bytes
// read as zero-padded on their right).
std::int64_t first_bit(const unsigned char* p, std::size_t n, int bit) {
  const std::uint64_t skip_word = bit ? 0 : ~std::uint64_t{0};
  const unsigned char skip_byte = bit ? 0x00 : 0xff;
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    if (load64(p + i) != skip_word || load64(p + i + 8) != skip_word ||
        load64(p + i + 16) != skip_word || load64(p + i + 24) != skip_word) {
      break;
    }
  }
  for (; i + 8 <= n && load64(p + i) == skip_word; i += 8) {
  }
  for (; i < n; ++i) {
    if (p[i] == skip_byte) continue;
    const unsigned c = bit ? p[i] : static_cast<unsigned char>(~p[i]);
    return static_cast<std::int64_t>(i * 8) + (__builtin_clz(c) - 24);
  }
  return bit ? -1 : static_cast<std::int64_t>(n * 8);
}

}  // namespace

std::uint64_t popcount(std::string_view bytes) {
  return popcount_bytes(bytes_of(bytes), bytes.size());
}

std::int64_t bitcount(std::string_view s, std::int64_t start, std::int64_t end, BitUnit unit) {
  if (start < 0 && end < 0 && start > end) return 0;
  const bool bits = unit == BitUnit::kBit;
  const auto len = static_cast<std::int64_t>(s.size());
  clamp_range(bits ? len * 8 : len, start, end);
  if (start > end) return 0;
  // As a bit range [bs, be].
  const std::int64_t bs = bits ? start : start * 8, be = bits ? end : end * 8 + 7;
  const unsigned char* p = bytes_of(s);
  const auto fb = static_cast<std::size_t>(bs >> 3), lb = static_cast<std::size_t>(be >> 3);
  std::uint64_t count = popcount_bytes(p + fb, lb - fb + 1);
  const unsigned head = static_cast<unsigned>(bs & 7);      // bits of byte fb before bs
  const unsigned tail = 7 - static_cast<unsigned>(be & 7);  // bits of byte lb after be
  if (head)
    count -= static_cast<std::uint64_t>(__builtin_popcount(p[fb] & (0xffu << (8 - head)) & 0xffu));
  if (tail) count -= static_cast<std::uint64_t>(__builtin_popcount(p[lb] & ((1u << tail) - 1)));
  return static_cast<std::int64_t>(count);
}

std::int64_t bitpos(std::string_view s, int bit, std::int64_t start,
                    std::optional<std::int64_t> end, BitUnit unit) {
  const bool bits = unit == BitUnit::kBit;
  const auto len = static_cast<std::int64_t>(s.size());
  const std::int64_t total = bits ? len * 8 : len;
  std::int64_t stop = end ? *end : total - 1;
  clamp_range(total, start, stop);
  if (start > stop) return -1;
  const std::int64_t bs = bits ? start : start * 8, be = bits ? stop : stop * 8 + 7;
  const unsigned char* p = bytes_of(s);
  const auto fb = static_cast<std::size_t>(bs >> 3), lb = static_cast<std::size_t>(be >> 3);
  // The first and last bytes, with the bits outside the range made not to match.
  auto masked = [&](std::size_t i) {
    unsigned outside = 0;
    if (i == fb) outside |= (0xffu << (8 - (bs & 7))) & 0xffu;
    if (i == lb) outside |= (1u << (7 - (be & 7))) - 1;
    const unsigned v = bit ? (p[i] & ~outside) : (p[i] | outside);
    return static_cast<unsigned char>(v);
  };
  std::int64_t found = -1;
  if (fb == lb) {
    const unsigned char c = masked(fb);
    const std::int64_t pos = first_bit(&c, 1, bit);
    if (pos >= 0 && pos < 8) found = static_cast<std::int64_t>(fb * 8) + pos;
  } else {
    unsigned char c = masked(fb);
    std::int64_t pos = first_bit(&c, 1, bit);
    if (pos >= 0 && pos < 8) {
      found = static_cast<std::int64_t>(fb * 8) + pos;
    } else {
      pos = lb > fb + 1 ? first_bit(p + fb + 1, lb - fb - 1, bit) : -1;
      if (pos >= 0 && pos < static_cast<std::int64_t>((lb - fb - 1) * 8)) {
        found = static_cast<std::int64_t>((fb + 1) * 8) + pos;
      } else {
        c = masked(lb);
        pos = first_bit(&c, 1, bit);
        if (pos >= 0 && pos < 8) found = static_cast<std::int64_t>(lb * 8) + pos;
      }
    }
  }
  if (found >= 0) return found;
  // No match in the range: for a clear bit without an explicit end, the first
  // bit past the string (which reads as zero-padded).
  if (bit == 0 && !end) return be + 1;
  return -1;
}

// Keys ----------------------------------------------------------------------------

namespace {

// The string under `key` for a bit command: empty ref when absent.
Result<EntryRef> find_string(Db& db, std::string_view key, std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  if (ref && ref->type() != ValueType::kString) return Errc::kWrongType;
  return ref;
}

int bit_at(std::string_view s, std::uint64_t offset) {
  const std::uint64_t byte = offset >> 3;
  if (byte >= s.size()) return 0;
  return (static_cast<unsigned char>(s[byte]) >> (7 - (offset & 7))) & 1;
}

}  // namespace

Result<int> op_setbit(Db& db, std::string_view key, std::uint64_t offset, bool on,
                      std::int64_t now_ms) {
  auto found = find_string(db, key, now_ms);
  if (!found.ok()) return found.error();
  EntryRef ref = *found;
  const auto byte = static_cast<std::size_t>(offset >> 3);
  const bool grows = !ref || ref->str().size() <= byte;
  const int old = ref ? bit_at(ref->str(), offset) : 0;
  if (!grows && old == static_cast<int>(on)) {
    db.mark_raw(ref);  // nothing changes, but Redis unshares the value
    return old;
  }
  if (!ref) ref = db.find_or_create(key, now_ms, nullptr);
  unsigned v = grows ? 0u : static_cast<unsigned char>(ref->str()[byte]);
  const unsigned mask = 1u << (7 - (offset & 7));
  v = on ? (v | mask) : (v & ~mask);
  const char c = static_cast<char>(v);
  db.write_string(ref, byte, std::string_view(&c, 1));  // zero-pads, keeps the TTL
  db.notify(notify::kString, "setbit", key);
  return old;
}

Result<int> op_getbit(Db& db, std::string_view key, std::uint64_t offset, std::int64_t now_ms) {
  auto found = find_string(db, key, now_ms);
  if (!found.ok()) return found.error();
  return *found ? bit_at((*found)->str(), offset) : 0;
}

Result<std::int64_t> op_bitcount(Db& db, std::string_view key, const std::optional<BitRange>& range,
                                 std::int64_t now_ms) {
  auto found = find_string(db, key, now_ms);
  if (!found.ok()) return found.error();
  if (!*found) return std::int64_t{0};
  std::string_view s = (*found)->str();
  if (!range) return static_cast<std::int64_t>(popcount(s));
  return bitcount(s, range->start, range->end, range->unit);
}

// BITOP ---------------------------------------------------------------------------

namespace {

// out[i] = out[i] OP in[i] for i < in.size(), a word at a time.
template <typename F>
void combine(std::string& out, std::string_view in, F f) {
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  const unsigned char* p = bytes_of(in);
  const std::size_t n = in.size();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const std::uint64_t w = f(load64(o + i), load64(p + i));
    std::memcpy(o + i, &w, sizeof w);
  }
  for (; i < n; ++i) o[i] = static_cast<unsigned char>(f(std::uint64_t{o[i]}, std::uint64_t{p[i]}));
}

}  // namespace

std::string bitop(BitOp op, std::span<const std::string_view> inputs) {
  std::size_t maxlen = 0;
  for (std::string_view in : inputs) maxlen = std::max(maxlen, in.size());
  if (maxlen == 0 || inputs.empty()) return {};
  std::string out(maxlen, '\0');
  if (!inputs[0].empty()) std::memcpy(out.data(), inputs[0].data(), inputs[0].size());  // a missing key: no bytes
  if (op == BitOp::kNot) {
    combine(out, out, [](std::uint64_t a, std::uint64_t) { return ~a; });
    return out;
  }
  for (std::size_t k = 1; k < inputs.size(); ++k) {
    std::string_view in = inputs[k];
    switch (op) {
      case BitOp::kAnd:
        combine(out, in, [](std::uint64_t a, std::uint64_t b) { return a & b; });
        std::fill(out.begin() + static_cast<std::ptrdiff_t>(in.size()), out.end(), '\0');
        break;
      case BitOp::kOr:
        combine(out, in, [](std::uint64_t a, std::uint64_t b) { return a | b; });
        break;
      case BitOp::kXor:
        combine(out, in, [](std::uint64_t a, std::uint64_t b) { return a ^ b; });
        break;
      case BitOp::kNot:
        break;
    }
  }
  return out;
}

Result<std::size_t> op_bitop(BitOp op, Db& dest_db, std::string_view dest,
                             std::span<const BitopSource> sources, std::int64_t now_ms) {
  std::vector<std::string_view> inputs;
  inputs.reserve(sources.size());
  for (const BitopSource& src : sources) {
    auto found = find_string(*src.db, src.key, now_ms);
    if (!found.ok()) return found.error();
    inputs.push_back(*found ? (*found)->str() : std::string_view());
  }
  // Built before the destination is written: the inputs may be views of it.
  std::string result = bitop(op, inputs);
  if (result.empty()) {
    dest_db.erase(dest);
    return std::size_t{0};
  }
  EntryRef ref = dest_db.find_or_create(dest, now_ms, nullptr);
  dest_db.set_string(ref, result, StringEncoding::kRaw);
  dest_db.set_expire(ref, 0);  // Redis's setKey drops the TTL
  dest_db.notify(notify::kString, "set", dest);
  return result.size();
}

// BITFIELD ------------------------------------------------------------------------

Result<BitfieldType> parse_bitfield_type(std::string_view arg) {
  arg = arg.substr(0, arg.find('\0'));  // read as a C string
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u')) return Errc::kBitfieldType;
  BitfieldType t;
  t.is_signed = arg[0] == 'i';
  auto bits = parse_int64(arg.substr(1));
  if (!bits || *bits < 1 || *bits > (t.is_signed ? 64 : 63)) return Errc::kBitfieldType;
  t.bits = static_cast<int>(*bits);
  return t;
}

std::optional<std::int64_t> bitfield_add_signed(std::int64_t value, std::int64_t incr, int bits,
                                                BitfieldOverflow mode) {
  // Redis's checkSignedBitfieldOverflow, with its differences computed modulo 2^64.
  const auto u = [](std::int64_t x) { return static_cast<std::uint64_t>(x); };
  const std::int64_t max = bits == 64 ? INT64_MAX : (std::int64_t{1} << (bits - 1)) - 1;
  const std::int64_t min = -max - 1;
  const auto maxincr = static_cast<std::int64_t>(u(max) - u(value));
  const auto minincr = static_cast<std::int64_t>(u(min) - u(value));
  int overflow = 0;
  if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr)) {
    overflow = 1;
  } else if (value < min || (bits != 64 && incr < minincr) ||
             (value < 0 && incr < 0 && incr < minincr)) {
    overflow = -1;
  }
  std::uint64_t sum = u(value) + u(incr);
  if (!overflow) return static_cast<std::int64_t>(sum);
  switch (mode) {
    case BitfieldOverflow::kFail:
      return std::nullopt;
    case BitfieldOverflow::kSat:
      return overflow > 0 ? max : min;
    case BitfieldOverflow::kWrap:
      break;
  }
  if (bits < 64) {
    const std::uint64_t high = ~std::uint64_t{0} << bits;
    sum = (sum & (std::uint64_t{1} << (bits - 1))) ? (sum | high) : (sum & ~high);
  }
  return static_cast<std::int64_t>(sum);
}

std::optional<std::uint64_t> bitfield_add_unsigned(std::uint64_t value, std::int64_t incr, int bits,
                                                   BitfieldOverflow mode) {
  // Redis's checkUnsignedBitfieldOverflow.
  const std::uint64_t max = bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  const auto maxincr = static_cast<std::int64_t>(max - value);
  const auto minincr = static_cast<std::int64_t>(std::uint64_t{0} - value);
  int overflow = 0;
  if (value > max || (incr > 0 && incr > maxincr)) {
    overflow = 1;
  } else if (incr < 0 && incr < minincr) {
    overflow = -1;
  }
  const std::uint64_t sum = value + static_cast<std::uint64_t>(incr);
  if (!overflow) return sum;
  switch (mode) {
    case BitfieldOverflow::kFail:
      return std::nullopt;
    case BitfieldOverflow::kSat:
      return overflow > 0 ? max : 0;
    case BitfieldOverflow::kWrap:
      break;
  }
  return bits == 64 ? sum : sum & ~(~std::uint64_t{0} << bits);
}

namespace {

// The bytes BITFIELD reads and writes: the stored string (zeros past its end)
// under the bytes written so far by this command.
class FieldBytes {
 public:
  explicit FieldBytes(std::string_view base) : base_(base) {}

  // The `bits`-bit field at bit `offset`, as an unsigned value.
  std::uint64_t get(std::uint64_t offset, int bits) const {
    unsigned char buf[9];
    const std::uint64_t first = offset >> 3;
    const std::uint64_t n = ((offset + static_cast<std::uint64_t>(bits) - 1) >> 3) - first + 1;
    for (std::uint64_t i = 0; i < n; ++i) buf[i] = byte(first + i);
    std::uint64_t v = 0;
    for (std::uint64_t j = offset & 7, end = j + static_cast<std::uint64_t>(bits); j < end; ++j) {
      v = (v << 1) | ((buf[j >> 3] >> (7 - (j & 7))) & 1u);
    }
    return v;
  }

  void set(std::uint64_t offset, int bits, std::uint64_t value) {
    unsigned char buf[9];
    const std::uint64_t first = offset >> 3;
    const std::uint64_t n = ((offset + static_cast<std::uint64_t>(bits) - 1) >> 3) - first + 1;
    for (std::uint64_t i = 0; i < n; ++i) buf[i] = byte(first + i);
    std::uint64_t j = offset & 7;
    for (int k = bits - 1; k >= 0; --k, ++j) {
      const auto mask = static_cast<unsigned char>(1u << (7 - (j & 7)));
      if ((value >> k) & 1u) {
        buf[j >> 3] = static_cast<unsigned char>(buf[j >> 3] | mask);
      } else {
        buf[j >> 3] = static_cast<unsigned char>(buf[j >> 3] & ~mask);
      }
    }
    for (std::uint64_t i = 0; i < n; ++i) written_[first + i] = buf[i];
  }

  // The runs of consecutive written bytes that differ from the stored string:
  // (offset, bytes).
  std::vector<std::pair<std::size_t, std::string>> changed_runs() const {
    std::vector<std::pair<std::size_t, std::string>> runs;
    std::size_t start = 0;
    std::string run;
    bool differs = false;
    auto flush = [&] {
      if (differs) runs.emplace_back(start, run);
      run.clear();
      differs = false;
    };
    for (const auto& [i, v] : written_) {
      if (!run.empty() && i != start + run.size()) flush();
      if (run.empty()) start = static_cast<std::size_t>(i);
      run.push_back(static_cast<char>(v));
      if (v != stored(i)) differs = true;
    }
    flush();
    return runs;
  }

 private:
  unsigned char stored(std::uint64_t i) const {
    return i < base_.size() ? static_cast<unsigned char>(base_[i]) : 0;
  }
  unsigned char byte(std::uint64_t i) const {
    auto it = written_.find(i);
    return it != written_.end() ? it->second : stored(i);
  }

  std::string_view base_;
  std::map<std::uint64_t, unsigned char> written_;
};

std::int64_t sign_extend(std::uint64_t v, int bits) {
  if (bits < 64 && (v & (std::uint64_t{1} << (bits - 1)))) v |= ~std::uint64_t{0} << bits;
  return static_cast<std::int64_t>(v);
}

std::uint64_t field_bits(std::int64_t v, int bits) {
  const auto u = static_cast<std::uint64_t>(v);
  return bits == 64 ? u : u & ~(~std::uint64_t{0} << bits);
}

// Runs one SET or INCRBY on `bytes`; returns its reply and sets `changed` when
// the field's bits change.
std::optional<std::int64_t> run_write(FieldBytes& bytes, const BitfieldOp& op, bool& changed) {
  const int bits = op.type.bits;
  const std::uint64_t old_bits = bytes.get(op.offset, bits);
  const bool incr = op.kind == BitfieldOp::Kind::kIncrBy;
  std::int64_t reply = 0;
  std::uint64_t new_bits = 0;
  if (op.type.is_signed) {
    const std::int64_t old = sign_extend(old_bits, bits);
    auto next = incr ? bitfield_add_signed(old, op.value, bits, op.overflow)
                     : bitfield_add_signed(op.value, 0, bits, op.overflow);
    if (!next) return std::nullopt;
    new_bits = field_bits(*next, bits);
    reply = incr ? *next : old;
  } else {
    auto next =
        incr ? bitfield_add_unsigned(old_bits, op.value, bits, op.overflow)
             : bitfield_add_unsigned(static_cast<std::uint64_t>(op.value), 0, bits, op.overflow);
    if (!next) return std::nullopt;
    new_bits = field_bits(static_cast<std::int64_t>(*next), bits);
    reply = static_cast<std::int64_t>(incr ? *next : old_bits);
  }
  bytes.set(op.offset, bits, new_bits);
  if (new_bits != old_bits) changed = true;
  return reply;
}

std::int64_t run_get(const FieldBytes& bytes, const BitfieldOp& op) {
  const std::uint64_t v = bytes.get(op.offset, op.type.bits);
  return op.type.is_signed ? sign_extend(v, op.type.bits) : static_cast<std::int64_t>(v);
}

}  // namespace

Result<std::vector<std::optional<std::int64_t>>> op_bitfield(Db& db, std::string_view key,
                                                             std::span<const BitfieldOp> ops,
                                                             std::int64_t now_ms) {
  auto found = find_string(db, key, now_ms);
  if (!found.ok()) return found.error();
  EntryRef ref = *found;
  std::vector<std::optional<std::int64_t>> replies;
  replies.reserve(ops.size());
  std::uint64_t need = 0;  // bytes the writes reach
  for (const BitfieldOp& op : ops) {
    if (op.kind != BitfieldOp::Kind::kGet) {
      need = std::max(need, ((op.offset + static_cast<std::uint64_t>(op.type.bits) - 1) >> 3) + 1);
    }
  }
  if (need == 0) {  // only GETs: a read
    FieldBytes bytes(ref ? ref->str() : std::string_view());
    for (const BitfieldOp& op : ops) replies.emplace_back(run_get(bytes, op));
    return replies;
  }
  // Make room up to the farthest bit written, as Redis does before any op runs.
  const bool grows = !ref || ref->str().size() < need;
  if (!ref) ref = db.find_or_create(key, now_ms, nullptr);
  if (grows) db.write_string(ref, static_cast<std::size_t>(need - 1), std::string_view("\0", 1));
  FieldBytes bytes(ref->str());
  bool changed = false;
  bool wrote = false;  // a SET/INCRBY that did not FAIL on overflow
  for (const BitfieldOp& op : ops) {
    replies.push_back(op.kind == BitfieldOp::Kind::kGet ? std::optional(run_get(bytes, op))
                                                        : run_write(bytes, op, changed));
    if (op.kind != BitfieldOp::Kind::kGet && replies.back()) wrote = true;
  }
  auto runs = bytes.changed_runs();  // before the first write invalidates the view
  for (const auto& [offset, run] : runs) db.write_string(ref, offset, run);
  if (runs.empty() && !grows) {
    db.mark_raw(ref);               // as Redis's dbUnshareStringValue
    if (changed) db.signal_modified(key);  // ops that changed bits and then restored them
  }
  // As Redis: announced when a write grew the string or changed a field.
  if (changed || (grows && wrote)) db.notify(notify::kString, "setbit", key);
  return replies;
}

}  // namespace kora::core
