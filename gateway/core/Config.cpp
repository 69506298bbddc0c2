#include "gateway/core/Config.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <tuple>

#include "gateway/core/ErrorCode.h"

namespace medbridge::core {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Object;

[[noreturn]] void invalid(const std::string& key, const std::string& why) {
  throw Error(ErrorCode::ConfigInvalid, key + ": " + why);
}

int asInt(const std::string& key, const Var& v, int min, int max) {
  if (!v.isInteger()) invalid(key, "must be an integer");
  long long n = v.convert<long long>();
  if (n < min || n > max)
    invalid(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return static_cast<int>(n);
}

std::string asString(const std::string& key, const Var& v, bool allowEmpty = false) {
  if (!v.isString()) invalid(key, "must be a string");
  std::string s = v.convert<std::string>();
  if (s.empty() && !allowEmpty) invalid(key, "must not be empty");
  return s;
}

bool asBool(const std::string& key, const Var& v) {
  if (!v.isBoolean()) invalid(key, "must be true or false");
  return v.convert<bool>();
}

std::string oneOf(const std::string& key, const Var& v,
                  std::initializer_list<const char*> allowed) {
  std::string s = asString(key, v);
  std::string list;
  for (const char* a : allowed) {
    if (s == a) return s;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  invalid(key, "must be one of " + list);
}

// A comma-separated list ("" = empty).
std::vector<std::string> asList(const std::string& key, const Var& v) {
  std::string list = asString(key, v, /*allowEmpty=*/true);
  std::vector<std::string> out;
  std::size_t at = 0;
  while (!list.empty() && at <= list.size()) {
    auto comma = list.find(',', at);
    if (comma == std::string::npos) comma = list.size();
    std::string item = list.substr(at, comma - at);
    if (!item.empty()) out.push_back(item);
    at = comma + 1;
  }
  return out;
}

using Setter = std::function<void(GatewayConfig&, const std::string&, const Var&)>;

// dicom.peers.<AE title>.host|port|retrieve; false when `key` is not a peer key.
bool setPeer(GatewayConfig& c, const std::string& key, const Var& v) {
  const std::string prefix = "dicom.peers.";
  if (key.rfind(prefix, 0) != 0) return false;
  std::size_t dot = key.rfind('.');
  std::string aet = key.substr(prefix.size(), dot - prefix.size());
  std::string field = key.substr(dot + 1);
  if (dot < prefix.size() || aet.empty() || aet.size() > 16)
    invalid(key,
            "peers are dicom.peers.<AE title of 1 to 16 "
            "characters>.host|port|retrieve|patientIdSystem|forwardUnresolved|stowUrl");
  DicomPeer& peer = c.dicom.peers[aet];
  if (field == "host")
    peer.host = asString(key, v);
  else if (field == "port")
    peer.port = asInt(key, v, 1, 65535);
  else if (field == "retrieve")
    peer.retrieve = oneOf(key, v, {"move", "get"});
  else if (field == "patientIdSystem")
    peer.patientIdSystem = asString(key, v);
  else if (field == "forwardUnresolved")
    peer.forwardUnresolved = asBool(key, v);
  else if (field == "stowUrl") {
    peer.stowUrl = asString(key, v);
    if (peer.stowUrl.rfind("http://", 0) != 0)
      invalid(key, "'" + peer.stowUrl + "' is not an http:// DICOMweb base URL");
  } else
    throw Error(ErrorCode::ConfigUnknownKey, key);
  return true;
}

// A comma-separated list of at most two http(s) base URLs (primary, secondary).
std::vector<std::string> asBaseUrls(const std::string& key, const Var& v) {
  auto urls = asList(key, v);
  if (urls.size() > 2) invalid(key, "at most two base URLs (primary, secondary)");
  for (const auto& url : urls)
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
      invalid(key, "'" + url + "' is not an http:// or https:// base URL");
  return urls;
}

// platform.hospitals.<Organization id>.urls; false when `key` is not such a key.
bool setHospital(GatewayConfig& c, const std::string& key, const Var& v) {
  const std::string prefix = "platform.hospitals.";
  if (key.rfind(prefix, 0) != 0) return false;
  std::size_t dot = key.rfind('.');
  std::string org = dot > prefix.size() ? key.substr(prefix.size(), dot - prefix.size()) : "";
  if (org.empty() || key.substr(dot + 1) != "urls")
    invalid(key, "hospitals are platform.hospitals.<Organization id>.urls");
  c.platform.hospitals[org] = asBaseUrls(key, v);
  if (c.platform.hospitals[org].empty()) invalid(key, "needs a base URL");
  return true;
}

// workflow.signingKeys.<PractitionerRole id> / workflow.expertKeys.<PractitionerRole id>: PEM
// files; workflow.package.imageDestinations.<Organization id>: a DICOM peer. False when `key` is
// not such a key.
bool setWorkflowMap(GatewayConfig& c, const std::string& key, const Var& v) {
  for (auto [prefix, map, what] : {std::tuple{std::string("workflow.signingKeys."),
                                              &c.workflow.signingKeys, "PractitionerRole id"},
                                   std::tuple{std::string("workflow.expertKeys."),
                                              &c.workflow.expertKeys, "PractitionerRole id"},
                                   std::tuple{std::string("workflow.package.imageDestinations."),
                                              &c.workflow.imageDestinations, "Organization id"}}) {
    if (key.rfind(prefix, 0) != 0) continue;
    std::string name = key.substr(prefix.size());
    if (name.empty() || name.find('.') != std::string::npos)
      invalid(key, "keys are " + prefix + "<" + what + ">");
    (*map)[name] = asString(key, v);
    return true;
  }
  return false;
}

// referral.recognisedLevels.<hospital level>: the levels whose results it recognises.
bool setRecognisedLevels(GatewayConfig& c, const std::string& key, const Var& v) {
  const std::string prefix = "referral.recognisedLevels.";
  if (key.rfind(prefix, 0) != 0) return false;
  std::string level = key.substr(prefix.size());
  if (level.empty() || level.find('.') != std::string::npos)
    invalid(key, "keys are " + prefix + "<hospital-level code>");
  c.referral.recognisedLevels[level] = asList(key, v);
  return true;
}

void checkCrossKeys(const GatewayConfig& c) {
  for (const auto& [aet, peer] : c.dicom.peers)
    if (peer.host.empty() && peer.stowUrl.empty())
      invalid("dicom.peers." + aet + ".host", "required");
  auto known = [&](const std::string& key, const std::string& aet) {
    if (!c.dicom.peers.count(aet)) invalid(key, "'" + aet + "' is not in dicom.peers");
  };
  if (!c.his.host.empty() && (c.his.port == 0 || c.his.organization.empty()))
    invalid("his.host", "an HIS to send reports to needs his.port and his.organization");
  if (!c.workflow.packagePacs.empty()) known("workflow.package.pacs", c.workflow.packagePacs);
  if (!c.his.reportPacs.empty()) known("his.reportPacs", c.his.reportPacs);
  for (const auto& [org, aet] : c.workflow.imageDestinations)
    known("workflow.package.imageDestinations." + org, aet);
}

// Every key the gateway understands; anything else in the file is an error.
const std::map<std::string, Setter>& schema() {
  static const std::map<std::string, Setter> kSchema = {
      {"profile",
       [](auto& c, auto& k, auto& v) {
         c.profile = oneOf(k, v, {"hospital", "platform"});
       }},
      {"dataDir", [](auto& c, auto& k, auto& v) { c.dataDir = asString(k, v); }},
      {"log.level",
       [](auto& c, auto& k, auto& v) {
         c.logLevel = oneOf(
             k, v,
             {"fatal", "critical", "error", "warning", "notice", "information", "debug", "trace"});
       }},
      {"workflow.timeZone", [](auto& c, auto& k, auto& v) { c.timeZone = asString(k, v); }},
      {"store.url",
       [](auto& c, auto& k, auto& v) {
         c.store.url = asString(k, v);
         if (c.store.url.rfind("sqlite:", 0) != 0) invalid(k, "only sqlite:PATH is supported");
       }},
      {"store.maxBatch",
       [](auto& c, auto& k, auto& v) { c.store.maxBatch = asInt(k, v, 1, 10000); }},
      {"http.host", [](auto& c, auto& k, auto& v) { c.http.host = asString(k, v); }},
      {"http.port", [](auto& c, auto& k, auto& v) { c.http.port = asInt(k, v, 0, 65535); }},
      {"http.maxRequestBytes",
       [](auto& c, auto& k, auto& v) {
         c.http.maxRequestBytes = static_cast<std::size_t>(asInt(k, v, 1024, 1 << 30));
       }},
      {"http.threads", [](auto& c, auto& k, auto& v) { c.http.threads = asInt(k, v, 1, 256); }},
      {"dicom.host", [](auto& c, auto& k, auto& v) { c.dicom.host = asString(k, v); }},
      {"dicom.port", [](auto& c, auto& k, auto& v) { c.dicom.port = asInt(k, v, 0, 65535); }},
      {"dicom.aet",
       [](auto& c, auto& k, auto& v) {
         c.dicom.aet = asString(k, v);
         if (c.dicom.aet.empty() || c.dicom.aet.size() > 16) invalid(k, "1 to 16 characters");
       }},
      {"dicom.maxAssociations",
       [](auto& c, auto& k, auto& v) { c.dicom.maxAssociations = asInt(k, v, 1, 256); }},
      {"dicom.stableSeconds",
       [](auto& c, auto& k, auto& v) { c.dicom.stableSeconds = asInt(k, v, 1, 86400); }},
      {"dicom.knownPeersOnly",
       [](auto& c, auto& k, auto& v) { c.dicom.knownPeersOnly = asBool(k, v); }},
      {"his.host", [](auto& c, auto& k, auto& v) { c.his.host = asString(k, v, true); }},
      {"his.port", [](auto& c, auto& k, auto& v) { c.his.port = asInt(k, v, 0, 65535); }},
      {"his.organization",
       [](auto& c, auto& k, auto& v) { c.his.organization = asString(k, v, true); }},
      {"his.reportMessage",
       [](auto& c, auto& k, auto& v) { c.his.reportMessage = oneOf(k, v, {"MDM^T02", "ORU^R01"}); }},
      {"his.statusMessages",
       [](auto& c, auto& k, auto& v) { c.his.statusMessages = asBool(k, v); }},
      {"his.preAdmitReferrals",
       [](auto& c, auto& k, auto& v) { c.his.preAdmitReferrals = asBool(k, v); }},
      {"his.reportPacs",
       [](auto& c, auto& k, auto& v) { c.his.reportPacs = asString(k, v, true); }},
      {"his.receivingApplication",
       [](auto& c, auto& k, auto& v) { c.his.receivingApplication = asString(k, v, true); }},
      {"his.receivingFacility",
       [](auto& c, auto& k, auto& v) { c.his.receivingFacility = asString(k, v, true); }},
      {"his.timeoutSeconds",
       [](auto& c, auto& k, auto& v) { c.his.timeoutSeconds = asInt(k, v, 1, 600); }},
      {"mllp.host", [](auto& c, auto& k, auto& v) { c.mllp.host = asString(k, v); }},
      {"mllp.port", [](auto& c, auto& k, auto& v) { c.mllp.port = asInt(k, v, 0, 65535); }},
      {"mllp.maxMessageBytes",
       [](auto& c, auto& k, auto& v) {
         c.mllp.maxMessageBytes = static_cast<std::size_t>(asInt(k, v, 1024, 1 << 30));
       }},
      {"mllp.idleTimeoutSeconds",
       [](auto& c, auto& k, auto& v) { c.mllp.idleTimeoutSeconds = asInt(k, v, 1, 86400); }},
      {"mllp.ackMode",
       [](auto& c, auto& k, auto& v) {
         c.mllp.ackMode = oneOf(k, v, {"original", "enhanced"}) == "original" ? AckMode::Original
                                                                              : AckMode::Enhanced;
       }},
      {"mllp.rejectUnknownTriggers",
       [](auto& c, auto& k, auto& v) { c.mllp.rejectUnknownTriggers = asBool(k, v); }},
      {"mllp.maxConnections",
       [](auto& c, auto& k, auto& v) { c.mllp.maxConnections = asInt(k, v, 1, 10000); }},
      {"identity.systemsFile",
       [](auto& c, auto& k, auto& v) {
         c.identity.systemsFile = asString(k, v, /*allowEmpty=*/true);
       }},
      {"auth.mode",
       [](auto& c, auto& k, auto& v) {
         c.auth.mode = oneOf(k, v, {"none", "jwt"});
       }},
      {"auth.jwt.issuer",
       [](auto& c, auto& k, auto& v) { c.auth.issuer = asString(k, v, /*allowEmpty=*/true); }},
      {"auth.jwt.audience",
       [](auto& c, auto& k, auto& v) { c.auth.audience = asString(k, v, /*allowEmpty=*/true); }},
      {"auth.jwt.publicKeyFiles",
       [](auto& c, auto& k, auto& v) { c.auth.publicKeyFiles = asList(k, v); }},
      {"regional.urls", [](auto& c, auto& k, auto& v) { c.regional.urls = asBaseUrls(k, v); }},
      {"workflow.submitSteps",
       [](auto& c, auto& k, auto& v) { c.workflow.submitSteps = asList(k, v); }},
      {"workflow.deadlinesFile",
       [](auto& c, auto& k, auto& v) { c.workflow.deadlinesFile = asString(k, v, true); }},
      {"workflow.rescheduleNoticeMinutes",
       [](auto& c, auto& k, auto& v) {
         c.workflow.rescheduleNoticeMinutes = asInt(k, v, 0, 10080);
       }},
      {"workflow.regionCode",
       [](auto& c, auto& k, auto& v) {
         // Digits: "--set workflow.regionCode=3301" arrives as a number.
         c.workflow.regionCode = v.isInteger() ? v.toString() : asString(k, v, true);
       }},
      {"workflow.deadlineCheckSeconds",
       [](auto& c, auto& k, auto& v) { c.workflow.deadlineCheckSeconds = asInt(k, v, 1, 3600); }},
      {"workflow.requirePoolExpert",
       [](auto& c, auto& k, auto& v) { c.workflow.requirePoolExpert = asBool(k, v); }},
      {"workflow.package.lookbackDays",
       [](auto& c, auto& k, auto& v) { c.workflow.packageLookbackDays = asInt(k, v, 0, 3650); }},
      {"workflow.package.pacs",
       [](auto& c, auto& k, auto& v) { c.workflow.packagePacs = asString(k, v, true); }},
      {"workflow.package.waitSeconds",
       [](auto& c, auto& k, auto& v) { c.workflow.packageWaitSeconds = asInt(k, v, 1, 600); }},
      {"referral.priorConsultDays",
       [](auto& c, auto& k, auto& v) { c.referral.priorConsultDays = asInt(k, v, 1, 3650); }},
      {"referral.resultValidityDays",
       [](auto& c, auto& k, auto& v) { c.referral.resultValidityDays = asInt(k, v, 1, 3650); }},
      {"workflow.requireSignedReport",
       [](auto& c, auto& k, auto& v) { c.workflow.requireSignedReport = asBool(k, v); }},
      {"testing.controlledClock",
       [](auto& c, auto& k, auto& v) { c.controlledClock = asBool(k, v); }},
      {"regional.poll.owner",
       [](auto& c, auto& k, auto& v) { c.regional.pollOwner = asString(k, v, true); }},
      {"regional.poll.seconds",
       [](auto& c, auto& k, auto& v) { c.regional.pollSeconds = asInt(k, v, 0, 86400); }},
      {"regional.poll.overlapSeconds",
       [](auto& c, auto& k, auto& v) { c.regional.pollOverlapSeconds = asInt(k, v, 0, 86400); }},
      {"regional.failbackSeconds",
       [](auto& c, auto& k, auto& v) { c.regional.failbackSeconds = asInt(k, v, 1, 86400); }},
      {"regional.resourceTypes",
       [](auto& c, auto& k, auto& v) {
         auto types = asList(k, v);
         c.regional.resourceTypes = {types.begin(), types.end()};
       }},
      {"regional.retryMaxSeconds",
       [](auto& c, auto& k, auto& v) { c.regional.retryMaxSeconds = asInt(k, v, 1, 86400); }},
      {"regional.maxAttempts",
       [](auto& c, auto& k, auto& v) { c.regional.maxAttempts = asInt(k, v, 0, 1000000); }},
      {"regional.maxAgeHours",
       [](auto& c, auto& k, auto& v) { c.regional.maxAgeHours = asInt(k, v, 0, 24 * 365); }},
      {"regional.breaker.failures",
       [](auto& c, auto& k, auto& v) { c.regional.breakerFailures = asInt(k, v, 1, 1000); }},
      {"regional.breaker.openSeconds",
       [](auto& c, auto& k, auto& v) { c.regional.breakerOpenSeconds = asInt(k, v, 1, 3600); }},
      {"regional.concurrentBundles",
       [](auto& c, auto& k, auto& v) { c.regional.concurrentBundles = asInt(k, v, 1, 16); }},
      {"regional.timeoutSeconds",
       [](auto& c, auto& k, auto& v) { c.regional.timeoutSeconds = asInt(k, v, 1, 600); }},
      {"regional.tls.caFile",
       [](auto& c, auto& k, auto& v) { c.regional.caFile = asString(k, v, true); }},
      {"regional.tls.clientCertFile",
       [](auto& c, auto& k, auto& v) { c.regional.clientCertFile = asString(k, v, true); }},
      {"regional.tls.clientKeyFile",
       [](auto& c, auto& k, auto& v) { c.regional.clientKeyFile = asString(k, v, true); }},
      {"regional.auth.mode",
       [](auto& c, auto& k,
          auto& v) { c.regional.auth.mode = oneOf(k, v, {"none", "bearer", "oauth2"}); }},
      {"regional.auth.bearerTokenFile",
       [](auto& c, auto& k, auto& v) { c.regional.auth.bearerTokenFile = asString(k, v, true); }},
      {"regional.auth.oauth2.tokenUrl",
       [](auto& c, auto& k, auto& v) { c.regional.auth.tokenUrl = asString(k, v, true); }},
      {"regional.auth.oauth2.clientId",
       [](auto& c, auto& k, auto& v) { c.regional.auth.clientId = asString(k, v, true); }},
      {"regional.auth.oauth2.clientSecretFile",
       [](auto& c, auto& k, auto& v) { c.regional.auth.clientSecretFile = asString(k, v, true); }},
      {"regional.auth.oauth2.scope",
       [](auto& c, auto& k, auto& v) { c.regional.auth.scope = asString(k, v, true); }},
      {"auth.jwt.leewaySeconds",
       [](auto& c, auto& k, auto& v) { c.auth.leewaySeconds = asInt(k, v, 0, 3600); }},
      {"workers.count", [](auto& c, auto& k, auto& v) { c.workers.count = asInt(k, v, 1, 64); }},
      {"workers.leaseSeconds",
       [](auto& c, auto& k, auto& v) { c.workers.leaseSeconds = asInt(k, v, 1, 86400); }},
      {"workers.maxAttempts",
       [](auto& c, auto& k, auto& v) { c.workers.maxAttempts = asInt(k, v, 1, 1000); }},
      {"workers.retryBaseSeconds",
       [](auto& c, auto& k, auto& v) { c.workers.retryBaseSeconds = asInt(k, v, 0, 3600); }},
  };
  return kSchema;
}

void flatten(const Object& obj, const std::string& prefix, std::map<std::string, Var>& out) {
  for (const auto& [name, value] : obj) {
    std::string key = prefix.empty() ? name : prefix + "." + name;
    if (value.type() == typeid(Object::Ptr)) {
      flatten(*value.extract<Object::Ptr>(), key, out);
    } else {
      out[key] = value;
    }
  }
}

// An override value is an integer, true/false, a "quoted string" or else a plain string:
// --set mllp.port=0, --set store.url=sqlite:x.db
Var overrideValue(const std::string& text) {
  if (text == "true" || text == "false") return Var(text == "true");
  if (!text.empty() && text.find_first_not_of("-0123456789") == std::string::npos && text != "-") {
    try {
      return Var(static_cast<Poco::Int64>(std::stoll(text)));
    } catch (const std::exception&) {
    }
  }
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    return Var(text.substr(1, text.size() - 2));
  return Var(text);
}

// Removes // and /* */ comments outside strings (Poco 1.11's own stripping trips over quotes
// inside comments).
std::string stripComments(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      out += c;
      if (c == '\\' && i + 1 < text.size())
        out += text[++i];
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
      out += c;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
      out += '\n';
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      std::size_t end = text.find("*/", i + 2);
      i = end == std::string::npos ? text.size() : end + 1;
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

bool loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Access rules that span keys: no authentication is only safe while nothing else can connect.
void checkAuth(const GatewayConfig& c) {
  if (c.auth.mode == "none") {
    for (const auto& [key, host] : {std::pair<std::string, std::string>{"http.host", c.http.host},
                                    {"mllp.host", c.mllp.host},
                                    {"dicom.host", c.dicom.host}})
      if (!loopback(host))
        invalid("auth.mode", "none is allowed only while every listener binds loopback (" + key +
                                 " is " + host + "); use jwt");
    return;
  }
  if (c.controlledClock)
    invalid("testing.controlledClock", "a controlled clock needs auth.mode none (tests only)");
  if (c.auth.issuer.empty()) invalid("auth.jwt.issuer", "required with auth.mode jwt");
  if (c.auth.audience.empty()) invalid("auth.jwt.audience", "required with auth.mode jwt");
  if (c.auth.publicKeyFiles.empty())
    invalid("auth.jwt.publicKeyFiles", "required with auth.mode jwt (PEM files, comma-separated)");
}

// The regional connector's credentials must come as a whole.
void checkRegional(const GatewayConfig& c) {
  const auto& a = c.regional.auth;
  if (a.mode == "bearer" && a.bearerTokenFile.empty())
    invalid("regional.auth.bearerTokenFile", "required with regional.auth.mode bearer");
  if (a.mode == "oauth2") {
    if (a.tokenUrl.rfind("http://", 0) != 0 && a.tokenUrl.rfind("https://", 0) != 0)
      invalid("regional.auth.oauth2.tokenUrl",
              "required with regional.auth.mode oauth2 (an "
              "http:// or https:// URL)");
    if (a.clientId.empty())
      invalid("regional.auth.oauth2.clientId", "required with regional.auth.mode oauth2");
    if (a.clientSecretFile.empty())
      invalid("regional.auth.oauth2.clientSecretFile", "required with regional.auth.mode oauth2");
  }
  if (c.regional.pollSeconds > 0 && (c.regional.urls.empty() || c.regional.pollOwner.empty()))
    invalid("regional.poll.seconds", "polling needs regional.urls and regional.poll.owner");
  if (c.regional.clientCertFile.empty() != c.regional.clientKeyFile.empty())
    invalid(c.regional.clientCertFile.empty() ? "regional.tls.clientCertFile"
                                              : "regional.tls.clientKeyFile",
            "a client certificate needs both regional.tls.clientCertFile and clientKeyFile");
}

}  // namespace

GatewayConfig parseConfig(const std::string& text, const std::vector<std::string>& overrides) {
  std::map<std::string, Var> values;
  try {
    Poco::JSON::Parser parser;
    Var root = parser.parse(stripComments(text));
    if (root.type() != typeid(Object::Ptr))
      throw Error(ErrorCode::ConfigInvalid, "(root): must be an object");
    flatten(*root.extract<Object::Ptr>(), "", values);
  } catch (const Poco::Exception& e) {
    throw Error(ErrorCode::ConfigInvalid, "(file): not valid JSON: " + e.displayText());
  }
  for (const auto& o : overrides) {
    auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(ErrorCode::ConfigInvalid, o + ": --set needs key=value");
    values[o.substr(0, eq)] = overrideValue(o.substr(eq + 1));
  }
  GatewayConfig config;
  const auto& keys = schema();
  for (const auto& [key, value] : values) {
    if (setPeer(config, key, value) || setHospital(config, key, value) ||
        setWorkflowMap(config, key, value) || setRecognisedLevels(config, key, value))
      continue;
    auto it = keys.find(key);
    if (it == keys.end()) throw Error(ErrorCode::ConfigUnknownKey, key);
    it->second(config, key, value);
  }
  checkAuth(config);
  checkRegional(config);
  checkCrossKeys(config);
  return config;
}

GatewayConfig loadConfig(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::ConfigUnreadable, path);
  std::ostringstream text;
  text << in.rdbuf();
  return parseConfig(text.str(), overrides);
}

}  // namespace medbridge::core
