#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "kora/protocol/request_parser.h"

using kora::protocol::RequestParser;
using Status = RequestParser::Status;

namespace {

// Feeds `wire` to a parser the way a socket would: `chunk` bytes at a time,
// appending to a buffer and consuming whole frames. Returns the commands seen.
std::vector<std::vector<std::string>> feed(const std::string& wire, std::size_t chunk) {
  RequestParser parser;
  std::string buffer;
  std::vector<std::vector<std::string>> commands;
  std::vector<std::string_view> argv;
  for (std::size_t off = 0; off < wire.size(); off += chunk) {
    buffer.append(wire, off, chunk);
    for (;;) {
      std::size_t consumed = 0;
      Status s = parser.parse(buffer, argv, consumed);
      if (s == Status::kNeedMore) break;
      REQUIRE(s != Status::kError);
      if (s == Status::kCommand) commands.emplace_back(argv.begin(), argv.end());
      buffer.erase(0, consumed);
    }
  }
  REQUIRE(buffer.empty());
  return commands;
}

}  // namespace

TEST_CASE("multibulk frames parse whole, pipelined, and byte by byte") {
  std::string value("a\r\nb\0c", 6);  // binary-safe payload with CRLF and NUL
  std::string wire = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\n" + value + "\r\n" +
                     "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n" + "*0\r\n" + "*1\r\n$0\r\n\r\n";
  for (std::size_t chunk : {wire.size(), std::size_t{1}, std::size_t{2}, std::size_t{7}}) {
    auto cmds = feed(wire, chunk);
    REQUIRE(cmds.size() == 3);
    CHECK(cmds[0] == std::vector<std::string>{"SET", "k", value});
    CHECK(cmds[1] == std::vector<std::string>{"GET", "k"});
    CHECK(cmds[2] == std::vector<std::string>{""});
  }
}

TEST_CASE("inline commands follow redis-cli quoting") {
  auto cmds = feed("SET k \"hello world\"\r\nGET 'a b'\n\r\n  PING  \r\nECHO \"\\x41\\n\"\r\n", 1);
  REQUIRE(cmds.size() == 4);
  CHECK(cmds[0] == std::vector<std::string>{"SET", "k", "hello world"});
  CHECK(cmds[1] == std::vector<std::string>{"GET", "a b"});
  CHECK(cmds[2] == std::vector<std::string>{"PING"});
  CHECK(cmds[3] == std::vector<std::string>{"ECHO", "A\n"});
}

TEST_CASE("protocol errors carry Redis's messages") {
  RequestParser p;
  std::vector<std::string_view> argv;
  std::size_t consumed;
  auto error_of = [&](std::string wire) {
    REQUIRE(p.parse(wire, argv, consumed) == Status::kError);
    return p.error();
  };
  CHECK(error_of("*x\r\n") == "ERR Protocol error: invalid multibulk length");
  CHECK(error_of("*1\r\n+foo\r\n") == "ERR Protocol error: expected '$', got '+'");
  CHECK(error_of("*1\r\n$-5\r\n") == "ERR Protocol error: invalid bulk length");
  CHECK(error_of("*1\r\n$999999999999\r\n") == "ERR Protocol error: invalid bulk length");
  CHECK(error_of("GET \"abc\r\n") == "ERR Protocol error: unbalanced quotes in request");
  CHECK(error_of(std::string(70000, 'a')) == "ERR Protocol error: too big inline request");
}

TEST_CASE("an incomplete large bulk reports the bytes it needs") {
  RequestParser p;
  std::vector<std::string_view> argv;
  std::size_t consumed;
  std::string wire = "*2\r\n$3\r\nGET\r\n$100000\r\nabc";
  REQUIRE(p.parse(wire, argv, consumed) == Status::kNeedMore);
  CHECK(p.bytes_hint() == std::string("*2\r\n$3\r\nGET\r\n$100000\r\n").size() + 100002);
}

TEST_CASE("empty frames are skipped") {
  RequestParser p;
  std::vector<std::string_view> argv;
  std::size_t consumed;
  CHECK(p.parse("*-1\r\n", argv, consumed) == Status::kEmpty);
  CHECK(consumed == 5);
  CHECK(p.parse("\r\n", argv, consumed) == Status::kEmpty);
  CHECK(consumed == 2);
}

TEST_CASE("unauthenticated clients are limited to small frames, as Redis") {
  RequestParser parser;
  std::vector<std::string_view> argv;
  std::size_t consumed = 0;
  parser.set_unauthenticated(true);
  // Refused from the count line alone: nothing after it needs to arrive.
  CHECK(parser.parse("*11\r\n", argv, consumed) == Status::kError);
  CHECK(parser.error() == "ERR Protocol error: unauthenticated multibulk length");
  CHECK(parser.parse("*1\r\n$16385\r\n", argv, consumed) == Status::kError);
  CHECK(parser.error() == "ERR Protocol error: unauthenticated bulk length");
  CHECK(parser.bytes_hint() == 0);
  // At the limits: accepted.
  std::string big(16384, 'x');
  std::string frame = "*2\r\n$4\r\nAUTH\r\n$16384\r\n" + big + "\r\n";
  CHECK(parser.parse(frame, argv, consumed) == Status::kCommand);
  CHECK(argv[1].size() == 16384);
  CHECK(parser.parse("*10\r\n", argv, consumed) == Status::kNeedMore);
  // Authenticated: the ordinary limits.
  parser.set_unauthenticated(false);
  CHECK(parser.parse("*100\r\n", argv, consumed) == Status::kNeedMore);
  CHECK(parser.parse("*1\r\n$100000\r\n", argv, consumed) == Status::kNeedMore);
}
