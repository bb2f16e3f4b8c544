// Pub/sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
// SSUBSCRIBE, SUNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB CHANNELS / NUMSUB /
// NUMPAT / SHARDCHANNELS / SHARDNUMSUB / HELP. The (un)subscribe commands
// touch the connection's state (kConnection: they run on its worker); PUBLISH
// runs anywhere and returns the receivers counted by the Broker (the deliveries
// follow on the subscribers' workers). See pubsub_service.h for the data flow.
#include <array>
#include <optional>

#include "args.h"
#include "kora/server/command.h"
#include "kora/server/server_state.h"
#include "pubsub_service.h"

namespace kora::server {
namespace {

using pubsub::Kind;

// The connection's endpoint, or a reply saying why there is none (an in-process
// caller has no connection to push messages to).
PubSubClient* endpoint(CommandContext& ctx) {
  if (ctx.client && ctx.client->pubsub) return ctx.client->pubsub.get();
  std::string name(ctx.argv[0]);
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ctx.reply.error("ERR " + name + " is not available without a client connection");
  return nullptr;
}

void subscribe_kind(CommandContext& ctx, Kind kind) {
  PubSubClient* c = endpoint(ctx);
  if (!c) return;
  for (std::size_t i = 1; i < ctx.argv.size(); ++i) c->subscribe(kind, ctx.argv[i], ctx.reply);
}

void unsubscribe_kind(CommandContext& ctx, Kind kind) {
  PubSubClient* c = endpoint(ctx);
  if (!c) return;
  if (ctx.argv.size() == 1) return c->unsubscribe(kind, std::nullopt, ctx.reply);
  for (std::size_t i = 1; i < ctx.argv.size(); ++i) c->unsubscribe(kind, ctx.argv[i], ctx.reply);
}

void subscribe_command(CommandContext& ctx) { subscribe_kind(ctx, Kind::kChannel); }
void psubscribe_command(CommandContext& ctx) { subscribe_kind(ctx, Kind::kPattern); }
void ssubscribe_command(CommandContext& ctx) { subscribe_kind(ctx, Kind::kShardChannel); }
void unsubscribe_command(CommandContext& ctx) { unsubscribe_kind(ctx, Kind::kChannel); }
void punsubscribe_command(CommandContext& ctx) { unsubscribe_kind(ctx, Kind::kPattern); }
void sunsubscribe_command(CommandContext& ctx) { unsubscribe_kind(ctx, Kind::kShardChannel); }

pubsub::Broker* broker(CommandContext& ctx) {
  return ctx.server && ctx.server->pubsub ? &ctx.server->pubsub->broker() : nullptr;
}

void publish_command(CommandContext& ctx) {
  pubsub::Broker* b = broker(ctx);
  ctx.reply.integer(b ? static_cast<std::int64_t>(b->publish(ctx.argv[1], ctx.argv[2])) : 0);
}

void spublish_command(CommandContext& ctx) {
  pubsub::Broker* b = broker(ctx);
  ctx.reply.integer(b ? static_cast<std::int64_t>(b->publish(ctx.argv[1], ctx.argv[2], /*shard=*/true)) : 0);
}

void list_channels(CommandContext& ctx, bool shard) {
  if (ctx.argv.size() > 3) return reply_subcommand_syntax(ctx, "pubsub");
  std::vector<std::string> names;
  if (pubsub::Broker* b = broker(ctx)) {
    std::optional<std::string_view> pattern;
    if (ctx.argv.size() == 3) pattern = ctx.argv[2];
    names = b->directory().channels(pattern, shard);
  }
  ctx.reply.array(names.size());
  for (const auto& n : names) ctx.reply.bulk(n);
}

void count_subscribers(CommandContext& ctx, bool shard) {
  pubsub::Broker* b = broker(ctx);
  ctx.reply.array((ctx.argv.size() - 2) * 2);
  for (std::size_t i = 2; i < ctx.argv.size(); ++i) {
    ctx.reply.bulk(ctx.argv[i]);
    ctx.reply.integer(b ? static_cast<std::int64_t>(b->directory().numsub(ctx.argv[i], shard)) : 0);
  }
}

void pubsub_channels(CommandContext& ctx) { list_channels(ctx, false); }
void pubsub_shardchannels(CommandContext& ctx) { list_channels(ctx, true); }
void pubsub_numsub(CommandContext& ctx) { count_subscribers(ctx, false); }
void pubsub_shardnumsub(CommandContext& ctx) { count_subscribers(ctx, true); }
void pubsub_numpat(CommandContext& ctx) {
  pubsub::Broker* b = broker(ctx);
  ctx.reply.integer(b ? static_cast<std::int64_t>(b->directory().numpat()) : 0);
}

void pubsub_help(CommandContext& ctx) {
  reply_help(ctx, "pubsub",
             {"CHANNELS [<pattern>]",
              "    Return the currently active channels matching a <pattern> (default: '*').",
              "NUMPAT",
              "    Return number of subscriptions to patterns.",
              "NUMSUB [<channel> ...]",
              "    Return the number of subscribers for the specified channels, excluding",
              "    pattern subscriptions(default: no channels).",
              "SHARDCHANNELS [<pattern>]",
              "    Return the currently active shard level channels matching a <pattern> (default: '*').",
              "SHARDNUMSUB [<shardchannel> ...]",
              "    Return the number of subscribers for the specified shard level channel(s)",
              "HELP",
              "    Prints this help."});
}

constexpr std::array kPubsubSubcommands = {
    Subcommand{"channels", -2, pubsub_channels},
    Subcommand{"numsub", -2, pubsub_numsub},
    Subcommand{"numpat", 2, pubsub_numpat},
    Subcommand{"shardchannels", -2, pubsub_shardchannels},
    Subcommand{"shardnumsub", -2, pubsub_shardnumsub},
    Subcommand{"help", 2, pubsub_help},
};

void pubsub_command(CommandContext& ctx) { dispatch_subcommand(ctx, "pubsub", kPubsubSubcommands); }

constexpr std::uint32_t kSub = kConnection | kNoScript | kLoading | kStale;

const CommandSpec kPubsubCommands[] = {
    CommandSpec{"subscribe", -2, kSub, 0, 0, 0, subscribe_command, Fanout::kNone, nullptr, "@pubsub @slow"},
    CommandSpec{"unsubscribe", -1, kSub, 0, 0, 0, unsubscribe_command, Fanout::kNone, nullptr, "@pubsub @slow"},
    CommandSpec{"psubscribe", -2, kSub, 0, 0, 0, psubscribe_command, Fanout::kNone, nullptr, "@pubsub @slow"},
    CommandSpec{"punsubscribe", -1, kSub, 0, 0, 0, punsubscribe_command, Fanout::kNone, nullptr, "@pubsub @slow"},
    CommandSpec{"ssubscribe", -2, kSub, 0, 0, 0, ssubscribe_command, Fanout::kNone, nullptr, "@pubsub @slow"},
    CommandSpec{"sunsubscribe", -1, kSub, 0, 0, 0, sunsubscribe_command, Fanout::kNone, nullptr, "@pubsub @slow"},
    CommandSpec{"publish", 3, kFast | kLoading | kStale, 0, 0, 0, publish_command, Fanout::kNone, nullptr,
                "@pubsub @fast"},
    CommandSpec{"spublish", 3, kFast | kLoading | kStale, 0, 0, 0, spublish_command, Fanout::kNone, nullptr,
                "@pubsub @fast"},
    CommandSpec{"pubsub", -2, kLoading | kStale, 0, 0, 0, pubsub_command, Fanout::kNone, nullptr, "@slow"},
};

}  // namespace

std::span<const CommandSpec> pubsub_commands() { return kPubsubCommands; }

}  // namespace kora::server
