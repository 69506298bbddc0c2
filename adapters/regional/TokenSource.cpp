#include "adapters/regional/TokenSource.h"

#include <rapidjson/document.h>

#include <Poco/URI.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "gateway/core/ErrorCode.h"
#include "gateway/core/Hash.h"

namespace medbridge::adapters::regional {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string formEncoded(const std::string& value) {
  std::string out;
  Poco::URI::encode(value, "!#$&'()*+,/:;=?@[]", out);
  return out;
}

}  // namespace

std::string readSecretFile(const std::string& file, const std::string& key) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  std::string secret = trimmed(text.str());
  if (!in || secret.empty())
    throw core::Error(core::ErrorCode::ConfigInvalid, key + ": cannot read a secret from " + file);
  return secret;
}

StaticToken::StaticToken(const std::string& file)
    : token_(readSecretFile(file, "regional.auth.bearerTokenFile")) {}

OAuth2Token::OAuth2Token(ClientCredentials credentials, TlsSettings tls, int timeoutSeconds)
    : credentials_(std::move(credentials)), tls_(std::move(tls)), timeoutSeconds_(timeoutSeconds) {}

bool OAuth2Token::renew() {
  std::lock_guard<std::mutex> lock(mutex_);
  token_.clear();
  return true;
}

std::string OAuth2Token::token(std::int64_t nowMs, std::string& problem) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!token_.empty() && nowMs < renewAt_) return token_;
  std::string form = "grant_type=client_credentials";
  if (!credentials_.scope.empty()) form += "&scope=" + formEncoded(credentials_.scope);
  ++fetches_;
  auto r = httpExchange("POST", credentials_.tokenUrl, "application/x-www-form-urlencoded", form,
                        "Basic " + core::base64(formEncoded(credentials_.clientId) + ":" +
                                                formEncoded(credentials_.clientSecret)),
                        tls_, timeoutSeconds_);
  token_.clear();
  if (r.status != 200) {
    problem = "no OAuth2 token from " + credentials_.tokenUrl + ": " +
              (r.status == 0 ? r.problem
                             : "HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 300));
    return "";
  }
  rapidjson::Document d;
  d.Parse(r.body.c_str(), r.body.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("access_token") ||
      !d["access_token"].IsString()) {
    problem =
        "the OAuth2 token endpoint " + credentials_.tokenUrl + " answered without an access_token";
    return "";
  }
  token_ = d["access_token"].GetString();
  std::int64_t lifetime = 3600;  // RFC 6749: expires_in is recommended, not required
  if (d.HasMember("expires_in") && d["expires_in"].IsInt64()) lifetime = d["expires_in"].GetInt64();
  // Renewed 30 s before it expires, or after 90% of a lifetime shorter than five minutes.
  std::int64_t renewIn =
      lifetime > 300 ? lifetime - 30 : std::max<std::int64_t>(0, lifetime * 9 / 10);
  renewAt_ = nowMs + renewIn * 1000;
  return token_;
}

}  // namespace medbridge::adapters::regional
