// The RDB file layout (kora/core/rdb.h): header, AUX fields, databases, keys,
// EOF and the CRC64 trailer.

#include <cstring>

#include "kora/core/rdb.h"
#include "rdb_codec.h"
#include "rdb_value.h"

namespace kora::core::rdb {
namespace {

constexpr std::uint8_t kOpFunction2 = 245, kOpFunction = 246, kOpModuleAux = 247, kOpIdle = 248, kOpFreq = 249,
                       kOpAux = 250, kOpResizeDb = 251, kOpExpireMs = 252, kOpExpire = 253, kOpSelectDb = 254,
                       kOpEof = 255;
constexpr int kDbCount = 16;
// The Redis version Kora's files claim in their "redis-ver" AUX field.
constexpr std::string_view kRedisVersion = "7.0.15";

void aux(std::string& out, std::string_view k, std::string_view v) {
  out.push_back(static_cast<char>(kOpAux));
  put_string(out, k);
  put_string(out, v);
}

// Skips a module value (MODULE_AUX, or a MODULE_2 of an unknown type):
// opcodes until RDB_MODULE_OPCODE_EOF, as redis-check-rdb does.
bool skip_module_values(Input& in) {
  for (;;) {
    auto op = in.len();
    if (!op) return false;
    switch (*op) {
      case 0:
        return true;
      case 1:
      case 2:
        if (!in.len()) return false;
        break;
      case 3:
        if (!in.raw(4)) return false;
        break;
      case 4:
        if (!in.raw(8)) return false;
        break;
      case 5:
        if (!in.string()) return false;
        break;
      default:
        return false;
    }
  }
}

}  // namespace

void append_header(std::string& out, const FileInfo& info) {
  out.append("REDIS0010");
  aux(out, "redis-ver", kRedisVersion);
  aux(out, "redis-bits", "64");
  aux(out, "ctime", std::to_string(info.ctime_s));
  aux(out, "used-mem", std::to_string(info.used_mem));
  aux(out, "aof-base", info.aof_base ? "1" : "0");
}

void append_select_db(std::string& out, int db, std::uint64_t keys, std::uint64_t expires) {
  out.push_back(static_cast<char>(kOpSelectDb));
  put_len(out, static_cast<std::uint64_t>(db));
  out.push_back(static_cast<char>(kOpResizeDb));
  put_len(out, keys);
  put_len(out, expires);
}

void append_key(std::string& out, const Entry& e) {
  if (std::int64_t at = e.expire_at_ms(); at != 0) {
    out.push_back(static_cast<char>(kOpExpireMs));
    put_u64le(out, static_cast<std::uint64_t>(at));
  }
  const std::size_t type_at = out.size();
  append_value(e, out);
  // The key goes between the type byte and the value.
  std::string key;
  put_string(key, e.key());
  out.insert(type_at + 1, key);
}

void append_footer(std::string& out, std::uint64_t crc) {
  const char eof = static_cast<char>(kOpEof);
  out.push_back(eof);
  crc = rdb::crc64(crc, std::string_view(&eof, 1));
  put_u64le(out, crc);
}

bool FileReader::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  done_ = true;
  return false;
}

bool FileReader::open() {
  if (file_.size() < 9 || file_.substr(0, 5) != "REDIS") return fail("Wrong signature trying to load DB from file");
  version_ = 0;
  for (char c : file_.substr(5, 4)) {
    if (c < '0' || c > '9') return fail("Wrong signature trying to load DB from file");
    version_ = version_ * 10 + (c - '0');
  }
  if (version_ < 1 || version_ > kVersion) return fail("Can't handle RDB format version " + std::to_string(version_));
  pos_ = 9;
  end_ = file_.size();
  // Version 5 and later end with the CRC64 of everything before it.
  if (version_ >= 5) {
    if (file_.size() < 9 + 1 + 8) return fail("Short read or OOM loading DB. Unrecoverable error, aborting now.");
    end_ = file_.size() - 8;
    std::uint64_t stored = 0;
    for (int i = 0; i < 8; ++i) stored |= std::uint64_t{static_cast<unsigned char>(file_[end_ + static_cast<std::size_t>(i)])} << (8 * i);
    if (stored != 0 && stored != rdb::crc64(0, file_.substr(0, end_))) {
      return fail("Wrong RDB checksum expected: (" + std::to_string(stored) + "). Aborting now.");
    }
  }
  return true;
}

