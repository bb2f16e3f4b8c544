#include "kora/server/dispatch.h"

#include <algorithm>
#include <new>

#include "kora/core/clock.h"
#include "kora/protocol/reply.h"

namespace kora::server {

using core::Errc;
using core::Error;

void CommandContext::error(Errc code) {
  std::string name(argv[0]);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  reply.error(core::error_message(code, name));
}

const CommandSpec* lookup(std::span<const std::string_view> argv, std::string& error) {
  const CommandSpec* spec = CommandTable::instance().find(argv[0]);
  if (!spec) {
    // As Redis: the name and the arguments are printed as C strings (cut at a
    // NUL), the name up to 128 bytes, the arguments within a 128-byte budget.
    auto c_string = [](std::string_view s, std::size_t max) {
      s = s.substr(0, std::min(max, s.find('\0')));
      return s;
    };
    std::string args;
    for (std::size_t i = 1; i < argv.size() && args.size() < 128; ++i) {
      args += '\'';
      args.append(c_string(argv[i], 128 - (args.size() - 1)));
      args += "' ";
    }
    std::string detail(c_string(argv[0], 128));
    detail += '\0';
    detail += args;
    error = core::error_message(Errc::kUnknownCommand, detail);
    return nullptr;
  }
  auto argc = static_cast<int>(argv.size());
  if ((spec->arity > 0 && argc != spec->arity) || (spec->arity < 0 && argc < -spec->arity)) {
    error = core::error_message(Errc::kWrongArity, spec->name);
    return nullptr;
  }
  return spec;
}

void CommandTable::key_positions(const CommandSpec& spec, std::span<const std::string_view> argv,
                                 std::vector<std::uint32_t>& out) {
  out.clear();
  if (spec.key_finder) {
    spec.key_finder(argv, out);
    return;
  }
  const std::size_t argc = argv.size();
  if (spec.first_key <= 0) return;
  int last = spec.last_key < 0 ? static_cast<int>(argc) + spec.last_key : spec.last_key;
  for (int i = spec.first_key; i <= last && i < static_cast<int>(argc); i += spec.key_step) {
    out.push_back(static_cast<std::uint32_t>(i));
  }
}

void plan_command(const CommandSpec& spec, std::span<const std::string_view> argv,
                  const core::ShardEngine& engine, core::ShardId home, Plan& plan) {
  plan.spec = &spec;
  plan.single = true;
  plan.cross_shard = false;
  plan.shard = home;
  plan.parts.clear();
  plan.key_count = 0;
  const std::size_t shards = engine.shard_count();

  if (spec.flags & kAllShards) {
    // A custom merge (INFO) always runs as parts, even on one shard.
    if (shards == 1 && spec.fanout != Fanout::kCustom) return;
    plan.single = false;
    for (core::ShardId s = 0; s < shards; ++s) {
      Part& part = plan.parts.emplace_back();
      part.shard = s;
      for (std::uint32_t i = 0; i < argv.size(); ++i) part.args.push_back(i);
    }
    return;
  }
  if (spec.route) {
    plan.shard = spec.route(argv, shards);
    return;
  }
  if (spec.key_finder || (spec.flags & kMultiShard)) {
    // Commands whose keys are found by a function, or that need every key at
    // once: they run whole, on one shard or under a cross-shard transaction.
    std::vector<std::uint32_t> pos;
    CommandTable::key_positions(spec, argv, pos);
    plan.key_count = pos.size();
    if (pos.empty()) return;  // malformed: the handler reports it, on the home shard
    plan.shard = engine.shard_for(argv[pos[0]]);
    for (std::uint32_t p : pos) {
      if (engine.shard_for(argv[p]) != plan.shard) {
        plan.cross_shard = true;
        break;
      }
    }
    return;
  }
  const int argc = static_cast<int>(argv.size());
  // No key at all (keyless, or too few arguments: the handler reports that).
  if (spec.first_key <= 0 || spec.first_key >= argc) return;

  // Fast path: the common single-key command.
  const int last = spec.last_key < 0 ? argc + spec.last_key : spec.last_key;
  plan.shard = engine.shard_for(argv[static_cast<std::size_t>(spec.first_key)]);
  plan.key_count = 1;
  if (last == spec.first_key || shards == 1) {
    if (shards == 1) plan.key_count = static_cast<std::size_t>((last - spec.first_key) / spec.key_step + 1);
    return;
  }
  bool same = true;
  std::vector<core::ShardId> owner;
  for (int i = spec.first_key; i <= last; i += spec.key_step) {
    core::ShardId s = engine.shard_for(argv[static_cast<std::size_t>(i)]);
    owner.push_back(s);
    if (s != plan.shard) same = false;
  }
  plan.key_count = owner.size();
  // A malformed key list (MSET with a missing value) runs whole on one shard, so
  // its handler reports the error.
  if (same || spec.fanout == Fanout::kNone || (argc - spec.first_key) % spec.key_step != 0) return;

  plan.single = false;
  std::vector<int> part_of(shards, -1);
  std::vector<Part> by_shard;
  for (std::size_t k = 0; k < owner.size(); ++k) {
    core::ShardId s = owner[k];
    if (part_of[s] < 0) {
      part_of[s] = static_cast<int>(by_shard.size());
      Part& p = by_shard.emplace_back();
      p.shard = s;
      p.args.push_back(0);
    }
    Part& p = by_shard[static_cast<std::size_t>(part_of[s])];
    auto first = static_cast<std::uint32_t>(spec.first_key + static_cast<int>(k) * spec.key_step);
    for (int j = 0; j < spec.key_step; ++j) p.args.push_back(first + static_cast<std::uint32_t>(j));
    p.positions.push_back(static_cast<std::uint32_t>(k));
  }
  std::sort(by_shard.begin(), by_shard.end(),
            [](const Part& a, const Part& b) { return a.shard < b.shard; });
  plan.parts = std::move(by_shard);
}

void run_on_shard(Handler handler, std::span<const std::string_view> argv,
                  core::ShardEngine& engine, core::Shard& shard, int db, int resp,
                  ClientState* client, ServerState* server, std::string& out) {
  protocol::ReplyWriter writer(&out, resp);
  const std::size_t mark = out.size();
  CommandContext ctx{argv, engine, shard, db, core::now_ms(), writer, client, server};
  try {
    handler(ctx);
  } catch (const std::bad_alloc&) {
    out.resize(mark);
    writer.error(core::error_message(Errc::kOutOfMemory));
  }
}

void part_argv(std::span<const std::string_view> argv, const Part& part,
               std::vector<std::string_view>& out) {
  out.clear();
  for (std::uint32_t i : part.args) out.push_back(argv[i]);
}

void merge_parts(const Plan& plan, std::span<const std::string_view> argv,
                 const std::vector<std::string>& replies, ServerState* server, int resp,
                 std::string& out) {
  protocol::ReplyWriter w(&out, resp);
  std::vector<protocol::Reply> decoded(replies.size());
  for (std::size_t i = 0; i < replies.size(); ++i) {
    std::size_t consumed;
    if (protocol::decode_reply(replies[i], decoded[i], consumed) != protocol::DecodeStatus::kOk) {
      w.error("ERR internal error merging shard replies");
      return;
    }
    if (decoded[i].is_error()) {  // the first error wins, as a single-shard run would report
      w.error(decoded[i].str);
      return;
    }
  }
  switch (plan.spec->fanout) {
    case Fanout::kNone:
    case Fanout::kAllOk:
      w.ok();
      return;
    case Fanout::kSumIntegers: {
      std::int64_t sum = 0;
      for (const auto& r : decoded) sum += r.integer;
      w.integer(sum);
      return;
    }
    case Fanout::kScatter: {
      std::vector<const protocol::Reply*> slots(plan.key_count, nullptr);
      for (std::size_t i = 0; i < decoded.size(); ++i) {
        const auto& pos = plan.parts[i].positions;
        for (std::size_t j = 0; j < pos.size() && j < decoded[i].elements.size(); ++j) {
          slots[pos[j]] = &decoded[i].elements[j];
        }
      }
      w.array(slots.size());
      for (const protocol::Reply* r : slots) {
        if (r) {
          protocol::encode_reply(*r, out, resp);
        } else {
          w.null();
        }
      }
      return;
    }
    case Fanout::kConcatArrays: {
      std::size_t n = 0;
      for (const auto& r : decoded) n += r.elements.size();
      w.array(n);
      for (const auto& r : decoded) {
        for (const auto& e : r.elements) protocol::encode_reply(e, out, resp);
      }
      return;
    }
    case Fanout::kCustom:
      plan.spec->merge(argv, decoded, server, w);
      return;
  }
}

std::string execute_blocking(core::ShardEngine& engine, ServerState& server,
                             std::span<const std::string_view> argv, ClientState& client) {
  std::string out;
  if (argv.empty()) return out;
  std::string error;
  const CommandSpec* spec = lookup(argv, error);
  if (!spec) {
    protocol::ReplyWriter(&out, client.resp).error(error);
    return out;
  }
  Plan plan;
  plan_command(*spec, argv, engine, 0, plan);
  if (plan.single && !plan.cross_shard) {
    ClientState* cs = (spec->flags & kConnection) ? &client : nullptr;
    engine.call(plan.shard, [&] {
      run_on_shard(spec->handler, argv, engine, engine.shard(plan.shard), client.db, client.resp,
                   cs, &server, out);
    });
    return out;
  }
  // Several shards: a cross-shard transaction, run on this (non-worker) thread.
  engine.with_shards(transaction_shards(plan, argv, engine), [&] {
    run_planned(plan, argv, engine, client.db, client.resp, nullptr, &server, out);
  });
  return out;
}

void run_planned(const Plan& plan, std::span<const std::string_view> argv,
                 core::ShardEngine& engine, int db, int resp, ClientState* client,
                 ServerState* server, std::string& out) {
  const CommandSpec& spec = *plan.spec;
  if (plan.single) {
    // One shard, or a kMultiShard command reaching every key through db_for().
    ClientState* cs = (spec.flags & kConnection) ? client : nullptr;
    run_on_shard(spec.handler, argv, engine, engine.shard(plan.shard), db, resp, cs, server, out);
    return;
  }
  std::vector<std::string> replies(plan.parts.size());
  std::vector<std::string_view> sub;
  for (std::size_t i = 0; i < plan.parts.size(); ++i) {
    part_argv(argv, plan.parts[i], sub);
    run_on_shard(spec.handler, sub, engine, engine.shard(plan.parts[i].shard), db, resp, nullptr,
                 server, replies[i]);
  }
  merge_parts(plan, argv, replies, server, resp, out);
}

std::vector<core::ShardId> transaction_shards(const Plan& plan,
                                              std::span<const std::string_view> argv,
                                              const core::ShardEngine& engine) {
  std::vector<core::ShardId> shards;
  if (!plan.single) {
    for (const Part& p : plan.parts) shards.push_back(p.shard);
  } else {
    std::vector<std::uint32_t> pos;
    CommandTable::key_positions(*plan.spec, argv, pos);
    for (std::uint32_t p : pos) shards.push_back(engine.shard_for(argv[p]));
  }
  std::sort(shards.begin(), shards.end());
  shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
  return shards;
}

}  // namespace kora::server
