#include "kora/observability/metrics.h"

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using kora::observability::LatencyHistogram;
using kora::observability::MetricsRegistry;

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

}  // namespace

TEST_CASE("render_text exposes per-command counters and latency", "[metrics]") {
  auto registry = MetricsRegistry::create();
  REQUIRE(registry.ok());
  REQUIRE(registry->record_command("GET", 150).ok());
  REQUIRE(registry->record_command("get", 150).ok());
  REQUIRE(registry->record_command("Get", 2000, /*failed=*/true).ok());
  REQUIRE(registry->record_command("set", 30).ok());

  const std::string text = registry->render_text();
  INFO(text);
  CHECK(has_line(text, "# TYPE kora_commands_total counter"));
  CHECK(has_line(text, "kora_commands_total{command=\"get\"} 3"));
  CHECK(has_line(text, "kora_commands_total{command=\"set\"} 1"));
  CHECK(has_line(text, "kora_command_errors_total{command=\"get\"} 1"));
  CHECK(has_line(text, "kora_command_errors_total{command=\"set\"} 0"));
  CHECK(has_line(text, "# TYPE kora_command_duration_seconds histogram"));
  CHECK(has_line(text, "kora_command_duration_seconds_count{command=\"get\"} 3"));
  CHECK(has_line(text, "kora_command_duration_seconds_bucket{command=\"get\",le=\"0.0001\"} 0"));
  CHECK(has_line(text, "kora_command_duration_seconds_bucket{command=\"get\",le=\"0.00025\"} 2"));
  CHECK(has_line(text, "kora_command_duration_seconds_bucket{command=\"get\",le=\"0.0025\"} 3"));
  CHECK(has_line(text, "kora_command_duration_seconds_bucket{command=\"get\",le=\"+Inf\"} 3"));
  CHECK(has_line(text, "kora_command_duration_seconds_sum{command=\"get\"} 0.0023"));
}

TEST_CASE("record_batch publishes a shard-local histogram", "[metrics]") {
  auto registry = MetricsRegistry::create("kb");
  REQUIRE(registry.ok());
  LatencyHistogram shard;
  for (int i = 0; i < 90; ++i) shard.record(40);    // <= 50us
  for (int i = 0; i < 10; ++i) shard.record(3000);  // <= 5ms
  REQUIRE(registry->record_batch("HSET", shard, 4).ok());

  const std::string text = registry->render_text();
  INFO(text);
  CHECK(has_line(text, "kb_commands_total{command=\"hset\"} 100"));
  CHECK(has_line(text, "kb_command_errors_total{command=\"hset\"} 4"));
  CHECK(has_line(text, "kb_command_duration_seconds_bucket{command=\"hset\",le=\"2.5e-05\"} 0"));
  CHECK(has_line(text, "kb_command_duration_seconds_bucket{command=\"hset\",le=\"5e-05\"} 90"));
  CHECK(has_line(text, "kb_command_duration_seconds_bucket{command=\"hset\",le=\"0.0025\"} 90"));
  CHECK(has_line(text, "kb_command_duration_seconds_bucket{command=\"hset\",le=\"0.005\"} 100"));
  CHECK(has_line(text, "kb_command_duration_seconds_count{command=\"hset\"} 100"));
  CHECK(has_line(text, "kb_command_duration_seconds_sum{command=\"hset\"} 0.0336"));
}

TEST_CASE("gauges", "[metrics]") {
  auto registry = MetricsRegistry::create();
  REQUIRE(registry.ok());
  REQUIRE(registry->set_gauge("keys", "Keys stored.", 42).ok());
  REQUIRE(registry->set_gauge("keys", "Keys stored.", 43).ok());
  const std::string text = registry->render_text();
  INFO(text);
  CHECK(has_line(text, "# HELP kora_keys Keys stored."));
  CHECK(has_line(text, "# TYPE kora_keys gauge"));
  CHECK(has_line(text, "kora_keys 43"));
}

TEST_CASE("invalid names and too many commands are errors, not exceptions", "[metrics]") {
  CHECK_FALSE(MetricsRegistry::create("").ok());
  CHECK_FALSE(MetricsRegistry::create("9lives").ok());
  CHECK_FALSE(MetricsRegistry::create("has-dash").ok());

  auto registry = MetricsRegistry::create();
  REQUIRE(registry.ok());
  CHECK_FALSE(registry->set_gauge("bad name", "", 1).ok());
  CHECK_FALSE(registry->set_gauge("", "", 1).ok());
  // Same name as an existing counter family: prometheus-cpp throws, we return.
  CHECK_FALSE(registry->set_gauge("commands_total", "", 1).ok());

  for (std::size_t i = 0; i < MetricsRegistry::kMaxCommands; ++i) {
    REQUIRE(registry->command("cmd" + std::to_string(i)).ok());
  }
  auto over = registry->command("one-too-many");
  REQUIRE_FALSE(over.ok());
  CHECK_THAT(over.error().message, Catch::Contains("too many commands"));
  CHECK(registry->command("cmd7").ok());  // known names still work
}

TEST_CASE("recording from several threads loses nothing", "[metrics]") {
  auto registry = MetricsRegistry::create();
  REQUIRE(registry.ok());
  auto get = registry->command("get");
  REQUIRE(get.ok());
  const auto handle = get.value();
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&registry, handle] {
      for (int i = 0; i < 2500; ++i) {
        handle.record(10);
        (void)registry->record_command("set", 10);
      }
    });
  }
  for (auto& t : threads) t.join();
  const std::string text = registry->render_text();
  CHECK(has_line(text, "kora_commands_total{command=\"get\"} 10000"));
  CHECK(has_line(text, "kora_commands_total{command=\"set\"} 10000"));
}
