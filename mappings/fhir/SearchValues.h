#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace medbridge::mappings::fhir {

// The instants a FHIR date, dateTime or instant covers, by its precision: "2024" is the whole
// year. Milliseconds since the epoch, both ends inclusive. Values without a zone are read as UTC.
struct DateRange {
  std::int64_t from = 0, to = 0;
};
std::optional<DateRange> dateRange(std::string_view text);

// The range a decimal stands for by its written precision: "100" is [99.5, 100.5], "1.50" is
// [1.495, 1.505].
struct NumberRange {
  double value = 0, low = 0, high = 0;
};
std::optional<NumberRange> numberRange(std::string_view text);

// Search form of a string: lower case, Latin accents removed, full-width ASCII made half-width;
// Chinese characters as written. "Müller" and "MULLER" both give "muller".
std::string searchText(std::string_view text);

}  // namespace medbridge::mappings::fhir
