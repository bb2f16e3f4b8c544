// DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis 7.0's dataset digest (debug.c's
// computeDatasetDigest / xorObjectDigest), computed the same way so the
// values equal redis-server's for the same data. Test suites compare digests
// around DEBUG RELOAD, DUMP/RESTORE and replication.
//
// Unordered collections (the keys of a db, set members, hash pairs, zset
// items) are combined by XOR of SHA1s; ordered ones (list elements, stream
// entries, a key's parts) by "mix": digest = SHA1(digest xor SHA1(data)).
#include <arpa/inet.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "kora/core/db.h"
#include "kora/core/hash_value.h"
#include "kora/core/list_value.h"
#include "kora/core/set_value.h"
#include "kora/core/shard.h"
#include "kora/core/stream_value.h"
#include "kora/core/zset_value.h"
#include "kora/server/command.h"
#include "persistence_commands.h"

namespace kora::server {
namespace {

using Digest = unsigned char[20];

void xor_digest(unsigned char* digest, std::string_view data) {
  unsigned char hash[20];
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), hash);
  for (int i = 0; i < 20; ++i) digest[i] ^= hash[i];
}

void mix_digest(unsigned char* digest, std::string_view data) {
  xor_digest(digest, data);
  unsigned char out[20];
  SHA1(digest, 20, out);
  std::memcpy(digest, out, 20);
}

std::string score_text(double v) {
  char buf[128];
  int n = std::snprintf(buf, sizeof buf, "%.17g", v);
  return std::string(buf, static_cast<std::size_t>(n));
}

// Redis's object type numbers (server.h OBJ_*): the stream is 6, after MODULE.
std::uint32_t redis_type(core::ValueType t) {
  const auto v = static_cast<std::uint32_t>(t);
  return t == core::ValueType::kStream ? 6 : v;
}

void object_digest(const core::Entry& e, unsigned char* digest) {
  const std::uint32_t aux = htonl(redis_type(e.type()));
  mix_digest(digest, std::string_view(reinterpret_cast<const char*>(&aux), sizeof aux));
  switch (e.type()) {
    case core::ValueType::kString:
      mix_digest(digest, e.str());
      break;
    case core::ValueType::kList:
      for (auto c = e.as<core::ListValue>().front(); c.valid(); c.next()) mix_digest(digest, c.value());
      break;
    case core::ValueType::kSet:
      e.as<core::SetValue>().for_each([digest](std::string_view m) {
        xor_digest(digest, m);
        return true;
      });
      break;
    case core::ValueType::kZSet:
      e.as<core::ZSetValue>().for_each([digest](const core::ZItem& it) {
        Digest ele{};
        mix_digest(ele, it.member);
        mix_digest(ele, score_text(it.score));
        xor_digest(digest, std::string_view(reinterpret_cast<const char*>(ele), 20));
      });
      break;
    case core::ValueType::kHash: {
      const auto& h = e.as<core::HashValue>();
      for (auto it = h.begin(); it != h.end(); ++it) {
        Digest ele{};
        mix_digest(ele, (*it).field);
        mix_digest(ele, (*it).value);
        xor_digest(digest, std::string_view(reinterpret_cast<const char*>(ele), 20));
      }
      break;
    }
    case core::ValueType::kStream:
      e.as<core::StreamValue>().range(core::StreamId{}, core::StreamId::max(), false, 0,
                                      [digest](const core::StreamEntryView& v) {
                                        mix_digest(digest, std::to_string(v.id.ms) + "." + std::to_string(v.id.seq));
                                        for (const auto& [f, x] : v.fields) {
                                          mix_digest(digest, f);
                                          mix_digest(digest, x);
                                        }
                                        return true;
                                      });
      break;
    default:
      break;  // module types: Redis mixes nothing without a digest callback
  }
  if (e.expire_at_ms() != 0) xor_digest(digest, "!!expire!!");
}

std::string hex(const unsigned char* d) {
  std::string out;
  char buf[3];
  for (int i = 0; i < 20; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", d[i]);
    out += buf;
  }
  return out;
}

}  // namespace

// DEBUG DIGEST: every database of every shard (DEBUG holds them all).
void debug_digest(CommandContext& ctx) {
  Digest final{};
  for (int d = 0; d < core::Shard::kDbCount; ++d) {
    bool any = false;
    for (core::ShardId s = 0; s < ctx.engine.shard_count() && !any; ++s) any = ctx.engine.shard(s).db(d).size() > 0;
    if (!any) continue;
    const std::uint32_t aux = htonl(static_cast<std::uint32_t>(d));
    mix_digest(final, std::string_view(reinterpret_cast<const char*>(&aux), sizeof aux));
    for (core::ShardId s = 0; s < ctx.engine.shard_count(); ++s) {
      // now = 0: logically expired keys count too, as Redis walks its dict.
      ctx.engine.shard(s).db(d).for_each(0, [&final](std::string_view key, const core::Entry& e) {
        Digest kv{};
        mix_digest(kv, key);
        object_digest(e, kv);
        xor_digest(final, std::string_view(reinterpret_cast<const char*>(kv), 20));
      });
    }
  }
  ctx.reply.simple(hex(final));
}

// DEBUG DIGEST-VALUE key...: each key's value digest (zeros when absent).
void debug_digest_value(CommandContext& ctx) {
  ctx.reply.array(ctx.argv.size() - 2);
  for (std::size_t i = 2; i < ctx.argv.size(); ++i) {
    Digest d{};
    const core::Db& db = ctx.engine.shard(ctx.engine.shard_for(ctx.argv[i])).db(ctx.db_index);
    if (const core::Entry* e = db.peek(ctx.argv[i])) object_digest(*e, d);
    ctx.reply.simple(hex(d));
  }
}

}  // namespace kora::server
