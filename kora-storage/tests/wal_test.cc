#include "kora/storage/wal.h"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using kora::storage::kWalHeaderBytes;
using kora::storage::SyncPolicy;
using kora::storage::WalReader;
using kora::storage::WalWriter;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "kora-wal-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

struct Replay {
  std::vector<std::string> records;
  bool corrupt = false;
  std::string error;
  std::uint64_t valid = 0;
  std::uint64_t truncated = 0;
};

Replay replay(const std::string& path) {
  Replay r;
  auto reader = WalReader::open(path);
  REQUIRE(reader.ok());
  for (;;) {
    auto rec = reader->next();
    if (!rec.ok()) {
      r.corrupt = true;
      r.error = rec.error().message;
      // The error is sticky.
      auto again = reader->next();
      CHECK_FALSE(again.ok());
      break;
    }
    if (!rec.value()) break;
    r.records.emplace_back(*rec.value());
  }
  r.valid = reader->valid_bytes();
  r.truncated = reader->truncated_bytes();
  return r;
}

void write_records(const std::string& path, const std::vector<std::string>& records,
                   SyncPolicy policy = SyncPolicy::kOsManaged) {
  auto writer = WalWriter::open(path, policy);
  REQUIRE(writer.ok());
  for (const auto& r : records) REQUIRE(writer->append(r).ok());
  REQUIRE(writer->close().ok());
}

std::vector<std::string> random_records(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t len = rng() % 5 == 0 ? rng() % 70000 : rng() % 200;
    std::string s(len, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    out.push_back(std::move(s));
  }
  return out;
}

std::size_t framed_size(const std::vector<std::string>& records) {
  std::size_t n = 0;
  for (const auto& r : records) n += kWalHeaderBytes + r.size();
  return n;
}

}  // namespace

TEST_CASE("WAL round-trips thousands of records of random sizes", "[wal]") {
  TempDir dir;
  std::mt19937_64 rng(1);
  auto records = random_records(rng, 3000);
  records.insert(records.begin() + 10, std::string());
  records.insert(records.begin() + 500, std::string(1 << 20, 'x'));  // 1 MiB
  records.push_back(std::string());
  const std::string path = dir.file("log");
  write_records(path, records);

  const Replay r = replay(path);
  CHECK_FALSE(r.corrupt);
  CHECK(r.truncated == 0);
  CHECK(r.valid == framed_size(records));
  CHECK(fs::file_size(path) == framed_size(records));
  REQUIRE(r.records.size() == records.size());
  CHECK(r.records == records);
}

TEST_CASE("WAL honours every sync policy", "[wal]") {
  TempDir dir;
  std::mt19937_64 rng(2);
  for (SyncPolicy policy :
       {SyncPolicy::kEveryWrite, SyncPolicy::kEverySecond, SyncPolicy::kOsManaged}) {
    const std::string path = dir.file("log" + std::to_string(static_cast<int>(policy)));
    const auto records = random_records(rng, 40);
    auto writer = WalWriter::open(path, policy);
    REQUIRE(writer.ok());
    for (const auto& rec : records) REQUIRE(writer->append(rec).ok());
    CHECK(writer->records_appended() == records.size());
    CHECK(writer->size() == framed_size(records));
    if (policy == SyncPolicy::kEveryWrite) {
      // Nothing is held back: the file already has every record.
      CHECK(fs::file_size(path) == framed_size(records));
    }
    REQUIRE(writer->close().ok());
    CHECK(writer->close().ok());  // idempotent
    CHECK_FALSE(writer->append("after close").ok());
    CHECK(replay(path).records == records);
  }
}

