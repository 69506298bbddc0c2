#include "gateway/core/Time.h"

#include <cstdio>
#include <ctime>

namespace medbridge::core {

std::string chinaDate(std::int64_t millis) {
  return instantOf(millis + 8 * 3600 * 1000).substr(0, 10);
}

std::string instantOf(std::int64_t millis) {
  std::time_t t = millis / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(millis % 1000));
  return out;
}

std::string hl7TimestampOf(std::int64_t millis) {
  std::time_t t = millis / 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S%z", &tm);
  return buf;
}

}  // namespace medbridge::core
