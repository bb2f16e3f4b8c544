// DEBUG DIGEST and DEBUG DIGEST-VALUE: Redis's dataset digest (debug.c),
// computed the same way so that equal data gives the same 40 hex digits in
// Kora and in redis-server. Unordered collections (keys, set members, hash
// fields, sorted-set members) are combined with xor; ordered ones (list
// elements, stream entries) are chained through SHA-1.
#include "debug_digest.h"

#include <openssl/evp.h>

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

#include "kora/core/hash_value.h"
#include "kora/core/list_value.h"
#include "kora/core/set_value.h"
#include "kora/core/stream_value.h"
#include "kora/core/zset_value.h"

namespace kora::server {
namespace {

using core::ValueType;

// digest ^= SHA1(data): order-independent "addition".
void xor_digest(Digest& digest, const void* data, std::size_t len) {
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data, len, hash, &n, EVP_sha1(), nullptr);
  for (std::size_t j = 0; j < digest.size(); ++j) digest[j] ^= hash[j];
}

void xor_digest(Digest& digest, std::string_view s) { xor_digest(digest, s.data(), s.size()); }

// digest = SHA1(digest ^ SHA1(data)): order-dependent chaining.
void mix_digest(Digest& digest, const void* data, std::size_t len) {
  xor_digest(digest, data, len);
  unsigned int n = 0;
  unsigned char out[EVP_MAX_MD_SIZE];
  EVP_Digest(digest.data(), digest.size(), out, &n, EVP_sha1(), nullptr);
  std::memcpy(digest.data(), out, digest.size());
}

void mix_digest(Digest& digest, std::string_view s) { mix_digest(digest, s.data(), s.size()); }

// Redis's object type numbers (OBJ_STRING ... OBJ_STREAM); module types are 5.
std::uint32_t redis_type(ValueType t) {
  switch (t) {
    case ValueType::kString:
      return 0;
    case ValueType::kList:
      return 1;
    case ValueType::kSet:
      return 2;
    case ValueType::kZSet:
      return 3;
    case ValueType::kHash:
      return 4;
    case ValueType::kStream:
      return 6;
  }
  return 5;  // OBJ_MODULE
}

}  // namespace

void mix_value_digest(Digest& digest, const core::Entry& e) {
  const std::uint32_t type = htonl(redis_type(e.type()));
  mix_digest(digest, &type, sizeof type);
  switch (e.type()) {
    case ValueType::kString:
      mix_digest(digest, e.str());
      break;
    case ValueType::kList: {
      for (auto c = e.as<core::ListValue>().at(0); c.valid(); c.next()) mix_digest(digest, c.value());
      break;
    }
    case ValueType::kSet:
      e.as<core::SetValue>().for_each([&](std::string_view m) { xor_digest(digest, m); });
      break;
    case ValueType::kZSet: {
      char buf[64];
      e.as<core::ZSetValue>().for_each([&](const core::ZItem& item) {
        Digest element{};
        mix_digest(element, item.member);
        const int n = std::snprintf(buf, sizeof buf, "%.17g", item.score);
        mix_digest(element, buf, static_cast<std::size_t>(n));
        xor_digest(digest, element.data(), element.size());
      });
      break;
    }
    case ValueType::kHash:
      for (auto [field, value] : e.as<core::HashValue>()) {
        Digest element{};
        mix_digest(element, field);
        mix_digest(element, value);
        xor_digest(digest, element.data(), element.size());
      }
      break;
    case ValueType::kStream: {
      const auto& stream = e.as<core::StreamValue>();
      stream.range(core::StreamId{}, core::StreamId::max(), false, 0, [&](const core::StreamEntryView& entry) {
        const std::string id = std::to_string(entry.id.ms) + "." + std::to_string(entry.id.seq);
        mix_digest(digest, id);
        for (const auto& [field, value] : entry.fields) {
          mix_digest(digest, field);
          mix_digest(digest, value);
        }
        return true;
      });
      break;
    }
    default:
      break;  // a module type without a digest callback: its type only, as Redis
  }
  if (e.expire_at_ms() != 0) xor_digest(digest, "!!expire!!", 10);
}

Digest key_value_digest(std::string_view key, const core::Entry& e) {
  Digest digest{};
  mix_digest(digest, key);
  mix_value_digest(digest, e);
  Digest contribution{};
  xor_digest(contribution, digest.data(), digest.size());  // SHA1(digest), as Redis xors it in
  return contribution;
}

void mix_db_index(Digest& digest, int db) {
  const std::uint32_t index = htonl(static_cast<std::uint32_t>(db));
  mix_digest(digest, &index, sizeof index);
}

void xor_into(Digest& digest, const Digest& other) {
  for (std::size_t j = 0; j < digest.size(); ++j) digest[j] ^= other[j];
}

std::string digest_hex(const Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace kora::server
