#include "mappings/fhir/SearchValues.h"

#include <cmath>
#include <cstdlib>

#include "mappings/fhir/Digits.h"

namespace medbridge::mappings::fhir {
namespace {

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
std::int64_t daysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

constexpr std::int64_t kDay = 86400000;

int daysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// Decodes one UTF-8 code point at s[i]; advances i. Invalid bytes come back as themselves.
char32_t next(std::string_view s, std::size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int extra = c < 0x80             ? 0
              : (c & 0xE0) == 0xC0 ? 1
              : (c & 0xF0) == 0xE0 ? 2
              : (c & 0xF8) == 0xF0 ? 3
                                   : -1;
  if (extra <= 0 || i + extra >= s.size()) {
    ++i;
    return c;
  }
  char32_t cp = c & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += extra + 1;
  return cp;
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Base letters of U+00C0..U+017F (Latin-1 Supplement letters and Latin Extended-A), lower case;
// '\0' where there is none.
constexpr const char* kLatinBase =
    "aaaaaaaceeeeiiii"
    "dnooooo\0ouuuuyts"  // C0-DF
    "aaaaaaaceeeeiiii"
    "dnooooo\0ouuuuyty"  // E0-FF
    "aaaaaaccccccccdd"
    "ddeeeeeeeeeegggg"  // 100-11F
    "gggghhhhiiiiiiii"
    "iiiijjkkklllllll"  // 120-13F
    "lllnnnnnnnnnoooo"
    "oooorrrrrrssssss"  // 140-15F
    "ssttttttuuuuuuuu"
    "uuuuwwyyyzzzzzzs";  // 160-17F

}  // namespace

std::optional<DateRange> dateRange(std::string_view s) {
  if (!digitsAt(s, 0, 4)) return std::nullopt;
  int y = numberAt(s, 0, 4), m = 1, d = 1;
  if (s.size() == 4)
    return DateRange{daysFromCivil(y, 1, 1) * kDay, daysFromCivil(y + 1, 1, 1) * kDay - 1};
  if (s[4] != '-' || !digitsAt(s, 5, 2) || (m = numberAt(s, 5, 2)) < 1 || m > 12)
    return std::nullopt;
  if (s.size() == 7) {
    std::int64_t start = daysFromCivil(y, m, 1) * kDay;
    return DateRange{start, start + daysInMonth(y, m) * kDay - 1};
  }
  if (s[7] != '-' || !digitsAt(s, 8, 2) || (d = numberAt(s, 8, 2)) < 1 || d > daysInMonth(y, m))
    return std::nullopt;
  std::int64_t day = daysFromCivil(y, m, d) * kDay;
  if (s.size() == 10) return DateRange{day, day + kDay - 1};
  if (s[10] != 'T' || !digitsAt(s, 11, 2) || s.size() < 16 || s[13] != ':' || !digitsAt(s, 14, 2))
    return std::nullopt;
  std::int64_t at = day + (numberAt(s, 11, 2) * 3600LL + numberAt(s, 14, 2) * 60LL) * 1000;
  std::int64_t span = 60000;
  std::size_t i = 16;
  if (i < s.size() && s[i] == ':') {
    if (!digitsAt(s, i + 1, 2)) return std::nullopt;
    at += numberAt(s, i + 1, 2) * 1000LL;
    span = 1000;
    i += 3;
    if (i < s.size() && s[i] == '.') {
      std::size_t start = ++i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      if (i == start) return std::nullopt;
      std::string frac(s.substr(start, std::min<std::size_t>(i - start, 3)));
      while (frac.size() < 3) frac += '0';
      at += std::atoi(frac.c_str());
      span = 1;
    }
  }
  std::string_view zone = s.substr(i);
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digitsAt(zone, 1, 2) &&
      zone[3] == ':' && digitsAt(zone, 4, 2)) {
    std::int64_t offset = (numberAt(zone, 1, 2) * 3600LL + numberAt(zone, 4, 2) * 60LL) * 1000;
    at += zone[0] == '+' ? -offset : offset;
  } else if (!zone.empty() && zone != "Z") {
    return std::nullopt;
  }
  return DateRange{at, at + span - 1};
}

std::optional<NumberRange> numberRange(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string text(s);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  // Precision: digits after the point (an exponent shifts it).
  int decimals = 0;
  auto e = text.find_first_of("eE");
  std::string mantissa = text.substr(0, e);
  auto dot = mantissa.find('.');
  if (dot != std::string::npos) decimals = static_cast<int>(mantissa.size() - dot - 1);
  if (e != std::string::npos) decimals -= std::atoi(text.c_str() + e + 1);
  double half = 0.5 * std::pow(10.0, -decimals);
  return NumberRange{v, v - half, v + half};
}

std::string searchText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = next(s, i);
    if (cp >= 'A' && cp <= 'Z') {
      cp += 'a' - 'A';
    } else if (cp >= 0xFF01 && cp <= 0xFF5E) {  // full-width ASCII
      cp -= 0xFF01 - 0x21;
      if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    } else if (cp == 0x3000) {  // ideographic space
      cp = ' ';
    } else if (cp >= 0xC0 && cp <= 0x17F && kLatinBase[cp - 0xC0] != '\0') {
      cp = static_cast<unsigned char>(kLatinBase[cp - 0xC0]);
    }
    append(out, cp);
  }
  return out;
}

}  // namespace medbridge::mappings::fhir
