// The execution wrapper's statistics: the inline latency histogram agrees with
// observability::LatencyHistogram bucket for bucket, so merging is exact.
#include <catch2/catch.hpp>

#include <random>

#include "server_shard.h"

using kora::server::NsHistogram;

TEST_CASE("NsHistogram buckets are LatencyHistogram's at precision 3") {
  std::mt19937_64 rng(7);
  kora::observability::LatencyHistogram reference(NsHistogram::kPrecision);
  NsHistogram fast;
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t v = rng() >> (rng() % 64);
    const std::size_t b = NsHistogram::bucket_of(v);
    REQUIRE(b < NsHistogram::kBuckets);
    REQUIRE(NsHistogram::lowest(b) <= v);
    REQUIRE(NsHistogram::bucket_of(NsHistogram::lowest(b)) == b);
    fast.record(v);
    reference.record(v);
  }
  kora::observability::LatencyHistogram merged(NsHistogram::kPrecision);
  fast.merge_into(merged);
  CHECK(merged.count() == reference.count());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    // Same bucket: the reported values differ only by where in the bucket
    // min/max clamp them.
    CHECK(NsHistogram::bucket_of(merged.percentile(p)) == NsHistogram::bucket_of(reference.percentile(p)));
  }
}
