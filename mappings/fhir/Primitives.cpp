#include "mappings/fhir/Primitives.h"

#include <cstdint>
#include <cstdlib>

#include "mappings/fhir/Digits.h"

namespace medbridge::mappings::fhir {
namespace {

bool leapYear(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

// YYYY, YYYY-MM or YYYY-MM-DD at the start of s; returns the length used, 0 when malformed.
std::size_t datePart(std::string_view s, bool fullOnly) {
  if (!digitsAt(s, 0, 4)) return 0;
  if (s.size() == 4 || s[4] != '-') return fullOnly ? 0 : 4;
  if (!digitsAt(s, 5, 2)) return 0;
  int month = numberAt(s, 5, 2);
  if (month < 1 || month > 12) return 0;
  if (s.size() == 7 || s[7] != '-') return fullOnly ? 0 : 7;
  if (!digitsAt(s, 8, 2)) return 0;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int year = numberAt(s, 0, 4), day = numberAt(s, 8, 2);
  int maxDay = kDays[month - 1] + (month == 2 && leapYear(year) ? 1 : 0);
  if (day < 1 || day > maxDay) return 0;
  return 10;
}

// hh:mm:ss(.fraction)? at the start of s; returns the length used, 0 when malformed.
std::size_t timePart(std::string_view s) {
  if (!digitsAt(s, 0, 2) || s.size() < 8 || s[2] != ':' || !digitsAt(s, 3, 2) || s[5] != ':' ||
      !digitsAt(s, 6, 2))
    return 0;
  if (numberAt(s, 0, 2) > 23 || numberAt(s, 3, 2) > 59 || numberAt(s, 6, 2) > 60) return 0;
  std::size_t n = 8;
  if (n < s.size() && s[n] == '.') {
    std::size_t start = ++n;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    if (n == start) return 0;
  }
  return n;
}

bool zone(std::string_view s) {
  if (s == "Z") return true;
  return s.size() == 6 && (s[0] == '+' || s[0] == '-') && digitsAt(s, 1, 2) && s[3] == ':' &&
         digitsAt(s, 4, 2) && numberAt(s, 1, 2) <= 14 && numberAt(s, 4, 2) <= 59;
}

bool dateTime(std::string_view s, bool instant) {
  std::size_t n = datePart(s, instant);
  if (n == 0) return false;
  if (n == s.size()) return !instant;
  if (n != 10 || s[n] != 'T') return false;
  std::size_t t = timePart(s.substr(n + 1));
  if (t == 0) return false;
  return zone(s.substr(n + 1 + t));  // a time needs a zone
}

bool noWhitespace(std::string_view s) {
  for (char c : s)
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return false;
  return true;
}

bool lowerHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool uuid(std::string_view s) {
  if (s.size() != 45 || s.substr(0, 9) != "urn:uuid:") return false;
  s.remove_prefix(9);
  return s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' && lowerHex(s.substr(0, 8)) &&
         lowerHex(s.substr(9, 4)) && lowerHex(s.substr(14, 4)) && lowerHex(s.substr(19, 4)) &&
         lowerHex(s.substr(24, 12));
}

bool oid(std::string_view s) {
  if (s.substr(0, 8) != "urn:oid:") return false;
  s.remove_prefix(8);
  if (s.size() < 3 || s[0] < '0' || s[0] > '2' || s[1] != '.') return false;
  bool arcStart = true;
  for (std::size_t i = 2; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.') {
      if (arcStart) return false;
      arcStart = true;
    } else if (c >= '0' && c <= '9') {
      if (arcStart && c == '0' && i + 1 < s.size() && s[i + 1] != '.') return false;
      arcStart = false;
    } else {
      return false;
    }
  }
  return !arcStart;
}

bool id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '.'))
      return false;
  return true;
}

bool code(std::string_view s) {
  // [^\s]+(\s[^\s]+)*: no leading, trailing or doubled whitespace.
  if (s.empty()) return false;
  bool space = true;
  for (char c : s) {
    bool ws = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (ws && space) return false;
    space = ws;
  }
  return !space;
}

bool base64(std::string_view s) {
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '/' || c == '=' || c == ' ' || c == '\r' || c == '\n' || c == '\t'))
      return false;
  return true;
}

bool integerText(std::string_view s, std::int64_t& out) {
  std::size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
  if (i == s.size() || s.size() > 12) return false;
  for (std::size_t j = i; j < s.size(); ++j)
    if (s[j] < '0' || s[j] > '9') return false;
  if (s.size() - i > 1 && s[i] == '0') return false;
  out = std::strtoll(std::string(s).c_str(), nullptr, 10);
  return true;
}

}  // namespace

std::string checkPrimitive(std::string_view type, const Value& v) {
  if (type == "boolean") return v.IsBool() ? "" : "expected a JSON boolean";
  if (type == "decimal" || type == "integer" || type == "positiveInt" || type == "unsignedInt") {
    auto text = numberText(v);
    if (!text) return "expected a JSON number";
    if (type == "decimal") return "";
    std::int64_t n = 0;
    if (!integerText(*text, n) || n < INT32_MIN || n > INT32_MAX)
      return "'" + std::string(*text) + "' is not a 32-bit integer";
    if (type == "positiveInt" && n < 1) return "must be 1 or more";
    if (type == "unsignedInt" && n < 0) return "must be 0 or more";
    return "";
  }
  if (!v.IsString() || numberText(v)) return "expected a JSON string";
  std::string_view s(v.GetString(), v.GetStringLength());
  auto bad = [&](std::string_view what) {
    return "'" + std::string(s) + "' is not a valid " + std::string(what);
  };
  if (s.empty()) return "empty string (leave the element out instead)";
  if (type == "string" || type == "markdown") {
    return s.size() > 1024 * 1024 ? "longer than 1 MiB" : "";
  }
  if (type == "code") return code(s) ? "" : bad("code");
  if (type == "id") return id(s) ? "" : bad("id (1-64 of A-Z a-z 0-9 - .)");
  if (type == "uri" || type == "url" || type == "canonical")
    return noWhitespace(s) ? "" : bad(type);
  if (type == "oid") return oid(s) ? "" : bad("oid (urn:oid:...)");
  if (type == "uuid") return uuid(s) ? "" : bad("uuid (urn:uuid:<lower-case hex>)");
  if (type == "base64Binary") return base64(s) ? "" : bad("base64Binary");
  if (type == "date") return datePart(s, false) == s.size() ? "" : bad("date");
  if (type == "dateTime") return dateTime(s, false) ? "" : bad("dateTime");
  if (type == "instant") return dateTime(s, true) ? "" : bad("instant");
  if (type == "time") return timePart(s) == s.size() ? "" : bad("time");
  if (type == "xhtml") return s.substr(0, 4) == "<div" ? "" : "narrative must be an XHTML <div>";
  return "";
}

}  // namespace medbridge::mappings::fhir
