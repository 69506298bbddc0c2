#include "gateway/app/ScopeCheck.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace medbridge::app {
namespace {

http::Response error(int status, const std::string& why, const std::string& challenge) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  w.StartObject();
  w.Key("error");
  w.String(why.c_str());
  w.EndObject();
  http::Response r{status, "application/json", std::string(out.GetString()) + "\n", {}};
  if (!challenge.empty()) r.headers.emplace_back("WWW-Authenticate", challenge);
  return r;
}

}  // namespace

std::optional<http::Response> refuseWithoutScope(const http::Request& r,
                                                 const auth::TokenVerifier* verifier,
                                                 const std::string& scope) {
  if (!verifier) return std::nullopt;
  const std::string& authorization = r.header("authorization");
  if (authorization.rfind("Bearer ", 0) != 0)
    return error(401, "a bearer token is required", "Bearer");
  try {
    for (const auto& s : verifier->verify(authorization.substr(7)).scopes)
      if (s == scope) return std::nullopt;
    return error(403, "the token lacks the scope " + scope, "");
  } catch (const auth::AuthError& e) {
    return error(401, e.what(), "Bearer error=\"invalid_token\"");
  }
}

}  // namespace medbridge::app
