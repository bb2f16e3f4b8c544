#pragma once
// Every error Kora reports, with Redis 7's exact text kept in one table (errors.cc).

#include <string>
#include <string_view>

namespace kora::core {

enum class Errc : unsigned char {
  kWrongType,         // WRONGTYPE Operation against a key holding the wrong kind of value
  kNotInteger,        // ERR value is not an integer or out of range
  kNotFloat,          // ERR value is not a valid float
  kOverflow,          // ERR increment or decrement would overflow
  kDecrementOverflow, // ERR decrement would overflow (DECRBY of LLONG_MIN)
  kExpireFlagsNxXx,   // ERR NX and XX, GT or LT options at the same time are not compatible
  kExpireFlagsGtLt,   // ERR GT and LT options at the same time are not compatible
  kUnsupportedOption, // ERR Unsupported option <opt>
  kNoProto,           // NOPROTO unsupported protocol version
  kCrossShard,        // CROSSSLOT Keys in request don't hash to the same slot
  kSyntax,            // ERR syntax error
  kNoSuchKey,         // ERR no such key
  kInvalidExpire,     // ERR invalid expire time in '<cmd>' command
  kWrongArity,        // ERR wrong number of arguments for '<cmd>' command
  kUnknownCommand,    // ERR unknown command '<cmd>', with args beginning with: <args>
  kUnknownSubcommand, // ERR unknown subcommand '<sub>'. Try <CMD> HELP. (arg: "<sub>\0<CMD>")
  kDbIndexOutOfRange, // ERR DB index is out of range
  kStringTooLong,     // ERR string exceeds maximum allowed size (proto-max-bulk-len)
  kOutOfMemory,       // OOM command not allowed when used memory > 'maxmemory'.
  kShuttingDown,      // ERR server is shutting down
  kProtocol,          // ERR Protocol error: <detail>
};

// The message of `code` as Redis sends it after '-' (no CRLF). `arg` fills the
// placeholder of the codes that have one (command name, protocol detail) and is
// ignored by the others.
std::string error_message(Errc code, std::string_view arg = {});

// An error value: the code plus its fully formatted message.
struct Error {
  Errc code;
  std::string message;

  static Error of(Errc code, std::string_view arg = {}) {
    return Error{code, error_message(code, arg)};
  }
};

}  // namespace kora::core
