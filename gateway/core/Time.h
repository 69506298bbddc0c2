#pragma once

#include <cstdint>
#include <string>

namespace medbridge::core {

// FHIR instant in UTC with milliseconds: "2026-11-23T09:30:00.123Z".
std::string instantOf(std::int64_t millis);
// The calendar date (YYYY-MM-DD) in China (UTC+8, no daylight saving) at `millis`: national-ID
// birth dates are checked against it.
std::string chinaDate(std::int64_t millis);
// HL7 DTM in the machine's local zone with its offset: "20261123173000+0800".
std::string hl7TimestampOf(std::int64_t millis);

}  // namespace medbridge::core
