#include "adapters/fhir_rest/FhirRestHandler.h"

#include <Poco/String.h>

#include "mappings/fhir/XmlFormat.h"

namespace medbridge::adapters::fhir_rest {
namespace {

constexpr const char* kJson = "application/fhir+json; charset=utf-8";
constexpr const char* kXml = "application/fhir+xml; charset=utf-8";

bool mentionsXml(const std::string& s) {
  return s.find("xml") != std::string::npos;
}

// XML when _format or Accept asks for it before (or without) JSON.
bool wantsXml(const std::string& accept) {
  auto xml = accept.find("xml"), json = accept.find("json");
  return xml != std::string::npos && (json == std::string::npos || xml < json);
}

// The answer in the format asked for; a JSON body that cannot be turned into XML stays JSON. An
// answer naming its own Content-Type (an operation's CSV) goes as it is.
http::Response render(int status, std::string json,
                      std::vector<std::pair<std::string, std::string>> headers, bool xml) {
  for (auto h = headers.begin(); h != headers.end(); ++h)
    if (h->first == "Content-Type") {
      std::string type = h->second;
      headers.erase(h);
      return {status, type, std::move(json), std::move(headers)};
    }
  if (xml && !json.empty()) {
    rapidjson::Document d;
    if (!mappings::fhir::parseJson(json, d)) {
      try {
        return {status, kXml, mappings::fhir::toXml(d), std::move(headers)};
      } catch (const std::invalid_argument&) {
      }
    }
  }
  return {status, kJson, std::move(json), std::move(headers)};
}

http::Response outcome(int status, const std::string& code, const std::string& text, bool xml) {
  return render(status, fhir::operationOutcome({{"error", code, text, ""}}), {}, xml);
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
  bool xml = wantsXml(format.empty() ? request.header("accept") : format);
  // _format=csv asks an operation that offers CSV for it, as Accept: text/csv does.
  if (format == "csv" || format == "text/csv") r.headers["accept"] = "text/csv";
  if (request.bodyTooLarge)
    return outcome(413, "too-costly", "the request body is larger than http.maxRequestBytes", xml);
  const std::string& contentType = request.header("content-type");
  bool form = contentType.find("application/x-www-form-urlencoded") != std::string::npos;
  if (!request.body.empty() && !form && mentionsXml(contentType)) {
    rapidjson::Document d;
    if (auto e = mappings::fhir::fromXml(request.body, d))
      return outcome(400, "structure", "malformed FHIR XML at " + e->describe(), xml);
    r.body = mappings::fhir::toJson(d);
  } else {
    r.body = request.body;
  }
  std::string rest = request.path.substr(mount_.size());
  if (verifier_ && rest != "/metadata") {
    const std::string& authorization = request.header("authorization");
    try {
      if (authorization.size() < 8 || Poco::icompare(authorization.substr(0, 7), "Bearer ") != 0)
        throw auth::AuthError("a bearer token is required (Authorization: Bearer ...)");
      r.principal = verifier_->verify(authorization.substr(7));
    } catch (const auth::AuthError& e) {
      auto out = outcome(401, "login", e.what(), xml);
      out.headers.emplace_back("WWW-Authenticate",
                               "Bearer realm=\"medbridge\", error=\"invalid_token\"");
      return out;
    }
  }
  r.setPath(rest);
  fhir::FhirResponse answer = server_.handle(r);
  return render(answer.status, std::move(answer.body), std::move(answer.headers), xml);
}

}  // namespace medbridge::adapters::fhir_rest
