#include "adapters/dicomweb/DicomWebHandler.h"

#include <Poco/Logger.h>
#include <Poco/String.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "adapters/pacs_dicom/InstanceFiles.h"
#include "mappings/dicom/DicomJsonText.h"
#include "mappings/dicom/DicomQuery.h"

namespace medbridge::adapters::dicomweb {
namespace {

using mappings::dicom::DicomQuery;
using mappings::dicom::QueryKey;
using mappings::dicom::QueryLevel;

constexpr const char* kDicomJson = "application/dicom+json";

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.dicomweb");
}

http::Response text(int status, const std::string& message) {
  return {status, "text/plain; charset=utf-8", message + "\n", {}};
}

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream in(path);
  std::string part;
  while (std::getline(in, part, '/'))
    if (!part.empty()) out.push_back(part);
  return out;
}

// What QIDO-RS returns by default at each level (PS3.18 table 6.7.1-2, the attributes medbridge
// keeps).
const std::vector<std::string>& defaultKeys(QueryLevel level) {
  static const std::vector<std::string> study = {
      "00080020", "00080030", "00080050", "00080061", "00080090", "00081030", "00100010",
      "00100020", "00100030", "00100040", "0020000D", "00200010", "00201206", "00201208"};
  static const std::vector<std::string> series = {"00080060", "0008103E", "0020000E", "00200011",
                                                  "00201209", "00080021", "00080031"};
  static const std::vector<std::string> instance = {"00080016", "00080018", "00200013", "00280008",
                                                    "00280010", "00280011", "00280100"};
  switch (level) {
    case QueryLevel::Study:
      return study;
    case QueryLevel::Series:
      return series;
    default:
      return instance;
  }
}

std::string vrOf(const std::string& tag) {
  auto info = pacs_dicom::dictionaryAttribute(tag);
  return info ? info->vr : "UN";
}

void addValue(rapidjson::Document& d, const char* tag, const char* vr, const std::string& value) {
  auto& a = d.GetAllocator();
  rapidjson::Value attr(rapidjson::kObjectType);
  attr.AddMember("vr", rapidjson::Value(vr, a), a);
  rapidjson::Value values(rapidjson::kArrayType);
  values.PushBack(rapidjson::Value(value.c_str(), a), a);
  attr.AddMember("Value", values, a);
  d.RemoveMember(tag);
  d.AddMember(rapidjson::Value(tag, a), attr, a);
}

std::string firstValue(const rapidjson::Value& header, const char* tag) {
  auto attr = header.FindMember(tag);
  if (attr == header.MemberEnd() || !attr->value.IsObject()) return "";
  auto v = attr->value.FindMember("Value");
  if (v == attr->value.MemberEnd() || !v->value.IsArray() || v->value.Empty() ||
      !v->value[0].IsString())
    return "";
  return v->value[0].GetString();
}

std::string boundaryOf(const std::string& contentType) {
  std::string lower = Poco::toLower(contentType);
  std::size_t at = lower.find("boundary=");
  if (at == std::string::npos) return "";
  std::string b = contentType.substr(at + 9);
  if (!b.empty() && b[0] == '"') {
    b = b.substr(1);
    return b.substr(0, b.find('"'));
  }
  return b.substr(0, b.find(';'));
}

// The parts of a multipart body (their content, headers dropped).
std::vector<std::string> multipartParts(const std::string& body, const std::string& boundary) {
  std::vector<std::string> parts;
  std::string delimiter = "--" + boundary;
  std::size_t at = body.find(delimiter);
  while (at != std::string::npos) {
    std::size_t start = at + delimiter.size();
    if (body.compare(start, 2, "--") == 0) break;  // the closing delimiter
    std::size_t headersEnd = body.find("\r\n\r\n", start);
    if (headersEnd == std::string::npos) break;
    std::size_t next = body.find("\r\n" + delimiter, headersEnd + 4);
    if (next == std::string::npos) break;
    parts.push_back(body.substr(headersEnd + 4, next - headersEnd - 4));
    at = next + 2;
  }
  return parts;
}

std::string randomBoundary() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  char buf[40];
  std::snprintf(buf, sizeof buf, "medbridge-%016llx", static_cast<unsigned long long>(random()));
  return buf;
}

