#include "kora/core/hll_ops.h"

#include <algorithm>
#include <array>
#include <random>
#include <vector>

#include "kora/core/hll_format.h"
#include "kora/core/object.h"

namespace kora::core {
namespace {

std::size_t sparse_max_bytes() {
  return static_cast<std::size_t>(EncodingLimits::instance().hll_sparse_max_bytes.load(std::memory_order_relaxed));
}

// isHLLObjectOrReply: the value of a live entry as an HLL, or its error.
Result<std::string_view> hll_of(const Entry& e) {
  if (e.type() != ValueType::kString) return Errc::kWrongType;
  std::string_view v = e.str();
  if (!hll::is_hll(v)) return Errc::kHllNotHll;
  return v;
}

// A per-thread buffer for the value being changed (no allocation per command).
std::string& scratch() {
  thread_local std::string buf;
  return buf;
}

// Writes `updated` over the value of `ref`, touching only the bytes that
// differ (one write_string) when the size is unchanged. Writes nothing when
// the bytes are equal (then returns false).
bool commit(Db& db, EntryRef& ref, const std::string& updated) {
  std::string_view old = ref->str();
  if (old.size() != updated.size()) {
    db.set_string(ref, updated, StringEncoding::kRaw);
    return true;
  }
  auto first = std::mismatch(old.begin(), old.end(), updated.begin());
  if (first.first == old.end()) return false;
  auto last = std::mismatch(old.rbegin(), old.rend(), updated.rbegin());
  const auto lo = static_cast<std::size_t>(first.first - old.begin());
  const auto hi = old.size() - static_cast<std::size_t>(last.first - old.rbegin());
  db.write_string(ref, lo, std::string_view(updated).substr(lo, hi - lo));
  return true;
}

// PFADD into a dense value: registers are read in place; when some grow, only
// the bytes from the cache flag (byte 15) to the last changed register are
// rewritten, in one write.
bool pfadd_dense(Db& db, EntryRef& ref, std::span<const std::string_view> elements) {
  std::string_view v = ref->str();
  const auto* regs = reinterpret_cast<const std::uint8_t*>(v.data()) + hll::kHeaderSize;
  struct Raise {
    long index;
    std::uint8_t count;
  };
  std::vector<Raise> raises;
  std::size_t hi = 0;  // last byte of the value to rewrite
  for (std::string_view e : elements) {
    long index;
    const auto count = static_cast<std::uint8_t>(hll::pattern_length(e, &index));
    if (count <= hll::dense_get(regs, index)) continue;
    raises.push_back({index, count});
    const std::size_t byte = hll::kHeaderSize + static_cast<std::size_t>(index) * hll::kBits / 8 + 1;
    hi = std::max(hi, std::min(byte, hll::kDenseSize - 1));
  }
  if (raises.empty()) return false;
  constexpr std::size_t kFrom = 15;
  std::string& buf = scratch();
  buf.assign(v.substr(kFrom, hi - kFrom + 1));
  hll::invalidate_cache_byte(buf[0]);
  // Registers as dense_set sees them: buf[1] is the first register byte.
  // dense_put never goes past the last changed register's second byte (<= hi).
  auto* out = reinterpret_cast<std::uint8_t*>(buf.data()) + 1;
  for (const Raise& r : raises) hll::dense_set(out, r.index, r.count);
  db.write_string(ref, kFrom, buf);
  return true;
}

}  // namespace

Result<bool> op_pfadd(Db& db, std::string_view key, std::span<const std::string_view> elements,
                      std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  std::string& buf = scratch();
  int updated = 0;
  if (!ref) {
    buf = hll::create();
    ++updated;
  } else {
    auto v = hll_of(*ref.entry);
    if (!v.ok()) return v.error();
    db.mark_raw(ref);
    if (hll::encoding(*v) == hll::kDense) {
      const bool raised = pfadd_dense(db, ref, elements);
      if (raised) db.notify(notify::kString, "pfadd", key);
      return raised;
    }
    buf.assign(*v);
  }
  const std::size_t max_bytes = sparse_max_bytes();
  bool corrupt = false;
  for (std::string_view e : elements) {
    const int r = hll::add(buf, e, max_bytes);
    if (r == -1) {
      corrupt = true;
      break;
    }
    updated += r;
  }
  if (updated && !corrupt) hll::invalidate_cache(buf);
  if (!ref) {
    ref = db.find_or_create(key, now_ms, nullptr);
    db.set_string(ref, buf, StringEncoding::kRaw);
  } else if (updated || corrupt) {
    commit(db, ref, buf);  // on corruption: what was raised before it, as Redis keeps it
  }
  if (corrupt) return Errc::kHllCorrupt;
  if (updated) db.notify(notify::kString, "pfadd", key);
  return updated != 0;
}

Result<std::uint64_t> op_pfcount(Db& db, std::string_view key, std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  if (!ref) return std::uint64_t{0};
  auto v = hll_of(*ref.entry);
  if (!v.ok()) return v.error();
  db.mark_raw(ref);
  if (hll::cache_valid(*v)) return hll::cached_cardinality(*v);
  auto card = hll::count(*v);
  if (!card) return Errc::kHllCorrupt;
  std::string cache(8, '\0');
  for (int i = 0; i < 8; ++i) cache[i] = static_cast<char>((*card >> (8 * i)) & 0xff);
  db.write_string(ref, 8, cache);  // Redis: signalModifiedKey and dirty++
  return *card;
}

Result<std::uint64_t> op_pfcount_union(std::span<const HllKey> keys, std::int64_t now_ms) {
  std::array<std::uint8_t, hll::kRegisters> max{};
  for (const HllKey& k : keys) {
    EntryRef ref = k.db->find(k.key, now_ms);
    if (!ref) continue;
    auto v = hll_of(*ref.entry);
    if (!v.ok()) return v.error();
    if (!hll::merge(max.data(), *v)) return Errc::kHllCorrupt;
  }
  return hll::count_registers(max.data());
}

Result<void> op_pfmerge(std::span<const HllKey> keys, std::int64_t now_ms) {
  std::array<std::uint8_t, hll::kRegisters> max{};
  bool use_dense = false;
  for (const HllKey& k : keys) {
    EntryRef ref = k.db->find(k.key, now_ms);
    if (!ref) continue;
    auto v = hll_of(*ref.entry);
    if (!v.ok()) return v.error();
    if (hll::encoding(*v) == hll::kDense) use_dense = true;
    if (!hll::merge(max.data(), *v)) return Errc::kHllCorrupt;
  }
  Db& db = *keys.front().db;
  const std::string_view key = keys.front().key;
  EntryRef ref = db.find(key, now_ms);
  std::string& buf = scratch();
  if (ref) {
    buf.assign(ref->str());  // checked above, as a source
  } else {
    buf = hll::create();
  }
  // Unreachable in practice: an existing destination was checked as a source.
  if (use_dense && !hll::sparse_to_dense(buf)) return Errc::kHllCorrupt;
  const std::size_t max_bytes = sparse_max_bytes();
  for (long j = 0; j < hll::kRegisters; ++j) {
    if (max[j] == 0) continue;
    if (hll::encoding(buf) == hll::kDense) {
      hll::dense_set(reinterpret_cast<std::uint8_t*>(buf.data()) + hll::kHeaderSize, j, max[j]);
    } else {
      (void)hll::sparse_set(buf, j, max[j], max_bytes);
    }
  }
  hll::invalidate_cache(buf);
  if (!ref) {
    ref = db.find_or_create(key, now_ms, nullptr);
    db.set_string(ref, buf, StringEncoding::kRaw);
    db.notify(notify::kString, "pfadd", key);  // Redis announces PFMERGE as a mass PFADD
    return Ok{};
  }
  db.mark_raw(ref);
  // Redis signals the key modified (and counts a write) even when no byte
  // changed: the change feed and WATCH see it then too.
  if (!commit(db, ref, buf)) db.signal_modified(key);
  db.notify(notify::kString, "pfadd", key);
  return Ok{};
}

Result<HllDebugOutcome> op_pfdebug(Db& db, HllDebug sub, std::string_view sub_name, std::string_view key,
                                   std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  if (!ref) return Errc::kHllNoSuchKey;
  auto v = hll_of(*ref.entry);
  if (!v.ok()) return v.error();
  db.mark_raw(ref);
  HllDebugOutcome out;
  const bool sparse = hll::encoding(*v) == hll::kSparse;
  auto to_dense = [&]() -> Result<void> {
    std::string& buf = scratch();
    buf.assign(*v);
    if (!hll::sparse_to_dense(buf)) return Errc::kHllCorrupt;
    db.set_string(ref, buf, StringEncoding::kRaw);  // Redis counts it dirty: it is propagated
    return Ok{};
  };
  switch (sub) {
    case HllDebug::kGetReg: {
      if (sparse) KORA_RETURN_IF_ERROR(to_dense());
      std::string_view dense = ref->str();
      const auto* regs = reinterpret_cast<const std::uint8_t*>(dense.data()) + hll::kHeaderSize;
      out.registers.resize(hll::kRegisters);
      for (long j = 0; j < hll::kRegisters; ++j) out.registers[j] = hll::dense_get(regs, j);
      return out;
    }
    case HllDebug::kDecode:
      if (!sparse) return Errc::kHllNotSparse;
      out.text = hll::decode_sparse(*v);
      return out;
    case HllDebug::kEncoding:
      out.text = sparse ? "sparse" : "dense";
      return out;
    case HllDebug::kToDense:
      if (sparse) {
        KORA_RETURN_IF_ERROR(to_dense());
        out.converted = true;
      }
      return out;
    case HllDebug::kUnknown:
      break;
  }
  std::string name(sub_name);
  std::replace(name.begin(), name.end(), '\r', ' ');
  std::replace(name.begin(), name.end(), '\n', ' ');
  return Error::of(Errc::kPfdebugUnknown, name);
}

Result<void> op_pfselftest() {
  std::random_device rd;
  const std::uint64_t seed = (std::uint64_t{rd()} << 32) | rd();
  if (auto failed = hll::selftest(sparse_max_bytes(), seed)) return Error::of(Errc::kHllTestFailed, *failed);
  return Ok{};
}

}  // namespace kora::core
