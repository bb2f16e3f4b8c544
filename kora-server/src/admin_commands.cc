// Server administration commands (Redis's server.c): TIME so far; SHUTDOWN,
// LASTSAVE, ROLE, LOLWUT and DEBUG join them with the operations issue.
#include <array>
#include <chrono>
#include <string>

#include "kora/core/numbers.h"
#include "kora/server/command.h"

namespace kora::server {
namespace {

// TIME: [unix seconds, microseconds] as two bulk strings.
void time_command(CommandContext& ctx) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string sec, usec;
  core::append_int64(sec, us / 1'000'000);
  core::append_int64(usec, us % 1'000'000);
  ctx.reply.array(2);
  ctx.reply.bulk(sec);
  ctx.reply.bulk(usec);
}

// clang-format off
const std::array kAdminCommands = {
    CommandSpec{"time", 1, kFast | kLoading | kStale, 0, 0, 0, time_command, Fanout::kNone, nullptr, "@fast"},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> admin_commands() { return kAdminCommands; }

}  // namespace kora::server
