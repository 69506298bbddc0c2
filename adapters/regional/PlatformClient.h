#pragma once

// HTTP exchanges with the regional platform's FHIR API (issue 6): a transaction Bundle POSTed to
// a base URL, a search read from it, each answer classified for the sender. Poco stays inside this
// folder.
#include <cstdint>
#include <memory>
#include <string>

namespace medbridge::adapters::regional {

struct PlatformAnswer {
  // Delivered: 2xx. Retry: no answer (connection or TLS error, timeout), 401 (our credentials;
  // the data are not at fault), 408, 429 or 5xx — try again later. Rejected: any other status —
  // the data are wrong; retrying would not help.
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

// The entry of a transaction Bundle the platform's OperationOutcome blames (an issue expression
// or location "Bundle.entry[N]…"), or -1 when it names none.
int refusedEntry(const std::string& operationOutcome);

// TLS settings for https URLs: the server certificate is always verified.
struct TlsSettings {
  std::string caFile;          // PEM bundle ("" = the system's CAs)
  std::string clientCertFile;  // PEM client certificate for mutual TLS ("" = none)
  std::string clientKeyFile;
};

// Where the bearer token comes from (see TokenSource.h); null = none sent.
class TokenSource;

struct PlatformEndpoint {
  std::string baseUrl;  // http:// or https://, e.g. https://platform.example/fhir
  TlsSettings tls;
  std::shared_ptr<TokenSource> tokens;
  int timeoutSeconds = 30;
};

// One HTTP exchange; status 0 and `problem` when there was no answer.
struct HttpResult {
  int status = 0;
  std::string body, retryAfter, problem;
};
HttpResult httpExchange(const std::string& method, const std::string& url,
                        const std::string& contentType, const std::string& body,
                        const std::string& authorization, const TlsSettings& tls,
                        int timeoutSeconds, const std::string& ifMatch = "");

class PlatformClient {
 public:
  explicit PlatformClient(PlatformEndpoint endpoint) : endpoint_(std::move(endpoint)) {}
  // POST to the base URL. With a token source, a 401 gets one more try with a fresh token.
  PlatformAnswer postTransaction(const std::string& bundleJson, std::int64_t nowMs) const;
  // GET base URL + relative (e.g. "Task?owner=…"; an absolute URL as it is — a next link),
  // same classification.
  PlatformAnswer get(const std::string& relative, std::int64_t nowMs) const;
  // PUT or POST a resource to base URL + relative ("Task/1"), with If-Match when given.
  PlatformAnswer send(const std::string& method, const std::string& relative,
                      const std::string& body, const std::string& ifMatch,
                      std::int64_t nowMs) const;
  const std::string& baseUrl() const { return endpoint_.baseUrl; }

 private:
  PlatformAnswer exchange(const std::string& method, const std::string& url,
                          const std::string& body, std::int64_t nowMs,
                          const std::string& ifMatch = "") const;
  PlatformEndpoint endpoint_;
};

}  // namespace medbridge::adapters::regional
