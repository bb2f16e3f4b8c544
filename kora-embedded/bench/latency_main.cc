// kora_embedded_latency: per-call latency and multi-thread throughput of
// kora::Database next to its floor (a std::unordered_map behind a std::mutex)
// and next to Redis over loopback TCP (hiredis, one synchronous redisContext per
// thread, to a redis-server this program starts and stops itself).
//
//   kora_embedded_latency [--calls N] [--seconds S] [--keys K] [--value-size B]
//
// Latency: one thread, each call timed with steady_clock (the clock's own cost,
// printed, is included), N calls after a warm-up; p50 and p99 in ns.
// Throughput: T caller threads for S seconds each, 80% GET / 20% SET on random
// keys from K pre-loaded keys; total calls per second.
// A benchmark, not a test: it asserts only that every call succeeded.

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "kora/core/hash.h"  // shard_for_key: to give each caller the keys of one shard
#include "kora/embedded/database.h"

#ifdef KORA_HAVE_HIREDIS
#include <hiredis/hiredis.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::size_t calls = 200000;
  double seconds = 1.0;
  std::size_t keys = 10000;
  std::size_t value_size = 32;
};

// One caller thread's handle on a backend.
class Client {
 public:
  virtual ~Client() = default;
  // Both return false on failure (a benchmark must not measure errors).
  virtual bool get(const std::string& key) = 0;
  virtual bool set(const std::string& key, const std::string& value) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual std::unique_ptr<Client> client() = 0;  // nullptr: unavailable
  // CPU seconds used so far by processes of the backend other than this one.
  virtual double external_cpu_seconds() const { return 0; }
};

// CPU seconds (user + system) used so far by this process, every thread.
double process_cpu_seconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// --- kora::Database ----------------------------------------------------------

class KoraClient final : public Client {
 public:
  explicit KoraClient(kora::Database& db) : db_(db) {}
  bool get(const std::string& key) override {
    auto r = db_.get(key);
    return r.ok() && r->has_value();
  }
  bool set(const std::string& key, const std::string& value) override { return db_.set(key, value).ok(); }

 private:
  kora::Database& db_;
};

class KoraBackend final : public Backend {
 public:
  explicit KoraBackend(std::size_t shards) : shards_(shards), db_(kora::Database::open({.shard_count = shards})) {}
  std::string name() const override { return "kora::Database, " + std::to_string(shards_) + " shards"; }
  std::unique_ptr<Client> client() override { return std::make_unique<KoraClient>(*db_); }

 private:
  std::size_t shards_;
  std::unique_ptr<kora::Database> db_;
};

// --- the floor: one map, one mutex ------------------------------------------------

class MapClient final : public Client {
 public:
  MapClient(std::mutex& mu, std::unordered_map<std::string, std::string>& map) : mu_(mu), map_(map) {}
  bool get(const std::string& key) override {
    std::string copy;  // a result owned by the caller, as kora's
    {
      std::lock_guard lock(mu_);
      auto it = map_.find(key);
      if (it == map_.end()) return false;
      copy = it->second;
    }
    return !copy.empty();
  }
  bool set(const std::string& key, const std::string& value) override {
    std::lock_guard lock(mu_);
    map_[key] = value;
    return true;
  }

 private:
  std::mutex& mu_;
  std::unordered_map<std::string, std::string>& map_;
};

class MapBackend final : public Backend {
 public:
  std::string name() const override { return "std::unordered_map + std::mutex"; }
  std::unique_ptr<Client> client() override { return std::make_unique<MapClient>(mu_, map_); }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::string> map_;
};

// --- Redis over loopback -------------------------------------------------------

#ifdef KORA_HAVE_HIREDIS
class HiredisClient final : public Client {
 public:
  explicit HiredisClient(redisContext* c) : c_(c) {}
  ~HiredisClient() override { redisFree(c_); }
  bool get(const std::string& key) override {
    auto* r = static_cast<redisReply*>(redisCommand(c_, "GET %b", key.data(), key.size()));
    bool ok = r && r->type == REDIS_REPLY_STRING;
    if (r) freeReplyObject(r);
    return ok;
  }
  bool set(const std::string& key, const std::string& value) override {
    auto* r = static_cast<redisReply*>(
        redisCommand(c_, "SET %b %b", key.data(), key.size(), value.data(), value.size()));
    bool ok = r && r->type == REDIS_REPLY_STATUS;
    if (r) freeReplyObject(r);
    return ok;
  }

