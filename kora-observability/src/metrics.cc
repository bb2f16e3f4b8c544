#include "kora/observability/metrics.h"

#include <prometheus/check_names.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace kora::observability {

namespace internal {

struct CommandSlot {
  prometheus::Counter* calls;
  prometheus::Counter* errors;
  prometheus::Histogram* latency;
  const std::vector<double>* boundaries;  // of `latency`, owned by the registry
};

}  // namespace internal

namespace {

using core::Errc;
using core::Error;
using core::Result;

constexpr double kMicrosPerSecond = 1e6;

Error metrics_error(std::string_view what) {
  std::string detail = "metrics: ";
  detail.append(what);
  return Error::of(Errc::kProtocol, detail);
}

// Latency buckets in seconds: 10us .. 10s, 1-2.5-5 steps (Prometheus convention).
std::vector<double> latency_boundaries() {
  std::vector<double> b;
  for (double decade = 1e-5; decade < 10.0 * 1.001; decade *= 10) {
    for (double step : {1.0, 2.5, 5.0}) {
      if (decade * step <= 10.0 * 1.001) b.push_back(decade * step);
    }
  }
  return b;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

struct MetricsRegistry::Impl {
  std::string prefix;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::vector<double> boundaries = latency_boundaries();
  prometheus::Family<prometheus::Counter>* calls = nullptr;
  prometheus::Family<prometheus::Counter>* errors = nullptr;
  prometheus::Family<prometheus::Histogram>* latency = nullptr;

  std::mutex mu;  // guards the two maps below
  std::unordered_map<std::string, std::unique_ptr<internal::CommandSlot>> commands;
  std::unordered_map<std::string, prometheus::Gauge*> gauges;
};

// ------------------------------------------------------------------ CommandMetrics

void CommandMetrics::record(std::uint64_t micros, bool failed) const {
  slot_->calls->Increment();
  if (failed) slot_->errors->Increment();
  slot_->latency->Observe(static_cast<double>(micros) / kMicrosPerSecond);
}

void CommandMetrics::record_batch(const LatencyHistogram& latencies,
                                  std::uint64_t failed_calls) const {
  if (latencies.count() == 0 && failed_calls == 0) return;
  const std::vector<double>& bounds = *slot_->boundaries;
  std::vector<double> increments(bounds.size() + 1, 0.0);  // last: +Inf
  latencies.for_each_bucket([&](std::uint64_t lowest, std::uint64_t highest, std::uint64_t n) {
    const double mid = (static_cast<double>(lowest) + static_cast<double>(highest)) / 2.0;
    const double seconds = mid / kMicrosPerSecond;
    // Prometheus buckets are "le": the first boundary >= the value.
    const auto bucket = std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin();
    increments[static_cast<std::size_t>(bucket)] += static_cast<double>(n);
  });
  slot_->latency->ObserveMultiple(increments,
                                  static_cast<double>(latencies.sum()) / kMicrosPerSecond);
  slot_->calls->Increment(static_cast<double>(latencies.count()));
  if (failed_calls > 0) slot_->errors->Increment(static_cast<double>(failed_calls));
}

// ----------------------------------------------------------------- MetricsRegistry

MetricsRegistry::MetricsRegistry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsRegistry::MetricsRegistry(MetricsRegistry&& other) noexcept = default;
MetricsRegistry& MetricsRegistry::operator=(MetricsRegistry&& other) noexcept = default;
MetricsRegistry::~MetricsRegistry() = default;

Result<MetricsRegistry> MetricsRegistry::create(std::string_view prefix) {
  const std::string calls_name = std::string(prefix) + "_commands_total";
  if (prefix.empty() || !prometheus::CheckMetricName(calls_name)) {
    return metrics_error("invalid metric prefix '" + std::string(prefix) + "'");
  }
  try {
    auto impl = std::make_unique<Impl>();
    impl->prefix = std::string(prefix);
    impl->calls = &prometheus::BuildCounter()
                       .Name(calls_name)
                       .Help("Commands processed, by command.")
                       .Register(*impl->registry);
    impl->errors = &prometheus::BuildCounter()
                        .Name(impl->prefix + "_command_errors_total")
                        .Help("Commands that replied with an error, by command.")
                        .Register(*impl->registry);
    impl->latency = &prometheus::BuildHistogram()
                         .Name(impl->prefix + "_command_duration_seconds")
                         .Help("Command execution time in seconds, by command.")
                         .Register(*impl->registry);
    return MetricsRegistry(std::move(impl));
  } catch (const std::exception& e) {
    return metrics_error(e.what());
  }
}

Result<CommandMetrics> MetricsRegistry::command(std::string_view name) {
  std::string key = lower_ascii(name);
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (auto it = impl_->commands.find(key); it != impl_->commands.end()) {
    return CommandMetrics(it->second.get());
  }
  if (impl_->commands.size() >= kMaxCommands) return metrics_error("too many commands");
  try {
    const prometheus::Labels labels{{"command", key}};
    auto slot = std::make_unique<internal::CommandSlot>(
        internal::CommandSlot{&impl_->calls->Add(labels), &impl_->errors->Add(labels),
                              &impl_->latency->Add(labels, impl_->boundaries), &impl_->boundaries});
    const internal::CommandSlot* raw = slot.get();
    impl_->commands.emplace(std::move(key), std::move(slot));
    return CommandMetrics(raw);
  } catch (const std::exception& e) {
    return metrics_error(e.what());
  }
}

Result<void> MetricsRegistry::record_command(std::string_view name, std::uint64_t micros,
                                             bool failed) {
  Result<CommandMetrics> metrics = command(name);
  if (!metrics.ok()) return metrics.error();
  metrics->record(micros, failed);
  return {};
}

Result<void> MetricsRegistry::record_batch(std::string_view name, const LatencyHistogram& latencies,
                                           std::uint64_t failed_calls) {
  Result<CommandMetrics> metrics = command(name);
  if (!metrics.ok()) return metrics.error();
  metrics->record_batch(latencies, failed_calls);
  return {};
}

Result<void> MetricsRegistry::set_gauge(std::string_view name, std::string_view help,
                                        double value) {
  const std::string full = impl_->prefix + "_" + std::string(name);
  if (name.empty() || !prometheus::CheckMetricName(full)) {
    return metrics_error("invalid metric name '" + full + "'");
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->gauges.find(full);
  if (it == impl_->gauges.end()) {
    try {
      auto& family =
          prometheus::BuildGauge().Name(full).Help(std::string(help)).Register(*impl_->registry);
      it = impl_->gauges.emplace(full, &family.Add({})).first;
    } catch (const std::exception& e) {
      return metrics_error(e.what());
    }
  }
  it->second->Set(value);
  return {};
}

std::string MetricsRegistry::render_text() const {
  const prometheus::TextSerializer serializer;
  return serializer.Serialize(impl_->registry->Collect());
}

}  // namespace kora::observability
