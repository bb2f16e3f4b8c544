#pragma once
// MetricsRegistry: Kora's metrics in the Prometheus text exposition format.
//
// Per command (label command="<lower-case name>"):
//   <prefix>_commands_total            counter   calls
//   <prefix>_command_errors_total      counter   calls that replied with an error
//   <prefix>_command_duration_seconds  histogram latency, buckets from 10us to 10s
// plus free-form gauges (<prefix>_<name>) such as key counts or memory used.
// The registry and the text format come from prometheus-cpp (an implementation
// detail: no prometheus-cpp type appears here, so users need not link it).
//
// Thread-safety: every member function may be called from any thread. Recording goes
// through prometheus-cpp's own synchronisation (atomics, and a short per-histogram
// lock); for the hottest paths, a shard can instead record into a shard-local
// LatencyHistogram and hand it over periodically with record_batch().
// Errors (never exceptions) are core::Error with Errc::kProtocol and a "metrics: ..."
// detail: an invalid metric name, or too many distinct commands.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "kora/core/result.h"
#include "kora/observability/latency_histogram.h"

namespace kora::observability {

namespace internal {
struct CommandSlot;  // defined in metrics.cc
}

// A handle on one command's metrics, cheap to copy. Valid while the MetricsRegistry
// that returned it lives. Thread-safe.
class CommandMetrics {
 public:
  // One call that took `micros` microseconds; `failed` if it replied with an error.
  void record(std::uint64_t micros, bool failed = false) const;
  // latencies.count() calls with those latencies, of which `failed_calls` failed.
  // Latencies are placed into the Prometheus buckets by the midpoint of their
  // LatencyHistogram bucket (so within its relative error); the sum is exact.
  void record_batch(const LatencyHistogram& latencies, std::uint64_t failed_calls = 0) const;

 private:
  friend class MetricsRegistry;
  explicit CommandMetrics(const internal::CommandSlot* slot) : slot_(slot) {}
  const internal::CommandSlot* slot_;
};

class MetricsRegistry {
 public:
  // Most distinct command names one registry accepts (bounds label cardinality when a
  // caller passes client-supplied names).
  static constexpr std::size_t kMaxCommands = 1024;

  // A registry whose metric names start with `prefix` + "_".
  // Errors: `prefix` is not a valid Prometheus metric name.
  static core::Result<MetricsRegistry> create(std::string_view prefix = "kora");

  MetricsRegistry(MetricsRegistry&& other) noexcept;
  MetricsRegistry& operator=(MetricsRegistry&& other) noexcept;
  ~MetricsRegistry();

  // The metrics of command `name` (case-insensitive), registered on first use.
  // Errors: more than kMaxCommands distinct names. O(len(name)) after the first call.
  core::Result<CommandMetrics> command(std::string_view name);

  // command(name) then record() / record_batch().
  core::Result<void> record_command(std::string_view name, std::uint64_t micros,
                                    bool failed = false);
  core::Result<void> record_batch(std::string_view name, const LatencyHistogram& latencies,
                                  std::uint64_t failed_calls = 0);

  // Sets gauge <prefix>_<name> (registered on first use with `help`) to `value`.
  // Errors: invalid metric name.
  core::Result<void> set_gauge(std::string_view name, std::string_view help, double value);

  // Every metric in the Prometheus text exposition format (version 0.0.4).
  std::string render_text() const;

 private:
  struct Impl;
  explicit MetricsRegistry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kora::observability