 private:
  redisContext* c_;
};

// A redis-server child on a free loopback port; killed by the destructor.
class RedisBackend final : public Backend {
 public:
  RedisBackend() {
    port_ = free_port();
    if (port_ == 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      std::string port = std::to_string(port_);
      // Quiet: redis-server logs to stdout by default.
      if (!std::freopen("/dev/null", "w", stdout)) _exit(127);
      execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 500 && !ready_; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      int status;
      if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      redisContext* c = connect();
      if (!c) continue;
      auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
      ready_ = r && r->type == REDIS_REPLY_STATUS && std::strcmp(r->str, "PONG") == 0;
      if (r) freeReplyObject(r);
      redisFree(c);
    }
  }
  ~RedisBackend() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status;
      waitpid(pid_, &status, 0);
    }
  }
  bool ready() const { return ready_; }
  std::uint16_t port() const { return port_; }
  // utime + stime of the redis-server child, from /proc/PID/stat.
  double external_cpu_seconds() const override {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) return 0;
    // Fields after "(comm)": state is field 3; utime and stime are 14 and 15.
    const char* p = stat.c_str() + close_paren + 2;
    unsigned long long utime = 0, stime = 0;
    int field = 3;
    while (*p && field < 14) {
      if (*p++ == ' ') ++field;
    }
    if (std::sscanf(p, "%llu %llu", &utime, &stime) != 2) return 0;
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::string name() const override { return "redis-server via hiredis (loopback TCP)"; }
  std::unique_ptr<Client> client() override {
    redisContext* c = connect();
    return c ? std::make_unique<HiredisClient>(c) : nullptr;
  }

 private:
  redisContext* connect() const {
    redisContext* c = redisConnect("127.0.0.1", port_);
    if (c && c->err) {
      redisFree(c);
      return nullptr;
    }
    return c;
  }
  static std::uint16_t free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    std::uint16_t port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
    close(fd);
    return port;
  }

  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  bool ready_ = false;
};
#endif

// --- measurement -----------------------------------------------------------------

struct Throughput {
  double ops_per_sec = 0;
  double cores = 0;  // CPU seconds used (this process + the backend's) per second
};

struct Row {
  std::string backend;
  double get_p50 = 0, get_p99 = 0, set_p50 = 0, set_p99 = 0;
  std::vector<double> ops_per_sec;  // per thread count
  std::vector<double> cores;        // CPU used during each throughput run / wall time
  std::optional<Throughput> own_shards;  // kora: 2 callers, each on the keys of its own shard
  bool failed = false;
};

std::string key_of(std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key:%08zu", i);
  return buf;
}

// p50 and p99 of the timed calls, in ns.
std::pair<double, double> percentiles(std::vector<std::uint32_t>& ns) {
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) { return static_cast<double>(ns[static_cast<std::size_t>(q * (ns.size() - 1))]); };
  return {at(0.50), at(0.99)};
}

bool measure_latency(Client& c, const Options& o, const std::vector<std::string>& keys,
                     const std::string& value, Row& row) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::size_t> pick(0, keys.size() - 1);
  std::vector<std::uint32_t> ns(o.calls);
  bool ok = true;
  for (int pass = 0; pass < 2; ++pass) {  // pass 0: GET, pass 1: SET
    std::size_t warm = std::min<std::size_t>(o.calls / 10, 20000);
    for (std::size_t i = 0; i < warm; ++i) {
      const std::string& k = keys[pick(rng)];
      ok &= pass == 0 ? c.get(k) : c.set(k, value);
    }
    for (std::size_t i = 0; i < o.calls; ++i) {
      const std::string& k = keys[pick(rng)];
      auto t0 = Clock::now();
      bool r = pass == 0 ? c.get(k) : c.set(k, value);
      auto t1 = Clock::now();
      ok &= r;
      ns[i] = static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    }
    auto [p50, p99] = percentiles(ns);
    (pass == 0 ? row.get_p50 : row.set_p50) = p50;
    (pass == 0 ? row.get_p99 : row.set_p99) = p99;
  }
  return ok;
}


