#pragma once
// Redis's dataset digest (debug.c), for DEBUG DIGEST and DEBUG DIGEST-VALUE:
// the same bytes give the same digest in Kora and in redis-server 7.0.
// SHA-1 from OpenSSL. O(elements) per value.

#include <array>
#include <string>
#include <string_view>

#include "kora/core/db.h"

namespace kora::server {

using Digest = std::array<unsigned char, 20>;

// Mixes e's type, its elements and whether it has a TTL into `digest`
// (Redis's xorObjectDigest). DEBUG DIGEST-VALUE is this from all zeros.
void mix_value_digest(Digest& digest, const core::Entry& e);

// One key's contribution to the dataset digest, to xor into it: SHA1 of the
// digest of its name, then its value.
Digest key_value_digest(std::string_view key, const core::Entry& e);

// Mixes a database number into the dataset digest (before its keys).
void mix_db_index(Digest& digest, int db);

// digest ^= other.
void xor_into(Digest& digest, const Digest& other);

// 40 lowercase hex digits.
std::string digest_hex(const Digest& digest);

}  // namespace kora::server
