#include "adapters/fhir_rest/FhirRestHandler.h"

#include <Poco/String.h>

namespace medbridge::adapters::fhir_rest {
namespace {

constexpr const char* kJson = "application/fhir+json; charset=utf-8";

http::Response outcome(int status, const std::string& code, const std::string& text) {
  return {status, kJson, fhir::operationOutcome({{"error", code, text, ""}}), {}};
}

bool mentionsXml(const std::string& s) {
  return s.find("xml") != std::string::npos;
}
bool mentionsJson(const std::string& s) {
  return s.find("json") != std::string::npos || s.find("*/*") != std::string::npos;
}

}  // namespace

http::Response FhirRestHandler::operator()(const http::Request& request) const {
  fhir::FhirRequest r;
  r.method = request.method == "HEAD" ? "GET" : request.method;
  r.headers = request.headers;
  r.base = "http://" + (request.host.empty() ? std::string("localhost") : request.host) + mount_;
  std::string format;
  for (const auto& [k, v] : request.query) {
    if (k == "_format")
      format = v;
    else if (k != "_pretty")
      r.query.emplace_back(k, v);
  }
  std::string accept = format.empty() ? request.header("accept") : format;
  if (!accept.empty() && mentionsXml(accept) && !mentionsJson(accept))
    return outcome(406, "not-supported", "XML responses are not available yet; ask for JSON");
  if (request.bodyTooLarge)
    return outcome(413, "too-costly", "the request body is larger than http.maxRequestBytes");
  const std::string& contentType = request.header("content-type");
  bool form = contentType.find("application/x-www-form-urlencoded") != std::string::npos;
  if (!request.body.empty() && !form && mentionsXml(contentType))
    return outcome(415, "not-supported", "XML request bodies are not accepted yet; send JSON");
  r.body = request.body;
  std::string rest = request.path.substr(mount_.size());
  std::size_t at = 0;
  while (at < rest.size()) {
    auto slash = rest.find('/', at);
    if (slash == std::string::npos) slash = rest.size();
    if (slash > at) r.segments.push_back(rest.substr(at, slash - at));
    at = slash + 1;
  }
  fhir::FhirResponse answer = server_.handle(r);
  http::Response out{answer.status, kJson, std::move(answer.body), std::move(answer.headers)};
  return out;
}

}  // namespace medbridge::adapters::fhir_rest