// Total calls per second of `threads` callers, 80% GET / 20% SET; caller t
// draws its keys from key_sets[t % key_sets.size()].
std::optional<Throughput> measure_throughput(Backend& b, int threads, const Options& o,
                                             const std::vector<std::vector<std::string>>& key_sets,
                                             const std::string& value) {
  std::vector<std::unique_ptr<Client>> clients;
  for (int t = 0; t < threads; ++t) {
    clients.push_back(b.client());
    if (!clients.back()) return std::nullopt;
  }
  std::atomic<bool> go{false}, stop{false};
  std::atomic<int> ready{0};
  std::atomic<std::uint64_t> total{0}, failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Client& c = *clients[static_cast<std::size_t>(t)];
      const std::vector<std::string>& keys = key_sets[static_cast<std::size_t>(t) % key_sets.size()];
      std::mt19937_64 rng(1000 + static_cast<std::uint64_t>(t));
      std::uniform_int_distribution<std::size_t> pick(0, keys.size() - 1);
      std::uint64_t n = 0, bad = 0;
      ++ready;
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      while (!stop.load(std::memory_order_relaxed)) {
        for (int i = 0; i < 64; ++i) {  // check the flag every 64 calls
          const std::string& k = keys[pick(rng)];
          bool ok = (n % 5 == 4) ? c.set(k, value) : c.get(k);
          bad += !ok;
          ++n;
        }
      }
      total += n;
      failures += bad;
    });
  }
  while (ready.load() < threads) std::this_thread::yield();
  double cpu0 = process_cpu_seconds() + b.external_cpu_seconds();
  auto t0 = Clock::now();
  go.store(true, std::memory_order_release);
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  stop = true;
  for (auto& w : workers) w.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = process_cpu_seconds() + b.external_cpu_seconds() - cpu0;
  if (failures.load() != 0) return std::nullopt;
  return Throughput{static_cast<double>(total.load()) / elapsed, cpu / elapsed};
}

// `by_shard`: for kora, the keys split by owning shard (empty otherwise).
Row run_backend(Backend& b, const Options& o, const std::vector<std::string>& keys, const std::string& value,
                const std::vector<int>& thread_counts,
                const std::vector<std::vector<std::string>>& by_shard = {}) {
  Row row;
  row.backend = b.name();
  std::fprintf(stderr, "measuring %s...\n", row.backend.c_str());
  auto c = b.client();
  if (!c) {
    row.failed = true;
    return row;
  }
  for (const auto& k : keys) {
    if (!c->set(k, value)) {
      row.failed = true;
      return row;
    }
  }
  if (!measure_latency(*c, o, keys, value, row)) row.failed = true;
  c.reset();
  for (int t : thread_counts) {
    auto tp = measure_throughput(b, t, o, {keys}, value);
    if (!tp) row.failed = true;
    row.ops_per_sec.push_back(tp ? tp->ops_per_sec : 0);
    row.cores.push_back(tp ? tp->cores : 0);
  }
  if (by_shard.size() >= 2) {
    row.own_shards = measure_throughput(b, 2, o, {by_shard[0], by_shard[1]}, value);
    if (!row.own_shards) row.failed = true;
  }
  return row;
}

double clock_cost_ns() {
  constexpr int kN = 100000;
  auto t0 = Clock::now();
  for (int i = 0; i < kN; ++i) {
    auto a = Clock::now();
    asm volatile("" : : "r"(&a) : "memory");
  }
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / kN;
}

std::string fmt_ns(double ns) {
  char buf[32];
  if (ns < 10000) {
    std::snprintf(buf, sizeof buf, "%.0f ns", ns);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f µs", ns / 1000);
  }
  return buf;
}

std::string fmt_ops(double ops) {
  char buf[32];
  if (ops >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2f M/s", ops / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f k/s", ops / 1e3);
  }
  return buf;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return false;
    const char* v = argv[++i];
    if (a == "--calls") {
      o.calls = std::strtoull(v, nullptr, 10);
    } else if (a == "--seconds") {
      o.seconds = std::strtod(v, nullptr);
    } else if (a == "--keys") {
      o.keys = std::strtoull(v, nullptr, 10);
    } else if (a == "--value-size") {
      o.value_size = std::strtoull(v, nullptr, 10);
    } else {
      return false;
    }
  }
  return o.calls > 0 && o.keys > 0 && o.seconds > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr, "usage: %s [--calls N] [--seconds S] [--keys K] [--value-size B]\n", argv[0]);
    return 2;
  }
  double load_start[3] = {0, 0, 0};
  bool have_load_start = getloadavg(load_start, 3) == 3;
  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);

  std::vector<std::string> keys;
  for (std::size_t i = 0; i < o.keys; ++i) keys.push_back(key_of(i));
  const std::string value(o.value_size, 'v');
  const std::vector<int> thread_counts{1, 2, 4};

  std::vector<Row> rows;
  for (std::size_t shards : {2, 4}) {
    KoraBackend kora(shards);
    std::vector<std::vector<std::string>> by_shard(shards);
    for (const auto& k : keys) by_shard[kora::core::shard_for_key(k, shards)].push_back(k);
    rows.push_back(run_backend(kora, o, keys, value, thread_counts, by_shard));
  }
  {
    MapBackend map;
    rows.push_back(run_backend(map, o, keys, value, thread_counts));
  }
  std::string redis_note;