TEST_CASE("kEverySecond syncs once a second has passed", "[wal]") {
  TempDir dir;
  const std::string path = dir.file("log");
  auto writer = WalWriter::open(path, SyncPolicy::kEverySecond);
  REQUIRE(writer.ok());
  REQUIRE(writer->append("a").ok());
  const auto now = std::chrono::steady_clock::now();
  REQUIRE(writer->sync_if_due(now).ok());
  CHECK(fs::file_size(path) == 0);  // still buffered: not due yet
  REQUIRE(writer->sync_if_due(now + std::chrono::milliseconds(1500)).ok());
  CHECK(fs::file_size(path) == kWalHeaderBytes + 1);
}

TEST_CASE("a torn tail at every byte offset of the last record ends the log cleanly", "[wal]") {
  TempDir dir;
  const std::vector<std::string> head = {"alpha", "", "gamma-gamma", std::string(300, 'z')};
  const std::string last = "the last record, torn";
  const std::string path = dir.file("log");
  std::vector<std::string> all = head;
  all.push_back(last);
  write_records(path, all);
  const std::string bytes = read_file(path);
  const std::size_t prefix = framed_size(head);
  REQUIRE(bytes.size() == prefix + kWalHeaderBytes + last.size());

  for (std::size_t cut = 0; cut < kWalHeaderBytes + last.size(); ++cut) {
    CAPTURE(cut);
    const std::string torn = dir.file("torn");
    write_file(torn, bytes.substr(0, prefix + cut));
    const Replay r = replay(torn);
    CHECK_FALSE(r.corrupt);
    CHECK(r.records == head);
    CHECK(r.valid == prefix);
    CHECK(r.truncated == cut);
  }
}

TEST_CASE("a bad CRC on the last record is a torn tail", "[wal]") {
  TempDir dir;
  const std::string path = dir.file("log");
  write_records(path, {"one", "two", "three"});
  std::string bytes = read_file(path);
  bytes.back() ^= 0x01;
  write_file(path, bytes);
  const Replay r = replay(path);
  CHECK_FALSE(r.corrupt);
  CHECK(r.records == std::vector<std::string>{"one", "two"});
  CHECK(r.truncated == kWalHeaderBytes + 5);
}

TEST_CASE("a torn header claiming a huge length is a torn tail", "[wal]") {
  TempDir dir;
  const std::string path = dir.file("log");
  write_records(path, {"one"});
  // Length 2^30 - 1 (allowed), followed by far fewer bytes: read without allocating it.
  write_file(path, read_file(path) + std::string("\xff\xff\xff\x3f\0\0\0\0tenbytes..", 18));
  const Replay r = replay(path);
  CHECK_FALSE(r.corrupt);
  CHECK(r.records == std::vector<std::string>{"one"});
  CHECK(r.truncated == 18);
}

TEST_CASE("a zero-filled tail is a torn tail", "[wal]") {
  TempDir dir;
  const std::string path = dir.file("log");
  write_records(path, {"one", "two"});
  write_file(path, read_file(path) + std::string(4096, '\0'));
  const Replay r = replay(path);
  CHECK_FALSE(r.corrupt);
  CHECK(r.records == std::vector<std::string>{"one", "two"});
  CHECK(r.truncated == 4096);
}

TEST_CASE("a flipped bit in the middle stops the log there with an error", "[wal]") {
  TempDir dir;
  const std::string path = dir.file("log");
  std::vector<std::string> records;
  records.reserve(100);
  for (int i = 0; i < 100; ++i) records.push_back("record-" + std::to_string(i));
  write_records(path, records);
  const std::string clean = read_file(path);
  const std::vector<std::string> before(records.begin(), records.begin() + 50);
  const std::size_t offset = framed_size(before);

  SECTION("in a payload") {
    std::string bytes = clean;
    bytes[offset + kWalHeaderBytes + 3] ^= 0x10;
    write_file(path, bytes);
  }
  SECTION("in a stored crc") {
    std::string bytes = clean;
    bytes[offset + 5] ^= 0x01;
    write_file(path, bytes);
  }
  SECTION("in the high bits of a length") {
    std::string bytes = clean;
    bytes[offset + 3] ^= 0x40;
    write_file(path, bytes);
  }
  SECTION("in the low bits of a length") {
    std::string bytes = clean;
    bytes[offset] ^= 0x01;
    write_file(path, bytes);
  }
  const Replay r = replay(path);
  CHECK(r.corrupt);
  CHECK(r.records == before);
  CHECK(r.valid == offset);
  CHECK_THAT(r.error, Catch::Contains("offset " + std::to_string(offset)));
}