std::string readWhole(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

std::string DicomWebHandler::base(const http::Request& r) const {
  return "http://" + (r.host.empty() ? std::string("localhost") : r.host) + mount_;
}

http::Response DicomWebHandler::operator()(const http::Request& request) const {
  bool write = request.method == "POST";
  if (verifier_) {
    const std::string& authorization = request.header("authorization");
    try {
      if (authorization.size() < 8 || Poco::icompare(authorization.substr(0, 7), "Bearer ") != 0)
        throw auth::AuthError("a bearer token is required (Authorization: Bearer ...)");
      auto principal = verifier_->verify(authorization.substr(7));
      if (!principal.permits("ImagingStudy", write))
        return text(403, std::string("the token's scopes do not allow ") +
                             (write ? "storing" : "reading") + " images (ImagingStudy)");
    } catch (const auth::AuthError& e) {
      auto out = text(401, e.what());
      out.headers.emplace_back("WWW-Authenticate",
                               "Bearer realm=\"medbridge\", error=\"invalid_token\"");
      return out;
    }
  }
  auto path = split(request.path.substr(mount_.size()));
  try {
    if (request.method == "POST") {
      if (path.empty() || path[0] != "studies" || path.size() > 2)
        return text(404, "STOW-RS takes POST " + mount_ + "/studies[/{StudyInstanceUID}]");
      return store(request, path);
    }
    if (request.method != "GET") return text(405, request.method + " is not supported here");
    if (path.empty()) return text(404, "no such DICOMweb resource");
    const std::string& last = path.back();
    if (last == "studies" || last == "series" || last == "instances") return search(request, path);
    return retrieve(request, path);
  } catch (const std::invalid_argument& e) {
    return text(400, e.what());
  }
}

http::Response DicomWebHandler::search(const http::Request& r,
                                       const std::vector<std::string>& path) const {
  DicomQuery query;
  const std::string& last = path.back();
  query.level = last == "studies"  ? QueryLevel::Study
                : last == "series" ? QueryLevel::Series
                                   : QueryLevel::Image;
  // The path's UIDs: /studies/{s}/series, /studies/{s}/instances, /studies/{s}/series/{se}/...
  bool validPath =
      path.size() == 1 || (path.size() == 3 && path[0] == "studies") ||
      (path.size() == 5 && path[0] == "studies" && path[2] == "series" && last == "instances");
  if (!validPath || (path.size() == 3 && last == "studies"))
    return text(404, "no such QIDO-RS resource");
  if (path.size() >= 3) query.keys.push_back({"0020000D", "UI", path[1]});
  if (path.size() == 5) query.keys.push_back({"0020000E", "UI", path[3]});
  std::size_t limit = 0, offset = 0;
  bool all = false;
  std::vector<std::string> include;
  for (const auto& [name, value] : r.query) {
    if (name == "limit" || name == "offset") {
      try {
        (name == "limit" ? limit : offset) = std::stoul(value);
      } catch (const std::exception&) {
        throw std::invalid_argument(name + " must be a number");
      }
    } else if (name == "fuzzymatching") {
      continue;  // not offered: exact matching rules apply
    } else if (name == "includefield") {
      std::stringstream fields(value);
      std::string field;
      while (std::getline(fields, field, ',')) {
        if (field == "all") {
          all = true;
          continue;
        }
        auto info = pacs_dicom::dictionaryAttribute(field);
        if (!info) throw std::invalid_argument("includefield: unknown attribute '" + field + "'");
        include.push_back(info->tag);
      }
    } else {
      auto info = pacs_dicom::dictionaryAttribute(name);
      if (!info) throw std::invalid_argument("unknown attribute '" + name + "'");
      query.keys.push_back({info->tag, info->vr, value});
    }
  }
  for (const auto& tag : defaultKeys(query.level)) query.keys.push_back({tag, vrOf(tag), ""});
  if (query.level != QueryLevel::Study) query.keys.push_back({"0020000D", "UI", ""});
  if (query.level == QueryLevel::Image) query.keys.push_back({"0020000E", "UI", ""});
  for (const auto& tag : include) query.keys.push_back({tag, vrOf(tag), ""});
  // The same attribute twice (a default and a matching key): the matching one stays.
  std::vector<QueryKey> keys;
  for (const auto& k : query.keys) {
    auto same = std::find_if(keys.begin(), keys.end(), [&](auto& o) { return o.tag == k.tag; });
    if (same == keys.end())
      keys.push_back(k);
    else if (same->value.empty())
      *same = k;
  }
  query.keys = keys;

  std::vector<rapidjson::Document> headers;
  for (const auto& instance : store_.dicomInstances(mappings::dicom::prefilter(query))) {
    auto& h = headers.emplace_back();
    h.Parse<rapidjson::kParseNumbersAsStringsFlag>(instance.header.c_str());
    if (h.HasParseError() || !h.IsObject()) h.SetObject();
  }
  auto matches = mappings::dicom::findMatches(query, headers);
  std::string out = "[";
  std::size_t end = limit ? std::min(matches.size(), offset + limit) : matches.size();
  for (std::size_t i = offset; i < end; ++i) {
    rapidjson::Document answer;
    if (all) answer.CopyFrom(headers[matches[i].instances.front()], answer.GetAllocator());
    auto response = mappings::dicom::responseFor(query, matches[i], headers);
    if (!all)
      answer.Swap(response);
    else
      for (auto& m : response.GetObject())
        if (!answer.HasMember(m.name))
          answer.AddMember(rapidjson::Value(m.name, answer.GetAllocator()),
                           rapidjson::Value(m.value, answer.GetAllocator()), answer.GetAllocator());
    const auto& h = headers[matches[i].instances.front()];
    std::string url = base(r) + "/studies/" + firstValue(h, "0020000D");
    if (query.level != QueryLevel::Study) url += "/series/" + firstValue(h, "0020000E");
    if (query.level == QueryLevel::Image) url += "/instances/" + firstValue(h, "00080018");
    addValue(answer, "00081190", "UR", url);
    out += (i > offset ? "," : "") + mappings::dicom::dicomJsonText(answer);
  }
  out += "]";
  http::Response response{200, kDicomJson, out, {}};
  if (limit && matches.size() > end)
    response.headers.emplace_back("Warning", "299 medbridge: there are more results");
  return response;
}

http::Response DicomWebHandler::retrieve(const http::Request& r,
                                         const std::vector<std::string>& path) const {
  bool metadata = path.back() == "metadata";
  std::size_t n = path.size() - (metadata ? 1 : 0);
  bool shape = path[0] == "studies" && (n == 2 || (n == 4 && path[2] == "series") ||
                                        (n == 6 && path[2] == "series" && path[4] == "instances"));
  if (!shape) return text(404, "no such WADO-RS resource");
  mappings::dicom::InstanceFilter filter;
  if (n == 6)
    filter.sopInstanceUids = {path[5]};
  else if (n == 4)
    filter.seriesInstanceUids = {path[3]};
  else
    filter.studyInstanceUids = {path[1]};
  std::vector<mappings::dicom::DicomSummary> instances;
  for (auto& i : store_.dicomInstances(filter))
    if (i.studyInstanceUid == path[1] && (n < 4 || i.seriesInstanceUid == path[3]))
      instances.push_back(std::move(i));
  if (instances.empty()) return text(404, "no such study, series or instance here");
  if (metadata) {
    std::string out = "[";
    for (std::size_t i = 0; i < instances.size(); ++i) {
      rapidjson::Document h;
      h.Parse<rapidjson::kParseNumbersAsStringsFlag>(instances[i].header.c_str());
      if (!h.IsObject()) h.SetObject();
      out += (i ? "," : "") + mappings::dicom::dicomJsonText(h);
    }
    return {200, kDicomJson, out + "]", {}};
  }
  const std::string& accept = r.header("accept");
  if (!accept.empty() && accept.find("multipart/related") == std::string::npos &&
      accept.find("*/*") == std::string::npos &&
      accept.find("application/dicom") == std::string::npos)
    return text(406, "instances are served as multipart/related; type=\"application/dicom\"");
  std::string boundary = randomBoundary();
  std::string body;
  for (const auto& i : instances) {
    body += "--" + boundary +
            "\r\nContent-Type: application/dicom; transfer-syntax=" + i.transferSyntaxUid +
            "\r\n\r\n" + readWhole(i.file) + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return {200,
          "multipart/related; type=\"application/dicom\"; boundary=" + boundary,
          std::move(body),
          {}};
}

http::Response DicomWebHandler::store(const http::Request& r,
                                      const std::vector<std::string>& path) const {
  if (r.bodyTooLarge) return text(413, "the request is larger than http.maxRequestBytes");
  std::string contentType = r.header("content-type");
  std::string lower = Poco::toLower(contentType);
  if (lower.find("multipart/related") == std::string::npos ||
      lower.find("application/dicom") == std::string::npos)
    return text(415, "STOW-RS takes multipart/related; type=\"application/dicom\"");
  std::string boundary = boundaryOf(contentType);
  if (boundary.empty()) return text(400, "the multipart Content-Type has no boundary");
  auto parts = multipartParts(r.body, boundary);
  if (parts.empty()) return text(400, "the multipart body has no parts");

  rapidjson::Document answer(rapidjson::kObjectType);
  auto& a = answer.GetAllocator();
  rapidjson::Value stored(rapidjson::kArrayType), failed(rapidjson::kArrayType);
  auto uidAttr = [&](const std::string& value) {
    rapidjson::Value attr(rapidjson::kObjectType), values(rapidjson::kArrayType);
    attr.AddMember("vr", "UI", a);
    values.PushBack(rapidjson::Value(value.c_str(), a), a);
    attr.AddMember("Value", values, a);
    return attr;
  };
  for (const auto& part : parts) {
    pacs_dicom::StoredInstance s;
    std::string file;
    try {
      file = archive_.reserve();
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out.write(part.data(), static_cast<std::streamsize>(part.size()));
      out.close();
      if (!out) throw std::runtime_error("cannot write " + file);
    } catch (const std::exception& e) {
      log().error("STOW-RS: %s", std::string(e.what()));
      if (!file.empty()) archive_.release(file);
      file.clear();
    }
    // With a study in the URL, an instance of another study is refused.
    if (file.empty()) {
      s.status = 0xA700;
      s.problem = "the part cannot be written to disk";
    } else {
      s = pacs_dicom::storeInstanceFile(archive_, file, "STOW-RS", path.size() == 2 ? path[1] : "");
    }
    rapidjson::Value item(rapidjson::kObjectType);
    item.AddMember("00081150", uidAttr(s.sopClassUid), a);
    item.AddMember("00081155", uidAttr(s.sopInstanceUid), a);
    if (s.status == 0) {
      rapidjson::Value url(rapidjson::kObjectType), values(rapidjson::kArrayType);
      url.AddMember("vr", "UR", a);
      std::string u = base(r) + "/studies/" + s.studyInstanceUid + "/instances/" + s.sopInstanceUid;
      values.PushBack(rapidjson::Value(u.c_str(), a), a);
      url.AddMember("Value", values, a);
      item.AddMember("00081190", url, a);
      stored.PushBack(item, a);
    } else {
      log().warning("STOW-RS part refused: %s", s.problem);
      rapidjson::Value reason(rapidjson::kObjectType), values(rapidjson::kArrayType);
      reason.AddMember("vr", "US", a);
      values.PushBack(rapidjson::Value(std::to_string(s.status).c_str(), a), a);
      reason.AddMember("Value", values, a);
      item.AddMember("00081197", reason, a);
      failed.PushBack(item, a);
    }
  }
  int status = failed.Empty() ? 200 : stored.Empty() ? 409 : 202;
  auto sequence = [&](rapidjson::Value& items) {
    rapidjson::Value attr(rapidjson::kObjectType);
    attr.AddMember("vr", "SQ", a);
    if (!items.Empty()) attr.AddMember("Value", items, a);
    return attr;
  };
  if (!failed.Empty()) answer.AddMember("00081198", sequence(failed), a);
  if (!stored.Empty()) answer.AddMember("00081199", sequence(stored), a);
  return {status, kDicomJson, mappings::dicom::dicomJsonText(answer), {}};
}

}  // namespace medbridge::adapters::dicomweb
