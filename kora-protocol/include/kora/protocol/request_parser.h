#pragma once
// RequestParser: a streaming parser of client requests, as Redis reads them.
//
// Accepts RESP2 multibulk frames ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline
// commands ("GET k\r\n", with Redis's quoting rules) from a byte buffer that may
// hold a partial frame, exactly one, or many pipelined frames. Pure codec: no I/O.
//
// Not thread-safe; one parser per connection.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kora::protocol {

// Redis's limits (proto-max-bulk-len and the inline / count-line limits).
inline constexpr std::size_t kMaxBulkLength = 512ull * 1024 * 1024;
inline constexpr std::size_t kMaxInlineLength = 64 * 1024;
inline constexpr std::size_t kMaxMultibulkLength = 2147483647;  // INT_MAX, as Redis 7.0
// Redis's limits for a client that has not authenticated yet: larger frames are
// refused before anything is allocated for them.
inline constexpr std::size_t kUnauthMaxMultibulkLength = 10;
inline constexpr std::size_t kUnauthMaxBulkLength = 16384;

class RequestParser {
 public:
  enum class Status {
    kCommand,   // argv holds one command; `consumed` bytes were used
    kEmpty,     // an empty frame ("*0", "*-1", blank inline line) was skipped: `consumed` bytes
    kNeedMore,  // the buffer ends inside a frame; call again with more bytes appended
    kError,     // protocol error: error() holds Redis's message; close after replying
  };

  // Parses the first frame of `data`. On kCommand, argv's views point into `data`
  // or into this parser's scratch space (inline commands with escapes), valid
  // until the next parse() or until `data` changes. O(number of arguments) when
  // the frame is incomplete: bulk payloads are skipped, not scanned.
  Status parse(std::string_view data, std::vector<std::string_view>& argv, std::size_t& consumed);

  // After kNeedMore: the total frame size known so far (0 if unknown), so a
  // caller can reserve room for a large bulk string before reading it.
  std::size_t bytes_hint() const { return hint_; }

  // While set, frames are parsed under Redis's limits for unauthenticated
  // clients (kUnauthMax*): a longer multibulk count or bulk length is a
  // protocol error ("unauthenticated multibulk length" / "unauthenticated bulk
  // length"), so such a client never makes the caller buffer more than one
  // small frame. The caller sets it before each parse() from its auth state.
  void set_unauthenticated(bool on) { unauthenticated_ = on; }

  // The longest bulk string accepted (proto-max-bulk-len; default
  // kMaxBulkLength): a longer one is "invalid bulk length".
  void set_max_bulk_length(std::size_t n) { max_bulk_ = n; }

  // After kError: the message to send, without the leading '-' (e.g.
  // "ERR Protocol error: invalid bulk length").
  const std::string& error() const { return error_; }

 private:
  Status parse_multibulk(std::string_view data, std::vector<std::string_view>& argv,
                         std::size_t& consumed);
  Status parse_inline(std::string_view data, std::vector<std::string_view>& argv,
                      std::size_t& consumed);
  Status fail(std::string message);

  std::string error_;
  std::string scratch_;  // unescaped inline arguments
  std::size_t hint_ = 0;
  bool unauthenticated_ = false;
  std::size_t max_bulk_ = kMaxBulkLength;
};

}  // namespace kora::protocol
