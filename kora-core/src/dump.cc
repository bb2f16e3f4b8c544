#include "kora/core/dump.h"

#include "kora/core/rdb.h"

namespace kora::core {

std::string dump_payload(const Entry& e) {
  std::string out;
  rdb::append_value(e, out);
  out.push_back(static_cast<char>(rdb::kVersion & 0xff));
  out.push_back(static_cast<char>(rdb::kVersion >> 8));
  const std::uint64_t crc = rdb::crc64(0, out);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

Result<RestoredValue> parse_payload(std::string_view payload) {
  // Redis's verifyDumpPayload: at least the version and the CRC, a version this
  // server can read, and the CRC64 of everything before it.
  if (payload.size() < 10) return Errc::kDumpPayload;
  const std::string_view footer = payload.substr(payload.size() - 10);
  const unsigned version = static_cast<unsigned char>(footer[0]) | static_cast<unsigned char>(footer[1]) << 8;
  if (version > rdb::kVersion) return Errc::kDumpPayload;
  std::uint64_t crc = 0;
  for (int i = 0; i < 8; ++i) crc |= std::uint64_t{static_cast<unsigned char>(footer[2 + static_cast<std::size_t>(i)])} << (8 * i);
  if (crc != rdb::crc64(0, payload.substr(0, payload.size() - 8))) return Errc::kDumpPayload;
  std::string_view body = payload.substr(0, payload.size() - 10);
  return rdb::read_value(body);
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
