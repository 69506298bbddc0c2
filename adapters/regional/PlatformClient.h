#pragma once

// One HTTP exchange with the regional platform's FHIR API (issue 6): a transaction Bundle POSTed
// to a base URL, the answer classified for the sender. Poco stays inside this folder.
#include <cstdint>
#include <string>

namespace medbridge::adapters::regional {

struct PlatformAnswer {
  // Delivered: 2xx. Retry: no answer (connection error, timeout), 408, 429 or 5xx — try again
  // later. Rejected: any other status — the data are wrong; retrying would not help.
  enum class Kind { Delivered, Retry, Rejected };
  Kind kind = Kind::Retry;
  int status = 0;              // the HTTP status; 0 when there was no answer
  std::string body;            // the platform's answer (an OperationOutcome on errors)
  int retryAfterSeconds = -1;  // Retry-After, in seconds from now; -1 when not given
  std::string problem;         // why there was no answer
};

PlatformAnswer::Kind classify(int status);
// Retry-After as seconds from nowMs: delta-seconds or an HTTP date; -1 when unreadable.
int retryAfterSeconds(const std::string& header, std::int64_t nowMs);

struct PlatformEndpoint {
  std::string baseUrl;      // http:// or https://, e.g. https://platform.example/fhir
  std::string bearerToken;  // "" = none
  std::string caFile;       // https: PEM bundle the server certificate is verified against
                            // ("" = the system's); verification is always on
  int timeoutSeconds = 30;
};

class PlatformClient {
 public:
  explicit PlatformClient(PlatformEndpoint endpoint) : endpoint_(std::move(endpoint)) {}
  PlatformAnswer postTransaction(const std::string& bundleJson, std::int64_t nowMs) const;

 private:
  PlatformEndpoint endpoint_;
};

}  // namespace medbridge::adapters::regional
