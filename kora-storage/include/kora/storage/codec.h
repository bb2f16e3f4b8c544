#pragma once
// Block compression for cold values and snapshots: LZ4 (fast) and zstd (dense).
//
// compress() produces a self-describing block:
//     [u8 tag = 0x10 | codec id][varint original size][u32 LE crc32c_mask(crc32c(original))]
//     [body: the codec's output, or the original bytes for kNone]
// so a block can be identified (block_codec()) and decompress() rejects truncated, corrupted or
// foreign input with an error (the CRC covers the decompressed bytes, which also
// catches corruption a codec would decode without complaint).
//
// Pure functions, thread-safe, never throw. Errors are kora::core::Error values:
// Errc::kProtocol with a "codec: ..." detail for bad input or a codec failure, and
// Errc::kStringTooLong for input above kCodecMaxInputBytes.

#include <cstdint>
#include <string>
#include <string_view>

#include "kora/core/result.h"

namespace kora::storage {

enum class Codec : std::uint8_t { kNone = 0, kLz4 = 1, kZstd = 2 };

// Largest input compress() accepts and largest original size decompress() will
// allocate for, whatever a (possibly corrupted) header claims.
inline constexpr std::size_t kCodecMaxInputBytes = std::size_t{1} << 30;

// "none", "lz4" or "zstd".
std::string_view codec_name(Codec codec);

// Compresses `input` into a self-describing block. `level`: 0 picks the codec's
// default; for kLz4 a level > 0 uses LZ4HC at that level (1..12); for kZstd it is the
// zstd level (negative = faster). Ignored by kNone.
// O(len(input)); allocates the output.
core::Result<std::string> compress(Codec codec, std::string_view input, int level = 0);

// Restores the original bytes of a block made by compress(codec, ...).
// Errors: unknown tag, a block of another codec, truncated header or body, size or
// CRC mismatch, codec failure.
// O(original size); allocates the output.
core::Result<std::string> decompress(Codec codec, std::string_view block);

// Codec named in a block's header, if the header is well formed (cheap peek).
core::Result<Codec> block_codec(std::string_view block);

}  // namespace kora::storage
