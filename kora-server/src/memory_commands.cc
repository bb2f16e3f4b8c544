// MEMORY (Redis's object.c memoryCommand): USAGE so far. DOCTOR, STATS,
// MALLOC-STATS and PURGE need the process-wide memory accounting of the
// operations issue and answer Redis's unknown-subcommand error until then.
#include <array>

#include "args.h"
#include "kora/core/key_ops.h"
#include "kora/server/command.h"

namespace kora::server {
namespace {

using core::Errc;

// MEMORY USAGE key [SAMPLES count]: the bytes the key holds, counted exactly
// (SAMPLES is validated as Redis does; Kora's aggregates know their size, so
// no count of samples changes the answer). Null when the key is absent.
void memory_usage(CommandContext& ctx) {
  for (std::size_t j = 3; j < ctx.argv.size(); ++j) {
    if (iequals(ctx.argv[j], "samples") && j + 1 < ctx.argv.size()) {
      auto samples = to_int(ctx.argv[++j]);
      if (!samples) return ctx.error(Errc::kNotInteger);
      if (*samples < 0) return ctx.error(Errc::kSyntax);
    } else {
      return ctx.error(Errc::kSyntax);
    }
  }
  auto bytes = core::op_memory_usage(ctx.db(), ctx.argv[2]);
  if (!bytes) return ctx.reply.null();
  ctx.reply.integer(static_cast<std::int64_t>(*bytes));
}

constexpr std::array kMemorySubcommands = {
    Subcommand{"usage", -3, memory_usage},
};

void memory_command(CommandContext& ctx) { dispatch_subcommand(ctx, "memory", kMemorySubcommands); }

// clang-format off
const std::array kMemoryCommands = {
    CommandSpec{"memory", -2, kReadOnly, 2, 2, 1, memory_command, Fanout::kNone, nullptr, "@read @slow"},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> memory_commands() { return kMemoryCommands; }

}  // namespace kora::server