#ifdef KORA_HAVE_HIREDIS
  {
    RedisBackend redis;
    if (redis.ready()) {
      rows.push_back(run_backend(redis, o, keys, value, thread_counts));
    } else {
      redis_note = "redis-server could not be started (is it installed?): no Redis row.";
    }
  }
#else
  redis_note = "built without hiredis: no Redis row.";
#endif

  unsigned cores = std::thread::hardware_concurrency();
  double load[3] = {0, 0, 0};
  bool have_load = getloadavg(load, 3) == 3;
  std::printf("## kora-embedded latency and throughput\n\n");
  std::printf("Command: `%s`\n\n", command.c_str());
  std::printf("%zu keys of %zu bytes (`key:%%08d`), pre-loaded. Latency: one thread, %zu timed calls per "
              "column after a warm-up, each timed with steady_clock (clock cost %.0f ns, included). "
              "Throughput: 80%% GET / 20%% SET on random keys, %.1f s per column, all caller threads "
              "together; in parentheses, the CPU the run used (this process, plus redis-server for "
              "Redis) per second of wall time. \"Own shard each\": 2 callers, each drawing only keys "
              "that live on its own shard (as hash tags would arrange).\n\n",
              o.keys, o.value_size, o.calls, clock_cost_ns(), o.seconds);
  std::printf("| backend | GET p50 | GET p99 | SET p50 | SET p99 |");
  for (int t : thread_counts) std::printf(" %d thread%s |", t, t == 1 ? "" : "s");
  std::printf(" 2 threads, own shard each |");
  std::printf("\n|---|---:|---:|---:|---:|");
  for (std::size_t i = 0; i <= thread_counts.size(); ++i) std::printf("---:|");
  std::printf("\n");
  bool failed = false;
  for (const Row& r : rows) {
    std::printf("| %s%s | %s | %s | %s | %s |", r.backend.c_str(), r.failed ? " (FAILED CALLS)" : "",
                fmt_ns(r.get_p50).c_str(), fmt_ns(r.get_p99).c_str(), fmt_ns(r.set_p50).c_str(),
                fmt_ns(r.set_p99).c_str());
    for (std::size_t i = 0; i < r.ops_per_sec.size(); ++i) {
      std::printf(" %s (%.1f cores) |", fmt_ops(r.ops_per_sec[i]).c_str(), r.cores[i]);
    }
    if (r.own_shards) {
      std::printf(" %s (%.1f cores) |", fmt_ops(r.own_shards->ops_per_sec).c_str(), r.own_shards->cores);
    } else {
      std::printf(" — |");
    }
    std::printf("\n");
    failed |= r.failed;
  }
  std::printf("\n");
  if (!redis_note.empty()) std::printf("%s\n", redis_note.c_str());
  if (have_load && have_load_start) {
    std::printf("Load average (1, 5, 15 min) before the run: %.2f %.2f %.2f; after: %.2f %.2f %.2f "
                "(other work on the machine takes cores from this benchmark).\n",
                load_start[0], load_start[1], load_start[2], load[0], load[1], load[2]);
  }
  std::printf("This machine has %u hardware thread%s; ", cores, cores == 1 ? "" : "s");
  if (cores < 4) {
    std::printf("the 4-thread column oversubscribes it (4 callers plus the shard workers%s share %u "
                "cores), so it measures contention, not scaling.\n",
                rows.size() > 3 ? " and redis-server" : "", cores);
  } else {
    std::printf("every column fits on its cores (shard workers and redis-server share them too).\n");
  }
  return failed ? 1 : 0;
}
