#include "kora/storage/codec.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

namespace {

using kora::storage::Codec;
using kora::storage::compress;
using kora::storage::decompress;

constexpr Codec kAllCodecs[] = {Codec::kNone, Codec::kLz4, Codec::kZstd};

std::string random_bytes(std::mt19937_64& rng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// A 4 KiB page of plausible cache values: repetitive JSON-ish text.
std::string text_page(std::size_t n = 4096) {
  std::string s;
  for (int i = 0; s.size() < n; ++i) {
    s += "{\"user\":" + std::to_string(i) + ",\"name\":\"user-" + std::to_string(i % 37) +
         "\",\"active\":true},";
  }
  s.resize(n);
  return s;
}

std::vector<std::string> inputs() {
  std::mt19937_64 rng(3);
  return {"",
          "a",
          "hello hello hello hello",
          text_page(),
          random_bytes(rng, 65536),
          std::string(1 << 20, 'q'),
          text_page(300000)};
}

}  // namespace

TEST_CASE("every codec round-trips", "[codec]") {
  for (Codec codec : kAllCodecs) {
    for (const auto& input : inputs()) {
      CAPTURE(kora::storage::codec_name(codec), input.size());
      auto block = compress(codec, input);
      REQUIRE(block.ok());
      auto peek = kora::storage::block_codec(*block);
      REQUIRE(peek.ok());
      CHECK(*peek == codec);
      auto back = decompress(codec, *block);
      REQUIRE(back.ok());
      CHECK(*back == input);
    }
  }
}

TEST_CASE("levels are honoured and compressible data shrinks", "[codec]") {
  const std::string page = text_page();
  for (auto [codec, level] : std::vector<std::pair<Codec, int>>{{Codec::kLz4, 0},
                                                                {Codec::kLz4, 9},
                                                                {Codec::kZstd, 0},
                                                                {Codec::kZstd, -5},
                                                                {Codec::kZstd, 19}}) {
    CAPTURE(kora::storage::codec_name(codec), level);
    auto block = compress(codec, page, level);
    REQUIRE(block.ok());
    CHECK(block->size() < page.size() / 2);
    auto back = decompress(codec, *block);
    REQUIRE(back.ok());
    CHECK(*back == page);
  }
  auto stored = compress(Codec::kNone, page);
  REQUIRE(stored.ok());
  CHECK(stored->size() > page.size());  // header only
  CHECK(stored->size() <= page.size() + 16);
}

TEST_CASE("truncated blocks are rejected", "[codec]") {
  const std::string page = text_page();
  for (Codec codec : kAllCodecs) {
    auto block = compress(codec, page);
    REQUIRE(block.ok());
    for (std::size_t len = 0; len < block->size(); ++len) {
      CAPTURE(kora::storage::codec_name(codec), len);
      auto back = decompress(codec, std::string_view(*block).substr(0, len));
      REQUIRE_FALSE(back.ok());
      CHECK(back.code() == kora::core::Errc::kProtocol);
    }
  }
}

TEST_CASE("corrupted blocks are rejected or decode to the original", "[codec]") {
  const std::string page = text_page();
  for (Codec codec : kAllCodecs) {
    auto block = compress(codec, page);
    REQUIRE(block.ok());
    std::size_t rejected = 0;
    for (std::size_t i = 0; i < block->size(); ++i) {
      for (unsigned char flip : {0x01, 0x80, 0xFF}) {
        std::string bad = *block;
        bad[i] = static_cast<char>(bad[i] ^ flip);
        auto back = decompress(codec, bad);
        if (back.ok()) {
          REQUIRE(*back == page);  // never wrong bytes: the CRC catches those
        } else {
          ++rejected;
        }
      }
    }
    CAPTURE(kora::storage::codec_name(codec));
    CHECK(rejected >= block->size() * 3 * 9 / 10);
  }
}

TEST_CASE("decompress rejects foreign and mislabelled input", "[codec]") {
  auto lz4 = compress(Codec::kLz4, "some bytes some bytes");
  REQUIRE(lz4.ok());
  auto wrong = decompress(Codec::kZstd, *lz4);
  REQUIRE_FALSE(wrong.ok());
  CHECK_THAT(wrong.error().message, Catch::Contains("block is lz4, expected zstd"));

  CHECK_FALSE(decompress(Codec::kNone, "").ok());
  CHECK_FALSE(decompress(Codec::kNone, "plain text, not a block").ok());
  CHECK_FALSE(kora::storage::block_codec("\x13").ok());  // codec id 3 does not exist

  // A header claiming a huge original size is refused before any allocation.
  std::string huge = "\x11";
  huge += std::string("\xff\xff\xff\xff\x03", 5);  // varint ~1 GiB
  huge += std::string(4, '\0');
  huge += "tiny body";
  auto back = decompress(Codec::kLz4, huge);
  REQUIRE_FALSE(back.ok());
  CHECK_THAT(back.error().message, Catch::Contains("out of range"));
}

TEST_CASE("random garbage never crashes decompress", "[codec]") {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    std::string junk = random_bytes(rng, rng() % 64);
    if (!junk.empty()) junk[0] = static_cast<char>(0x10 | (rng() % 3));  // plausible tag
    const Codec codec = kAllCodecs[rng() % 3];
    auto back = decompress(codec, junk);
    if (back.ok()) CHECK(back->size() <= std::size_t{16384});
  }
}
