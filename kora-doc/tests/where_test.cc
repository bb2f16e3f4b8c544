#include "kora/doc/where.h"

#include <catch2/catch.hpp>
#include <string>

#include "kora/doc/document.h"

using kora::doc::evaluate;
using kora::doc::Expr;
using kora::doc::parse_document;
using kora::doc::parse_where;
using kora::doc::referenced_fields;
using kora::doc::to_string;

namespace {

constexpr const char* kUser = R"({
  "name": "Augustus", "city": "Accra", "age": 30, "score": 4.5, "active": true,
  "nick": null, "big": 18446744073709551615, "neg": -7,
  "tags": ["a", "b"], "address": {"city": "Accra", "zip": "00233", "geo": {"lat": 5.6}}
})";

// Parses `where` (which must be valid) and evaluates it against kUser.
bool matches(const std::string& where, const char* json = kUser) {
  auto doc = parse_document(json);
  REQUIRE(doc.ok());
  auto expr = parse_where(where);
  INFO(where << " -> " << (expr.ok() ? std::string("ok") : expr.error().message));
  REQUIRE(expr.ok());
  return evaluate(expr.value(), doc.value());
}

std::string canonical(const std::string& where) {
  auto expr = parse_where(where);
  INFO(where << " -> " << (expr.ok() ? std::string("ok") : expr.error().message));
  REQUIRE(expr.ok());
  return to_string(expr.value());
}

std::string error_of(const std::string& where) {
  auto expr = parse_where(where);
  REQUIRE_FALSE(expr.ok());
  CHECK(expr.code() == kora::core::Errc::kSyntax);
  return expr.error().message;
}

}  // namespace

TEST_CASE("equality and inequality on every JSON type", "[where]") {
  CHECK(matches(R"(city = "Accra")"));
  CHECK_FALSE(matches(R"(city = "accra")"));
  CHECK(matches(R"(city != "Lagos")"));
  CHECK_FALSE(matches(R"(city != "Accra")"));
  CHECK(matches("age = 30"));
  CHECK(matches("age = 30.0"));
  CHECK(matches("score = 4.5"));
  CHECK(matches("neg = -7"));
  CHECK(matches("active = true"));
  CHECK(matches("active != false"));
  CHECK(matches("nick = null"));
  CHECK_FALSE(matches("nick != null"));
  CHECK_FALSE(matches("name = null"));
}

TEST_CASE("ordering operators on numbers, int and float mixed", "[where]") {
  CHECK(matches("age < 31"));
  CHECK_FALSE(matches("age < 30"));
  CHECK(matches("age <= 30"));
  CHECK(matches("age > 29.5"));
  CHECK_FALSE(matches("age > 30"));
  CHECK(matches("age >= 30"));
  CHECK(matches("score > 4"));
  CHECK(matches("score < 5"));
  CHECK(matches("score >= 4.5"));
  CHECK(matches("score <= 4.5"));
  CHECK(matches("neg < 0"));
  CHECK(matches("neg > -7.5"));
  CHECK(matches("age > 3e1") == false);
  CHECK(matches("age >= 3e1"));
}

TEST_CASE("integers above INT64_MAX compare exactly", "[where]") {
  CHECK(matches("big > 9223372036854775807"));
  CHECK_FALSE(matches("big = 9223372036854775807"));
  CHECK(matches("big != 9223372036854775807"));
  CHECK(matches("big > 1.0e18"));
}

TEST_CASE("ordering operators on strings are bytewise lexicographic", "[where]") {
  CHECK(matches(R"(name > "Aug")"));
  CHECK(matches(R"(name < "B")"));
  CHECK(matches(R"(name < "a")"));  // 'A' (0x41) < 'a' (0x61)
  CHECK(matches(R"(name >= "Augustus")"));
  CHECK(matches(R"(name <= "Augustus")"));
  CHECK_FALSE(matches(R"(name < "Augustus")"));
}

TEST_CASE("booleans order false < true; null only equals null", "[where]") {
  CHECK(matches("active > false"));
  CHECK_FALSE(matches("active < true"));
  CHECK_FALSE(matches("nick < null"));
  CHECK_FALSE(matches("nick > null"));
  CHECK(matches("nick <= null"));
}

