#include <catch2/catch.hpp>
#include <string>

#include "kora/protocol/reply.h"
#include "kora/protocol/reply_writer.h"

using namespace kora::protocol;
using namespace std::string_literals;

TEST_CASE("writer emits RESP2") {
  std::string out;
  ReplyWriter w(&out);
  w.ok();
  w.error("ERR x");
  w.integer(-42);
  w.bulk(std::string("a\0b", 3));
  w.null();
  w.array(2);
  w.bulk("x");
  w.null_array();
  w.dbl(1.5);
  CHECK(out == "+OK\r\n-ERR x\r\n:-42\r\n$3\r\na\0b\r\n$-1\r\n*2\r\n$1\r\nx\r\n*-1\r\n$3\r\n1.5\r\n"s);
}

TEST_CASE("writer emits RESP3 types when asked") {
  std::string out;
  ReplyWriter w(&out, 3);
  w.null();
  w.map(1);
  w.set(0);
  w.dbl(2.0);
  CHECK(out == "_\r\n%1\r\n~0\r\n,2\r\n");
}

TEST_CASE("decode round-trips nested replies, byte by byte") {
  std::string wire = "*4\r\n:1\r\n$-1\r\n*2\r\n+OK\r\n-ERR bad\r\n$5\r\nhello\r\n";
  for (std::size_t cut = 0; cut < wire.size(); ++cut) {
    Reply r;
    std::size_t consumed;
    CHECK(decode_reply(std::string_view(wire).substr(0, cut), r, consumed) == DecodeStatus::kNeedMore);
  }
  Reply r;
  std::size_t consumed;
  REQUIRE(decode_reply(wire, r, consumed) == DecodeStatus::kOk);
  CHECK(consumed == wire.size());
  REQUIRE(r.elements.size() == 4);
  CHECK(r.elements[0].integer == 1);
  CHECK(r.elements[1].is_null());
  CHECK(r.elements[2].elements[1].is_error());
  CHECK(r.elements[3].str == "hello");
  std::string again;
  encode_reply(r, again);
  CHECK(again == wire);
}
