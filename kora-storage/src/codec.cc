#include "kora/storage/codec.h"

#include <lz4.h>
#include <lz4hc.h>
#include <zstd.h>

#include <limits>

#include "endian.h"
#include "kora/storage/crc32c.h"

namespace kora::storage {
namespace {

using core::Errc;
using core::Error;
using core::Result;

constexpr std::uint8_t kTagBase = 0x10;  // high nibble: format version 1
constexpr std::size_t kMaxVarintBytes = 10;

Error codec_error(std::string_view what) {
  std::string detail = "codec: ";
  detail.append(what);
  return Error::of(Errc::kProtocol, detail);
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Parses a varint at the front of `in`, consuming it. False if truncated or too long.
bool get_varint(std::string_view& in, std::uint64_t& v) {
  v = 0;
  for (std::size_t i = 0; i < kMaxVarintBytes && i < in.size(); ++i) {
    const auto byte = static_cast<unsigned char>(in[i]);
    if (i == kMaxVarintBytes - 1 && byte > 1) return false;  // beyond 64 bits
    v |= static_cast<std::uint64_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      in.remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

struct Header {
  Codec codec;
  std::uint64_t original_size;
  std::uint32_t crc;
};

Result<Header> parse_header(std::string_view& block) {
  if (block.empty()) return codec_error("empty block");
  const auto tag = static_cast<std::uint8_t>(block[0]);
  if ((tag & 0xF0) != kTagBase || (tag & 0x0F) > static_cast<std::uint8_t>(Codec::kZstd)) {
    return codec_error("unknown block tag");
  }
  block.remove_prefix(1);
  Header h{static_cast<Codec>(tag & 0x0F), 0, 0};
  if (!get_varint(block, h.original_size)) return codec_error("truncated block header");
  if (h.original_size > kCodecMaxInputBytes) return codec_error("original size out of range");
  if (block.size() < 4) return codec_error("truncated block header");
  h.crc = crc32c_unmask(internal::load_le32(block.data()));
  block.remove_prefix(4);
  return h;
}

Result<void> compress_body(Codec codec, std::string_view input, int level, std::string& out) {
  const std::size_t start = out.size();
  switch (codec) {
    case Codec::kNone:
      out.append(input);
      return {};
    case Codec::kLz4: {
      const int src_size = static_cast<int>(input.size());
      const int bound = LZ4_compressBound(src_size);
      if (bound <= 0) return codec_error("lz4: input too large");
      out.resize(start + static_cast<std::size_t>(bound));
      const int n = level > 0
                        ? LZ4_compress_HC(input.data(), out.data() + start, src_size, bound, level)
                        : LZ4_compress_default(input.data(), out.data() + start, src_size, bound);
      if (n <= 0 && !input.empty()) return codec_error("lz4: compression failed");
      out.resize(start + static_cast<std::size_t>(n > 0 ? n : 0));
      return {};
    }
    case Codec::kZstd: {
      const std::size_t bound = ZSTD_compressBound(input.size());
      out.resize(start + bound);
      const std::size_t n = ZSTD_compress(out.data() + start, bound, input.data(), input.size(),
                                          level == 0 ? ZSTD_CLEVEL_DEFAULT : level);
      if (ZSTD_isError(n)) return codec_error(std::string("zstd: ") + ZSTD_getErrorName(n));
      out.resize(start + n);
      return {};
    }
  }
  return codec_error("unknown codec");
}

Result<void> decompress_body(Codec codec, std::string_view body, std::string& out) {
  switch (codec) {
    case Codec::kNone:
      if (body.size() != out.size()) return codec_error("stored size mismatch");
      out.assign(body);
      return {};
    case Codec::kLz4: {
      if (body.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        return codec_error("lz4: block too large");
      }
      const int want = static_cast<int>(out.size());
      const int n =
          LZ4_decompress_safe(body.data(), out.data(), static_cast<int>(body.size()), want);
      if (n != want) return codec_error("lz4: corrupt block");
      return {};
    }
    case Codec::kZstd: {
      const std::size_t n = ZSTD_decompress(out.data(), out.size(), body.data(), body.size());
      if (ZSTD_isError(n)) return codec_error(std::string("zstd: ") + ZSTD_getErrorName(n));
      if (n != out.size()) return codec_error("zstd: size mismatch");
      return {};
    }
  }
  return codec_error("unknown codec");
}

// Rejects a header whose original size the body cannot possibly produce, before
// decompress() allocates that many bytes on the word of a corrupted header.
Result<void> check_plausible(const Header& header, std::string_view body) {
  switch (header.codec) {
    case Codec::kNone:
      if (body.size() != header.original_size) return codec_error("stored size mismatch");
      return {};
    case Codec::kLz4:
      // LZ4 expands at most ~255x (one length byte of 255 per 255 output bytes).
      if (header.original_size > (body.size() + 1) * 256) {
        return codec_error("lz4: original size out of range");
      }
      return {};
    case Codec::kZstd: {
      const unsigned long long framed = ZSTD_getFrameContentSize(body.data(), body.size());
      if (framed == ZSTD_CONTENTSIZE_ERROR || framed == ZSTD_CONTENTSIZE_UNKNOWN) {
        return codec_error("zstd: bad frame header");
      }
      if (framed != header.original_size) return codec_error("zstd: size mismatch");
      return {};
    }
  }
  return codec_error("unknown codec");
}

}  // namespace

std::string_view codec_name(Codec codec) {
  switch (codec) {
    case Codec::kNone:
      return "none";
    case Codec::kLz4:
      return "lz4";
    case Codec::kZstd:
      return "zstd";
  }
  return "unknown";
}

Result<std::string> compress(Codec codec, std::string_view input, int level) {
  if (input.size() > kCodecMaxInputBytes) {
    return Error::of(Errc::kStringTooLong);
  }
  if (static_cast<std::uint8_t>(codec) > static_cast<std::uint8_t>(Codec::kZstd)) {
    return codec_error("unknown codec");
  }
  std::string out;
  out.push_back(static_cast<char>(kTagBase | static_cast<std::uint8_t>(codec)));
  put_varint(out, input.size());
  char crc[4];
  internal::store_le32(crc, crc32c_mask(crc32c(input)));
  out.append(crc, sizeof crc);
  KORA_RETURN_IF_ERROR(compress_body(codec, input, level, out));
  return out;
}

Result<Codec> block_codec(std::string_view block) {
  Result<Header> header = parse_header(block);
  if (!header.ok()) return header.error();
  return header.value().codec;
}

Result<std::string> decompress(Codec codec, std::string_view block) {
  Result<Header> parsed = parse_header(block);
  if (!parsed.ok()) return parsed.error();
  const Header& header = parsed.value();
  if (header.codec != codec) {
    return codec_error(std::string("block is ") + std::string(codec_name(header.codec)) +
                       ", expected " + std::string(codec_name(codec)));
  }
  KORA_RETURN_IF_ERROR(check_plausible(header, block));
  std::string out(static_cast<std::size_t>(header.original_size), '\0');
  KORA_RETURN_IF_ERROR(decompress_body(header.codec, block, out));
  if (crc32c(out) != header.crc) return codec_error("crc mismatch");
  return out;
}

}  // namespace kora::storage
