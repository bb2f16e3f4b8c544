#include "kora/pubsub/registry.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

using kora::pubsub::SubscriberId;
using kora::pubsub::SubscriptionRegistry;

namespace {

// One delivery as PUBLISH would send it: subscriber and pattern ("" for a plain
// channel delivery).
using Delivery = std::pair<SubscriberId, std::string>;

std::vector<Delivery> publish(const SubscriptionRegistry& reg, std::string_view channel) {
  std::vector<Delivery> out;
  std::size_t n = reg.for_each_recipient(channel, [&](SubscriberId sub, const std::string* p) {
    out.emplace_back(sub, p == nullptr ? std::string() : *p);
  });
  CHECK(n == out.size());
  return out;
}

std::vector<Delivery> sorted(std::vector<Delivery> v) {
  std::sort(v.begin(), v.end());
  return v;
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("subscribe and unsubscribe report whether anything changed", "[pubsub]") {
  SubscriptionRegistry reg;
  CHECK(reg.subscribe(1, "news"));
  CHECK_FALSE(reg.subscribe(1, "news"));
  CHECK(reg.subscribe(2, "news"));
  CHECK(reg.numsub("news") == 2);
  CHECK(reg.unsubscribe(1, "news"));
  CHECK_FALSE(reg.unsubscribe(1, "news"));
  CHECK_FALSE(reg.unsubscribe(3, "news"));
  CHECK_FALSE(reg.unsubscribe(2, "sport"));
  CHECK(reg.numsub("news") == 1);
  CHECK(reg.unsubscribe(2, "news"));
  CHECK(reg.numsub("news") == 0);
  CHECK(reg.channels().empty());
  CHECK(reg.subscriber_count() == 0);
}

TEST_CASE("psubscribe and punsubscribe", "[pubsub]") {
  SubscriptionRegistry reg;
  CHECK(reg.psubscribe(1, "news.*"));
  CHECK_FALSE(reg.psubscribe(1, "news.*"));
  CHECK(reg.psubscribe(2, "news.*"));
  CHECK(reg.psubscribe(2, "*"));
  CHECK(reg.numpat() == 2);  // distinct patterns
  CHECK(reg.punsubscribe(1, "news.*"));
  CHECK_FALSE(reg.punsubscribe(1, "news.*"));
  CHECK(reg.numpat() == 2);
  CHECK(reg.punsubscribe(2, "news.*"));
  CHECK(reg.numpat() == 1);
  // A pattern and a channel of the same name are independent.
  CHECK(reg.subscribe(2, "*"));
  CHECK_FALSE(reg.punsubscribe(2, "news.*"));
  CHECK(reg.unsubscribe(2, "*"));
  CHECK(reg.numpat() == 1);
  CHECK(reg.punsubscribe(2, "*"));
  CHECK(reg.numpat() == 0);
}

TEST_CASE("subscription_count counts channels and patterns", "[pubsub]") {
  SubscriptionRegistry reg;
  CHECK(reg.subscription_count(1) == 0);
  reg.subscribe(1, "a");
  CHECK(reg.subscription_count(1) == 1);
  reg.subscribe(1, "b");
  reg.subscribe(1, "b");
  reg.psubscribe(1, "a*");
  CHECK(reg.subscription_count(1) == 3);
  CHECK(reg.subscription_count(2) == 0);
  reg.unsubscribe(1, "a");
  CHECK(reg.subscription_count(1) == 2);
}

TEST_CASE("publish reaches channel subscribers and matching patterns", "[pubsub]") {
  SubscriptionRegistry reg;
  reg.subscribe(1, "news.tech");
  reg.subscribe(2, "news.tech");
  reg.subscribe(3, "news.sport");
  reg.psubscribe(4, "news.*");
  reg.psubscribe(5, "*.sport");
  reg.psubscribe(6, "news.[st]*");

  CHECK(sorted(publish(reg, "news.tech")) ==
        std::vector<Delivery>{{1, ""}, {2, ""}, {4, "news.*"}, {6, "news.[st]*"}});
  CHECK(sorted(publish(reg, "news.sport")) ==
        std::vector<Delivery>{{3, ""}, {4, "news.*"}, {5, "*.sport"}, {6, "news.[st]*"}});
  CHECK(publish(reg, "weather").empty());
  CHECK(publish(reg, "NEWS.tech").empty());  // matching is case-sensitive
  CHECK(publish(reg, "").empty());
}

TEST_CASE("one delivery per matching subscription, as in Redis", "[pubsub]") {
  SubscriptionRegistry reg;
  reg.subscribe(7, "news");
  reg.psubscribe(7, "n*");
  reg.psubscribe(7, "*s");
  reg.psubscribe(7, "x*");  // does not match
  // Channel first, then patterns in byte order.
  CHECK(publish(reg, "news") == std::vector<Delivery>{{7, ""}, {7, "*s"}, {7, "n*"}});
  CHECK(reg.for_each_recipient("news", [](SubscriberId, const std::string*) {}) == 3);
}

TEST_CASE("delivery order is deterministic", "[pubsub]") {
  SubscriptionRegistry reg;
  for (SubscriberId s : {30u, 10u, 20u}) reg.subscribe(s, "c");
  reg.psubscribe(1, "c*");
  reg.psubscribe(2, "*");
  reg.psubscribe(3, "?");
  CHECK(publish(reg, "c") ==
        std::vector<Delivery>{{30, ""}, {10, ""}, {20, ""}, {2, "*"}, {3, "?"}, {1, "c*"}});
  // Removing 30 moves the most recent subscriber (20) into its place.
  reg.unsubscribe(30, "c");
  CHECK(publish(reg, "c") ==
        std::vector<Delivery>{{20, ""}, {10, ""}, {2, "*"}, {3, "?"}, {1, "c*"}});
}

TEST_CASE("unsubscribe_all and punsubscribe_all return sorted names", "[pubsub]") {
  SubscriptionRegistry reg;
  for (const char* c : {"zeta", "alpha", "mid"}) reg.subscribe(1, c);
  for (const char* p : {"p2*", "p1*"}) reg.psubscribe(1, p);
  reg.subscribe(2, "alpha");

  CHECK(reg.unsubscribe_all(1) == Names{"alpha", "mid", "zeta"});
  CHECK(reg.subscription_count(1) == 2);  // patterns stay
  CHECK(reg.unsubscribe_all(1).empty());
  CHECK(reg.channels() == Names{"alpha"});  // 2 still listens
  CHECK(reg.numsub("alpha") == 1);
  CHECK(reg.numsub("zeta") == 0);

  CHECK(reg.punsubscribe_all(1) == Names{"p1*", "p2*"});
  CHECK(reg.subscription_count(1) == 0);
  CHECK(reg.numpat() == 0);
  CHECK(reg.punsubscribe_all(1).empty());
  CHECK(reg.punsubscribe_all(99).empty());
  CHECK(reg.subscriber_count() == 1);
}

TEST_CASE("remove_subscriber drops everything of one subscriber", "[pubsub]") {
  SubscriptionRegistry reg;
  reg.subscribe(1, "b");
  reg.subscribe(1, "a");
  reg.psubscribe(1, "*");
  reg.subscribe(2, "a");
  reg.psubscribe(2, "*");

  auto removed = reg.remove_subscriber(1);
  CHECK(removed.channels == Names{"a", "b"});
  CHECK(removed.patterns == Names{"*"});
  CHECK(reg.subscription_count(1) == 0);
  CHECK(publish(reg, "a") == std::vector<Delivery>{{2, ""}, {2, "*"}});
  CHECK(publish(reg, "b") == std::vector<Delivery>{{2, "*"}});
  CHECK(reg.channels() == Names{"a"});
  CHECK(reg.numpat() == 1);

  auto nothing = reg.remove_subscriber(1);
  CHECK(nothing.channels.empty());
  CHECK(nothing.patterns.empty());
}

TEST_CASE("PUBSUB CHANNELS, NUMSUB, NUMPAT", "[pubsub]") {
  SubscriptionRegistry reg;
  reg.subscribe(1, "news.tech");
  reg.subscribe(2, "news.tech");
  reg.subscribe(1, "news.sport");
  reg.subscribe(3, "weather");
  reg.psubscribe(4, "news.*");  // patterns are not channels

  CHECK(reg.channels() == Names{"news.sport", "news.tech", "weather"});
  CHECK(reg.channels("news.*") == Names{"news.sport", "news.tech"});
  CHECK(reg.channels("*er") == Names{"weather"});
  CHECK(reg.channels("n??s.[a-s]*") == Names{"news.sport"});
  CHECK(reg.channels("nope").empty());
  CHECK(reg.numsub("news.tech") == 2);
  CHECK(reg.numsub("news.*") == 0);
  CHECK(reg.numpat() == 1);
}

TEST_CASE("binary-safe names", "[pubsub]") {
  SubscriptionRegistry reg;
  std::string with_nul("a\0b", 3);
  CHECK(reg.subscribe(1, with_nul));
  CHECK(reg.numsub(with_nul) == 1);
  CHECK(reg.numsub("a") == 0);
  CHECK(publish(reg, with_nul) == std::vector<Delivery>{{1, ""}});
  CHECK(reg.channels() == Names{with_nul});
}

TEST_CASE("large audiences (indexed) stay consistent", "[pubsub]") {
  SubscriptionRegistry reg;
  constexpr SubscriberId kN = 1000;
  for (SubscriberId s = 0; s < kN; ++s) REQUIRE(reg.subscribe(s, "big"));
  CHECK_FALSE(reg.subscribe(500, "big"));
  CHECK(reg.numsub("big") == kN);
  // Remove the even ids, then check exactly the odd ones remain.
  for (SubscriberId s = 0; s < kN; s += 2) REQUIRE(reg.unsubscribe(s, "big"));
  CHECK_FALSE(reg.unsubscribe(0, "big"));
  std::vector<SubscriberId> got;
  reg.for_each_recipient("big", [&](SubscriberId s, const std::string*) { got.push_back(s); });
  std::sort(got.begin(), got.end());
  std::vector<SubscriberId> want;
  for (SubscriberId s = 1; s < kN; s += 2) want.push_back(s);
  CHECK(got == want);
  // Shrink through the index threshold and back up again.
  for (SubscriberId s = 1; s < kN - 10; s += 2) REQUIRE(reg.unsubscribe(s, "big"));
  CHECK(reg.numsub("big") == 5);
  for (SubscriberId s = 1; s < kN - 10; s += 2) REQUIRE(reg.subscribe(s, "big"));
  CHECK(reg.numsub("big") == kN / 2);
  for (SubscriberId s = 1; s < kN; s += 2) REQUIRE(reg.unsubscribe(s, "big"));
  CHECK(reg.numsub("big") == 0);
  CHECK(reg.channels().empty());
}

TEST_CASE("glob syntax of patterns follows Redis", "[pubsub]") {
  SubscriptionRegistry reg;
  reg.psubscribe(1, "h?llo");
  reg.psubscribe(2, "h*llo");
  reg.psubscribe(3, "h[ae]llo");
  reg.psubscribe(4, "h[^e]llo");
  reg.psubscribe(5, "h\\*llo");
  CHECK(sorted(publish(reg, "hello")) ==
        std::vector<Delivery>{{1, "h?llo"}, {2, "h*llo"}, {3, "h[ae]llo"}});
  CHECK(sorted(publish(reg, "hallo")) ==
        std::vector<Delivery>{{1, "h?llo"}, {2, "h*llo"}, {3, "h[ae]llo"}, {4, "h[^e]llo"}});
  CHECK(sorted(publish(reg, "heeello")) == std::vector<Delivery>{{2, "h*llo"}});
  CHECK(sorted(publish(reg, "h*llo")) ==
        std::vector<Delivery>{{1, "h?llo"}, {2, "h*llo"}, {4, "h[^e]llo"}, {5, "h\\*llo"}});
}
