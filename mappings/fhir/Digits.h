#pragma once

#include <cstddef>
#include <string_view>

namespace medbridge::mappings::fhir {

// Whether s has n ASCII digits from position at (date and time parsing).
inline bool digitsAt(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) return false;
  for (std::size_t i = at; i < at + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

// The value of the n digits from position at (checked by digitsAt first).
inline int numberAt(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

}  // namespace medbridge::mappings::fhir