TEST_CASE("mismatched types never match, except !=", "[where]") {
  CHECK_FALSE(matches(R"(age = "30")"));
  CHECK(matches(R"(age != "30")"));
  CHECK_FALSE(matches(R"(age < "99")"));
  CHECK_FALSE(matches(R"(name > 1)"));
  CHECK_FALSE(matches("active = 1"));
  CHECK_FALSE(matches("tags = 1"));
  CHECK(matches("tags != 1"));
  CHECK_FALSE(matches("address >= 0"));
  // A missing field is a mismatch too.
  CHECK_FALSE(matches("missing = 1"));
  CHECK_FALSE(matches("missing < 1"));
  CHECK(matches("missing != 1"));
}

TEST_CASE("IN and NOT IN", "[where]") {
  CHECK(matches(R"(city IN ("Lagos", "Accra"))"));
  CHECK_FALSE(matches(R"(city IN ("Lagos", "Nairobi"))"));
  CHECK(matches("age IN (1, 30.0, null)"));
  CHECK(matches(R"(nick IN ("x", null))"));
  CHECK(matches("age in (30)"));
  CHECK_FALSE(matches("missing IN (1, null)"));
  CHECK(matches(R"(city NOT IN ("Lagos"))"));
  CHECK_FALSE(matches(R"(city NOT IN ("Accra"))"));
  CHECK(matches("missing NOT IN (1)"));
}

TEST_CASE("EXISTS, NOT EXISTS and NOT", "[where]") {
  CHECK(matches("name EXISTS"));
  CHECK(matches("nick EXISTS"));  // an explicit null exists
  CHECK(matches("address.geo.lat EXISTS"));
  CHECK_FALSE(matches("missing EXISTS"));
  CHECK(matches("missing NOT EXISTS"));
  CHECK(matches("NOT missing EXISTS"));
  CHECK_FALSE(matches("NOT name EXISTS"));
  CHECK(matches("NOT age = 31"));
  CHECK(matches("NOT NOT age = 30"));
  CHECK(matches("NOT (age = 31 OR city = \"Lagos\")"));
}

TEST_CASE("nested paths", "[where]") {
  CHECK(matches(R"(address.city = "Accra")"));
  CHECK(matches(R"(address.zip = "00233")"));
  CHECK(matches("address.geo.lat > 5"));
  CHECK_FALSE(matches("address.geo.lon EXISTS"));
  CHECK_FALSE(matches("address.city.name EXISTS"));  // walks into a string
  CHECK_FALSE(matches("tags.0 EXISTS"));             // paths do not index arrays
}

TEST_CASE("AND binds tighter than OR; parentheses override", "[where]") {
  CHECK(canonical("a = 1 OR b = 2 AND c = 3") == "(a = 1 OR (b = 2 AND c = 3))");
  CHECK(canonical("a = 1 AND b = 2 OR c = 3") == "((a = 1 AND b = 2) OR c = 3)");
  CHECK(canonical("(a = 1 OR b = 2) AND c = 3") == "((a = 1 OR b = 2) AND c = 3)");
  CHECK(canonical("a = 1 AND b = 2 AND c = 3") == "(a = 1 AND b = 2 AND c = 3)");
  CHECK(canonical("NOT a = 1 AND b = 2") == "(NOT a = 1 AND b = 2)");
  CHECK(canonical("NOT (a = 1 AND b = 2)") == "NOT (a = 1 AND b = 2)");
  CHECK(canonical("((a EXISTS))") == "a EXISTS");

  // true OR (false AND false) = true; (true OR false) AND false = false.
  CHECK(matches(R"(age = 30 OR city = "x" AND name = "y")"));
  CHECK_FALSE(matches(R"((age = 30 OR city = "x") AND name = "y")"));
  CHECK(matches(R"(age = 1 AND city = "x" OR name = "Augustus")"));
  CHECK_FALSE(matches(R"(age = 1 AND (city = "x" OR name = "Augustus"))"));
}