TEST_CASE("reopening appends after the existing records", "[wal]") {
  TempDir dir;
  const std::string path = dir.file("log");
  write_records(path, {"a", "b"});
  write_records(path, {"c"}, SyncPolicy::kEveryWrite);
  write_records(path, {"", "d"}, SyncPolicy::kEverySecond);
  CHECK(replay(path).records == std::vector<std::string>{"a", "b", "c", "", "d"});
}

TEST_CASE("recovery truncates a torn tail before appending", "[wal]") {
  TempDir dir;
  const std::string path = dir.file("log");
  write_records(path, {"a", "b", "c"});
  std::string bytes = read_file(path);
  bytes.resize(bytes.size() - 1);  // tear "c"
  write_file(path, bytes);

  const Replay r = replay(path);
  REQUIRE(r.records == std::vector<std::string>{"a", "b"});
  REQUIRE(r.truncated == kWalHeaderBytes);

  // Appending without truncating would bury new records behind the damage.
  auto writer = WalWriter::open(path, SyncPolicy::kEveryWrite, r.valid);
  REQUIRE(writer.ok());
  REQUIRE(writer->append("c2").ok());
  REQUIRE(writer->close().ok());
  const Replay after = replay(path);
  CHECK_FALSE(after.corrupt);
  CHECK(after.truncated == 0);
  CHECK(after.records == std::vector<std::string>{"a", "b", "c2"});

  auto too_far = WalWriter::open(path, SyncPolicy::kOsManaged, fs::file_size(path) + 1);
  CHECK_FALSE(too_far.ok());
}

TEST_CASE("WAL errors come back as values", "[wal]") {
  TempDir dir;
  auto missing = WalReader::open(dir.file("no-such-file"));
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains("wal: open"));

  auto bad_dir = WalWriter::open(dir.file("no-such-dir/log"), SyncPolicy::kOsManaged);
  CHECK_FALSE(bad_dir.ok());

  auto writer = WalWriter::open(dir.file("log"), SyncPolicy::kOsManaged);
  REQUIRE(writer.ok());
  const char byte = 'x';
  // Only the length is looked at before the record is refused.
  const std::string_view huge(&byte, std::size_t{kora::storage::kWalMaxRecordBytes} + 1);
  CHECK_FALSE(writer->append(huge).ok());
  CHECK(writer->append("still fine").ok());  // a refused record does not fail the log
}

TEST_CASE("an empty or missing-tail file reads as an empty log", "[wal]") {
  TempDir dir;
  const std::string path = dir.file("log");
  write_file(path, "");
  Replay r = replay(path);
  CHECK(r.records.empty());
  CHECK_FALSE(r.corrupt);
  write_file(path, "abc");  // shorter than one header
  r = replay(path);
  CHECK(r.records.empty());
  CHECK(r.truncated == 3);
}

TEST_CASE("moved writers and readers keep working", "[wal]") {
  TempDir dir;
  const std::string path = dir.file("log");
  auto opened = WalWriter::open(path, SyncPolicy::kOsManaged);
  REQUIRE(opened.ok());
  WalWriter writer = std::move(opened.value());
  REQUIRE(writer.append("x").ok());
  WalWriter other = std::move(writer);
  REQUIRE(other.append("y").ok());
  other = WalWriter::open(dir.file("log2"), SyncPolicy::kOsManaged).value();  // flushes log
  REQUIRE(other.close().ok());
  CHECK(replay(path).records == std::vector<std::string>{"x", "y"});
}
