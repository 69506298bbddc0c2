#include "adapters/regional/PlatformClient.h"

#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <memory>
#include <sstream>

namespace medbridge::adapters::regional {

PlatformAnswer::Kind classify(int status) {
  if (status >= 200 && status < 300) return PlatformAnswer::Kind::Delivered;
  if (status == 0 || status == 408 || status == 429 || status >= 500)
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

PlatformAnswer PlatformClient::postTransaction(const std::string& bundleJson,
                                               std::int64_t nowMs) const {
  PlatformAnswer answer;
  try {
    Poco::URI uri(endpoint_.baseUrl);
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri.getScheme() == "https") {
      auto context = Poco::Net::Context::Ptr(
          new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", endpoint_.caFile,
                                 Poco::Net::Context::VERIFY_RELAXED, 9, endpoint_.caFile.empty()));
      session =
          std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), context);
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    }
    session->setTimeout(Poco::Timespan(endpoint_.timeoutSeconds, 0));
    std::string path = uri.getPathEtc().empty() ? "/" : uri.getPathEtc();
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/fhir+json");
    request.set("Accept", "application/fhir+json");
    if (!endpoint_.bearerToken.empty())
      request.set("Authorization", "Bearer " + endpoint_.bearerToken);
    request.setContentLength(static_cast<std::streamsize>(bundleJson.size()));
    session->sendRequest(request) << bundleJson;
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    std::ostringstream body;
    Poco::StreamCopier::copyStream(in, body);
    answer.status = static_cast<int>(response.getStatus());
    answer.body = body.str();
    answer.retryAfterSeconds = retryAfterSeconds(response.get("Retry-After", ""), nowMs);
  } catch (const Poco::Exception& e) {
    answer.status = 0;
    answer.problem = e.displayText();
  } catch (const std::exception& e) {
    answer.status = 0;
    answer.problem = e.what();
  }
  answer.kind = classify(answer.status);
  return answer;
}

}  // namespace medbridge::adapters::regional
