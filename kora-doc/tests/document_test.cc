#include "kora/doc/document.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using kora::doc::lookup;
using kora::doc::parse_document;
using kora::doc::project;
using kora::doc::to_json;

namespace {

constexpr const char* kUser =
    R"({"name":"Augustus","age":30,"address":{"city":"Accra","zip":"00233",)"
    R"("geo":{"lat":5.6,"lon":-0.2}},"tags":["a","b"],"nick":null})";

rapidjson::Document parsed(const char* json) {
  auto r = parse_document(json);
  INFO((r.ok() ? std::string("ok") : r.error().message));
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::string proj(const std::vector<std::string>& fields, const char* json = kUser) {
  auto doc = parsed(json);
  return project(doc, fields);
}

}  // namespace

TEST_CASE("parse_document accepts objects and round-trips them", "[document]") {
  auto doc = parsed(kUser);
  CHECK(to_json(doc) == kUser);
  CHECK(to_json(parsed("  {}  ")) == "{}");
  CHECK(to_json(parsed(R"({"big":18446744073709551615,"f":0.1})")) ==
        R"({"big":18446744073709551615,"f":0.1})");
}

TEST_CASE("parse_document errors", "[document]") {
  using Catch::Matchers::Equals;
  auto bad = parse_document(R"({"a": })");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.code() == kora::core::Errc::kSyntax);
  CHECK_THAT(bad.error().message, Equals("ERR invalid JSON at offset 6: Invalid value."));

  auto trailing = parse_document(R"({"a":1} x)");
  REQUIRE_FALSE(trailing.ok());
  CHECK_THAT(trailing.error().message,
             Equals("ERR invalid JSON at offset 8: The document root must not be followed by "
                    "other values."));

  auto empty = parse_document("");
  REQUIRE_FALSE(empty.ok());
  CHECK_THAT(empty.error().message, Catch::Matchers::StartsWith("ERR invalid JSON at offset 0"));

  for (const char* not_object : {"[1,2]", "3", R"("s")", "null", "true"}) {
    auto r = parse_document(not_object);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Equals("ERR document must be a JSON object"));
  }

  auto bad_utf8 = parse_document("{\"a\":\"\xff\"}");
  REQUIRE_FALSE(bad_utf8.ok());
  CHECK_THAT(bad_utf8.error().message, Catch::Matchers::Contains("Invalid encoding"));

  // Input is bounded by its length, not by a NUL terminator.
  std::string with_nul("{\"a\":1}\0{", 9);
  auto nul = parse_document(with_nul);
  REQUIRE_FALSE(nul.ok());
  CHECK_THAT(nul.error().message, Equals("ERR invalid JSON at offset 7: NUL byte."));
  CHECK(parse_document(std::string_view("{\"a\":1}xyz", 7)).ok());
}

TEST_CASE("parse_document refuses documents nested too deeply", "[document]") {
  auto nested = [](std::size_t depth) {
    std::string s;
    for (std::size_t i = 1; i < depth; ++i) s += "{\"a\":";
    s += "{}";
    for (std::size_t i = 1; i < depth; ++i) s += "}";
    return s;
  };
  CHECK(parse_document(nested(kora::doc::kMaxDocumentDepth)).ok());
  auto deep = parse_document(nested(kora::doc::kMaxDocumentDepth + 1));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error().message == "ERR document nested deeper than 128 levels");

  // Far deeper than any stack would survive with a recursive parser.
  std::string arrays = "{\"a\":" + std::string(200000, '[') + std::string(200000, ']') + "}";
  CHECK_FALSE(parse_document(arrays).ok());
}

TEST_CASE("lookup walks dotted paths through objects only", "[document]") {
  auto doc = parsed(kUser);
  REQUIRE(lookup(doc, "name") != nullptr);
  CHECK(lookup(doc, "name")->GetString() == std::string("Augustus"));
  REQUIRE(lookup(doc, "address.geo.lat") != nullptr);
  CHECK(lookup(doc, "address.geo.lat")->GetDouble() == 5.6);
  CHECK(lookup(doc, "address")->IsObject());
  CHECK(lookup(doc, "nick")->IsNull());
  CHECK(lookup(doc, "missing") == nullptr);
  CHECK(lookup(doc, "address.missing") == nullptr);
  CHECK(lookup(doc, "name.first") == nullptr);
  CHECK(lookup(doc, "tags.0") == nullptr);
  CHECK(lookup(doc, "") == nullptr);
  CHECK(lookup(doc, ".name") == nullptr);
  CHECK(lookup(doc, "name.") == nullptr);
  CHECK(lookup(doc, "address..city") == nullptr);
  CHECK(lookup(doc, "Name") == nullptr);

  auto odd = parsed(R"({"a.b":1,"":2,"x":{"0":3}})");
  CHECK(lookup(odd, "a.b") == nullptr);  // names with '.' are not addressable
  CHECK(lookup(odd, "x.0")->GetInt() == 3);

  rapidjson::Value scalar(1);
  CHECK(lookup(scalar, "a") == nullptr);
}

TEST_CASE("project keeps requested paths at their nesting", "[document]") {
  CHECK(proj({"name", "address.city"}) == R"({"name":"Augustus","address":{"city":"Accra"}})");
  CHECK(proj({"address.city", "name"}) == R"({"address":{"city":"Accra"},"name":"Augustus"})");
  CHECK(proj({"address.geo.lat", "address.zip"}) ==
        R"({"address":{"geo":{"lat":5.6},"zip":"00233"}})");
  CHECK(proj({"tags", "nick"}) == R"({"tags":["a","b"],"nick":null})");
  CHECK(proj({"address.geo"}) == R"({"address":{"geo":{"lat":5.6,"lon":-0.2}}})");
}

TEST_CASE("project skips what does not resolve", "[document]") {
  CHECK(proj({}) == "{}");
  CHECK(proj({"missing", "name.first", "tags.0", ""}) == "{}");
  CHECK(proj({"missing", "age"}) == R"({"age":30})");
}

TEST_CASE("project: a requested ancestor covers its descendants", "[document]") {
  const std::string whole_address =
      R"({"address":{"city":"Accra","zip":"00233","geo":{"lat":5.6,"lon":-0.2}}})";
  CHECK(proj({"address", "address.city"}) == whole_address);
  CHECK(proj({"address.city", "address"}) == whole_address);
  CHECK(proj({"address.geo.lat", "address.geo", "address.zip"}) ==
        R"({"address":{"geo":{"lat":5.6,"lon":-0.2},"zip":"00233"}})");
  CHECK(proj({"name", "name"}) == R"({"name":"Augustus"})");
}

TEST_CASE("project output is independent of the source document", "[document]") {
  std::string out;
  {
    auto doc = parsed(R"({"s":"a string long enough to live on the heap","n":1})");
    out = project(doc, std::vector<std::string>{"s"});
  }
  CHECK(out == R"({"s":"a string long enough to live on the heap"})");
}