bool FileReader::next(LoadedKey& out) {
  if (done_) return false;
  Input in(file_.substr(0, end_));
  if (!in.raw(pos_)) return fail("internal: offset");
  std::int64_t expire = 0;
  std::optional<std::int64_t> idle;
  std::optional<int> freq;
  auto corrupt = [&](const std::string& what) {
    return fail("Internal error in RDB reading offset " + std::to_string(in.offset()) + ": " + what);
  };
  for (;;) {
    pos_ = in.offset();
    auto op = in.byte();
    if (!op) return corrupt("Unexpected EOF reading RDB file");
    switch (*op) {
      case kOpEof:
        if (!in.at_end()) return corrupt("data after the EOF opcode");
        done_ = true;
        return false;
      case kOpExpireMs: {
        auto v = in.u64le();
        if (!v) return corrupt("Unexpected EOF reading RDB file");
        expire = static_cast<std::int64_t>(*v);
        continue;
      }
      case kOpExpire: {
        auto r = in.raw(4);
        if (!r) return corrupt("Unexpected EOF reading RDB file");
        std::int32_t s;
        std::memcpy(&s, r->data(), 4);
        expire = std::int64_t{s} * 1000;
        continue;
      }
      case kOpIdle: {
        auto v = in.len();
        if (!v) return corrupt("Unexpected EOF reading RDB file");
        idle = static_cast<std::int64_t>(*v);
        continue;
      }
      case kOpFreq: {
        auto v = in.byte();
        if (!v) return corrupt("Unexpected EOF reading RDB file");
        freq = *v;
        continue;
      }
      case kOpSelectDb: {
        auto v = in.len();
        if (!v) return corrupt("Unexpected EOF reading RDB file");
        if (*v >= kDbCount) return corrupt("FATAL: Data file was created with a Redis server configured to handle more than 16 databases. Exiting");
        db_ = static_cast<int>(*v);
        continue;
      }
      case kOpResizeDb:
        if (!in.len() || !in.len()) return corrupt("Unexpected EOF reading RDB file");
        continue;
      case kOpAux: {
        auto k = in.string();
        auto v = k ? in.string() : std::nullopt;
        if (!v) return corrupt("Unexpected EOF reading RDB file");
        aux_[*k] = *v;
        continue;
      }
      case kOpModuleAux: {
        auto id = in.len();
        auto when_op = id ? in.len() : std::nullopt;
        if (!when_op || *when_op != 2 || !in.len() || !skip_module_values(in)) return corrupt("bad module aux");
        continue;
      }
      case kOpFunction2: {
        auto code = in.string();
        if (!code) return corrupt("Unexpected EOF reading RDB file");
        functions_.push_back(std::move(*code));
        continue;
      }
      case kOpFunction:
        return corrupt("Pre-release function format not supported.");
      default:
        break;
    }
    if (!is_object_type(*op)) return corrupt("Unknown RDB encoding type " + std::to_string(*op));
    auto key = in.string();
    if (!key) return corrupt("Unexpected EOF reading RDB file");
    std::string why;
    LoadStatus st = load_value(*op, in, out.value, &why);
    if (st == LoadStatus::kBad) return corrupt("Bad data format (" + why + ") for key '" + *key + "'");
    pos_ = in.offset();
    if (st == LoadStatus::kEmpty) {
      ++empty_skipped_;
      expire = 0, idle.reset(), freq.reset();
      continue;
    }
    out.db = db_;
    out.key = std::move(*key);
    out.expire_at_ms = expire;
    out.idle_s = idle;
    out.freq = freq;
    return true;
  }
}

}  // namespace kora::core::rdb
