#include "gateway/core/ErrorCode.h"

#include <array>

namespace medbridge::core {
namespace {

constexpr ErrorInfo kErrors[] = {
#define MB_ERROR(num, name, kind, http, ack, hl7, dimse, text) \
  {num, #name, ErrorKind::kind, http, ack, hl7, dimse, text},
#include "gateway/core/ErrorCodes.def"
#undef MB_ERROR
};

}  // namespace

const ErrorInfo& errorInfo(ErrorCode code) {
  for (const auto& e : kErrors)
    if (e.number == static_cast<int>(code)) return e;
  return kErrors[std::size(kErrors) - 1];
}

std::string errorId(ErrorCode code) {
  return "MB-" + std::to_string(static_cast<int>(code));
}

Error::Error(ErrorCode code, std::string detail)
    : std::runtime_error(errorId(code) + " " + std::string(errorInfo(code).text) +
                         (detail.empty() ? "" : ": " + detail)),
      code_(code),
      detail_(std::move(detail)) {}

}  // namespace medbridge::core
