#include "kora/core/glob.h"

#include <cctype>

namespace kora::core {
namespace {

unsigned char fold(unsigned char c, bool nocase) {
  return nocase ? static_cast<unsigned char>(std::tolower(c)) : c;
}

// Matches a '[...]' class at p (just past '['); advances p past the closing ']'.
bool match_class(const char*& p, const char* pend, unsigned char c, bool nocase) {
  bool negate = p < pend && (*p == '^' || *p == '!');
  if (negate) ++p;
  bool matched = false;
  while (p < pend && *p != ']') {
    if (*p == '\\' && p + 1 < pend) {
      ++p;
      if (fold(*p, nocase) == c) matched = true;
      ++p;
    } else if (p + 2 < pend && p[1] == '-' && p[2] != ']') {
      unsigned char lo = fold(p[0], nocase), hi = fold(p[2], nocase);
      if (lo > hi) std::swap(lo, hi);
      if (c >= lo && c <= hi) matched = true;
      p += 3;
    } else {
      if (fold(*p, nocase) == c) matched = true;
      ++p;
    }
  }
  if (p < pend) ++p;  // skip ']'
  return matched != negate;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view subject, bool nocase) {
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
