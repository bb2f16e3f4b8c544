#include "kora/cdc/change_ring.h"

#include <catch2/catch.hpp>
#include <string>

namespace {

using kora::cdc::ChangeRing;
using kora::cdc::Op;

void fill(ChangeRing& ring, int n, int first = 1) {
  for (int i = first; i < first + n; ++i) {
    ring.append(Op::kSet, "k" + std::to_string(i), "v" + std::to_string(i), 1000 + i);
  }
}

}  // namespace

TEST_CASE("a new ring is empty", "[cdc]") {
  ChangeRing ring(4);
  CHECK(ring.empty());
  CHECK(ring.capacity() == 4);
  CHECK(ring.last_seq() == 0);
  CHECK(ring.first_seq() == 1);
  auto batch = ring.read(0, 10);
  CHECK(batch.events.empty());
  CHECK_FALSE(batch.gap);
  CHECK(batch.next_seq == 1);
  CHECK(batch.oldest_seq == 1);
}

TEST_CASE("append assigns consecutive seqs from 1 and read returns them in order", "[cdc]") {
  ChangeRing ring(8);
  CHECK(ring.append(Op::kSet, "a", "1", 10) == 1);
  CHECK(ring.append(Op::kDel, "b", "", 11) == 2);
  CHECK(ring.append(Op::kExpire, "a", "99999", 12) == 3);
  CHECK(ring.first_seq() == 1);
  CHECK(ring.last_seq() == 3);
  CHECK(ring.payload_bytes() == 2 + 1 + 6);

  auto batch = ring.read(1, 100);
  REQUIRE(batch.events.size() == 3);
  CHECK(batch.events[0].seq == 1);
  CHECK(batch.events[0].op == Op::kSet);
  CHECK(batch.events[0].key == "a");
  CHECK(batch.events[0].value == "1");
  CHECK(batch.events[0].timestamp_ms == 10);
  CHECK(batch.events[1].op == Op::kDel);
  CHECK(batch.events[2].value == "99999");
  CHECK(batch.next_seq == 4);
  CHECK_FALSE(batch.gap);

  // from_seq 0 means "from the beginning".
  CHECK(ring.read(0, 100).events.size() == 3);
  // `max` bounds the batch and the cursor resumes where it stopped.
  batch = ring.read(1, 2);
  CHECK(batch.events.size() == 2);
  CHECK(batch.next_seq == 3);
  batch = ring.read(batch.next_seq, 2);
  REQUIRE(batch.events.size() == 1);
  CHECK(batch.events[0].seq == 3);
  CHECK(ring.read(1, 0).events.empty());
  CHECK(ring.read(1, 0).next_seq == 1);
}

TEST_CASE("wraparound keeps the newest events", "[cdc]") {
  ChangeRing ring(5);
  fill(ring, 23);
  CHECK(ring.size() == 5);
  CHECK(ring.first_seq() == 19);
  CHECK(ring.last_seq() == 23);
  auto batch = ring.read(19, 100);
  REQUIRE(batch.events.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(batch.events[i].seq == 19 + i);
    CHECK(batch.events[i].key == "k" + std::to_string(19 + i));
    CHECK(batch.events[i].timestamp_ms == static_cast<std::int64_t>(1019 + i));
  }
  CHECK_FALSE(batch.gap);
  CHECK(batch.next_seq == 24);
  CHECK(ring.payload_bytes() == std::size_t{30});  // 5 x ("kNN", "vNN")
}

TEST_CASE("a cursor older than the ring reports a gap", "[cdc]") {
  ChangeRing ring(4);
  fill(ring, 10);  // retains 7..10
  for (std::uint64_t from : {0u, 1u, 6u}) {
    CAPTURE(from);
    auto batch = ring.read(from, 100);
    CHECK(batch.gap);
    CHECK(batch.oldest_seq == 7);
    REQUIRE(batch.events.size() == 4);
    CHECK(batch.events.front().seq == 7);
    CHECK(batch.next_seq == 11);
  }
  auto batch = ring.read(7, 100);
  CHECK_FALSE(batch.gap);
  CHECK(batch.events.size() == 4);

  // A gap is reported even when max is 0.
  batch = ring.read(2, 0);
  CHECK(batch.gap);
  CHECK(batch.events.empty());
  CHECK(batch.next_seq == 7);
}

TEST_CASE("a consumer that keeps up never sees a gap", "[cdc]") {
  ChangeRing ring(3);
  std::uint64_t cursor = 1;
  std::uint64_t seen = 0;
  for (int round = 0; round < 100; ++round) {
    fill(ring, 3, round * 3 + 1);
    auto batch = ring.read(cursor, 2);
    CHECK_FALSE(batch.gap);
    seen += batch.events.size();
    cursor = batch.next_seq;
    batch = ring.read(cursor, 2);
    CHECK_FALSE(batch.gap);
    seen += batch.events.size();
    cursor = batch.next_seq;
  }
  CHECK(seen == 300);
  CHECK(cursor == ring.last_seq() + 1);
}

TEST_CASE("reading at or past the end returns nothing and keeps the cursor", "[cdc]") {
  ChangeRing ring(4);
  fill(ring, 3);
  auto batch = ring.read(4, 10);
  CHECK(batch.events.empty());
  CHECK(batch.next_seq == 4);
  CHECK_FALSE(batch.gap);
  batch = ring.read(100, 10);
  CHECK(batch.events.empty());
  CHECK(batch.next_seq == 100);
  CHECK_FALSE(batch.gap);
  CHECK(batch.oldest_seq == 1);
}

TEST_CASE("capacity 1 keeps exactly the last event", "[cdc]") {
  ChangeRing ring(1);
  CHECK(ring.append(Op::kSet, "a", "1", 1) == 1);
  auto batch = ring.read(1, 10);
  REQUIRE(batch.events.size() == 1);
  CHECK_FALSE(batch.gap);
  CHECK(ring.append(Op::kDel, "a", "", 2) == 2);
  batch = ring.read(1, 10);
  CHECK(batch.gap);
  REQUIRE(batch.events.size() == 1);
  CHECK(batch.events[0].seq == 2);
  CHECK(batch.events[0].op == Op::kDel);
  CHECK(ring.first_seq() == 2);
  CHECK(ring.last_seq() == 2);
  CHECK(ring.size() == 1);

  ChangeRing zero(0);  // treated as 1
  CHECK(zero.capacity() == 1);
  zero.append(Op::kFlush, "", "", 3);
  CHECK(zero.read(1, 1).events.size() == 1);
}

TEST_CASE("events read out survive later overwrites", "[cdc]") {
  ChangeRing ring(2);
  ring.append(Op::kSet, "key", std::string(100000, 'x'), 1);
  auto batch = ring.read(1, 1);
  fill(ring, 5);
  REQUIRE(batch.events.size() == 1);
  CHECK(batch.events[0].value.size() == 100000);
  CHECK(ring.payload_bytes() == std::size_t{8});  // "k4","v4" and "k5","v5"
}

TEST_CASE("op names", "[cdc]") {
  CHECK(kora::cdc::op_name(Op::kSet) == "set");
  CHECK(kora::cdc::op_name(Op::kExpired) == "expired");
  CHECK(kora::cdc::op_name(Op::kFlush) == "flush");
}
