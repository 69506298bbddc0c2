#include "adapters/dicomweb/StowClient.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <rapidjson/document.h>

#include <fstream>
#include <sstream>

namespace medbridge::adapters::dicomweb {
namespace {

const std::string kBoundary = "medbridge-stow-7d1f0c2a";

std::string readAll(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The SOP Instance UIDs of the Failed SOP Sequence of a STOW-RS answer.
std::vector<std::string> failedSops(const std::string& body) {
  std::vector<std::string> out;
  rapidjson::Document d;
  d.Parse(body.c_str());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("00081198")) return out;
  const auto& seq = d["00081198"];
  if (!seq.IsObject() || !seq.HasMember("Value") || !seq["Value"].IsArray()) return out;
  for (const auto& item : seq["Value"].GetArray())
    if (item.IsObject() && item.HasMember("00081155") && item["00081155"].HasMember("Value") &&
        item["00081155"]["Value"].IsArray() && !item["00081155"]["Value"].Empty() &&
        item["00081155"]["Value"][0].IsString())
      out.push_back(item["00081155"]["Value"][0].GetString());
  return out;
}

}  // namespace

StowOutcome stowInstances(const std::string& baseUrl, const std::vector<std::string>& files,
                          int timeoutSeconds) {
  StowOutcome out;
  std::string body;
  for (const auto& file : files) {
    std::string bytes = readAll(file);
    if (bytes.empty()) {
      out.problem = "the stored instance file " + file + " cannot be read";
      return out;
    }
    body += "--" + kBoundary + "\r\nContent-Type: application/dicom\r\n\r\n" + bytes + "\r\n";
  }
  body += "--" + kBoundary + "--\r\n";
  try {
    Poco::URI uri(baseUrl);
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    session.setTimeout(Poco::Timespan(timeoutSeconds, 0));
    std::string path = uri.getPathEtc();
    if (path.empty() || path.back() != '/') path += "/";
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path + "studies",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("multipart/related; type=\"application/dicom\"; boundary=" + kBoundary);
    request.set("Accept", "application/dicom+json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::string answer;
    Poco::StreamCopier::copyToString(in, answer);
    out.status = static_cast<int>(response.getStatus());
    out.failedSops = failedSops(answer);
    if (out.status >= 300) out.problem = "STOW-RS answered " + std::to_string(out.status);
  } catch (const Poco::Exception& e) {
    out.status = 0;
    out.problem = "STOW-RS to " + baseUrl + ": " + e.displayText();
  }
  return out;
}

}  // namespace medbridge::adapters::dicomweb
