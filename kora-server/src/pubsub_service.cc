#include "kora/protocol/reply_writer.h"
#include "pubsub_service.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <unistd.h>

#include "args.h"
#include "kora/core/clock.h"
#include "kora/server/server_state.h"

namespace kora::server {

namespace notify = core::notify;

// ------------------------------------------------------------------ settings

std::atomic<std::uint32_t>& keyspace_event_flags() {
  static std::atomic<std::uint32_t> flags{0};
  return flags;
}

std::optional<std::uint32_t> parse_keyspace_events(std::string_view letters) {
  std::uint32_t flags = 0;
  for (char c : letters) {
    switch (c) {
      case 'A': flags |= notify::kAll; break;
      case 'g': flags |= notify::kGeneric; break;
      case '$': flags |= notify::kString; break;
      case 'l': flags |= notify::kList; break;
      case 's': flags |= notify::kSet; break;
      case 'h': flags |= notify::kHash; break;
      case 'z': flags |= notify::kZset; break;
      case 'x': flags |= notify::kExpired; break;
      case 'e': flags |= notify::kEvicted; break;
      case 'K': flags |= notify::kKeyspace; break;
      case 'E': flags |= notify::kKeyevent; break;
      case 't': flags |= notify::kStream; break;
      case 'm': flags |= notify::kKeyMiss; break;
      case 'd': flags |= notify::kModule; break;
      case 'n': flags |= notify::kNew; break;
      default: return std::nullopt;
    }
  }
  return flags;
}

std::string keyspace_events_text(std::uint32_t flags) {
  std::string out;
  if ((flags & notify::kAll) == notify::kAll) {
    out += 'A';
  } else {
    constexpr std::pair<std::uint32_t, char> kLetters[] = {
        {notify::kGeneric, 'g'}, {notify::kString, '$'}, {notify::kList, 'l'},    {notify::kSet, 's'},
        {notify::kHash, 'h'},    {notify::kZset, 'z'},   {notify::kExpired, 'x'}, {notify::kEvicted, 'e'},
        {notify::kStream, 't'},  {notify::kModule, 'd'}, {notify::kNew, 'n'}};
    for (auto [bit, letter] : kLetters) {
      if (flags & bit) out += letter;
    }
  }
  if (flags & notify::kKeyspace) out += 'K';
  if (flags & notify::kKeyevent) out += 'E';
  if (flags & notify::kKeyMiss) out += 'm';
  return out;
}

OutputBufferLimit& output_buffer_limit(ClientClass c) {
  // Redis's defaults: normal 0 0 0, slave 256mb 64mb 60, pubsub 32mb 8mb 60.
  static OutputBufferLimit limits[3];
  static const bool init = [] {
    limits[1].hard = 268435456;
    limits[1].soft = 67108864;
    limits[1].soft_seconds = 60;
    limits[2].hard = 33554432;
    limits[2].soft = 8388608;
    limits[2].soft_seconds = 60;
    return true;
  }();
  (void)init;
  return limits[static_cast<int>(c)];
}

// ------------------------------------------------------------------ service

PubSubService::PubSubService(core::ShardEngine& engine)
    : core::KeyspaceNotifier(keyspace_event_flags()),
      engine_(engine),
      broker_(engine.shard_count(), [&engine](std::size_t w, std::function<void()> task) {
        engine.post(static_cast<core::ShardId>(w), [task = std::move(task)] { task(); });
      }) {}

void PubSubService::attach_to_shards() {
  for (core::ShardId s = 0; s < engine_.shard_count(); ++s) {
    engine_.run_on_worker(s, [this, s] { engine_.shard(s).events().set_notifier(this); });
  }
}

void PubSubService::notify(int db, std::uint32_t type, std::string_view event, std::string_view key) {
  const std::uint32_t flags = keyspace_event_flags().load(std::memory_order_relaxed);
  if (!(flags & type)) return;
  thread_local std::string channel;
  const std::string dbs = std::to_string(db);
  if (flags & notify::kKeyspace) {
    channel.assign("__keyspace@").append(dbs).append("__:").append(key);
    broker_.publish(channel, event);
  }
  if (flags & notify::kKeyevent) {
    channel.assign("__keyevent@").append(dbs).append("__:").append(event);
    broker_.publish(channel, key);
  }
}

// ------------------------------------------------------------------ client

PubSubClient::PubSubClient(PubSubService& service, core::ShardId worker, ClientState& client,
                           std::function<void(std::string_view)> push)
    : service_(service), worker_(worker), client_(client), push_(std::move(push)) {}

PubSubClient::~PubSubClient() { detach(); }

void PubSubClient::detach() {
  if (!attached_) return;
  service_.broker().detach(worker_, client_.id);
  attached_ = false;
  subscriptions_ = shard_subscriptions_ = 0;
}

void PubSubClient::refresh_counts() {
  subscriptions_ = service_.broker().subscriptions(worker_, client_.id);
  shard_subscriptions_ = service_.broker().shard_subscriptions(worker_, client_.id);
}

namespace {
std::string_view verb_of(pubsub::Kind kind, bool subscribe) {
  switch (kind) {
    case pubsub::Kind::kChannel: return subscribe ? "subscribe" : "unsubscribe";
    case pubsub::Kind::kPattern: return subscribe ? "psubscribe" : "punsubscribe";
    case pubsub::Kind::kShardChannel: return subscribe ? "ssubscribe" : "sunsubscribe";
  }
  return {};
}

void push_header(std::string& out, int resp, std::size_t n) { protocol::ReplyWriter(&out, resp).push(n); }

void bulk(std::string& out, std::string_view s) { protocol::ReplyWriter(&out).bulk(s); }
}  // namespace

void PubSubClient::confirm(std::string_view verb, std::optional<std::string_view> name, std::size_t count,
                           protocol::ReplyWriter& out) {
  std::string s;
  push_header(s, out.resp(), 3);
  bulk(s, verb);
  if (name) {
    bulk(s, *name);
  } else {
    s += out.resp() >= 3 ? "_\r\n" : "$-1\r\n";
  }
  s += ':';
  s += std::to_string(count);
  s += "\r\n";
  out.raw(s);
}

void PubSubClient::subscribe(pubsub::Kind kind, std::string_view name, protocol::ReplyWriter& out) {
  if (!attached_) {
    service_.broker().attach(worker_, client_.id, this);
    attached_ = true;
  }
  service_.broker().subscribe(worker_, client_.id, kind, name);
  refresh_counts();
  confirm(verb_of(kind, true), name,
          kind == pubsub::Kind::kShardChannel ? shard_subscriptions_ : subscriptions_, out);
}

void PubSubClient::unsubscribe(pubsub::Kind kind, std::optional<std::string_view> name,
                               protocol::ReplyWriter& out) {
  const std::string_view verb = verb_of(kind, false);
  auto count = [&] { return kind == pubsub::Kind::kShardChannel ? shard_subscriptions_ : subscriptions_; };
  if (name) {
    if (attached_) service_.broker().unsubscribe(worker_, client_.id, kind, *name);
    if (attached_) refresh_counts();
    confirm(verb, name, count(), out);
    return;
  }
  std::vector<std::string> names;
  if (attached_) names = service_.broker().unsubscribe_all(worker_, client_.id, kind);
  if (names.empty()) {
    confirm(verb, std::nullopt, count(), out);
    return;
  }
  // One confirmation per name, each with the count left after it.
  std::size_t left = count();
  for (const std::string& n : names) confirm(verb, n, --left, out);
  refresh_counts();
}

void PubSubClient::deliver(const pubsub::Delivery& d) {
  std::string& s = scratch_;
  s.clear();
  const int resp = client_.resp;
  switch (d.kind) {
    case pubsub::Kind::kChannel:
      push_header(s, resp, 3);
      bulk(s, "message");
      break;
    case pubsub::Kind::kShardChannel:
      push_header(s, resp, 3);
      bulk(s, "smessage");
      break;
    case pubsub::Kind::kPattern:
      push_header(s, resp, 4);
      bulk(s, "pmessage");
      bulk(s, d.pattern);
      break;
  }
  bulk(s, d.channel);
  bulk(s, d.payload);
  push_(s);
}

bool PubSubClient::over_limit(std::size_t used, std::int64_t now_ms) {
  const OutputBufferLimit& l = output_buffer_limit(active() ? ClientClass::kPubSub : ClientClass::kNormal);
  const std::uint64_t hard = l.hard.load(std::memory_order_relaxed);
  const std::uint64_t soft = l.soft.load(std::memory_order_relaxed);
  if (hard != 0 && used >= hard) return true;
  if (soft == 0 || used < soft) {
    soft_since_ms_ = 0;
    return false;
  }
  // As Redis: the soft limit counts once it has held for more than its seconds.
  if (soft_since_ms_ == 0) {
    soft_since_ms_ = now_ms;
    return false;
  }
  return (now_ms - soft_since_ms_) / 1000 > l.soft_seconds.load(std::memory_order_relaxed);
}

// ------------------------------------------------------------------ hooks

PubSubGate pubsub_gate(const ClientState& client, const CommandSpec& spec, std::string& error) {
  if (client.resp != 2 || !client.pubsub || !client.pubsub->active()) return PubSubGate::kRun;
  const std::string_view n = spec.name;
  if (n == "ping") return PubSubGate::kPing;
  if (n == "subscribe" || n == "ssubscribe" || n == "psubscribe" || n == "unsubscribe" || n == "sunsubscribe" ||
      n == "punsubscribe" || n == "quit" || n == "reset") {
    return PubSubGate::kRun;
  }
  error = "ERR Can't execute '";
  error += n;
  error += "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
  return PubSubGate::kReject;
}

void pubsub_ping_reply(std::span<const std::string_view> argv, std::string& out) {
  if (argv.size() > 2) {
    protocol::ReplyWriter(&out, 2).error(core::error_message(core::Errc::kWrongArity, "ping"));
    return;
  }
  out += "*2\r\n";
  bulk(out, "pong");
  bulk(out, argv.size() == 2 ? argv[1] : std::string_view());
}

std::shared_ptr<PubSubClient> make_pubsub_client(ServerState& state, core::ShardId worker, ClientState& client,
                                                 std::function<void(std::string_view)> push) {
  if (!state.pubsub) return nullptr;
  return std::make_shared<PubSubClient>(*state.pubsub, worker, client, std::move(push));
}

bool output_limit_reached(ClientState& client, std::size_t used) {
  if (!client.pubsub || !client.pubsub->over_limit(used, core::now_ms())) return false;
  // Redis's log line (serverLog WARNING), with the client's identity.
  char when[64];
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  localtime_r(&t, &tm);
  std::strftime(when, sizeof when, "%d %b %Y %H:%M:%S", &tm);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::fprintf(stderr,
               "%d:M %s.%03d # Client id=%llu addr=%s laddr=%s fd=%d name=%s omem=%zu%s closed for overcoming of "
               "output buffer limits.\n",
               static_cast<int>(getpid()), when, static_cast<int>(ms), static_cast<unsigned long long>(client.id),
               client.addr.c_str(), client.laddr.c_str(), client.fd, client.name.c_str(), used,
               client.pubsub->active() ? " flags=P" : "");
  return true;
}

}  // namespace kora::server

