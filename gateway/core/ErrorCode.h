#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace medbridge::core {

enum class ErrorKind { Data, Transient, Config, Internal };

enum class ErrorCode : int {
#define MB_ERROR(num, name, kind, http, ack, hl7, dimse, text) name = num,
#include "gateway/core/ErrorCodes.def"
#undef MB_ERROR
};

struct ErrorInfo {
  int number;
  std::string_view name;
  ErrorKind kind;
  int httpStatus;
  std::string_view ackCode;  // HL7 MSA-1 for the original mode
  int hl7Code;               // HL7 table 0357
  std::uint16_t dimseStatus;
  std::string_view text;
};

const ErrorInfo& errorInfo(ErrorCode code);
// "MB-2101"
std::string errorId(ErrorCode code);

// The one exception type; it never crosses an adapter boundary.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string detail);
  ErrorCode code() const { return code_; }
  const std::string& detail() const { return detail_; }

 private:
  ErrorCode code_;
  std::string detail_;
};

}  // namespace medbridge::core
