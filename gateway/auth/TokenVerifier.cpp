#include "gateway/auth/TokenVerifier.h"

#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/JWT/JWTException.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>

#include <fstream>
#include <sstream>

#include "gateway/core/ErrorCode.h"

namespace medbridge::auth {
namespace {

// "system/Patient.read" -> (Patient, read)
bool grants(const std::string& scope, const std::string& type, bool write) {
  if (scope.rfind("system/", 0) != 0) return false;
  auto dot = scope.find('.', 7);
  if (dot == std::string::npos) return false;
  std::string target = scope.substr(7, dot - 7), access = scope.substr(dot + 1);
  if (target != "*" && target != type) return false;
  return access == "*" || access == (write ? "write" : "read");
}

}  // namespace

bool Principal::permits(const std::string& type, bool write) const {
  for (const auto& s : scopes)
    if (grants(s, type, write)) return true;
  return false;
}

struct TokenVerifier::Keys {
  std::vector<std::unique_ptr<Poco::JWT::Signer>> signers;
};

TokenVerifier::TokenVerifier(const core::AuthConfig& config, const core::IClock& clock)
    : config_(config), clock_(clock), keys_(std::make_unique<Keys>()) {
  for (const auto& file : config.publicKeyFiles) {
    std::ifstream in(file);
    if (!in)
      throw core::Error(core::ErrorCode::ConfigInvalid,
                        "auth.jwt.publicKeyFiles: cannot read " + file);
    std::stringstream pem;
    pem << in.rdbuf();
    auto signer = std::make_unique<Poco::JWT::Signer>();
    try {
      std::istringstream is(pem.str());
      Poco::SharedPtr<Poco::Crypto::RSAKey> rsa(new Poco::Crypto::RSAKey(&is));
      signer = std::make_unique<Poco::JWT::Signer>(rsa);
      signer->setAlgorithms({Poco::JWT::Signer::ALGO_RS256});
    } catch (const Poco::Exception&) {
      try {
        std::istringstream is(pem.str());
        Poco::SharedPtr<Poco::Crypto::ECKey> ec(new Poco::Crypto::ECKey(&is));
        signer = std::make_unique<Poco::JWT::Signer>(ec);
        signer->setAlgorithms({Poco::JWT::Signer::ALGO_ES256});
      } catch (const Poco::Exception& e) {
        throw core::Error(core::ErrorCode::ConfigInvalid,
                          "auth.jwt.publicKeyFiles: " + file +
                              " is not a PEM RSA or EC public key: " + e.displayText());
      }
    }
    keys_->signers.push_back(std::move(signer));
  }
}

TokenVerifier::~TokenVerifier() = default;

Principal TokenVerifier::verify(const std::string& jwt) const {
  Poco::JWT::Token token;
  bool verified = false;
  for (const auto& signer : keys_->signers) {
    try {
      if (signer->tryVerify(jwt, token)) {
        verified = true;
        break;
      }
    } catch (const Poco::Exception&) {
      // malformed for this key type: try the next key
    }
  }
  if (!verified) throw AuthError("the bearer token's signature does not verify");
  std::int64_t now = clock_.nowMillis() / 1000, leeway = config_.leewaySeconds;
  const auto& claims = token.payload();
  if (!claims.has("exp")) throw AuthError("the bearer token has no exp");
  if (token.getExpiration().epochTime() + leeway < now) throw AuthError("the bearer token expired");
  if (claims.has("nbf") && token.getNotBefore().epochTime() - leeway > now)
    throw AuthError("the bearer token is not valid yet (nbf)");
  if (token.getIssuer() != config_.issuer)
    throw AuthError("the bearer token's issuer is not " + config_.issuer);
  auto audiences = token.getAudience();
  bool audience = false;
  for (const auto& a : audiences) audience = audience || a == config_.audience;
  if (!audience) throw AuthError("the bearer token is not for audience " + config_.audience);
  Principal p;
  p.subject = token.getSubject();
  std::string scope = claims.optValue<std::string>("scope", "");
  std::istringstream words(scope);
  for (std::string s; words >> s;) p.scopes.push_back(s);
  return p;
}

}  // namespace medbridge::auth