namespace kora::server {
namespace {
// Which keys a command reads with Redis's lookupKeyRead (notifying keymiss).
enum class ReadKeys : unsigned char { kNone, kAll, kFirst, kSecond, kAfterFirst };

ReadKeys read_keys_of(const CommandSpec& spec, std::span<const std::string_view> argv) {
  const std::string_view n = spec.name;
  // Reads that Redis makes without notifying (LOOKUP_NONOTIFY / a raw dict find).
  if (n == "object" || n == "memory") return ReadKeys::kNone;
  if (spec.flags & kReadOnly) return ReadKeys::kAll;
  // Write commands whose sources (or whole key) Redis looks up for reading.
  if (n == "getdel" || n == "getex" || n == "getset" || n == "copy" || n == "sort" || n == "georadius" ||
      n == "georadiusbymember" || n == "xreadgroup" || n == "xclaim" || n == "xautoclaim" || n == "xack") {
    return ReadKeys::kFirst;
  }
  if (n == "pfmerge" || n == "pfcount") return ReadKeys::kAll;
  if (n == "sinterstore" || n == "sunionstore" || n == "sdiffstore" || n == "zunionstore" || n == "zinterstore" ||
      n == "zdiffstore" || n == "bitop") {
    return ReadKeys::kAfterFirst;
  }
  if (n == "zrangestore" || n == "geosearchstore") return ReadKeys::kSecond;
  if (n == "set") {
    // SET ... GET reads the old value first.
    for (std::size_t i = 3; i < argv.size(); ++i) {
      if (iequals(argv[i], "get")) return ReadKeys::kFirst;
    }
  }
  return ReadKeys::kNone;
}
}  // namespace

void announce_key_misses(const CommandSpec& spec, std::span<const std::string_view> argv,
                         core::ShardEngine& engine, int db, std::int64_t now_ms) {
  const ReadKeys which = read_keys_of(spec, argv);
  if (which == ReadKeys::kNone) return;
  std::vector<std::uint32_t> positions;
  CommandTable::key_positions(spec, argv, positions);
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if ((which == ReadKeys::kFirst && i != 0) || (which == ReadKeys::kSecond && i != 1) ||
        (which == ReadKeys::kAfterFirst && i == 0)) {
      continue;
    }
    const std::string_view key = argv[positions[i]];
    core::Db& d = engine.shard(engine.shard_for(key)).db(db);
    if (!d.find(key, now_ms, /*touch=*/false)) d.notify(core::notify::kKeyMiss, "keymiss", key);
  }
}

}  // namespace kora::server

namespace kora::server {

void append_pubsub_stats(const ServerState* server,
                         const std::function<void(std::string_view, const std::string&)>& line) {
  const pubsub::Directory* dir = server && server->pubsub ? &server->pubsub->broker().directory() : nullptr;
  auto count = [&](pubsub::Kind kind) { return std::to_string(dir ? dir->count(kind) : 0); };
  line("pubsub_channels", count(pubsub::Kind::kChannel));
  line("pubsub_patterns", count(pubsub::Kind::kPattern));
  line("pubsubshard_channels", count(pubsub::Kind::kShardChannel));
}

}  // namespace kora::server
