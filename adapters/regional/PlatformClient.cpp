#include "adapters/regional/PlatformClient.h"

#include "adapters/regional/TokenSource.h"

#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <memory>

#include <rapidjson/document.h>
#include <sstream>

namespace medbridge::adapters::regional {

PlatformAnswer::Kind classify(int status) {
  if (status >= 200 && status < 300) return PlatformAnswer::Kind::Delivered;
  if (status == 0 || status == 401 || status == 408 || status == 429 || status >= 500)
    return PlatformAnswer::Kind::Retry;
  return PlatformAnswer::Kind::Rejected;
}

int retryAfterSeconds(const std::string& header, std::int64_t nowMs) {
  if (header.empty()) return -1;
  if (header.find_first_not_of("0123456789") == std::string::npos) {
    if (header.size() > 9) return -1;
    return std::stoi(header);
  }
  try {
    int zone = 0;
    Poco::DateTime at = Poco::DateTimeParser::parse(header, zone);
    std::int64_t atMs = at.timestamp().epochMicroseconds() / 1000 - zone * 1000LL;
    return atMs <= nowMs ? 0 : static_cast<int>((atMs - nowMs + 999) / 1000);
  } catch (const Poco::Exception&) {
    return -1;
  }
}

int refusedEntry(const std::string& operationOutcome) {
  rapidjson::Document d;
  d.Parse(operationOutcome.c_str(), operationOutcome.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("issue") || !d["issue"].IsArray())
    return -1;
  const std::string prefix = "Bundle.entry[";
  for (const auto& issue : d["issue"].GetArray()) {
    if (!issue.IsObject()) continue;
    for (const char* member : {"expression", "location"}) {
      auto it = issue.FindMember(member);
      if (it == issue.MemberEnd() || !it->value.IsArray()) continue;
      for (const auto& e : it->value.GetArray()) {
        if (!e.IsString()) continue;
        std::string text = e.GetString();
        if (text.rfind(prefix, 0) != 0) continue;
        auto end = text.find(']', prefix.size());
        std::string digits = text.substr(prefix.size(), end - prefix.size());
        if (end == std::string::npos || digits.empty() || digits.size() > 6 ||
            digits.find_first_not_of("0123456789") != std::string::npos)
          continue;
        return std::stoi(digits);
      }
    }
  }
  return -1;
}

HttpResult httpExchange(const std::string& method, const std::string& url,
                        const std::string& contentType, const std::string& body,
                        const std::string& authorization, const TlsSettings& tls,
                        int timeoutSeconds, const std::string& ifMatch) {
  HttpResult result;
  try {
    Poco::URI uri(url);
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri.getScheme() == "https") {
      auto context = Poco::Net::Context::Ptr(new Poco::Net::Context(
          Poco::Net::Context::TLS_CLIENT_USE, tls.clientKeyFile, tls.clientCertFile, tls.caFile,
          Poco::Net::Context::VERIFY_RELAXED, 9, tls.caFile.empty()));
      session =
          std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), context);
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    }
    session->setTimeout(Poco::Timespan(timeoutSeconds, 0));
    std::string path = uri.getPathEtc().empty() ? "/" : uri.getPathEtc();
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!contentType.empty()) request.setContentType(contentType);
    request.set("Accept", "application/fhir+json, application/json");
    if (!authorization.empty()) request.set("Authorization", authorization);
    if (!ifMatch.empty()) request.set("If-Match", ifMatch);
    if (method != "GET") request.setContentLength(static_cast<std::streamsize>(body.size()));
    session->sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    std::ostringstream text;
    Poco::StreamCopier::copyStream(in, text);
    result.body = text.str();
    // An answer cut off on the way is no answer: what the platform did is not known.
    if (response.hasContentLength() &&
        result.body.size() != static_cast<std::size_t>(response.getContentLength64()))
      throw Poco::IOException("the answer was cut off after " + std::to_string(result.body.size()) +
                              " of " + std::to_string(response.getContentLength64()) + " bytes");
    result.status = static_cast<int>(response.getStatus());
    result.retryAfter = response.get("Retry-After", "");
  } catch (const Poco::Exception& e) {
    result.status = 0;
    result.problem = e.displayText();
    // A server that refuses a client certificate just closes or resets the connection (TLS 1.3
    // reports it after the handshake, on the first read).
    bool tlsOrReset = dynamic_cast<const Poco::Net::SSLException*>(&e) ||
                      dynamic_cast<const Poco::Net::ConnectionResetException*>(&e);
    if (tlsOrReset && !tls.clientCertFile.empty() && url.rfind("https://", 0) == 0)
      result.problem +=
          " (TLS with client certificate " + tls.clientCertFile + ": does the platform accept it?)";
  } catch (const std::exception& e) {
    result.status = 0;
    result.problem = e.what();
  }
  return result;
}

PlatformAnswer PlatformClient::postTransaction(const std::string& bundleJson,
                                               std::int64_t nowMs) const {
  return exchange("POST", endpoint_.baseUrl, bundleJson, nowMs);
}

PlatformAnswer PlatformClient::get(const std::string& relative, std::int64_t nowMs) const {
  bool absolute = relative.rfind("http://", 0) == 0 || relative.rfind("https://", 0) == 0;
  return exchange("GET", absolute ? relative : endpoint_.baseUrl + "/" + relative, "", nowMs);
}

PlatformAnswer PlatformClient::send(const std::string& method, const std::string& relative,
                                    const std::string& body, const std::string& ifMatch,
                                    std::int64_t nowMs) const {
  return exchange(method, endpoint_.baseUrl + "/" + relative, body, nowMs, ifMatch);
}

PlatformAnswer PlatformClient::exchange(const std::string& method, const std::string& url,
                                        const std::string& body, std::int64_t nowMs,
                                        const std::string& ifMatch) const {
  PlatformAnswer answer;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string authorization;
    if (endpoint_.tokens) {
      std::string token = endpoint_.tokens->token(nowMs, answer.problem);
      if (token.empty()) {  // no token: nothing can be sent, the change waits
        answer.status = 0;
        answer.kind = PlatformAnswer::Kind::Retry;
        return answer;
      }
      authorization = "Bearer " + token;
    }
    auto r = httpExchange(method, url, method == "GET" ? "" : "application/fhir+json", body,
                          authorization, endpoint_.tls, endpoint_.timeoutSeconds, ifMatch);
    answer.status = r.status;
    answer.body = std::move(r.body);
    answer.problem = std::move(r.problem);
    answer.retryAfterSeconds = retryAfterSeconds(r.retryAfter, nowMs);
    // A token the platform no longer takes (revoked, or expired early): once more with a new one.
    if (answer.status != 401 || !endpoint_.tokens || attempt == 1 || !endpoint_.tokens->renew())
      break;
  }
  if (answer.status == 401) answer.problem = "the platform refused our credentials (HTTP 401)";
  answer.kind = classify(answer.status);
  return answer;
}

}  // namespace medbridge::adapters::regional
