#include "kora/core/dump.h"

#include <cstring>

#include "kora/core/hash.h"
#include "kora/core/hash_value.h"
#include "kora/core/list_value.h"
#include "kora/core/set_value.h"
#include "varint.h"

namespace kora::core {
namespace {

constexpr char kMagic = 'K';
constexpr unsigned char kFormatVersion = 1;

void put_varint(std::string& out, std::uint64_t v) {
  unsigned char buf[10];
  out.append(reinterpret_cast<const char*>(buf), varint::put(buf, v));
}

void put_bytes(std::string& out, std::string_view s) {
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

}  // namespace

std::string dump_payload(const Entry& e) {
  std::string out;
  out.push_back(kMagic);
  out.push_back(static_cast<char>(kFormatVersion));
  out.push_back(static_cast<char>(e.type()));
  switch (e.type()) {
    case ValueType::kString:
      out.append(e.str());
      break;
    case ValueType::kList: {
      const auto& list = e.as<ListValue>();
      put_varint(out, list.size());
      for (auto c = list.front(); c.valid(); c.next()) put_bytes(out, c.value());
      break;
    }
    case ValueType::kHash: {
      const auto& hash = e.as<HashValue>();
      put_varint(out, hash.size());
      for (auto it = hash.begin(); it != hash.end(); ++it) {
        put_bytes(out, (*it).field);
        put_bytes(out, (*it).value);
      }
      break;
    }
    case ValueType::kSet: {
      const auto& set = e.as<SetValue>();
      put_varint(out, set.size());
      set.for_each([&out](std::string_view m) {
        put_bytes(out, m);
        return true;
      });
      break;
    }
    case ValueType::kZSet:
      break;  // no sorted sets yet: nothing can hold one
  }
  std::uint64_t sum = hash_bytes(out);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(sum >> (8 * i)));
  return out;
}

Result<RestoredValue> parse_payload(std::string_view payload) {
  const Error bad = Error::of(Errc::kDumpPayload);
  if (payload.size() < 3 + 8 || payload[0] != kMagic ||
      static_cast<unsigned char>(payload[1]) != kFormatVersion) {
    return bad;
  }
  std::string_view covered = payload.substr(0, payload.size() - 8);
  std::uint64_t sum = 0;
  for (int i = 0; i < 8; ++i) {
    sum |= static_cast<std::uint64_t>(static_cast<unsigned char>(payload[covered.size() + i])) << (8 * i);
  }
  if (sum != hash_bytes(covered)) return bad;

  RestoredValue v;
  v.type = static_cast<ValueType>(static_cast<unsigned char>(payload[2]));
  Reader r(covered.substr(3));
  std::uint64_t n;
  std::string_view a, b;
  switch (v.type) {
    case ValueType::kString:
      v.str.assign(covered.substr(3));
      return v;
    case ValueType::kList: {
      auto list = std::make_unique<ListValue>();
      if (!r.count(n)) return bad;
      for (std::uint64_t i = 0; i < n; ++i) {
        if (!r.bytes(a)) return bad;
        list->push(ListEnd::kTail, a);
      }
      v.object = std::move(list);
      break;
    }
    case ValueType::kHash: {
      auto hash = std::make_unique<HashValue>();
      if (!r.count(n)) return bad;
      for (std::uint64_t i = 0; i < n; ++i) {
        if (!r.bytes(a) || !r.bytes(b)) return bad;
        std::string_view args[] = {a, b};
        hash->prepare_write(args);
        hash->set(a, b);
      }
      v.object = std::move(hash);
      break;
    }
    case ValueType::kSet: {
      auto set = std::make_unique<SetValue>();
      if (!r.count(n)) return bad;
      for (std::uint64_t i = 0; i < n; ++i) {
        if (!r.bytes(a)) return bad;
        set->add(a);
      }
      v.object = std::move(set);
      break;
    }
    default:
      return bad;
  }
  // An empty aggregate is never dumped, and trailing bytes mean a bad payload.
  if (!r.done() || v.object->size() == 0) return bad;
  return v;
}

void store_restored(Db& db, std::string_view key, RestoredValue value, std::int64_t expire_at_ms,
                    std::int64_t now_ms) {
  db.erase(key);
  EntryRef ref = db.find_or_create(key, now_ms, nullptr);
  if (value.type == ValueType::kString) {
    db.set_string(ref, value.str);
  } else {
    db.set_object(ref, std::move(value.object));
  }
  db.set_expire(ref, expire_at_ms);
}

}  // namespace kora::core
