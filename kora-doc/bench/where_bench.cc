// Throughput of the DOC.FIND building blocks: parsing a WHERE clause, evaluating
// it against one document, and parsing/projecting documents.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "kora/doc/document.h"
#include "kora/doc/where.h"

namespace {

constexpr const char* kDoc =
    R"({"name":"Augustus","city":"Accra","age":30,"score":4.5,"active":true,)"
    R"("tags":["a","b","c"],"address":{"city":"Accra","zip":"00233","geo":{"lat":5.6}},)"
    R"("email":"a@example.com","plan":"pro","logins":1234})";

constexpr const char* kWhere =
    R"((city = "Accra" OR city IN ("Lagos", "Nairobi")) AND age >= 18 AND age < 65 )"
    R"(AND NOT banned EXISTS AND address.geo.lat > 0.5 AND plan != "free")";

void BM_ParseWhere(benchmark::State& state) {
  for (auto _ : state) {
    auto e = kora::doc::parse_where(kWhere);
    benchmark::DoNotOptimize(e);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(std::string(kWhere).size()));
}
BENCHMARK(BM_ParseWhere);

void BM_EvaluateWhere(benchmark::State& state) {
  auto doc = kora::doc::parse_document(kDoc);
  auto expr = kora::doc::parse_where(kWhere);
  if (!doc.ok() || !expr.ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  for (auto _ : state) {
    bool hit = kora::doc::evaluate(expr.value(), doc.value());
    benchmark::DoNotOptimize(hit);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_EvaluateWhere);

// Parse once, then filter N documents: the shape of a DOC.FIND scan without an index.
void BM_ParseThenScan(benchmark::State& state) {
  std::vector<rapidjson::Document> docs;
  for (int64_t i = 0; i < state.range(0); ++i) {
    std::string json = R"({"city":")" + std::string(i % 3 == 0 ? "Accra" : "Lagos") +
                       R"(","age":)" + std::to_string(i % 90) +
                       R"(,"plan":"pro","address":{"geo":{"lat":1.5}}})";
    docs.push_back(std::move(kora::doc::parse_document(json)).value());
  }
  for (auto _ : state) {
    auto expr = kora::doc::parse_where(kWhere);
    int64_t hits = 0;
    for (const auto& d : docs) hits += kora::doc::evaluate(expr.value(), d) ? 1 : 0;
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_ParseThenScan)->Arg(1000);

void BM_ParseDocument(benchmark::State& state) {
  for (auto _ : state) {
    auto d = kora::doc::parse_document(kDoc);
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(std::string(kDoc).size()));
}
BENCHMARK(BM_ParseDocument);

void BM_Project(benchmark::State& state) {
  auto doc = kora::doc::parse_document(kDoc);
  const std::vector<std::string> fields = {"name", "address.city", "address.geo.lat", "tags"};
  for (auto _ : state) {
    std::string out = kora::doc::project(doc.value(), fields);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_Project);

}  // namespace
