// Parse and serialize throughput of the RESP codec.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "kora/protocol/reply_writer.h"
#include "kora/protocol/request_parser.h"

using namespace kora::protocol;

static void BM_ParsePipelinedSet(benchmark::State& state) {
  std::string frame = "*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$32\r\n" +
                      std::string(32, 'v') + "\r\n";
  std::string wire;
  for (int i = 0; i < 16; ++i) wire += frame;
  RequestParser parser;
  std::vector<std::string_view> argv;
  for (auto _ : state) {
    std::string_view rest = wire;
    while (!rest.empty()) {
      std::size_t consumed;
      parser.parse(rest, argv, consumed);
      benchmark::DoNotOptimize(argv.data());
      rest.remove_prefix(consumed);
    }
  }
  state.SetItemsProcessed(state.iterations() * 16);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(wire.size()));
}
BENCHMARK(BM_ParsePipelinedSet);

static void BM_ParseInline(benchmark::State& state) {
  std::string wire = "SET key:000000000001 somevalue\r\n";
  RequestParser parser;
  std::vector<std::string_view> argv;
  for (auto _ : state) {
    std::size_t consumed;
    parser.parse(wire, argv, consumed);
    benchmark::DoNotOptimize(argv.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseInline);

static void BM_SerializeBulk(benchmark::State& state) {
  std::string out;
  std::string value(static_cast<std::size_t>(state.range(0)), 'v');
  for (auto _ : state) {
    out.clear();
    ReplyWriter w(&out);
    for (int i = 0; i < 16; ++i) w.bulk(value);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_SerializeBulk)->Arg(3)->Arg(32)->Arg(1024);

static void BM_SerializeIntegerArray(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    ReplyWriter w(&out);
    w.array(16);
    for (int i = 0; i < 16; ++i) w.integer(i * 1000003);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_SerializeIntegerArray);
