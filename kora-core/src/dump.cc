#include "kora/core/dump.h"

#include <cstring>

#include "kora/core/hash.h"
#include "kora/core/type_registry.h"
#include "payload.h"

namespace kora::core {
namespace {

constexpr char kMagic = 'K';
constexpr unsigned char kFormatVersion = 1;

}  // namespace

std::string dump_payload(const Entry& e) {
  std::string out;
  out.push_back(kMagic);
  out.push_back(static_cast<char>(kFormatVersion));
  out.push_back(static_cast<char>(e.type()));
  if (e.type() == ValueType::kString) {
    out.append(e.str());
  } else {
    // Every aggregate type serializes itself (type_registry.h).
    TypeRegistry::instance().find(e.type())->serialize(*e.object(), out);
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
  if (v.type == ValueType::kString) {
    v.str.assign(covered.substr(3));
    return v;
  }
  const TypeInfo* info = TypeRegistry::instance().find(v.type);
  if (!info || !info->deserialize) return bad;
  v.object = info->deserialize(covered.substr(3));
  // An empty aggregate is never dumped (an empty stream is: streams are kept
  // when emptied).
  if (!v.object || (v.object->size() == 0 && v.type != ValueType::kStream)) return bad;
  return v;
}

void store_restored(Db& db, std::string_view key, RestoredValue value, std::int64_t expire_at_ms,
                    std::int64_t now_ms) {
  db.erase(key, /*notify_del=*/false);  // RESTORE REPLACE: Redis announces no "del"
  EntryRef ref = db.find_or_create(key, now_ms, nullptr);
  if (value.type == ValueType::kString) {
    db.set_string(ref, value.str);
  } else {
    db.set_object(ref, std::move(value.object));
  }
  db.set_expire(ref, expire_at_ms);
}

}  // namespace kora::core
