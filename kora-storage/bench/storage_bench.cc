// Throughput of kora-storage's building blocks: CRC32C (hardware vs table), WAL
// append, and LZ4 vs zstd on 4 KiB pages.

#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include "crc32c_internal.h"
#include "kora/storage/codec.h"
#include "kora/storage/crc32c.h"
#include "kora/storage/wal.h"

namespace {

namespace ks = kora::storage;

std::string random_bytes(std::size_t n, std::uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string text_page() {
  std::string s;
  for (int i = 0; s.size() < 4096; ++i) {
    s += "{\"user\":" + std::to_string(i) + ",\"name\":\"user-" + std::to_string(i % 37) +
         "\",\"active\":true},";
  }
  s.resize(4096);
  return s;
}

void BM_Crc32cHardware(benchmark::State& state) {
  if (!ks::internal::crc32c_sse42_supported()) {
    state.SkipWithError("no SSE4.2");
    return;
  }
  const std::string data = random_bytes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(ks::internal::crc32c_sse42(data, 0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32cHardware)->Arg(64)->Arg(4096)->Arg(1 << 20);

void BM_Crc32cTable(benchmark::State& state) {
  const std::string data = random_bytes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(ks::internal::crc32c_portable(data, 0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32cTable)->Arg(64)->Arg(4096)->Arg(1 << 20);

class TempFile {
 public:
  TempFile() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kora-bench-XXXXXX").string();
    const int fd = ::mkstemp(tmpl.data());
    if (fd >= 0) ::close(fd);
    path_ = tmpl;
  }
  ~TempFile() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Buffered append (kOsManaged): the cost of framing, CRC and copying.
void BM_WalAppend(benchmark::State& state) {
  TempFile file;
  auto writer = ks::WalWriter::open(file.path(), ks::SyncPolicy::kOsManaged);
  if (!writer.ok()) {
    state.SkipWithError("cannot open WAL");
    return;
  }
  const std::string payload = random_bytes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    if (!writer->append(payload).ok()) state.SkipWithError("append failed");
  }
  (void)writer->close();
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_WalAppend)->Arg(16)->Arg(256)->Arg(4096);

// kEveryWrite: one fdatasync per record, i.e. the device's sync latency.
void BM_WalAppendSyncEveryWrite(benchmark::State& state) {
  TempFile file;
  auto writer = ks::WalWriter::open(file.path(), ks::SyncPolicy::kEveryWrite);
  if (!writer.ok()) {
    state.SkipWithError("cannot open WAL");
    return;
  }
  const std::string payload = random_bytes(256);
  for (auto _ : state) {
    if (!writer->append(payload).ok()) state.SkipWithError("append failed");
  }
  (void)writer->close();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_WalAppendSyncEveryWrite);

void BM_Compress4K(benchmark::State& state) {
  const auto codec = static_cast<ks::Codec>(state.range(0));
  const std::string page = text_page();
  std::size_t out_bytes = 0;
  for (auto _ : state) {
    auto block = ks::compress(codec, page);
    out_bytes = block.ok() ? block->size() : 0;
    benchmark::DoNotOptimize(out_bytes);
  }
  state.SetLabel(std::string(ks::codec_name(codec)) + " ratio " +
                 std::to_string(static_cast<double>(page.size()) /
                                static_cast<double>(out_bytes ? out_bytes : 1)));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 4096);
}
BENCHMARK(BM_Compress4K)
    ->Arg(static_cast<int>(ks::Codec::kLz4))
    ->Arg(static_cast<int>(ks::Codec::kZstd));

void BM_Decompress4K(benchmark::State& state) {
  const auto codec = static_cast<ks::Codec>(state.range(0));
  auto block = ks::compress(codec, text_page());
  if (!block.ok()) {
    state.SkipWithError("compress failed");
    return;
  }
  for (auto _ : state) {
    auto page = ks::decompress(codec, *block);
    benchmark::DoNotOptimize(page);
  }
  state.SetLabel(std::string(ks::codec_name(codec)));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 4096);
}
BENCHMARK(BM_Decompress4K)
    ->Arg(static_cast<int>(ks::Codec::kLz4))
    ->Arg(static_cast<int>(ks::Codec::kZstd));

}  // namespace
