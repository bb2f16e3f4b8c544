#include "kora/core/glob.h"

#include <cctype>
#include <utility>

namespace kora::core {
namespace {

unsigned char fold(unsigned char c, bool nocase) {
  return nocase ? static_cast<unsigned char>(std::tolower(c)) : c;
}

// Matches a '[...]' class at p (just past '['), exactly as Redis's
// stringmatchlen does: only '^' negates; "x-y" is a range even when y is ']'
// (which then does not close the class); an unterminated class ends with the
// pattern. Advances p past the class.
bool match_class(const char*& p, const char* pend, unsigned char c, bool nocase) {
  bool negate = p < pend && *p == '^';
  if (negate) ++p;
  bool matched = false;
  for (;;) {
    if (p < pend && *p == '\\' && pend - p >= 2) {
      ++p;
      if (fold(static_cast<unsigned char>(*p), nocase) == c) matched = true;
    } else if (p < pend && *p == ']') {
      break;
    } else if (p >= pend) {
      break;
    } else if (pend - p >= 3 && p[1] == '-') {
      unsigned char lo = fold(static_cast<unsigned char>(p[0]), nocase);
      unsigned char hi = fold(static_cast<unsigned char>(p[2]), nocase);
      if (lo > hi) std::swap(lo, hi);
      if (c >= lo && c <= hi) matched = true;
      p += 2;
    } else if (fold(static_cast<unsigned char>(*p), nocase) == c) {
      matched = true;
    }
    ++p;
  }
  if (p < pend) ++p;  // the closing ']'
  return matched != negate;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view subject, bool nocase) {
  // As Redis's stringmatchlen: an empty subject matches only an empty pattern
  // (callers special-case the pattern "*" where Redis does: KEYS, SCAN).
  if (subject.empty()) return pattern.empty();
  const char* p = pattern.data();
  const char* pend = p + pattern.size();
  const char* s = subject.data();
  const char* send = s + subject.size();
  // Backtracking point for the last '*': iterative, so no recursion depth limit.
  const char* star_p = nullptr;
  const char* star_s = nullptr;
  while (s < send) {
    if (p < pend) {
      char pc = *p;
      if (pc == '*') {
        while (p < pend && *p == '*') ++p;
        if (p == pend) return true;
        star_p = p;
        star_s = s;
        continue;
      }
      unsigned char c = fold(static_cast<unsigned char>(*s), nocase);
      bool ok;
      const char* next = p;
      if (pc == '?') {
        ok = true;
        ++next;
      } else if (pc == '[') {
        ++next;
        ok = match_class(next, pend, c, nocase);
      } else if (pc == '\\' && p + 1 < pend) {
        ok = fold(static_cast<unsigned char>(p[1]), nocase) == c;
        next += 2;
      } else {
        ok = fold(static_cast<unsigned char>(pc), nocase) == c;
        ++next;
      }
      if (ok) {
        p = next;
        ++s;
        continue;
      }
    }
    if (!star_p) return false;
    p = star_p;
    s = ++star_s;
  }
  while (p < pend && *p == '*') ++p;
  return p == pend;
}

}  // namespace kora::core