TEST_CASE("keywords are case-insensitive; field names are not", "[where]") {
  CHECK(canonical("a = TRUE and b = False Or NoT c exists") ==
        "((a = true AND b = false) OR NOT c EXISTS)");
  CHECK(canonical("x In (NULL)") == "x IN (null)");
  CHECK(matches(R"(city = "Accra" aNd age = 30)"));
  CHECK_FALSE(matches(R"(City = "Accra")"));
}

TEST_CASE("literals: escapes, floats, whitespace", "[where]") {
  CHECK(matches(R"(q = "say \"hi\" \\ bye")", R"({"q": "say \"hi\" \\ bye"})"));
  CHECK(matches(R"(q = "a\tb\nc")", R"({"q": "a\tb\nc"})"));
  CHECK(canonical(R"(q = "a\"b")") == R"(q = "a\"b")");
  CHECK(canonical("x = 2.50") == "x = 2.5");
  CHECK(canonical("x = 3.0") == "x = 3.0");
  CHECK(canonical("x = 1e2") == "x = 100.0");
  CHECK(canonical("x = -0.25") == "x = -0.25");
  CHECK(canonical("x=-3") == "x = -3");
  CHECK(canonical("  x\t>=\n1  ") == "x >= 1");
  CHECK(canonical("_id = 1") == "_id = 1");
}

TEST_CASE("to_string round-trips through parse_where", "[where]") {
  for (const char* w : {
           R"(a = "x" OR (b.c IN (1, 2.5, "z", true, null) AND NOT d EXISTS))",
           "NOT (x < 1 OR y >= -2e-3) AND z != false",
           R"(s = "tab\there \"q\" back\\slash")",
       }) {
    std::string once = canonical(w);
    CHECK(canonical(once) == once);
  }
}

TEST_CASE("referenced_fields lists each field once, in order", "[where]") {
  auto e = parse_where(R"(b = 1 AND (a.x IN (1) OR b > 0) AND NOT c EXISTS OR a.x = 2)");
  REQUIRE(e.ok());
  CHECK(referenced_fields(e.value()) == std::vector<std::string>{"b", "a.x", "c"});
}

TEST_CASE("AST shape", "[where]") {
  auto e = parse_where(R"(a IN (1, "two") OR b NOT EXISTS)");
  REQUIRE(e.ok());
  const Expr& root = e.value();
  REQUIRE(root.kind == Expr::Kind::kOr);
  REQUIRE(root.children.size() == 2);
  const Expr& in = root.children[0];
  CHECK(in.kind == Expr::Kind::kIn);
  CHECK(in.field == "a");
  REQUIRE(in.literals.size() == 2);
  CHECK(std::get<std::int64_t>(in.literals[0]) == 1);
  CHECK(std::get<std::string>(in.literals[1]) == "two");
  const Expr& neg = root.children[1];
  REQUIRE(neg.kind == Expr::Kind::kNot);
  CHECK(neg.children.at(0).kind == Expr::Kind::kExists);
  CHECK(neg.children.at(0).field == "b");
}

TEST_CASE("parse errors name the position and what was expected", "[where]") {
  using Catch::Matchers::Equals;
  CHECK_THAT(error_of(""), Equals("ERR syntax error in WHERE at position 0: expected a field "
                                  "name, NOT or '(', found end of input"));
  CHECK_THAT(error_of("age"), Equals("ERR syntax error in WHERE at position 3: expected a "
                                     "comparison operator, IN, NOT IN or EXISTS after field "
                                     "'age', found end of input"));
  CHECK_THAT(error_of("age = "), Equals("ERR syntax error in WHERE at position 6: expected a "
                                        "literal (string, number, true, false or null), found "
                                        "end of input"));
  CHECK_THAT(error_of("age = 1 age = 2"),
             Equals("ERR syntax error in WHERE at position 8: expected AND, OR or end of "
                    "input, found 'age'"));
  CHECK_THAT(error_of("(a = 1"), Equals("ERR syntax error in WHERE at position 6: expected "
                                        "')', found end of input"));
  CHECK_THAT(error_of("a = 1)"), Equals("ERR syntax error in WHERE at position 5: expected "
                                        "AND, OR or end of input, found ')'"));
  CHECK_THAT(error_of("a IN 1"),
             Equals("ERR syntax error in WHERE at position 5: expected '(' after IN, found '1'"));
  CHECK_THAT(error_of("a IN ()"), Equals("ERR syntax error in WHERE at position 6: expected a "
                                         "literal (string, number, true, false or null), "
                                         "found ')'"));
  CHECK_THAT(error_of("a IN (1 2)"), Equals("ERR syntax error in WHERE at position 8: expected "
                                            "',' or ')' in IN list, found '2'"));
  CHECK_THAT(error_of("a NOT = 1"), Equals("ERR syntax error in WHERE at position 6: expected "
                                           "IN or EXISTS after NOT, found '='"));
  CHECK_THAT(error_of("a = b"), Equals("ERR syntax error in WHERE at position 4: expected a "
                                       "literal (string, number, true, false or null), found "
                                       "'b'"));
  CHECK_THAT(error_of("a = 1 AND"), Equals("ERR syntax error in WHERE at position 9: expected "
                                           "a field name, NOT or '(', found end of input"));
  CHECK_THAT(error_of("= 1"), Equals("ERR syntax error in WHERE at position 0: expected a field "
                                     "name, NOT or '(', found '='"));
}

TEST_CASE("lexical errors", "[where]") {
  using Catch::Matchers::Contains;
  CHECK_THAT(error_of(R"(a = "open)"), Contains("position 4: unterminated string"));
  CHECK_THAT(error_of(R"(a = "x\q")"), Contains("position 6: invalid escape '\\q' in string"));
  CHECK_THAT(error_of("a == 1"), Contains("position 3: expected a literal"));
  CHECK_THAT(error_of("a ! 1"), Contains("position 2: unexpected character '!'"));
  CHECK_THAT(error_of("a = 1 & b = 2"), Contains("position 6: unexpected character '&'"));
  CHECK_THAT(error_of("a = \x01"), Contains("unexpected character '\\x01'"));
  CHECK_THAT(error_of("a. = 1"), Contains("position 2: expected a field name segment after '.'"));
  CHECK_THAT(error_of("a = 12abc"), Contains("position 4: invalid number '12a'"));
  CHECK_THAT(error_of("a = 1."), Contains("position 6: expected a digit after '.'"));
  CHECK_THAT(error_of("a = 1e"), Contains("position 6: expected a digit in the exponent"));
  CHECK_THAT(error_of("a = 99999999999999999999"),
             Contains("position 4: integer literal out of range"));
  CHECK_THAT(error_of("a = 1e999"), Contains("position 4: float literal out of range"));
  CHECK_THAT(error_of("a = 'x'"), Contains("unexpected character '''"));
}

TEST_CASE("nesting deeper than kMaxWhereDepth is refused, not a crash", "[where]") {
  std::string ok(kora::doc::kMaxWhereDepth - 1, '(');
  ok += "a = 1" + std::string(kora::doc::kMaxWhereDepth - 1, ')');
  CHECK(parse_where(ok).ok());

  std::string deep(100000, '(');
  CHECK_THAT(error_of(deep), Catch::Matchers::Contains("nested too deeply (limit 64)"));
  std::string nots;
  for (int i = 0; i < 100000; ++i) nots += "NOT ";
  CHECK_THAT(error_of(nots + "a = 1"), Catch::Matchers::Contains("nested too deeply"));
}

TEST_CASE("long flat chains are fine", "[where]") {
  std::string w = "a = 0";
  for (int i = 1; i < 10000; ++i) w += " OR a = " + std::to_string(i);
  auto e = parse_where(w);
  REQUIRE(e.ok());
  CHECK(e.value().children.size() == 10000);
  auto doc = parse_document(R"({"a": 9999})");
  REQUIRE(doc.ok());
  CHECK(evaluate(e.value(), doc.value()));
}

TEST_CASE("a non-object document has no fields", "[where]") {
  rapidjson::Value number(5);
  auto e = parse_where("a = 5");
  REQUIRE(e.ok());
  CHECK_FALSE(evaluate(e.value(), number));
  auto ne = parse_where("a != 5");
  REQUIRE(ne.ok());
  CHECK(evaluate(ne.value(), number));
}
